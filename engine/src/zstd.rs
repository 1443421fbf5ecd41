// zstd decompression (RFC 8878), as Parquet's ZSTD pages hold it: frames of raw, RLE and compressed blocks;
// literals raw, RLE or Huffman-coded; sequences with FSE-coded lengths and offsets and the repeat-offset history.
// Dictionaries are not supported (Parquet does not use them) and the optional checksum is not verified; a page
// that fails any structural check is an error, and its file goes back to the TypeScript path.
use crate::bits::Backward;
use crate::fse::Fse;
use crate::huffman::Huffman;
use crate::scan::Unsupported;

/// The error for a page this decoder cannot read (fse.rs and huffman.rs report through it too).
pub fn bad<T>(what: &str) -> Result<T, Unsupported> {
    Err(Unsupported(format!("unreadable Parquet page: zstd {what}")))
}

const MAGIC: u32 = 0xFD2F_B528;
const BLOCK_MAX: usize = 1 << 17;

// Predefined distributions (RFC 8878 §3.1.1.3.2.2).
pub const LL_DEFAULT: [i16; 36] = [
    4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1,
    -1, -1, -1, -1,
];
const ML_DEFAULT: [i16; 53] = [
    1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
const OF_DEFAULT: [i16; 29] = [
    1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1,
];

// Literal and match length codes past the direct ones: (baseline, extra bits).
const LL_CODES: [(u32, u32); 20] = [
    (16, 1),
    (18, 1),
    (20, 1),
    (22, 1),
    (24, 2),
    (28, 2),
    (32, 3),
    (40, 3),
    (48, 4),
    (64, 6),
    (128, 7),
    (256, 8),
    (512, 9),
    (1024, 10),
    (2048, 11),
    (4096, 12),
    (8192, 13),
    (16384, 14),
    (32768, 15),
    (65536, 16),
];
const ML_CODES: [(u32, u32); 21] = [
    (35, 1),
    (37, 1),
    (39, 1),
    (41, 1),
    (43, 2),
    (47, 2),
    (51, 3),
    (59, 3),
    (67, 4),
    (83, 4),
    (99, 5),
    (131, 7),
    (259, 8),
    (515, 9),
    (1027, 10),
    (2051, 11),
    (4099, 12),
    (8195, 13),
    (16387, 14),
    (32771, 15),
    (65539, 16),
];

fn literal_length(code: u8) -> Option<(u32, u32)> {
    match code {
        0..=15 => Some((u32::from(code), 0)),
        _ => LL_CODES.get(usize::from(code) - 16).copied(),
    }
}

fn match_length(code: u8) -> Option<(u32, u32)> {
    match code {
        0..=31 => Some((u32::from(code) + 3, 0)),
        _ => ML_CODES.get(usize::from(code) - 32).copied(),
    }
}

/// What later blocks of a frame may reuse: the Huffman table, the three sequence tables, the offset history.
struct Frame {
    huffman: Option<Huffman>,
    tables: [Option<Fse>; 3],
    reps: [usize; 3],
    /// Where this frame's output starts in `out`: matches cannot reach before it.
    start: usize,
    /// The most output the frame may produce.
    end: usize,
}

/// Decompresses every frame of `src` into `out` (cleared first); more than `limit` bytes of output is an error.
pub fn decompress(src: &[u8], limit: usize, out: &mut Vec<u8>) -> Result<(), Unsupported> {
    out.clear();
    let mut pos = 0;
    while pos < src.len() {
        let Some(magic) = src.get(pos..pos + 4) else {
            return bad("frame truncated");
        };
        let magic = u32::from_le_bytes(magic.try_into().unwrap());
        pos += 4;
        if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
            // A skippable frame: its size, then as many bytes of user data.
            let Some(size) = src.get(pos..pos + 4) else {
                return bad("frame truncated");
            };
            pos += 4 + u32::from_le_bytes(size.try_into().unwrap()) as usize;
            continue;
        }
        if magic != MAGIC {
            return bad("frame with a wrong magic number");
        }
        pos = frame(src, pos, limit, out)?;
    }
    if pos > src.len() {
        return bad("frame truncated");
    }
    Ok(())
}

/// One frame from its header at `src[pos..]`; returns the position after it.
fn frame(
    src: &[u8],
    mut pos: usize,
    limit: usize,
    out: &mut Vec<u8>,
) -> Result<usize, Unsupported> {
    let Some(&descriptor) = src.get(pos) else {
        return bad("frame truncated");
    };
    pos += 1;
    let size_flag = descriptor >> 6;
    let single = descriptor & 0x20 != 0;
    let checksum = descriptor & 4 != 0;
    if descriptor & 8 != 0 {
        return bad("frame header with its reserved bit set");
    }
    if !single {
        pos += 1; // window descriptor: the whole page is decoded in memory, so any window fits
    }
    let dict_bytes = [0, 1, 2, 4][usize::from(descriptor & 3)];
    let Some(dict) = src.get(pos..pos + dict_bytes) else {
        return bad("frame truncated");
    };
    if dict.iter().any(|&b| b != 0) {
        return bad("frame that needs a dictionary");
    }
    pos += dict_bytes;
    let size_bytes = match size_flag {
        0 if single => 1,
        0 => 0,
        1 => 2,
        2 => 4,
        _ => 8,
    };
    let Some(size) = src.get(pos..pos + size_bytes) else {
        return bad("frame truncated");
    };
    pos += size_bytes;
    let stated = (size_bytes > 0).then(|| {
        let v = size.iter().rev().fold(0u64, |a, &b| a << 8 | u64::from(b));
        if size_bytes == 2 {
            v + 256
        } else {
            v
        }
    });
    let start = out.len();
    if let Some(n) = stated {
        if n > (limit - start) as u64 {
            return bad("frame larger than its page");
        }
        out.reserve(n as usize);
    }
    let mut f = Frame {
        huffman: None,
        tables: [None, None, None],
        reps: [1, 4, 8],
        start,
        end: limit,
    };
    loop {
        let Some(h) = src.get(pos..pos + 3) else {
            return bad("block header truncated");
        };
        let h = u32::from(h[0]) | u32::from(h[1]) << 8 | u32::from(h[2]) << 16;
        pos += 3;
        let size = (h >> 3) as usize;
        let room = f.end - out.len();
        match (h >> 1) & 3 {
            0 => {
                let Some(raw) = src.get(pos..pos + size) else {
                    return bad("raw block truncated");
                };
                if size > room {
                    return bad("output longer than its page");
                }
                out.extend_from_slice(raw);
                pos += size;
            }
            1 => {
                let Some(&b) = src.get(pos) else {
                    return bad("RLE block truncated");
                };
                if size > room {
                    return bad("output longer than its page");
                }
                out.resize(out.len() + size, b);
                pos += 1;
            }
            2 => {
                let Some(body) = src.get(pos..pos + size).filter(|_| size <= BLOCK_MAX) else {
                    return bad("compressed block truncated or too large");
                };
                block(body, &mut f, out)?;
                pos += size;
            }
            _ => return bad("block of the reserved type"),
        }
        if h & 1 == 1 {
            break;
        }
    }
    if checksum {
        pos += 4;
    }
    if stated.is_some_and(|n| n != (out.len() - start) as u64) {
        return bad("frame whose size differs from its header");
    }
    Ok(pos)
}

/// A compressed block: its literals section, then its sequences, executed onto `out`.
fn block(data: &[u8], f: &mut Frame, out: &mut Vec<u8>) -> Result<(), Unsupported> {
    let mut literals = Vec::new();
    let used = literals_section(data, f, &mut literals)?;
    sequences(&data[used..], &literals, f, out)
}

/// Decodes the literals section into `lits`; returns the bytes the section took.
fn literals_section(data: &[u8], f: &mut Frame, lits: &mut Vec<u8>) -> Result<usize, Unsupported> {
    let Some(&b0) = data.first() else {
        return bad("empty block");
    };
    let kind = b0 & 3;
    let format = (b0 >> 2) & 3;
    let byte = |i: usize| data.get(i).map_or(0, |&b| usize::from(b));
    if kind < 2 {
        // Raw or RLE: a regenerated size only.
        let (header, n) = match format {
            0 | 2 => (1, usize::from(b0 >> 3)),
            1 => (2, usize::from(b0 >> 4) + (byte(1) << 4)),
            _ => (3, usize::from(b0 >> 4) + (byte(1) << 4) + (byte(2) << 12)),
        };
        if n > BLOCK_MAX {
            return bad("literals larger than a block");
        }
        if kind == 0 {
            let Some(raw) = data.get(header..header + n) else {
                return bad("literals truncated");
            };
            lits.extend_from_slice(raw);
            return Ok(header + n);
        }
        let Some(&b) = data.get(header) else {
            return bad("literals truncated");
        };
        lits.resize(n, b);
        return Ok(header + 1);
    }
    // Huffman-coded: regenerated and compressed sizes, 1 or 4 streams.
    let (header, bits) = match format {
        0 | 1 => (3, 10),
        2 => (4, 14),
        _ => (5, 18),
    };
    let v = (0..header).fold(0u64, |a, i| a | (byte(i) as u64) << (8 * i)) >> 4;
    let mask = (1u64 << bits) - 1;
    let (n, size) = ((v & mask) as usize, (v >> bits & mask) as usize);
    if n > BLOCK_MAX {
        return bad("literals larger than a block");
    }
    let Some(body) = data.get(header..header + size) else {
        return bad("literals truncated");
    };
    let mut streams = body;
    if kind == 2 {
        let (table, used) = Huffman::read(body)?;
        f.huffman = Some(table);
        streams = &body[used..];
    }
    let Some(table) = &f.huffman else {
        return bad("treeless literals with no earlier tree");
    };
    table.decode(streams, n, format != 0, lits)?;
    Ok(header + size)
}

/// One of the three sequence tables, in the mode the header gives; returns the bytes its description took.
fn table(
    mode: u8,
    data: &[u8],
    slot: &mut Option<Fse>,
    default: (&[i16], u32),
    max_log: u32,
) -> Result<usize, Unsupported> {
    let used = match mode {
        0 => {
            *slot = Some(Fse::build(default.0, default.1)?);
            0
        }
        1 => {
            let Some(&s) = data.first() else {
                return bad("sequence table truncated");
            };
            *slot = Some(Fse::rle(s));
            1
        }
        2 => {
            let (t, used) = Fse::read(data, max_log, default.0.len())?;
            *slot = Some(t);
            used
        }
        _ if slot.is_some() => 0,
        _ => return bad("a repeated sequence table with no earlier one"),
    };
    Ok(used)
}

/// The sequences section: decodes each (literal length, offset, match length) and executes it onto `out`.
fn sequences(
    data: &[u8],
    lits: &[u8],
    f: &mut Frame,
    out: &mut Vec<u8>,
) -> Result<(), Unsupported> {
    let byte = |i: usize| data.get(i).map_or(0, |&b| usize::from(b));
    let (count, mut pos) = match byte(0) {
        0 => (0, 1),
        b @ 1..=127 => (b, 1),
        b @ 128..=254 => (((b - 128) << 8) + byte(1), 2),
        _ => (byte(1) + (byte(2) << 8) + 0x7F00, 3),
    };
    if data.is_empty() {
        return bad("sequences section missing");
    }
    if count == 0 {
        return copy_literals(lits, f, out);
    }
    let Some(&modes) = data.get(pos) else {
        return bad("sequences header truncated");
    };
    pos += 1;
    if modes & 3 != 0 {
        return bad("sequences header with its reserved bits set");
    }
    // Literal lengths, offsets, match lengths: mode bits, predefined distribution and its log, largest log.
    let kinds: [(u8, &[i16], u32, u32); 3] = [
        (6, &LL_DEFAULT, 6, 9),
        (4, &OF_DEFAULT, 5, 8),
        (2, &ML_DEFAULT, 6, 9),
    ];
    for (slot, (shift, default, log, max_log)) in f.tables.iter_mut().zip(kinds) {
        let mode = (modes >> shift) & 3;
        pos += table(
            mode,
            data.get(pos..).unwrap_or(&[]),
            slot,
            (default, log),
            max_log,
        )?;
    }
    let (Some(ll), Some(of), Some(ml)) = (&f.tables[0], &f.tables[1], &f.tables[2]) else {
        return bad("sequence tables missing");
    };
    let Some(mut bits) = data.get(pos..).and_then(Backward::new) else {
        return bad("sequences without their end marker");
    };
    let (mut ll_state, mut of_state, mut ml_state) =
        (ll.init(&mut bits), of.init(&mut bits), ml.init(&mut bits));
    let mut lit = 0;
    for i in 0..count {
        let of_code = u32::from(of.symbol(of_state));
        let (Some((ml_base, ml_bits)), Some((ll_base, ll_bits))) = (
            match_length(ml.symbol(ml_state)),
            literal_length(ll.symbol(ll_state)),
        ) else {
            return bad("length code out of range");
        };
        if of_code > 31 {
            return bad("offset code out of range");
        }
        let value = (1usize << of_code) + bits.read(of_code) as usize;
        let matched = (ml_base + bits.read(ml_bits)) as usize;
        let literal = (ll_base + bits.read(ll_bits)) as usize;
        let offset = next_offset(&mut f.reps, value, literal)?;
        if i + 1 < count {
            ll_state = ll.update(ll_state, &mut bits);
            ml_state = ml.update(ml_state, &mut bits);
            of_state = of.update(of_state, &mut bits);
        }
        // Execution: the literals, then the match.
        let Some(run) = lits.get(lit..lit + literal) else {
            return bad("sequence past its literals");
        };
        if literal + matched > f.end - out.len() {
            return bad("output longer than its page");
        }
        out.extend_from_slice(run);
        lit += literal;
        if offset > out.len() - f.start {
            return bad("match before the frame's start");
        }
        let from = out.len() - offset;
        if offset >= matched {
            out.extend_from_within(from..from + matched);
        } else {
            // Overlapping: the match repeats the last `offset` bytes.
            for k in 0..matched {
                out.push(out[from + k]);
            }
        }
    }
    if !bits.finished() {
        return bad("sequences not read exactly to their start");
    }
    copy_literals(&lits[lit..], f, out)
}

fn copy_literals(lits: &[u8], f: &Frame, out: &mut Vec<u8>) -> Result<(), Unsupported> {
    if lits.len() > f.end - out.len() {
        return bad("output longer than its page");
    }
    out.extend_from_slice(lits);
    Ok(())
}

/// The match offset an offset value stands for, keeping the three most recent offsets `r` up to date: values 1–3
/// repeat one of them (shifted by one when the sequence has no literals), larger ones are new offsets.
fn next_offset(r: &mut [usize; 3], value: usize, literals: usize) -> Result<usize, Unsupported> {
    {
        if value > 3 {
            *r = [value - 3, r[0], r[1]];
            return Ok(r[0]);
        }
        let index = value - 1 + usize::from(literals == 0);
        match index {
            0 => {}
            1 => r.swap(0, 1),
            2 => *r = [r[2], r[0], r[1]],
            _ => {
                if r[0] <= 1 {
                    return bad("repeat offset of zero");
                }
                *r = [r[0] - 1, r[0], r[1]];
            }
        }
        Ok(r[0])
    }
}

#[cfg(test)]
mod tests {
    use super::decompress;

    /// A frame of one raw block ("abc") and one RLE block (5 × 'z'), content size stated.
    #[test]
    fn raw_and_rle_blocks() {
        let mut src = vec![0x28, 0xB5, 0x2F, 0xFD, 0x20, 8];
        src.extend([3 << 3, 0, 0, b'a', b'b', b'c']);
        src.extend([(5 << 3) | 2 | 1, 0, 0, b'z']);
        let mut out = Vec::new();
        decompress(&src, 100, &mut out).map_err(|e| e.0).unwrap();
        assert_eq!(out, b"abczzzzz");
        assert!(decompress(&src, 7, &mut out).is_err());
        src[5] = 9; // stated size no longer matches
        assert!(decompress(&src, 100, &mut out).is_err());
        assert!(decompress(&src[..8], 100, &mut out).is_err());
    }

    /// The repeat-offset table of the format description.
    #[test]
    fn repeat_offsets() {
        let mut reps = [1, 4, 8];
        let steps = [
            (1114, 11, [1111, 1, 4]),
            (1, 22, [1111, 1, 4]),
            (2225, 22, [2222, 1111, 1]),
            (1114, 111, [1111, 2222, 1111]),
            (3336, 33, [3333, 1111, 2222]),
            (2, 22, [1111, 3333, 2222]),
            (3, 33, [2222, 1111, 3333]),
            (3, 0, [2221, 2222, 1111]),
            (1, 0, [2222, 2221, 1111]),
        ];
        for (value, literals, want) in steps {
            let got = super::next_offset(&mut reps, value, literals)
                .map_err(|e| e.0)
                .unwrap();
            assert_eq!((got, reps), (want[0], want), "offset value {value}");
        }
    }
}
