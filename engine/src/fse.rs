// zstd's FSE (tANS) decoding tables: read from a table description, built from a predefined distribution, or a
// single repeated symbol (RLE mode). A state indexes the table; its entry gives the symbol, and how many bits to
// read and add to `base` for the next state.
use crate::bits::{Backward, Forward};
use crate::scan::Unsupported;
use crate::zstd::bad;

#[derive(Clone, Copy, Default)]
pub struct Entry {
    pub symbol: u8,
    pub bits: u8,
    pub base: u16,
}

#[derive(Clone)]
pub struct Fse {
    pub log: u32,
    pub table: Vec<Entry>,
}

impl Fse {
    /// RLE mode: every state decodes `symbol` and reads no bits.
    pub fn rle(symbol: u8) -> Self {
        Fse {
            log: 0,
            table: vec![Entry {
                symbol,
                bits: 0,
                base: 0,
            }],
        }
    }

    /// A table description at the start of `data` (accuracy log at most `max_log`, at most `max_symbols`
    /// symbols); returns the table and the bytes the description took.
    pub fn read(
        data: &[u8],
        max_log: u32,
        max_symbols: usize,
    ) -> Result<(Self, usize), Unsupported> {
        let mut f = Forward::new(data);
        let log = f.read(4) + 5;
        if log > max_log {
            return bad("accuracy log too large");
        }
        let mut counts: Vec<i16> = Vec::new();
        let mut remaining = (1i32 << log) + 1;
        let mut threshold = 1i32 << log;
        let mut width = log + 1;
        while remaining > 1 {
            if counts.len() >= max_symbols {
                return bad("table with too many symbols");
            }
            // Values below `small` fit in one bit less; the rest take the full width.
            let small = 2 * threshold - 1 - remaining;
            let low = f.peek(width - 1) as i32;
            let value = if low < small {
                f.skip(width - 1);
                low
            } else {
                let v = f.read(width) as i32;
                if v >= threshold {
                    v - small
                } else {
                    v
                }
            };
            let count = value - 1; // -1: "less than one", one cell
            remaining -= count.abs();
            counts.push(count as i16);
            if count == 0 {
                loop {
                    let repeat = f.read(2);
                    counts.extend(std::iter::repeat_n(0, repeat as usize));
                    if repeat != 3 {
                        break;
                    }
                }
            }
            while remaining < threshold && width > 1 {
                width -= 1;
                threshold >>= 1;
            }
        }
        if remaining != 1 || counts.len() > max_symbols {
            return bad("table whose counts do not add up");
        }
        let Some(used) = f.bytes_used() else {
            return bad("table description truncated");
        };
        Ok((Self::build(&counts, log)?, used))
    }

    /// The decoding table of a normalized distribution (counts add up to 2^log, -1 taking one cell).
    pub fn build(counts: &[i16], log: u32) -> Result<Self, Unsupported> {
        let size = 1usize << log;
        let mut table = vec![Entry::default(); size];
        let mut next = vec![0u32; counts.len()];
        // "Less than one" symbols take the last cells, one each.
        let mut high = size;
        for (s, &c) in counts.iter().enumerate() {
            if c == -1 {
                if high == 0 {
                    return bad("table overfull");
                }
                high -= 1;
                table[high].symbol = s as u8;
                next[s] = 1;
            } else {
                next[s] = c.max(0) as u32;
            }
        }
        // The others are spread over the remaining cells with a fixed step.
        let step = (size >> 1) + (size >> 3) + 3;
        let mask = size - 1;
        let mut at = 0;
        for (s, &c) in counts.iter().enumerate() {
            for _ in 0..c.max(0) {
                if at >= high {
                    return bad("table overfull");
                }
                table[at].symbol = s as u8;
                at = (at + step) & mask;
                while at >= high && high < size {
                    at = (at + step) & mask;
                }
            }
        }
        if at != 0 {
            return bad("table not filled");
        }
        for e in table.iter_mut() {
            let state = next[e.symbol as usize];
            next[e.symbol as usize] += 1;
            let bits = log - (31 - state.leading_zeros());
            e.bits = bits as u8;
            e.base = ((state << bits) - size as u32) as u16;
        }
        Ok(Fse { log, table })
    }

    #[inline]
    pub fn init(&self, bits: &mut Backward) -> usize {
        bits.read(self.log) as usize
    }

    #[inline]
    pub fn symbol(&self, state: usize) -> u8 {
        self.table[state].symbol
    }

    #[inline]
    pub fn update(&self, state: usize, bits: &mut Backward) -> usize {
        let e = self.table[state];
        e.base as usize + bits.read(u32::from(e.bits)) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::Fse;

    /// The format description's example: a symbol of probability 5 out of 128 states.
    #[test]
    fn bits_and_baselines_follow_state_order() {
        let mut counts = vec![5i16, 123];
        let t = Fse::build(&counts, 7).unwrap();
        let mut cells: Vec<(usize, u8, u16)> = (0..128)
            .filter(|&i| t.table[i].symbol == 0)
            .map(|i| (i, t.table[i].bits, t.table[i].base))
            .collect();
        cells.sort();
        assert_eq!(
            cells.iter().map(|c| (c.1, c.2)).collect::<Vec<_>>(),
            [(5, 32), (5, 64), (5, 96), (4, 0), (4, 16)]
        );
        counts[1] = 122;
        assert!(Fse::build(&counts, 7).is_err());
    }

    /// Predefined literal-length distribution (accuracy 6): every cell filled, "less than one" symbols last.
    #[test]
    fn predefined_table_fills_every_cell() {
        let t = Fse::build(&crate::zstd::LL_DEFAULT, 6).unwrap();
        assert_eq!(t.table[63].symbol, 32);
        assert_eq!(t.table[60].symbol, 35);
        assert_eq!(t.table[63].bits, 6);
        assert_eq!(t.table[0].symbol, 0);
    }
}
