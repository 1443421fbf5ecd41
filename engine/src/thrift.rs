// The read side of Thrift's compact protocol, as far as Parquet's footer and page headers need it: varints,
// zigzag integers, binaries, field and list headers, and skipping any value this engine does not use.
use crate::scan::Unsupported;

pub type Res<T> = Result<T, Unsupported>;

pub fn bad<T>(what: &str) -> Res<T> {
    Err(Unsupported(format!("unreadable Parquet metadata: {what}")))
}

// Compact type ids.
pub const TRUE: u8 = 1;
pub const FALSE: u8 = 2;
pub const I32: u8 = 5;
pub const I64: u8 = 6;
pub const BINARY: u8 = 8;
pub const LIST: u8 = 9;
pub const STRUCT: u8 = 12;

/// Deeper nesting than any Parquet structure has: a corrupt file, not a reason to overflow the stack.
const MAX_DEPTH: u32 = 32;

/// An unsigned LEB128 varint at `data[*pos..]` (Thrift's and Parquet's, and snappy's length), moving `pos` past it;
/// None when it is truncated or longer than ten bytes.
pub fn uleb128(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..70).step_by(7) {
        let b = *data.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift.min(63);
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

pub struct Reader<'a> {
    data: &'a [u8],
    pub pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    fn byte(&mut self) -> Res<u8> {
        let Some(&b) = self.data.get(self.pos) else {
            return bad("truncated");
        };
        self.pos += 1;
        Ok(b)
    }

    pub fn varint(&mut self) -> Res<u64> {
        match uleb128(self.data, &mut self.pos) {
            Some(v) => Ok(v),
            None => bad("truncated or overlong varint"),
        }
    }

    pub fn int(&mut self) -> Res<i64> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    pub fn binary(&mut self) -> Res<&'a [u8]> {
        let n = usize::try_from(self.varint()?).unwrap_or(usize::MAX);
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let Some(end) = end else {
            return bad("truncated binary");
        };
        let b = &self.data[self.pos..end];
        self.pos = end;
        Ok(b)
    }

    pub fn string(&mut self) -> Res<String> {
        match std::str::from_utf8(self.binary()?) {
            Ok(s) => Ok(s.to_string()),
            Err(_) => bad("a name that is not UTF-8"),
        }
    }

    /// The next field of the struct being read, as (id, type), or None at its end; `last` is the previous id.
    pub fn field(&mut self, last: &mut i16) -> Res<Option<(i16, u8)>> {
        let b = self.byte()?;
        if b == 0 {
            return Ok(None);
        }
        let delta = i16::from(b >> 4);
        *last = if delta == 0 {
            self.int()? as i16
        } else {
            *last + delta
        };
        Ok(Some((*last, b & 0x0f)))
    }

    /// A list's (length, element type).
    pub fn list(&mut self) -> Res<(usize, u8)> {
        let b = self.byte()?;
        let mut n = usize::from(b >> 4);
        if n == 15 {
            n = usize::try_from(self.varint()?).unwrap_or(usize::MAX);
        }
        // Each element takes at least one byte: a longer list is a corrupt length.
        if n > self.data.len() - self.pos {
            return bad("list longer than the metadata");
        }
        Ok((n, b & 0x0f))
    }

    /// Walks the fields of a struct, handing each (id, type) to `each`, which reads the value or calls skip().
    pub fn fields(&mut self, mut each: impl FnMut(&mut Self, i16, u8) -> Res<()>) -> Res<()> {
        let mut last = 0;
        while let Some((id, t)) = self.field(&mut last)? {
            each(self, id, t)?;
        }
        Ok(())
    }

    /// Skips a field's value of type `t`.
    pub fn skip(&mut self, t: u8) -> Res<()> {
        self.skip_value(t, false, 0)
    }

    fn skip_value(&mut self, t: u8, in_list: bool, depth: u32) -> Res<()> {
        if depth > MAX_DEPTH {
            return bad("nested too deeply");
        }
        match t {
            // A bool field's value is in its header; a bool in a list takes a byte.
            TRUE | FALSE => {
                if in_list {
                    self.byte()?;
                }
            }
            3 => {
                self.byte()?;
            }
            4 | I32 | I64 => {
                self.varint()?;
            }
            7 => {
                for _ in 0..8 {
                    self.byte()?;
                }
            }
            BINARY => {
                self.binary()?;
            }
            LIST | 10 => {
                let (n, et) = self.list()?;
                for _ in 0..n {
                    self.skip_value(et, true, depth + 1)?;
                }
            }
            11 => {
                let n = self.varint()?;
                if n > 0 {
                    let kv = self.byte()?;
                    for _ in 0..n {
                        self.skip_value(kv >> 4, true, depth + 1)?;
                        self.skip_value(kv & 0x0f, true, depth + 1)?;
                    }
                }
            }
            STRUCT => {
                let mut last = 0;
                while let Some((_, ft)) = self.field(&mut last)? {
                    self.skip_value(ft, false, depth + 1)?;
                }
            }
            _ => return bad("unknown value type"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Reader;

    #[test]
    fn reads_fields_and_skips_what_it_does_not_use() {
        // struct { 1: i32 -3, 2: binary "ab", 4 (delta 2): list<i64> [1, 300], 20 (long form): struct { 1: true } }
        let data = [
            0x15, 0x05, 0x18, 0x02, b'a', b'b', 0x29, 0x26, 0x02, 0xd8, 0x04, 0x0c, 0x28, 0x11,
            0x00, 0x00,
        ];
        let mut r = Reader::new(&data);
        let mut seen = Vec::new();
        r.fields(|r, id, t| {
            match id {
                1 => seen.push(format!("i32 {}", r.int()?)),
                2 => seen.push(format!("bin {}", r.string()?)),
                _ => {
                    seen.push(format!("skip {id}"));
                    r.skip(t)?;
                }
            }
            Ok(())
        })
        .map_err(|e| e.0)
        .unwrap();
        assert_eq!(seen, ["i32 -3", "bin ab", "skip 4", "skip 20"]);
        assert_eq!(r.pos, data.len());
    }

    #[test]
    fn truncated_input_is_an_error_not_a_panic() {
        let data = [0x19, 0xf6, 0xff];
        let mut r = Reader::new(&data);
        assert!(r.fields(|r, _, t| r.skip(t)).is_err());
    }
}
