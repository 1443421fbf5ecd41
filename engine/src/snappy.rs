// Snappy decompression (the raw block format, as Parquet pages use it): a varint length, then literals and
// back-references. Only the reading side; malformed input is an error, never a read out of bounds.
use crate::scan::Unsupported;
use crate::thrift::uleb128;

fn bad<T>(what: &str) -> Result<T, Unsupported> {
    Err(Unsupported(format!(
        "unreadable Parquet page: snappy {what}"
    )))
}

/// Bytes past the stated length that short literals and copies may scribble on: they move 16 bytes at a time.
const SLACK: usize = 16;

/// Decompresses `src` into `out` (its length set to the output's; its capacity is kept between pages).
pub fn decompress(src: &[u8], out: &mut Vec<u8>) -> Result<(), Unsupported> {
    let mut pos = 0;
    let Some(len) = uleb128(src, &mut pos).and_then(|n| usize::try_from(n).ok()) else {
        return bad("length truncated");
    };
    // A page states its size; a length beyond any page is corruption, not a reason to reserve gigabytes.
    if len > src.len().saturating_mul(64).max(1 << 16) {
        return bad("length out of proportion to the input");
    }
    // Every byte below the cursor `o` is written before it is read, so old contents need no clearing.
    out.resize(len + SLACK, 0);
    let mut o = 0;
    while pos < src.len() {
        let tag = src[pos];
        pos += 1;
        let (copy_len, offset) = match tag & 3 {
            0 => {
                let mut n = usize::from(tag >> 2);
                if n >= 60 {
                    let extra = n - 59;
                    let Some(b) = src.get(pos..pos + extra) else {
                        return bad("literal length truncated");
                    };
                    n = b.iter().rev().fold(0, |a, &x| a << 8 | usize::from(x));
                    pos += extra;
                }
                let n = n + 1;
                if n > len - o {
                    return bad("output longer than its stated length");
                }
                match src.get(pos..pos + 16) {
                    Some(lit) if n <= 16 => out[o..o + 16].copy_from_slice(lit),
                    _ => {
                        let Some(lit) = src.get(pos..pos + n) else {
                            return bad("literal truncated");
                        };
                        out[o..o + n].copy_from_slice(lit);
                    }
                }
                o += n;
                pos += n;
                continue;
            }
            1 => {
                let Some(&b) = src.get(pos) else {
                    return bad("copy truncated");
                };
                pos += 1;
                (
                    4 + usize::from((tag >> 2) & 7),
                    usize::from(tag >> 5) << 8 | usize::from(b),
                )
            }
            2 => {
                let Some(b) = src.get(pos..pos + 2) else {
                    return bad("copy truncated");
                };
                pos += 2;
                (
                    1 + usize::from(tag >> 2),
                    usize::from(u16::from_le_bytes([b[0], b[1]])),
                )
            }
            _ => {
                let Some(b) = src.get(pos..pos + 4) else {
                    return bad("copy truncated");
                };
                pos += 4;
                let o = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                (1 + usize::from(tag >> 2), o as usize)
            }
        };
        if offset == 0 || offset > o {
            return bad("copy offset out of range");
        }
        if copy_len > len - o {
            return bad("output longer than its stated length");
        }
        let from = o - offset;
        if offset >= 16 {
            // Each 16-byte step reads only bytes written before it (they lie at least 16 back).
            for k in (0..copy_len).step_by(16) {
                out.copy_within(from + k..from + k + 16, o + k);
            }
        } else {
            // Overlapping: the run repeats the last `offset` bytes.
            for k in 0..copy_len {
                out[o + k] = out[from + k];
            }
        }
        o += copy_len;
    }
    if o != len {
        return bad("output shorter than its stated length");
    }
    out.truncate(len);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::decompress;

    #[test]
    fn literals_and_copies_including_overlapping_ones() {
        // "abcd" literal, copy len 8 offset 4 (1-byte offset form), copy len 3 offset 2 (2-byte form), literal "z".
        let src = [
            16, 0x0c, b'a', b'b', b'c', b'd', 0x11, 0x04, 0x0a, 0x02, 0x00, 0x00, b'z',
        ];
        let mut out = Vec::new();
        decompress(&src, &mut out).map_err(|e| e.0).unwrap();
        assert_eq!(out, b"abcdabcdabcdcdcz");
    }

    #[test]
    fn bad_offsets_and_lengths_are_errors() {
        let mut out = Vec::new();
        assert!(decompress(&[8, 0x11, 0x09], &mut out).is_err()); // copy before any output
        assert!(decompress(&[9, 0x0c, b'a', b'b', b'c', b'd'], &mut out).is_err()); // short
        assert!(decompress(&[2, 0x0c, b'a'], &mut out).is_err()); // literal past the end
    }
}
