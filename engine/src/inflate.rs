// gzip decompression: gzip members (RFC 1952) of DEFLATE data (RFC 1951) in stored, fixed-Huffman and
// dynamic-Huffman blocks, each member's CRC-32 and length checked. A Parquet GZIP page is decompressed whole,
// bounded by its stated size (`decompress`); a gzipped CSV or JSON Lines file is handed on in pieces as it grows
// (`stream`). Any structural error makes the input unreadable here, so the file goes back to the TypeScript path.
use crate::scan::Unsupported;

fn bad<T>(what: &str) -> Result<T, Unsupported> {
    Err(Unsupported(format!("unreadable gzip data: {what}")))
}

/// The farthest back a match reaches: output kept after it is handed on.
const WINDOW: usize = 32 << 10;

/// Takes output as it grows: called whenever `out` holds `every` bytes or more, with the member's first byte at
/// `start` and the input read up to `pos` of the member; may remove bytes from the front of `out` except the last
/// WINDOW, moving `start` back by as many (not below 0).
trait Flush {
    fn every(&self) -> usize;
    fn flush(
        &mut self,
        out: &mut Vec<u8>,
        start: &mut usize,
        pos: usize,
    ) -> Result<(), Unsupported>;
}

/// A page: decompressed whole.
struct Whole;

impl Flush for Whole {
    fn every(&self) -> usize {
        usize::MAX
    }
    fn flush(&mut self, _: &mut Vec<u8>, _: &mut usize, _: usize) -> Result<(), Unsupported> {
        Ok(())
    }
}

/// Least significant bit first, as DEFLATE packs everything but Huffman codes, 56 or more bits buffered at a time
/// so that one refill covers a whole length/distance pair. Bits past the end read as zeros and are counted.
struct Bits<'a> {
    data: &'a [u8],
    /// The next byte to load.
    pos: usize,
    buf: u64,
    /// Bits of `buf` not yet consumed.
    n: u32,
    /// Zero bytes loaded past the end.
    past: usize,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Bits {
            data,
            pos: 0,
            buf: 0,
            n: 0,
            past: 0,
        }
    }

    #[inline(always)]
    fn refill(&mut self) {
        if self.n > 56 {
            return;
        }
        if let Some(w) = self.data.get(self.pos..self.pos + 8) {
            // The bytes beyond the whole ones taken land above `n`: they are the next bytes, so loading them
            // again next time ORs in the same bits.
            self.buf |= u64::from_le_bytes(w.try_into().unwrap()) << self.n;
            let take = (63 - self.n) / 8;
            self.pos += take as usize;
            self.n += take * 8;
        } else {
            while self.n <= 56 {
                match self.data.get(self.pos) {
                    Some(&b) => {
                        self.buf |= u64::from(b) << self.n;
                        self.pos += 1;
                    }
                    None => self.past += 1,
                }
                self.n += 8;
            }
        }
    }

    /// The next `k` (≤ 32) bits without consuming them; the caller has refilled.
    #[inline(always)]
    fn peek(&self, k: u32) -> u32 {
        (self.buf & ((1u64 << k) - 1)) as u32
    }

    #[inline(always)]
    fn consume(&mut self, k: u32) {
        self.buf >>= k;
        self.n -= k;
    }

    #[inline(always)]
    fn take(&mut self, k: u32) -> u32 {
        let v = self.peek(k);
        self.consume(k);
        v
    }

    /// Drops the bits up to the next byte boundary and returns the position of that byte in `data`.
    fn align(&mut self) -> Result<usize, Unsupported> {
        self.consume(self.n % 8);
        let at = self.pos + self.past - self.n as usize / 8;
        if at > self.data.len() {
            return bad("data truncated");
        }
        Ok(at)
    }

    /// Continues reading at byte `at`, with nothing buffered.
    fn seek(&mut self, at: usize) {
        (self.pos, self.buf, self.n, self.past) = (at, 0, 0, 0);
    }
}

/// A canonical Huffman code as a table indexed by the next `bits` bits of the stream: each entry is the symbol
/// shifted left by 4 and its code length (0 for bit patterns no code begins with).
#[derive(Default)]
struct Code {
    bits: u32,
    table: Vec<u32>,
}

const MAX_CODE_BITS: usize = 15;

impl Code {
    /// The code whose symbol `s` has length `lengths[s]` (0: unused). An over-full set of lengths is an error; an
    /// incomplete one leaves holes that are an error only when read.
    fn build(&mut self, lengths: &[u8]) -> Result<(), Unsupported> {
        let mut count = [0u32; MAX_CODE_BITS + 1];
        for &l in lengths {
            count[l as usize] += 1;
        }
        count[0] = 0;
        let mut left = 1i64;
        for &c in &count[1..] {
            left = 2 * left - i64::from(c);
            if left < 0 {
                return bad("Huffman code lengths that over-fill the code");
            }
        }
        self.bits = (1..=MAX_CODE_BITS)
            .rev()
            .find(|&l| count[l] > 0)
            .unwrap_or(1) as u32;
        self.table.clear();
        self.table.resize(1 << self.bits, 0);
        // The first code of each length, in canonical order (RFC 1951 §3.2.2).
        let mut next = [0u32; MAX_CODE_BITS + 1];
        for l in 1..=MAX_CODE_BITS {
            next[l] = (next[l - 1] + count[l - 1]) << 1;
        }
        for (symbol, &l) in lengths.iter().enumerate() {
            if l == 0 {
                continue;
            }
            let l = u32::from(l);
            let code = next[l as usize];
            next[l as usize] += 1;
            // Codes are stored most significant bit first in the little-endian bit stream: index reversed.
            let first = (code.reverse_bits() >> (32 - l)) as usize;
            let entry = (symbol as u32) << 4 | l;
            for slot in self.table[first..].iter_mut().step_by(1 << l) {
                *slot = entry;
            }
        }
        Ok(())
    }

    /// The next symbol; the caller has refilled.
    #[inline(always)]
    fn decode(&self, b: &mut Bits) -> Result<usize, Unsupported> {
        let entry = self.table[b.peek(self.bits) as usize];
        let l = entry & 15;
        if l == 0 {
            return bad("bits that are no Huffman code");
        }
        b.consume(l);
        Ok((entry >> 4) as usize)
    }
}

// Length symbols 257..=285 and distance symbols 0..=29: base values and extra bits (RFC 1951 §3.2.5).
const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// The order in which a dynamic block lists the code lengths of its code-length code.
const LENGTH_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Codes and buffers kept from block to block.
#[derive(Default)]
struct Tables {
    lit: Code,
    dist: Code,
    lengths: Vec<u8>,
}

impl Tables {
    fn fixed(&mut self) -> Result<(), Unsupported> {
        self.lengths.clear();
        self.lengths.resize(288, 8);
        self.lengths[144..256].fill(9);
        self.lengths[256..280].fill(7);
        self.lit.build(&self.lengths)?;
        self.dist.build(&[5; 30])
    }

    fn dynamic(&mut self, b: &mut Bits) -> Result<(), Unsupported> {
        b.refill();
        let lits = b.take(5) as usize + 257;
        let dists = b.take(5) as usize + 1;
        let listed = b.take(4) as usize + 4;
        if lits > 286 || dists > 30 {
            return bad("dynamic block with too many codes");
        }
        let mut cl = [0u8; 19];
        for &s in &LENGTH_ORDER[..listed] {
            b.refill();
            cl[s] = b.take(3) as u8;
        }
        let mut code = Code::default();
        code.build(&cl)?;
        self.lengths.clear();
        while self.lengths.len() < lits + dists {
            b.refill();
            let (value, repeat) = match code.decode(b)? {
                s @ 0..=15 => (s as u8, 1),
                16 => match self.lengths.last() {
                    Some(&prev) => (prev, 3 + b.take(2) as usize),
                    None => return bad("a repeat before any code length"),
                },
                17 => (0, 3 + b.take(3) as usize),
                _ => (0, 11 + b.take(7) as usize),
            };
            if self.lengths.len() + repeat > lits + dists {
                return bad("code lengths that run past their count");
            }
            self.lengths.extend(std::iter::repeat_n(value, repeat));
        }
        if self.lengths[256] == 0 {
            return bad("a block without an end-of-block code");
        }
        self.lit.build(&self.lengths[..lits])?;
        self.dist.build(&self.lengths[lits..])
    }
}

/// One member's DEFLATE data at the start of `src` into `out`, whose bytes from `start` are this member's (matches
/// cannot reach before it); returns the bytes of `src` it took.
fn inflate(
    src: &[u8],
    mut start: usize,
    limit: usize,
    out: &mut Vec<u8>,
    t: &mut Tables,
    f: &mut dyn Flush,
) -> Result<usize, Unsupported> {
    let mut b = Bits::new(src);
    loop {
        if out.len() >= f.every() {
            f.flush(out, &mut start, b.pos)?;
        }
        b.refill();
        let last = b.take(1) == 1;
        match b.take(2) {
            0 => {
                let at = b.align()?;
                let Some(head) = src.get(at..at + 4) else {
                    return bad("stored block truncated");
                };
                let len = usize::from(u16::from_le_bytes([head[0], head[1]]));
                if u16::from_le_bytes([head[2], head[3]]) != !(len as u16) {
                    return bad("stored block with a wrong length check");
                }
                let Some(bytes) = src.get(at + 4..at + 4 + len) else {
                    return bad("stored block truncated");
                };
                if out.len() + len > limit {
                    return bad("output larger than the page states");
                }
                out.extend_from_slice(bytes);
                b.seek(at + 4 + len);
            }
            kind @ (1 | 2) => {
                if kind == 1 {
                    t.fixed()?;
                } else {
                    t.dynamic(&mut b)?;
                }
                huffman_block(&mut b, &mut start, limit, out, t, f)?;
            }
            _ => return bad("block of the reserved type"),
        }
        if last {
            return b.align();
        }
    }
}

/// The symbols of one Huffman-coded block, up to its end-of-block code.
fn huffman_block(
    b: &mut Bits,
    start: &mut usize,
    limit: usize,
    out: &mut Vec<u8>,
    t: &Tables,
    f: &mut dyn Flush,
) -> Result<(), Unsupported> {
    let mut every = f.every();
    loop {
        if out.len() >= every {
            f.flush(out, start, b.pos)?;
            every = f.every();
        }
        // At most 15 + 5 + 15 + 13 bits per symbol: one refill. Past the end the reader hands out zeros, which
        // could decode as literals all the way to the page's stated size: reading past it is an error at once.
        b.refill();
        if b.past > 8 {
            return bad("data truncated");
        }
        let s = t.lit.decode(b)?;
        if s < 256 {
            if out.len() >= limit {
                return bad("output larger than the page states");
            }
            out.push(s as u8);
            continue;
        }
        if s == 256 {
            return Ok(());
        }
        let Some(&base) = LENGTH_BASE.get(s - 257) else {
            return bad("an invalid length symbol");
        };
        let len = usize::from(base) + b.take(u32::from(LENGTH_EXTRA[s - 257])) as usize;
        let d = t.dist.decode(b)?;
        let Some(&base) = DIST_BASE.get(d) else {
            return bad("an invalid distance symbol");
        };
        let dist = usize::from(base) + b.take(u32::from(DIST_EXTRA[d])) as usize;
        if dist > out.len() - *start {
            return bad("a match reaching before the data");
        }
        if out.len() + len > limit {
            return bad("output larger than the page states");
        }
        let from = out.len() - dist;
        if dist >= len {
            out.extend_from_within(from..from + len);
        } else {
            // Overlapping: each byte copied may be one this match wrote.
            for i in from..from + len {
                out.push(out[i]);
            }
        }
    }
}

/// The bytes after a member's fixed header fields and optional extra field, name, comment and header CRC.
fn header(src: &[u8], pos: usize) -> Result<usize, Unsupported> {
    let Some(h) = src.get(pos..pos + 10) else {
        return bad("member header truncated");
    };
    if h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 {
        return bad("member without the gzip magic number and DEFLATE method");
    }
    let flags = h[3];
    let mut at = pos + 10;
    if flags & 4 != 0 {
        let Some(x) = src.get(at..at + 2) else {
            return bad("member header truncated");
        };
        at += 2 + usize::from(u16::from_le_bytes([x[0], x[1]]));
    }
    for flag in [8, 16] {
        // A zero-terminated file name, then comment.
        if flags & flag != 0 {
            match src.get(at..).and_then(|r| r.iter().position(|&c| c == 0)) {
                Some(z) => at += z + 1,
                None => return bad("member header truncated"),
            }
        }
    }
    if flags & 2 != 0 {
        // The header's own check: the low 16 bits of the CRC-32 of the header before it.
        let Some(x) = src.get(at..at + 2) else {
            return bad("member header truncated");
        };
        if crc32(&src[pos..at]) as u16 != u16::from_le_bytes([x[0], x[1]]) {
            return bad("member header whose CRC does not match");
        }
        at += 2;
    }
    if at > src.len() {
        return bad("member header truncated");
    }
    Ok(at)
}

/// Decompresses every gzip member of `src` into `out` (cleared first); more than `limit` bytes of output is an
/// error.
pub fn decompress(src: &[u8], limit: usize, out: &mut Vec<u8>) -> Result<(), Unsupported> {
    out.clear();
    if src.is_empty() {
        return bad("page without a member");
    }
    let mut tables = Tables::default();
    let mut pos = 0;
    while pos < src.len() {
        pos = header(src, pos)?;
        let start = out.len();
        pos += inflate(&src[pos..], start, limit, out, &mut tables, &mut Whole)?;
        let Some(trailer) = src.get(pos..pos + 8) else {
            return bad("member trailer truncated");
        };
        let crc = u32::from_le_bytes(trailer[..4].try_into().unwrap());
        let size = u32::from_le_bytes(trailer[4..].try_into().unwrap());
        if crc32(&out[start..]) != crc || (out.len() - start) as u32 != size {
            return bad("member whose CRC-32 or length does not match its data");
        }
        pos += 8;
    }
    Ok(())
}

/// CRC-32 tables for eight bytes at a time: CRC[k][i] is the CRC of byte i followed by k zero bytes.
const CRC: [[u32; 256]; 8] = crc_tables();

const fn crc_tables() -> [[u32; 256]; 8] {
    let mut t = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

/// The CRC-32 (ISO-HDLC, as gzip uses it) of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    !crc_update(!0, data)
}

/// A running CRC-32 register (before its final inversion) after `data`.
fn crc_update(mut c: u32, data: &[u8]) -> u32 {
    let mut eights = data.chunks_exact(8);
    for e in &mut eights {
        let lo = u32::from_le_bytes(e[..4].try_into().unwrap()) ^ c;
        let hi = u32::from_le_bytes(e[4..].try_into().unwrap());
        let byte = |v: u32, s: u32| (v >> s & 0xFF) as usize;
        c = CRC[7][byte(lo, 0)]
            ^ CRC[6][byte(lo, 8)]
            ^ CRC[5][byte(lo, 16)]
            ^ CRC[4][byte(lo, 24)]
            ^ CRC[3][byte(hi, 0)]
            ^ CRC[2][byte(hi, 8)]
            ^ CRC[1][byte(hi, 16)]
            ^ CRC[0][byte(hi, 24)];
    }
    for &x in eights.remainder() {
        c = CRC[0][((c ^ u32::from(x)) & 0xFF) as usize] ^ (c >> 8);
    }
    c
}

/// A gzip file streamed: the output handed to `take` in pieces, each member checked as its bytes go by.
struct Stream<F> {
    take: F,
    /// Bytes at the front of the output that `take` has finished with.
    taken: usize,
    /// The member's CRC register over its bytes before `crc_at`.
    crc: u32,
    crc_at: usize,
    /// Bytes removed from the front of the output so far.
    drained: u64,
    /// Where the member starts in the input.
    member: usize,
    /// The output length at which to hand on next.
    next: usize,
    step: usize,
}

impl<F: FnMut(&[u8], bool, usize) -> Result<usize, Unsupported>> Stream<F> {
    fn hand(&mut self, out: &[u8], last: bool, pos: usize) -> Result<(), Unsupported> {
        self.crc = crc_update(self.crc, &out[self.crc_at..]);
        self.crc_at = out.len();
        self.taken += (self.take)(&out[self.taken..], last, pos)?;
        Ok(())
    }
}

impl<F: FnMut(&[u8], bool, usize) -> Result<usize, Unsupported>> Flush for Stream<F> {
    fn every(&self) -> usize {
        self.next
    }

    fn flush(
        &mut self,
        out: &mut Vec<u8>,
        start: &mut usize,
        pos: usize,
    ) -> Result<(), Unsupported> {
        self.hand(out, false, self.member + pos)?;
        // Output taken stays until it is a window behind the end.
        let drop = self.taken.min(out.len().saturating_sub(WINDOW));
        out.drain(..drop);
        self.taken -= drop;
        self.crc_at -= drop;
        self.drained += drop as u64;
        *start = start.saturating_sub(drop);
        self.next = out.len().saturating_add(self.step);
        Ok(())
    }
}

/// Decompresses every member of the gzip file `src`, handing the output to `take` as it grows by `step` bytes:
/// `take(bytes, last, read)` gets the output not taken yet (`last` on the final call, once every member is
/// checked) and how far `src` has been read, and returns how many of those bytes it has finished with. The rest
/// come again, with more after them, on the next call. Memory is those bytes plus a 32 KiB window.
pub fn stream(
    src: &[u8],
    step: usize,
    take: impl FnMut(&[u8], bool, usize) -> Result<usize, Unsupported>,
) -> Result<(), Unsupported> {
    if src.is_empty() {
        return bad("an empty file");
    }
    let mut s = Stream {
        take,
        taken: 0,
        crc: !0,
        crc_at: 0,
        drained: 0,
        member: 0,
        next: step,
        step,
    };
    let mut out = Vec::new();
    let mut tables = Tables::default();
    let mut pos = 0;
    while pos < src.len() {
        pos = header(src, pos)?;
        (s.crc, s.crc_at, s.member) = (!0, out.len(), pos);
        // The member's output: everything after the output's end now, removed from the front since or not.
        let from = s.drained + out.len() as u64;
        pos += inflate(
            &src[pos..],
            out.len(),
            usize::MAX,
            &mut out,
            &mut tables,
            &mut s,
        )?;
        let Some(trailer) = src.get(pos..pos + 8) else {
            return bad("member trailer truncated");
        };
        let crc = !crc_update(s.crc, &out[s.crc_at..]);
        s.crc_at = out.len();
        let size = s.drained + out.len() as u64 - from;
        if crc != u32::from_le_bytes(trailer[..4].try_into().unwrap())
            || size as u32 != u32::from_le_bytes(trailer[4..].try_into().unwrap())
        {
            return bad("member whose CRC-32 or length does not match its data");
        }
        pos += 8;
    }
    s.crc_at = out.len();
    s.hand(&out, true, src.len())
}

#[cfg(test)]
mod tests {
    use super::{crc32, decompress, stream};

    // Members written by Python's zlib: fixed Huffman codes, a stored block, and dynamic codes with a file name.
    const FIXED: &[u8] = &[
        31, 139, 8, 0, 0, 0, 0, 0, 0, 255, 75, 76, 74, 78, 132, 33, 133, 140, 212, 156, 156, 124,
        100, 18, 0, 197, 50, 220, 130, 30, 0, 0, 0,
    ];
    const STORED: &[u8] = &[
        31, 139, 8, 0, 0, 0, 0, 0, 0, 255, 1, 12, 0, 243, 255, 115, 116, 111, 114, 101, 100, 32,
        98, 121, 116, 101, 115, 120, 119, 166, 15, 12, 0, 0, 0,
    ];
    const DYNAMIC: &[u8] = &[
        31, 139, 8, 8, 0, 0, 0, 0, 0, 255, 112, 97, 103, 101, 46, 98, 105, 110, 0, 53, 208, 185,
        137, 4, 64, 12, 68, 81, 191, 99, 41, 67, 247, 17, 205, 176, 108, 10, 147, 63, 211, 52, 146,
        247, 13, 241, 40, 68, 32, 252, 255, 125, 63, 116, 24, 205, 253, 154, 143, 160, 180, 94,
        203, 81, 164, 231, 107, 61, 134, 200, 120, 109, 199, 225, 237, 175, 253, 4, 156, 237, 117,
        156, 132, 169, 142, 89, 80, 151, 49, 27, 146, 60, 38, 19, 184, 105, 80, 102, 48, 245, 168,
        44, 144, 26, 149, 21, 109, 57, 236, 245, 43, 98, 183, 58, 178, 124, 96, 14, 36, 217, 202,
        137, 16, 93, 185, 224, 38, 43, 55, 44, 120, 104, 33, 104, 209, 208, 194, 144, 238, 161,
        229, 14, 224, 218, 63, 40, 88, 115, 104, 49, 120, 140, 44, 142, 78, 31, 89, 2, 213, 182,
        114, 162, 88, 87, 46, 164, 202, 202, 141, 112, 30, 89, 9, 158, 180, 47, 102, 88, 245, 208,
        247, 222, 168, 134, 190, 159, 84, 201, 161, 213, 32, 22, 67, 171, 131, 195, 135, 214, 187,
        192, 86, 78, 232, 186, 133, 22, 89, 183, 239, 13, 143, 251, 3, 93, 151, 144, 194, 247, 1,
        0, 0,
    ];

    /// The text the dynamic member holds: 40 lines of `i,i*7919 mod 1000,cat_(i mod 7)`.
    fn lines() -> Vec<u8> {
        (0..40)
            .map(|i| format!("{i},{},cat_{}\n", i * 7919 % 1000, i % 7))
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn reads_fixed_stored_and_dynamic_blocks_and_members_in_sequence() {
        let mut out = Vec::new();
        decompress(FIXED, 1000, &mut out).unwrap();
        assert_eq!(out, b"abcabcabcabc hello hello hello");
        decompress(STORED, 1000, &mut out).unwrap();
        assert_eq!(out, b"stored bytes");
        decompress(DYNAMIC, 1000, &mut out).unwrap();
        assert_eq!(out, lines());
        // Members one after another make one output.
        decompress(&[STORED, FIXED].concat(), 1000, &mut out).unwrap();
        assert_eq!(out, b"stored bytesabcabcabcabc hello hello hello");
    }

    #[test]
    fn damage_limits_and_checksums_are_errors() {
        let mut out = Vec::new();
        assert!(decompress(DYNAMIC, lines().len() - 1, &mut out).is_err());
        assert!(decompress(&DYNAMIC[..DYNAMIC.len() - 9], 1000, &mut out).is_err());
        assert!(decompress(&DYNAMIC[..DYNAMIC.len() / 2], 1000, &mut out).is_err());
        assert!(decompress(&[], 1000, &mut out).is_err());
        // Cut short under a generous limit: an error as soon as the reader passes the end, not zeros decoded
        // as symbols up to the limit.
        for cut in [24, 40, 80, DYNAMIC.len() / 2] {
            assert!(decompress(&DYNAMIC[..cut], 1 << 30, &mut out).is_err());
            assert!(out.len() < 4096, "cut at {cut}: {} bytes out", out.len());
        }
        let mut crc = DYNAMIC.to_vec();
        let at = crc.len() - 8;
        crc[at] ^= 1;
        assert!(decompress(&crc, 1000, &mut out).is_err());
        // Every single flipped bit is an error or the original text: never a panic or a runaway output.
        for i in 0..DYNAMIC.len() * 8 {
            let mut d = DYNAMIC.to_vec();
            d[i / 8] ^= 1 << (i % 8);
            if decompress(&d, 1000, &mut out).is_ok() {
                assert_eq!(out, lines(), "bit {i}");
            }
        }
    }

    /// A gzip member of `data` in stored blocks, as a writer at level 0 makes it.
    fn stored_member(data: &[u8]) -> Vec<u8> {
        let mut m = vec![31, 139, 8, 0, 0, 0, 0, 0, 0, 255];
        let blocks: Vec<&[u8]> = data.chunks(65535).collect();
        for (i, b) in blocks.iter().enumerate() {
            m.push(u8::from(i + 1 == blocks.len()));
            let n = b.len() as u16;
            m.extend_from_slice(&n.to_le_bytes());
            m.extend_from_slice(&(!n).to_le_bytes());
            m.extend_from_slice(b);
        }
        m.extend_from_slice(&crc32(data).to_le_bytes());
        m.extend_from_slice(&(data.len() as u32).to_le_bytes());
        m
    }

    /// What `take` was handed, where each piece's finished part is its first `keep` bytes (or all, at the end).
    fn streamed(src: &[u8], step: usize, keep: usize) -> Result<Vec<u8>, String> {
        let mut got = Vec::new();
        stream(src, step, |bytes, last, _| {
            let n = if last {
                bytes.len()
            } else {
                keep.min(bytes.len())
            };
            got.extend_from_slice(&bytes[..n]);
            Ok(n)
        })
        .map_err(|e| e.0)?;
        Ok(got)
    }

    #[test]
    fn streams_members_in_pieces_past_the_window() {
        let a: Vec<u8> = (0..150_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let b: Vec<u8> = (0..70_000u32).map(|i| (i % 13) as u8).collect();
        let mut src = stored_member(&a);
        src.extend_from_slice(&stored_member(&b));
        src.extend_from_slice(DYNAMIC);
        let want = [a.clone(), b.clone(), lines()].concat();
        for (step, keep) in [(1000, 700), (40_000, 100_000), (1, 1), (usize::MAX, 0)] {
            assert_eq!(streamed(&src, step, keep).unwrap(), want, "{step} {keep}");
        }
        // A damaged byte in the second member's data, or its length, fails the check.
        let mut bad = src.clone();
        bad[stored_member(&a).len() + 40] ^= 1;
        assert!(streamed(&bad, 1000, 700).is_err());
        let mut bad = src.clone();
        let end = stored_member(&a).len() + stored_member(&b).len();
        bad[end - 1] ^= 1;
        assert!(streamed(&bad, 1000, 700).is_err());
        assert!(streamed(&src[..src.len() - 3], 1000, 700).is_err());
        assert!(streamed(&[], 1000, 700).is_err());
    }

    #[test]
    fn a_header_crc_is_checked() {
        let plain = stored_member(b"abc\n");
        let mut member = plain[..10].to_vec();
        member[3] = 2; // FHCRC
        let check = crc32(&member) as u16;
        member.extend_from_slice(&check.to_le_bytes());
        member.extend_from_slice(&plain[10..]);
        assert_eq!(streamed(&member, 1000, 0).unwrap(), b"abc\n");
        member[10] ^= 1;
        assert!(streamed(&member, 1000, 0).is_err());
    }

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        let long: Vec<u8> = (0..1000u32).map(|i| (i * 31) as u8).collect();
        // Eight bytes at a time and one at a time agree.
        let one = long.iter().fold(!0u32, |c, &x| {
            (0..8).fold(c ^ u32::from(x), |c, _| {
                if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                }
            })
        });
        assert_eq!(crc32(&long), !one);
    }
}
