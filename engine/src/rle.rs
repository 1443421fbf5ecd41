// Parquet's RLE / bit-packed hybrid (definition levels, dictionary indices, RLE booleans) and plain bit-packing.
use crate::scan::Unsupported;
use crate::thrift::uleb128;

fn bad<T>(what: &str) -> Result<T, Unsupported> {
    Err(Unsupported(format!("unreadable Parquet page: {what}")))
}

/// Appends `count` values of `width` bits (≤ 32), packed least significant bit first, from `data`.
pub fn unpack(data: &[u8], width: u32, count: usize, out: &mut Vec<u32>) {
    if width == 0 {
        out.resize(out.len() + count, 0);
        return;
    }
    out.reserve(count);
    let done = match width {
        1 => groups::<1>(data, count, out),
        2 => groups::<2>(data, count, out),
        3 => groups::<3>(data, count, out),
        4 => groups::<4>(data, count, out),
        5 => groups::<5>(data, count, out),
        6 => groups::<6>(data, count, out),
        7 => groups::<7>(data, count, out),
        8 => groups::<8>(data, count, out),
        9 => groups::<9>(data, count, out),
        10 => groups::<10>(data, count, out),
        11 => groups::<11>(data, count, out),
        12 => groups::<12>(data, count, out),
        13 => groups::<13>(data, count, out),
        14 => groups::<14>(data, count, out),
        15 => groups::<15>(data, count, out),
        16 => groups::<16>(data, count, out),
        17 => groups::<17>(data, count, out),
        18 => groups::<18>(data, count, out),
        19 => groups::<19>(data, count, out),
        20 => groups::<20>(data, count, out),
        21 => groups::<21>(data, count, out),
        22 => groups::<22>(data, count, out),
        23 => groups::<23>(data, count, out),
        24 => groups::<24>(data, count, out),
        _ => 0, // wider indices mean dictionaries of millions of entries: rare enough for the general loop
    };
    unpack_rest(data, width, done, count, out);
}

/// Whole groups of 8 values whose bytes, and 8 more, lie inside `data`, with every shift known when compiled;
/// returns how many values it appended.
#[inline(always)]
fn groups<const W: usize>(data: &[u8], count: usize, out: &mut Vec<u32>) -> usize {
    let n = (count / 8).min(data.len().saturating_sub(8) / W);
    let mask = (1u64 << W) - 1;
    for g in 0..n {
        let bytes = &data[g * W..g * W + W + 8];
        let mut v = [0u32; 8];
        for (i, slot) in v.iter_mut().enumerate() {
            let bit = i * W;
            let word = u64::from_le_bytes(bytes[bit / 8..bit / 8 + 8].try_into().unwrap());
            *slot = ((word >> (bit % 8)) & mask) as u32;
        }
        out.extend_from_slice(&v);
    }
    n * 8
}

/// Values `from..count` one at a time: straight from `data` while an 8-byte window fits, then from a padded copy.
fn unpack_rest(data: &[u8], width: u32, from: usize, count: usize, out: &mut Vec<u32>) {
    let mask = if width == 32 {
        u64::from(u32::MAX)
    } else {
        (1u64 << width) - 1
    };
    let w = width as usize;
    let word_at =
        |bytes: &[u8], at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    let direct = match data.len() {
        n if n >= 8 => ((n - 8) * 8 / w + 1).min(count).max(from),
        _ => from,
    };
    out.extend((from..direct).map(|i| {
        let bit = i * w;
        ((word_at(data, bit / 8) >> (bit % 8)) & mask) as u32
    }));
    // Past `direct` fewer than 8 bytes remain; values beyond them (a short run) read as zeros.
    let start = (direct * w / 8).min(data.len());
    let mut padded = [0u8; 16];
    let tail = &data[start..data.len().min(start + 8)];
    padded[..tail.len()].copy_from_slice(tail);
    out.extend((direct..count).map(|i| {
        let bit = i * w - start * 8;
        match bit / 8 {
            at if at + 8 <= padded.len() => ((word_at(&padded, at) >> (bit % 8)) & mask) as u32,
            _ => 0,
        }
    }));
}

/// Appends exactly `n` values of `width` bits decoded from hybrid-encoded `data` (no length prefix).
pub fn decode(data: &[u8], width: u32, n: usize, out: &mut Vec<u32>) -> Result<(), Unsupported> {
    if width > 32 {
        return bad("bit width over 32");
    }
    let target = out.len() + n;
    let value_bytes = width.div_ceil(8) as usize;
    let mut pos = 0;
    while out.len() < target {
        let Some(header) = uleb128(data, &mut pos) else {
            return bad("fewer levels or indices than values");
        };
        let left = target - out.len();
        if header & 1 == 0 {
            let run = usize::try_from(header >> 1).unwrap_or(usize::MAX).min(left);
            let Some(bytes) = data.get(pos..pos + value_bytes) else {
                return bad("run value truncated");
            };
            pos += value_bytes;
            let v = bytes.iter().rev().fold(0u32, |a, &b| a << 8 | u32::from(b));
            out.resize(out.len() + run, v);
        } else {
            let groups = usize::try_from(header >> 1).unwrap_or(usize::MAX);
            let bytes = groups.saturating_mul(width as usize);
            // Some writers end the last run early; take the values its bytes hold.
            let end = pos.saturating_add(bytes).min(data.len());
            let held = if width == 0 {
                left
            } else {
                (end - pos) * 8 / width as usize
            };
            let take = groups.saturating_mul(8).min(left).min(held);
            if take == 0 {
                return bad("empty bit-packed run");
            }
            unpack(&data[pos..end], width, take, out);
            pos = end;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{decode, unpack};

    #[test]
    fn runs_and_packed_groups() {
        // RLE run of 5 × 3 (width 2), then one bit-packed group of 8 values 0..=3,0..=3 (width 2 = 2 bytes).
        let data = [0x0a, 0x03, 0x03, 0b1110_0100, 0b1110_0100];
        let mut out = Vec::new();
        decode(&data, 2, 12, &mut out).map_err(|e| e.0).unwrap();
        assert_eq!(out, [3, 3, 3, 3, 3, 0, 1, 2, 3, 0, 1, 2]);
        assert!(decode(&data, 2, 20, &mut Vec::new()).is_err());
    }

    #[test]
    fn wide_values_cross_bytes() {
        let vals: Vec<u32> = (0..40)
            .map(|i| (i * 2_654_435_761u64 % (1 << 19)) as u32)
            .collect();
        let mut packed = vec![0u8; 40 * 19 / 8 + 1];
        for (i, v) in vals.iter().enumerate() {
            for b in 0..19 {
                if v >> b & 1 == 1 {
                    let bit = i * 19 + b;
                    packed[bit / 8] |= 1 << (bit % 8);
                }
            }
        }
        let mut out = Vec::new();
        unpack(&packed, 19, 40, &mut out);
        assert_eq!(out, vals);
    }

    #[test]
    fn every_width_and_length_matches_bit_by_bit_reading() {
        let data: Vec<u8> = (0..200u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for width in 1..=32u32 {
            for len in [0, 1, 7, 8, 9, 23, 61, 200] {
                let bytes = &data[..len];
                let count = len * 8 / width as usize;
                let mut out = Vec::new();
                unpack(bytes, width, count, &mut out);
                let want: Vec<u32> = (0..count)
                    .map(|i| {
                        (0..width).fold(0u32, |v, b| {
                            let bit = i * width as usize + b as usize;
                            v | u32::from(bytes[bit / 8] >> (bit % 8) & 1) << b
                        })
                    })
                    .collect();
                assert_eq!(out, want, "width {width}, {len} bytes");
            }
        }
    }
}
