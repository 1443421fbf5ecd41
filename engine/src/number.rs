// Numbers exactly as the TypeScript loader reads them (activities/data/columns.ts parseNumeric): a finite decimal
// that JavaScript's Number() accepts, with the first character a digit, sign or dot and the last a digit or dot,
// no 0x/0o/0b prefix; or a nan/inf spelling (any ASCII case, JavaScript white space trimmed) kept as NaN/±inf.
// Both languages round decimals correctly, so the same text gives the same double.

const POW10: [f64; 16] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/// `[+-]digits[.digits]` with at most 15 digits: the integer of the digits divided by a power of ten is exact
/// before one correctly rounded division, so it equals the decimal's correctly rounded value.
#[inline]
fn fast(b: &[u8]) -> Option<f64> {
    let (neg, body) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    // 15 digits and a dot at most.
    if body.is_empty() || body.len() > 16 {
        return None;
    }
    let mut m: u64 = 0;
    let mut dot = usize::MAX;
    for (i, &c) in body.iter().enumerate() {
        let d = c.wrapping_sub(b'0');
        if d < 10 {
            m = m * 10 + u64::from(d);
        } else if c == b'.' && dot == usize::MAX {
            dot = i;
        } else {
            return None;
        }
    }
    let (digits, frac) = if dot == usize::MAX { (body.len(), 0) } else { (body.len() - 1, body.len() - 1 - dot) };
    if digits == 0 || digits > 15 {
        return None;
    }
    let v = m as f64 / POW10[frac];
    Some(if neg { -v } else { v })
}

/// JavaScript's parseNumber (validate.ts): NaN there is None here.
fn js_decimal(b: &[u8]) -> Option<f64> {
    let (&c0, &cl) = (b.first()?, b.last()?);
    if !(c0.is_ascii_digit() || c0 == b'-' || c0 == b'+' || c0 == b'.') || !(cl.is_ascii_digit() || cl == b'.') {
        return None;
    }
    if c0 == b'0' && b.len() > 2 && matches!(b[1] | 32, b'x' | b'o' | b'b') {
        return None;
    }
    // Past the first/last character checks, Rust's grammar and Number()'s agree: sign, digits, one dot, exponent.
    let v: f64 = std::str::from_utf8(b).ok()?.parse().ok()?;
    v.is_finite().then_some(v)
}

/// String.prototype.trim's white space: Unicode Zs, TAB, VT, FF, BOM and the line terminators.
pub fn js_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}'..='\u{d}'
            | ' '
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
            | '\u{feff}'
    )
}

fn special(b: &[u8]) -> Option<f64> {
    let s = js_trim(std::str::from_utf8(b).ok()?);
    let is = |w: &str| s.eq_ignore_ascii_case(w);
    if is("nan") || is("+nan") || is("-nan") {
        Some(f64::NAN)
    } else if is("inf") || is("+inf") || is("infinity") || is("+infinity") {
        Some(f64::INFINITY)
    } else if is("-inf") || is("-infinity") {
        Some(f64::NEG_INFINITY)
    } else {
        None
    }
}

/// A finite decimal as the validator's `number` type reads it (validate.ts parseNumber), or None.
#[inline]
pub fn parse_decimal(b: &[u8]) -> Option<f64> {
    fast(b).or_else(|| js_decimal(b))
}

/// The cell's number (NaN and ±inf included), or None when the cell is text.
#[inline]
pub fn parse_numeric(b: &[u8]) -> Option<f64> {
    parse_decimal(b).or_else(|| special(b))
}

/// String.prototype.trim.
pub fn js_trim(s: &str) -> &str {
    s.trim_matches(js_space)
}

#[cfg(test)]
mod tests {
    use super::parse_numeric;

    #[test]
    fn decimals_and_spellings() {
        assert_eq!(parse_numeric(b"-0.7876"), Some(-0.7876));
        assert_eq!(parse_numeric(b"1.e5"), Some(100000.0));
        assert_eq!(parse_numeric(b".5"), Some(0.5));
        assert_eq!(parse_numeric(b"5."), Some(5.0));
        assert_eq!(parse_numeric(b"+3E-2"), Some(0.03));
        assert_eq!(parse_numeric(b"1234567890123456789"), Some(1234567890123456789.0));
        assert!(parse_numeric(b" NaN\t").unwrap().is_nan());
        assert_eq!(parse_numeric(b"-Infinity"), Some(f64::NEG_INFINITY));
        for text in ["", "-", ".", "0x1f", "1e", "1_0", " 1", "1e999", "abc", "1,5", "\u{85}inf"] {
            assert_eq!(parse_numeric(text.as_bytes()), None, "{text}");
        }
        assert_eq!(parse_numeric(b"-0").map(f64::is_sign_negative), Some(true));
    }
}
