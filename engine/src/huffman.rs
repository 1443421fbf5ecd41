// zstd's Huffman-coded literals: the tree description (weights, direct or FSE-compressed), the decoding table
// it implies, and one or four backward streams.
use crate::bits::Backward;
use crate::fse::Fse;
use crate::scan::Unsupported;

fn bad<T>(what: &str) -> Result<T, Unsupported> {
    crate::zstd::bad(&format!("literals: {what}"))
}

const MAX_BITS: u32 = 11;

/// A table indexed by the next `bits` bits of a stream: each entry the symbol and its code length.
pub struct Huffman {
    bits: u32,
    table: Vec<(u8, u8)>,
}

impl Huffman {
    /// The tree description at the start of `data`; returns the table and the bytes the description took.
    pub fn read(data: &[u8]) -> Result<(Self, usize), Unsupported> {
        let Some(&header) = data.first() else {
            return bad("no tree description");
        };
        let (mut weights, used) = if header < 128 {
            let Some(body) = data.get(1..1 + header as usize) else {
                return bad("tree description truncated");
            };
            (fse_weights(body)?, 1 + header as usize)
        } else {
            let n = header as usize - 127;
            let Some(body) = data.get(1..1 + n.div_ceil(2)) else {
                return bad("tree description truncated");
            };
            let w = (0..n).map(|i| (body[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 15);
            (w.collect(), 1 + n.div_ceil(2))
        };
        // The last symbol's weight is implied: it completes the total to a power of two.
        let mut total = 0u32;
        for &w in &weights {
            if u32::from(w) > MAX_BITS {
                return bad("weight too large");
            }
            if w > 0 {
                total += 1 << (w - 1);
            }
        }
        if total == 0 {
            return bad("no weights");
        }
        let bits = 32 - total.leading_zeros();
        let rest = (1u32 << bits) - total;
        if bits > MAX_BITS || !rest.is_power_of_two() || weights.len() >= 256 {
            return bad("weights that do not make a tree");
        }
        weights.push((rest.trailing_zeros() + 1) as u8);
        // Codes go out in order of weight, then symbol: each symbol takes 2^(weight-1) consecutive entries.
        let mut table = vec![(0u8, 0u8); 1 << bits];
        let mut at = 0;
        for w in 1..=bits as u8 {
            for (s, _) in weights.iter().enumerate().filter(|(_, &x)| x == w) {
                let n = 1usize << (w - 1);
                table[at..at + n].fill((s as u8, bits as u8 + 1 - w));
                at += n;
            }
        }
        Ok((Huffman { bits, table }, used))
    }

    /// Decodes `n` literals from `data` (one stream, or four after a 6-byte jump table) onto `out`.
    pub fn decode(
        &self,
        data: &[u8],
        n: usize,
        four: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), Unsupported> {
        if !four {
            return self.stream(data, n, out);
        }
        let Some(jump) = data.get(..6) else {
            return bad("jump table truncated");
        };
        let size = |i: usize| usize::from(u16::from_le_bytes([jump[2 * i], jump[2 * i + 1]]));
        let (a, b, c) = (size(0), size(1), size(2));
        let starts = [6, 6 + a, 6 + a + b, 6 + a + b + c];
        if starts[3] >= data.len() {
            return bad("streams past the literals");
        }
        let each = n.div_ceil(4);
        if 3 * each > n {
            return bad("too few literals for four streams");
        }
        for (i, &from) in starts.iter().enumerate() {
            let to = starts.get(i + 1).copied().unwrap_or(data.len());
            let count = if i < 3 { each } else { n - 3 * each };
            self.stream(&data[from..to], count, out)?;
        }
        Ok(())
    }

    fn stream(&self, data: &[u8], n: usize, out: &mut Vec<u8>) -> Result<(), Unsupported> {
        let Some(mut bits) = Backward::new(data) else {
            return bad("a stream without its end marker");
        };
        out.reserve(n);
        for _ in 0..n {
            let (symbol, len) = self.table[bits.peek(self.bits) as usize];
            bits.skip(u32::from(len));
            out.push(symbol);
        }
        if !bits.finished() {
            return bad("a stream not read exactly to its start");
        }
        Ok(())
    }
}

/// FSE-compressed weights: a table description, then one backward stream that two states take turns on.
fn fse_weights(data: &[u8]) -> Result<Vec<u8>, Unsupported> {
    let (fse, used) = Fse::read(data, 6, 13)?;
    let Some(mut bits) = Backward::new(&data[used..]) else {
        return bad("weights without their end marker");
    };
    let mut states = [fse.init(&mut bits), fse.init(&mut bits)];
    let mut weights = Vec::new();
    // Each state gives its symbol and moves on; once a move reads past the stream, the other state's symbol is
    // the last one.
    'decode: loop {
        for k in 0..2 {
            weights.push(fse.symbol(states[k]));
            states[k] = fse.update(states[k], &mut bits);
            if bits.overflowed() {
                weights.push(fse.symbol(states[1 - k]));
                break 'decode;
            }
            if weights.len() > 255 {
                return bad("more than 255 weights");
            }
        }
    }
    Ok(weights)
}

#[cfg(test)]
mod tests {
    use super::Huffman;

    /// The format description's example tree (weights 4 3 2 0 1, then an implied 1: codes 1, 01, 001, 0000 and
    /// 0001 for symbols 0, 1, 2, 4 and 5), and a stream read backward: 1, 01, 0001, 0000.
    #[test]
    fn direct_weights_and_a_stream() {
        // Header 128 + 5 weights, packed two per byte, high nibble first.
        let desc = [127 + 5, 0x43, 0x20, 0x10];
        let (h, used) = Huffman::read(&desc).map_err(|e| e.0).unwrap();
        assert_eq!(used, 4);
        let mut out = Vec::new();
        h.decode(&[0b0001_0000, 0b0000_1101], 4, false, &mut out)
            .map_err(|e| e.0)
            .unwrap();
        assert_eq!(out, [0, 1, 5, 4]);
        assert!(h
            .decode(&[0b0001_0000, 0b0000_1101], 3, false, &mut out)
            .is_err());
    }
}
