// Bit readers for zstd: FSE table descriptions are read forward from the lowest bit; FSE and Huffman streams are
// read backward from their last byte's marker bit. Both read bits past either end as zeros (the caller checks
// `overflowed` or the final position where the format requires it), so corrupt input never reads out of bounds.

/// `n` (≤ 56) bits of `data` starting at bit `at`, least significant first; bits past the end are zeros.
fn bits_at(data: &[u8], at: usize, n: u32) -> u64 {
    let byte = at / 8;
    let word = match data.get(byte..byte + 8) {
        Some(b) => u64::from_le_bytes(b.try_into().unwrap()),
        None => {
            let mut b = [0u8; 8];
            let tail = data.get(byte..).unwrap_or(&[]);
            b[..tail.len()].copy_from_slice(tail);
            u64::from_le_bytes(b)
        }
    };
    (word >> (at % 8)) & ((1u64 << n) - 1)
}

pub struct Forward<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Forward<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Forward { data, at: 0 }
    }

    pub fn peek(&self, n: u32) -> u32 {
        bits_at(self.data, self.at, n) as u32
    }

    pub fn skip(&mut self, n: u32) {
        self.at += n as usize;
    }

    pub fn read(&mut self, n: u32) -> u32 {
        let v = self.peek(n);
        self.skip(n);
        v
    }

    /// Whole bytes used so far (the last one maybe in part), or None when reading ran past the data.
    pub fn bytes_used(&self) -> Option<usize> {
        let n = self.at.div_ceil(8);
        (n <= self.data.len()).then_some(n)
    }
}

pub struct Backward<'a> {
    data: &'a [u8],
    /// Bits not yet read: the next read takes the ones just below this position.
    left: isize,
}

impl<'a> Backward<'a> {
    /// None when the stream is empty or its last byte has no marker bit.
    pub fn new(data: &'a [u8]) -> Option<Self> {
        let &last = data.last()?;
        if last == 0 {
            return None;
        }
        let marker = 7 - last.leading_zeros() as isize;
        Some(Backward {
            data,
            left: (data.len() as isize - 1) * 8 + marker,
        })
    }

    /// The next `n` (≤ 32) bits without consuming them, the first to be read as the most significant.
    #[inline]
    pub fn peek(&self, n: u32) -> u32 {
        let from = self.left - n as isize;
        if from >= 0 {
            bits_at(self.data, from as usize, n) as u32
        } else {
            let have = (self.left.max(0)) as u32;
            (bits_at(self.data, 0, have) << (n - have)) as u32
        }
    }

    #[inline]
    pub fn skip(&mut self, n: u32) {
        self.left -= n as isize;
    }

    #[inline]
    pub fn read(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        let v = self.peek(n);
        self.skip(n);
        v
    }

    /// Whether more bits were read than the stream holds.
    pub fn overflowed(&self) -> bool {
        self.left < 0
    }

    /// Whether every bit was read, and no more.
    pub fn finished(&self) -> bool {
        self.left == 0
    }
}

#[cfg(test)]
mod tests {
    use super::{Backward, Forward};

    #[test]
    fn forward_reads_low_bits_first() {
        let mut f = Forward::new(&[0b1011_0110, 0b0000_0001]);
        assert_eq!(f.read(3), 0b110);
        assert_eq!(f.read(6), 0b1_10110);
        assert_eq!(f.bytes_used(), Some(2));
        assert_eq!(f.read(16), 0);
        assert_eq!(f.bytes_used(), None);
    }

    #[test]
    fn backward_starts_below_the_marker_and_pads_with_zeros() {
        // The format description's example: "0145" as 0001_0000 00001_1_01 (second byte's marker at bit 3).
        let data = [0b0001_0000, 0b0000_1101];
        let mut b = Backward::new(&data).unwrap();
        assert_eq!(b.read(1), 1);
        assert_eq!(b.read(2), 0b01);
        assert_eq!(b.peek(4), 0b0001);
        b.skip(4);
        assert_eq!(b.read(4), 0b0000);
        assert!(b.finished());
        assert_eq!(b.read(3), 0);
        assert!(b.overflowed());
        assert!(Backward::new(&[1, 0]).is_none());
        assert!(Backward::new(&[]).is_none());
    }
}
