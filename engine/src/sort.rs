// Finite values, ascending: the one ordering every drift statistic and profile quantile is computed from.
// `sluice-engine sort` serves it to the TypeScript sort pool over stdin/stdout for columns the native loader did
// not read (Parquet, S3, JSON Lines): each request is a little-endian u64 count followed by that many f64s, each
// answer the same framing holding the finite values sorted; requests are answered in order.
use std::io::{self, BufReader, BufWriter, Read, Write};

/// Drops NaN and ±inf and sorts the rest; total_cmp orders -0 before +0, as JavaScript's typed-array sort does.
pub fn finite_sorted(values: &mut Vec<f64>) {
    values.retain(|v| v.is_finite());
    values.sort_unstable_by(f64::total_cmp);
}

pub fn serve() -> io::Result<()> {
    let mut input = BufReader::with_capacity(1 << 20, io::stdin().lock());
    let mut output = BufWriter::with_capacity(1 << 20, io::stdout().lock());
    // Values move through this 1 MiB buffer, so a column is held once (80 MB at 10M rows), not as bytes too.
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let mut head = [0u8; 8];
        match input.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let n = usize::try_from(u64::from_le_bytes(head)).map_err(|_| io::Error::other("count too large"))?;
        let mut values: Vec<f64> = Vec::with_capacity(n);
        while values.len() < n {
            let take = (n - values.len()).min(buf.len() / 8) * 8;
            input.read_exact(&mut buf[..take])?;
            values.extend(buf[..take].chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())));
        }
        finite_sorted(&mut values);
        output.write_all(&(values.len() as u64).to_le_bytes())?;
        for chunk in values.chunks(buf.len() / 8) {
            for (i, v) in chunk.iter().enumerate() {
                buf[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
            }
            output.write_all(&buf[..chunk.len() * 8])?;
        }
        output.flush()?;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn drops_non_finite_and_orders_negative_zero_first() {
        let mut v = vec![3.0, f64::NAN, 0.0, -0.0, f64::INFINITY, -1.5, f64::NEG_INFINITY];
        super::finite_sorted(&mut v);
        assert_eq!(v, vec![-1.5, -0.0, 0.0, 3.0]);
        assert!(v[1].is_sign_negative() && v[2].is_sign_positive());
    }
}
