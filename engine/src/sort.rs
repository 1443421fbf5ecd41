// Finite values, ascending: the one ordering every drift statistic and profile quantile is computed from.
// `sluice-engine sort` serves it to the TypeScript sort pool for columns the native loader did not read (Parquet,
// JSON Lines, quoted CSV): each request is a line on stdin, `COUNT PATH`, naming a file that starts with COUNT
// little-endian f64s (on tmpfs where there is one); they are written over with the finite values sorted, and the
// answer is their count on a line.
// Requests are answered in order. Files, not the pipe, carry the values: 8 MB through a 64 KiB pipe took ≈30 ms
// each way, a tmpfs file a few.
use std::fs::OpenOptions;
use std::io::{self, BufRead, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

/// Drops NaN and ±inf and sorts the rest, -0 before +0 as JavaScript's typed-array sort orders them.
#[cfg(test)]
pub fn finite_sorted(values: &mut Vec<f64>) {
    Scratch::default().finite_sorted(values);
}

/// The radix sort's buffers, kept across requests: fresh pages cost a fault each, ≈25 ms per 8 MB column here.
#[derive(Default)]
pub struct Scratch {
    b: Vec<u64>,
}

impl Scratch {
    pub fn finite_sorted(&mut self, values: &mut Vec<f64>) {
        values.retain(|v| v.is_finite());
        if values.len() < 4096 {
            values.sort_unstable_by(f64::total_cmp);
        } else {
            self.radix_sort(values);
        }
    }

    /// LSD radix sort on the keys, 16 bits a pass (four passes, each skipped when every key shares that digit):
    /// ≈3× faster than a comparison sort on a million values.
    fn radix_sort(&mut self, values: &mut Vec<f64>) {
        // The keys take the values' own allocation (collected in place: same size and alignment), so a column
        // needs one more buffer, not two: a 10M-row column sorts in 160 MB, not 240.
        let mut a: Vec<u64> = std::mem::take(values).into_iter().map(key).collect();
        let a = &mut a;
        let b = &mut self.b;
        b.resize(a.len(), 0);
        let mut counts = vec![0usize; 1 << 16];
        for shift in [0u32, 16, 32, 48] {
            counts.iter_mut().for_each(|c| *c = 0);
            for &k in a.iter() {
                counts[((k >> shift) & 0xffff) as usize] += 1;
            }
            if counts.contains(&a.len()) {
                continue;
            }
            let mut sum = 0;
            for c in counts.iter_mut() {
                let n = *c;
                *c = sum;
                sum += n;
            }
            for &k in a.iter() {
                let d = ((k >> shift) & 0xffff) as usize;
                b[counts[d]] = k;
                counts[d] += 1;
            }
            std::mem::swap(a, b);
        }
        *values = std::mem::take(a).into_iter().map(unkey).collect();
    }
}

/// A double's bits mapped so that unsigned order is numeric order (the same order as f64::total_cmp).
fn key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

fn unkey(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

pub fn serve() -> io::Result<()> {
    let mut output = io::stdout().lock();
    let mut scratch = Scratch::default();
    let mut values = Vec::new();
    let mut bytes = Vec::new();
    for line in io::stdin().lock().lines() {
        let line = line?;
        let bad = || {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("expected 'COUNT PATH', got {line:?}"),
            )
        };
        let (count, path) = line.split_once(' ').ok_or_else(bad)?;
        let count: usize = count.parse().map_err(|_| bad())?;
        // The caller reuses its files: the values are the first COUNT, and the file is written over, not
        // truncated, so its tmpfs pages are not freed and allocated again for every column.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(PathBuf::from(path))?;
        bytes.resize(count * 8, 0);
        file.read_exact(&mut bytes)?;
        values.clear();
        values.extend(
            bytes
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap())),
        );
        scratch.finite_sorted(&mut values);
        bytes.clear();
        bytes.extend(values.iter().flat_map(|v| v.to_le_bytes()));
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&bytes)?;
        writeln!(output, "{}", values.len())?;
        output.flush()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn radix_sort_agrees_with_total_cmp() {
        let mut seed = 42u64;
        let mut v: Vec<f64> = (0..100_000)
            .map(|i| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                match i % 7 {
                    0 => 0.0,
                    1 => -0.0,
                    2 => f64::from_bits(seed) % 1e6,
                    3 => f64::MIN_POSITIVE / 2.0,
                    _ => (seed >> 11) as f64 / 1e9 - 4e3,
                }
            })
            .filter(|x| x.is_finite())
            .collect();
        let mut want = v.clone();
        want.sort_unstable_by(f64::total_cmp);
        super::finite_sorted(&mut v);
        assert_eq!(
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn drops_non_finite_and_orders_negative_zero_first() {
        let mut v = vec![
            3.0,
            f64::NAN,
            0.0,
            -0.0,
            f64::INFINITY,
            -1.5,
            f64::NEG_INFINITY,
        ];
        super::finite_sorted(&mut v);
        assert_eq!(v, vec![-1.5, -0.0, 0.0, 3.0]);
        assert!(v[1].is_sign_negative() && v[2].is_sign_positive());
    }
}
