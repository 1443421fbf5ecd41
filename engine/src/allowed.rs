// A category rule's allowed values as a small open-addressing table keyed by a cell's first eight bytes and its
// length: category cells are short, and a general hasher's set-up and a memcmp call cost more than the lookup.
struct Value {
    head: u64,
    len: usize,
    bytes: Vec<u8>,
}

pub struct Allowed {
    values: Vec<Value>,
    /// Index into `values` plus one; 0 is an empty slot.
    slots: Vec<u32>,
    shift: u32,
}

/// The first eight bytes, zero-padded: with the length, the whole value when it is at most eight bytes long.
#[inline(always)]
fn head(cell: &[u8]) -> u64 {
    match cell.first_chunk::<8>() {
        Some(eight) => u64::from_le_bytes(*eight),
        // A byte loop: a variable-length copy would be a memcpy call.
        None => cell.iter().rev().fold(0, |h, &b| h << 8 | u64::from(b)),
    }
}

impl Allowed {
    pub fn new<'v>(values: impl IntoIterator<Item = &'v [u8]>) -> Self {
        let values: Vec<&[u8]> = values.into_iter().collect();
        // At most a quarter full, so probes stay short.
        let bits = (values.len() * 4)
            .next_power_of_two()
            .trailing_zeros()
            .max(4);
        let mut set = Allowed {
            values: Vec::new(),
            slots: vec![0; 1 << bits],
            shift: 64 - bits,
        };
        for v in values {
            if set.contains(v) {
                continue;
            }
            let mut i = set.slot(head(v), v.len());
            while set.slots[i] != 0 {
                i = (i + 1) & (set.slots.len() - 1);
            }
            set.values.push(Value {
                head: head(v),
                len: v.len(),
                bytes: v.to_vec(),
            });
            set.slots[i] = set.values.len() as u32;
        }
        set
    }

    #[inline(always)]
    fn slot(&self, head: u64, len: usize) -> usize {
        ((head ^ len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    #[inline(always)]
    pub fn contains(&self, cell: &[u8]) -> bool {
        let (h, len) = (head(cell), cell.len());
        let mask = self.slots.len() - 1;
        let mut i = self.slot(h, len);
        loop {
            match self.slots[i] {
                0 => return false,
                k => {
                    let v = &self.values[k as usize - 1];
                    if v.head == h && v.len == len && (len <= 8 || v.bytes == cell) {
                        return true;
                    }
                    i = (i + 1) & mask;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Allowed;

    #[test]
    fn members_only() {
        let words = [
            "a",
            "",
            "20_a0",
            "20_b0",
            "abcdefg",
            "a-much-longer-value",
            "a-much-longer-valuf",
            "a",
        ];
        let set = Allowed::new(words.iter().map(|w| w.as_bytes()));
        for w in words {
            assert!(set.contains(w.as_bytes()), "{w}");
        }
        for w in [
            "b",
            "20_a",
            "20_a00",
            "abcdefgx",
            "abcdefg\0",
            "a-much-longer-valu",
            "A",
        ] {
            assert!(!set.contains(w.as_bytes()), "{w}");
        }
    }
}
