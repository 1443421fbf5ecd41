// Boolean and timestamp cells read as validate.ts reads them (parseBoolean, parseTimestamp), on bytes: the same
// grammar, so the engine and the Validator accept, reject, bound and deduplicate the same cells. And Parquet dates
// and timestamps written as the TypeScript loader shows them: JavaScript's Date.prototype.toISOString.

/// 1 for `true`/`1`, 0 for `false`/`0` (ASCII case ignored, nothing trimmed), None for anything else.
pub fn boolean(c: &[u8]) -> Option<f64> {
    match c {
        b"1" => Some(1.0),
        b"0" => Some(0.0),
        _ if c.eq_ignore_ascii_case(b"true") => Some(1.0),
        _ if c.eq_ignore_ascii_case(b"false") => Some(0.0),
        _ => None,
    }
}

/// Two ASCII digits at `i` as a number, or None (also past the end).
fn d2(c: &[u8], i: usize) -> Option<i64> {
    match c.get(i..i + 2)? {
        &[a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some(i64::from(a - b'0') * 10 + i64::from(b - b'0')),
        _ => None,
    }
}

const DAYS: [i64; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Days from 1970-01-01 to the given proleptic Gregorian date (month 1..=12), by whole 400-year eras of 146 097
/// days counted from a March-based year, so February's length only matters at the end of a year.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year - 719_468
}

/// Epoch milliseconds of an ISO 8601 date or date-time (UTC without an offset): YYYY-MM-DD, then optionally
/// [T| ]hh:mm[:ss[.fraction]] (a comma also starts the fraction, 1 to 9 digits, milliseconds from the first 3) and
/// Z, ±hh:mm, ±hhmm or ±hh. None for anything else.
pub fn timestamp(c: &[u8]) -> Option<f64> {
    let n = c.len();
    if n < 10 || c[4] != b'-' || c[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (d2(c, 0)? * 100 + d2(c, 2)?, d2(c, 5)?, d2(c, 8)?);
    if !(1..=12).contains(&mo) || d < 1 || d > DAYS[mo as usize - 1] {
        return None;
    }
    if mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) {
        return None;
    }
    let date = days_from_civil(y, mo, d) * 86_400_000;
    if n == 10 {
        return Some(date as f64);
    }
    if !matches!(c[10], b'T' | b't' | b' ') || n < 16 || c[13] != b':' {
        return None;
    }
    let (h, mi) = (d2(c, 11)?, d2(c, 14)?);
    if h > 23 || mi > 59 {
        return None;
    }
    let (mut i, mut sec, mut ms) = (16, 0, 0);
    if c.get(i) == Some(&b':') {
        sec = d2(c, i + 1).filter(|&s| s <= 59)?;
        i += 3;
        if matches!(c.get(i), Some(b'.' | b',')) {
            let mut k = 0;
            i += 1;
            while let Some(&g @ b'0'..=b'9') = c.get(i) {
                if k < 3 {
                    ms = ms * 10 + i64::from(g - b'0');
                }
                i += 1;
                k += 1;
            }
            if k == 0 || k > 9 {
                return None;
            }
            for _ in k..3 {
                ms *= 10;
            }
        }
    }
    let t = date + ((h * 60 + mi) * 60 + sec) * 1000 + ms;
    if i == n {
        return Some(t as f64);
    }
    let z = c[i];
    if matches!(z, b'Z' | b'z') && i + 1 == n {
        return Some(t as f64);
    }
    let sign = match z {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let oh = d2(c, i + 1).filter(|&h| h <= 23)?;
    if i + 3 == n {
        return Some((t - sign * oh * 3_600_000) as f64);
    }
    let colon = usize::from(c[i + 3] == b':');
    if i + 5 + colon != n {
        return None;
    }
    let om = d2(c, i + 3 + colon).filter(|&m| m <= 59)?;
    Some((t - sign * (oh * 60 + om) * 60_000) as f64)
}

/// days_from_civil's inverse: (year, month 1..=12, day 1..=31) of a day count from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let d = day_of_year - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (year_of_era + era * 400 + i64::from(m <= 2), m, d)
}

/// The largest distance from the epoch, in milliseconds, of a valid JavaScript Date.
pub const MAX_DATE_MS: i64 = 8_640_000_000_000_000;

/// Milliseconds as `new Date(ms)` takes them: None beyond a Date's range (an invalid Date, whose text is '').
pub fn date_ms(ms: f64) -> Option<i64> {
    (ms.abs() <= MAX_DATE_MS as f64).then_some(ms as i64)
}

/// `new Date(ms).toISOString()` into `out` (cleared first) for |ms| ≤ MAX_DATE_MS: `YYYY-MM-DDTHH:MM:SS.mmmZ`,
/// the year as `+YYYYYY` or `-YYYYYY` outside 0..=9999.
pub fn iso(ms: i64, out: &mut Vec<u8>) {
    use std::io::Write;
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    let t = ms.rem_euclid(86_400_000);
    out.clear();
    let _ = if (0..=9999).contains(&y) {
        write!(out, "{y:04}")
    } else {
        write!(out, "{}{:06}", if y < 0 { '-' } else { '+' }, y.abs())
    };
    let _ = write!(
        out,
        "-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        t / 3_600_000,
        t / 60_000 % 60,
        t / 1000 % 60,
        t % 1000
    );
}

#[cfg(test)]
mod tests {
    use super::{boolean, iso, timestamp};

    #[test]
    fn iso_text_as_javascript_writes_it() {
        let mut out = Vec::new();
        for (ms, want) in [
            (0, "1970-01-01T00:00:00.000Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_714_550_400_500, "2024-05-01T08:00:00.500Z"),
            (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"),
            (-62_167_219_200_001, "-000001-12-31T23:59:59.999Z"),
            (253_402_300_800_000, "+010000-01-01T00:00:00.000Z"),
            (8_640_000_000_000_000, "+275760-09-13T00:00:00.000Z"),
            (-8_640_000_000_000_000, "-271821-04-20T00:00:00.000Z"),
        ] {
            iso(ms, &mut out);
            assert_eq!(String::from_utf8_lossy(&out), want, "{ms}");
            // What parseTimestamp reads back is the same instant, within its years.
            if (-62_167_219_200_000..253_402_300_800_000).contains(&ms) {
                assert_eq!(timestamp(&out), Some(ms as f64), "{want}");
            }
        }
        // Every day of 1600–2400 round-trips through the civil date.
        for day in -135_140..157_000 {
            iso(day * 86_400_000, &mut out);
            assert_eq!(timestamp(&out[..10]), Some((day * 86_400_000) as f64));
        }
    }

    #[test]
    fn booleans() {
        for (t, v) in [
            ("1", 1.0),
            ("0", 0.0),
            ("TRUE", 1.0),
            ("tRuE", 1.0),
            ("False", 0.0),
        ] {
            assert_eq!(boolean(t.as_bytes()), Some(v), "{t}");
        }
        for t in ["", "yes", " true", "true ", "01", "tru", "falsE0", "T"] {
            assert_eq!(boolean(t.as_bytes()), None, "{t}");
        }
    }

    #[test]
    fn timestamps_as_epoch_milliseconds() {
        let ok = [
            ("1970-01-01", 0.0),
            ("2024-05-01", 1_714_521_600_000.0),
            ("2024-02-29", 1_709_164_800_000.0),
            ("2000-02-29T00:00Z", 951_782_400_000.0),
            ("2024-05-01T10:00:00.5+02:00", 1_714_550_400_500.0),
            ("2024-05-01 10:00:00,123456789-0130", 1_714_563_000_123.0),
            ("2024-05-01t10:00+05", 1_714_539_600_000.0),
            ("1969-12-31T23:59:59.999z", -1.0),
            ("0000-01-01", -62_167_219_200_000.0),
            ("0050-06-15", -60_575_040_000_000.0),
            ("9999-12-31T23:59:59.999", 253_402_300_799_999.0),
        ];
        for (t, v) in ok {
            assert_eq!(timestamp(t.as_bytes()), Some(v), "{t}");
        }
        for t in [
            "2023-02-29",
            "1900-02-29",
            "2024-13-01",
            "2024-04-31",
            "2024-5-01",
            " 2024-05-01",
            "2024-05-01T",
            "2024-05-01T24:00",
            "2024-05-01T10:60",
            "2024-05-01T10:00:60",
            "2024-05-01T10:00:00.",
            "2024-05-01T10:00:00.1234567891",
            "2024-05-01T10:00Zx",
            "2024-05-01T10:00+24",
            "2024-05-01T10:00+05:60",
            "2024-05-01T10:00+05:0",
            "2024-05-01T10:00:0",
            "2024-05-01x10:00",
            "2024-05-01T10:00:00é",
        ] {
            assert_eq!(timestamp(t.as_bytes()), None, "{t}");
        }
    }
}
