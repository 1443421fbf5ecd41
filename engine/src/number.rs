// Numbers exactly as the TypeScript loader reads them (activities/data/columns.ts parseNumeric): a finite decimal
// that JavaScript's Number() accepts, with the first character a digit, sign or dot and the last a digit or dot,
// no 0x/0o/0b prefix; or a nan/inf spelling (any ASCII case, JavaScript white space trimmed) kept as NaN/±inf.
// Both languages round decimals correctly, so the same text gives the same double.

const POW10: [f64; 16] = [
    1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// `[+-]digits[.digits]` with at most 15 digits, kept as the integer of its digits, the number of them after the dot
/// and the sign: that integer is exact as a double, so one correctly rounded division by a power of ten gives the
/// decimal's correctly rounded value (`value`), and comparisons with a bound can mostly skip the division (`cmp`).
#[derive(Clone, Copy)]
pub struct Decimal {
    digits: u64,
    frac: usize,
    neg: bool,
}

/// `digits[.digits]` (15 digits and a dot at most) as the integer of its digits and the count after the dot.
/// (A word-at-a-time version measured slower: the branch predictor learns a column's digit and dot positions.)
#[inline(always)]
fn digits_of(body: &[u8]) -> Option<(u64, usize)> {
    if body.len() > 16 {
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
    let (count, frac) = if dot == usize::MAX {
        (body.len(), 0)
    } else {
        (body.len() - 1, body.len() - 1 - dot)
    };
    (count > 0 && count <= 15).then_some((m, frac))
}

impl Decimal {
    #[inline(always)]
    pub fn parse(b: &[u8]) -> Option<Decimal> {
        // The sign without a branch: in a column of values around zero it is a coin toss.
        let first = *b.first()?;
        let neg = first == b'-';
        let body = &b[usize::from(neg || first == b'+')..];
        let (digits, frac) = digits_of(body)?;
        Some(Decimal { digits, frac, neg })
    }

    /// The digits as a signed double: exact, since they are below 10^15.
    #[inline(always)]
    fn signed_digits(&self) -> f64 {
        f64::from_bits((self.digits as i64 as f64).to_bits() | u64::from(self.neg) << 63)
    }

    #[inline(always)]
    pub fn value(&self) -> f64 {
        // Whole numbers skip the division.
        if self.frac == 0 {
            self.signed_digits()
        } else {
            self.signed_digits() / POW10[self.frac]
        }
    }

    /// No digits after the dot: a whole number without computing it (otherwise see `value`).
    #[inline(always)]
    pub fn is_plainly_whole(&self) -> bool {
        self.frac == 0
    }
}

/// A rule's min or max, with for each count f of digits after the dot the interval of digit integers within 1e-12
/// (relative) of bound × 10^f: outside it, a decimal's digits alone order it against the bound (far wider than
/// either rounding); inside, its value does. The division is what dominated validating a numeric cell.
#[derive(Clone, Copy)]
pub struct Bound {
    pub value: f64,
    lo: [f64; 16],
    hi: [f64; 16],
}

impl Bound {
    pub fn new(value: f64) -> Bound {
        let scaled = |f: usize| value * POW10[f];
        Bound {
            value,
            lo: std::array::from_fn(|f| scaled(f) - scaled(f).abs() * 1e-12),
            hi: std::array::from_fn(|f| scaled(f) + scaled(f).abs() * 1e-12),
        }
    }

    /// `d.value()` compared with the bound.
    #[inline(always)]
    pub fn cmp(&self, d: &Decimal) -> std::cmp::Ordering {
        let (s, f) = (d.signed_digits(), d.frac & 15);
        if s < self.lo[f] {
            std::cmp::Ordering::Less
        } else if s > self.hi[f] {
            std::cmp::Ordering::Greater
        } else {
            // Both are finite, and a bound is never NaN (read_rules parses it).
            d.value()
                .partial_cmp(&self.value)
                .unwrap_or(std::cmp::Ordering::Equal)
        }
    }
}

#[inline]
fn fast(b: &[u8]) -> Option<f64> {
    Decimal::parse(b).map(|d| d.value())
}

/// JavaScript's parseNumber (validate.ts): NaN there is None here.
fn js_decimal(b: &[u8]) -> Option<f64> {
    let (&c0, &cl) = (b.first()?, b.last()?);
    if !(c0.is_ascii_digit() || c0 == b'-' || c0 == b'+' || c0 == b'.')
        || !(cl.is_ascii_digit() || cl == b'.')
    {
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

/// Whether 2·|v| is exactly `a` × 10^x: `v` lies halfway between two decimals of the same digit count.
fn halfway(v: f64, a: u64, x: i32) -> bool {
    let bits = v.abs().to_bits();
    let (raw_exp, frac) = ((bits >> 52) as i32, bits & ((1 << 52) - 1));
    let (mut m, mut q) = match raw_exp {
        0 => (frac, -1074),
        e => (frac | 1 << 52, e - 1075),
    };
    let tz = m.trailing_zeros();
    m >>= tz;
    q += tz as i32;
    // 2v = m·2^(q+1) with m odd; a·10^x = a·5^x·2^x with a odd: the powers of two and the odd parts must agree.
    let five = |e: i32| 5u128.checked_pow(e as u32);
    if x >= 0 {
        q + 1 == x && five(x).and_then(|p| p.checked_mul(u128::from(a))) == Some(u128::from(m))
    } else {
        q + 1 == x && five(-x).and_then(|p| p.checked_mul(u128::from(m))) == Some(u128::from(a))
    }
}

/// The shortest digits of |v| (they round-trip) and the exponent of the last one, ties between two such digit
/// strings going to the even one as Number::toString has it (Rust's formatting takes the upper one).
fn shortest(v: f64) -> (String, i32) {
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').expect("LowerExp writes an exponent");
    let digits: String = mantissa.chars().filter(|&c| c != '.').collect();
    let x = exp.parse::<i32>().expect("a whole exponent") + 1 - digits.len() as i32;
    let Ok(d) = digits.parse::<u64>() else {
        return (digits, x);
    };
    if d % 2 == 1 {
        for other in [d - 1, d + 1] {
            let text = other.to_string();
            if text.len() == digits.len()
                && !text.ends_with('0')
                && halfway(v, d + other, x)
                && format!("{text}e{x}").parse::<f64>() == Ok(v.abs())
            {
                return (text, x);
            }
        }
    }
    (digits, x)
}

/// A double as JavaScript's String(v) writes it: the shortest digits that round-trip (`shortest`), positional from
/// 1e-6 up to below 1e21, exponential (`1e+21`, `1.5e-7`) outside; -0 is "0".
pub fn js_text(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let (digits, x) = shortest(v);
    let k = digits.len() as i32;
    // The decimal point sits after `n` digits.
    let n = x + k;
    let body = if k <= n && n <= 21 {
        digits + &"0".repeat((n - k) as usize)
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let m = match k {
            1 => digits,
            _ => format!("{}.{}", &digits[..1], &digits[1..]),
        };
        format!("{m}e{}{}", if n > 0 { '+' } else { '-' }, (n - 1).abs())
    };
    if v < 0.0 {
        format!("-{body}")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_numeric, Bound, Decimal};

    #[test]
    fn comparisons_with_bounds_agree_with_the_value() {
        let bounds = [
            0.0,
            -0.0,
            0.1,
            0.3,
            -5.0,
            1e6,
            22.0,
            1e-300,
            123456.789,
            f64::INFINITY,
            f64::NAN,
        ];
        let texts = [
            "0",
            "-0",
            "0.1",
            "0.10000000000000001",
            "0.09999999999999999",
            "0.3",
            "0.30000000000000004",
            "-5",
            "-5.000000000000001",
            "-4.999999999999999",
            "1000000",
            "999999.9999999999",
            "22.000",
            "123456.789",
            "123456.7890000001",
            "12345.6789",
            "+7",
            "0.000",
            "999999999999999",
        ];
        for b in bounds {
            let bound = Bound::new(b);
            for t in texts {
                let Some(d) = Decimal::parse(t.as_bytes()) else {
                    continue;
                };
                let want = d
                    .value()
                    .partial_cmp(&b)
                    .unwrap_or(std::cmp::Ordering::Equal);
                assert_eq!(bound.cmp(&d), want, "{t} against {b}");
                assert_eq!(d.value(), t.parse::<f64>().unwrap(), "{t}");
            }
        }
    }

    /// Seeded random decimals of every shape the fast path takes: the digits, the sign and the comparison with
    /// bounds placed on and next to them agree with Rust's own parse.
    #[test]
    fn random_decimals_against_the_standard_parse() {
        let mut next = crate::seeded::seeded(11);
        for _ in 0..200_000 {
            let digits = 1 + next(15) as usize;
            let mut text: String = match next(3) {
                0 => "-".into(),
                1 => "+".into(),
                _ => String::new(),
            };
            let dot = next(digits as u64 + 2) as usize;
            for i in 0..digits {
                if i == dot {
                    text.push('.');
                }
                text.push(char::from(b'0' + next(10) as u8));
            }
            if dot == digits {
                text.push('.');
            }
            let want: f64 = text.parse().unwrap();
            let d = Decimal::parse(text.as_bytes()).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(d.value().to_bits(), want.to_bits(), "{text}");
            for b in [
                want,
                -want,
                want * (1.0 + 1e-15),
                want + 1.0,
                0.0,
                10.0,
                -10.0,
            ] {
                let ord = want.partial_cmp(&b).unwrap();
                assert_eq!(Bound::new(b).cmp(&d), ord, "{text} against {b}");
            }
        }
    }

    #[test]
    fn decimals_and_spellings() {
        assert_eq!(parse_numeric(b"-0.7876"), Some(-0.7876));
        assert_eq!(parse_numeric(b"1.e5"), Some(100000.0));
        assert_eq!(parse_numeric(b".5"), Some(0.5));
        assert_eq!(parse_numeric(b"5."), Some(5.0));
        assert_eq!(parse_numeric(b"+3E-2"), Some(0.03));
        assert_eq!(
            parse_numeric(b"1234567890123456789"),
            Some(1234567890123456789.0)
        );
        assert!(parse_numeric(b" NaN\t").unwrap().is_nan());
        assert_eq!(parse_numeric(b"-Infinity"), Some(f64::NEG_INFINITY));
        for text in [
            "",
            "-",
            ".",
            "0x1f",
            "1e",
            "1_0",
            " 1",
            "1e999",
            "abc",
            "1,5",
            "\u{85}inf",
        ] {
            assert_eq!(parse_numeric(text.as_bytes()), None, "{text}");
        }
        assert_eq!(parse_numeric(b"-0").map(f64::is_sign_negative), Some(true));
    }

    #[test]
    fn numbers_written_as_javascript_writes_them() {
        let cases: [(f64, &str); 19] = [
            // Two shortest digit strings equally close: the even one.
            (245768090261938.0 + 0.125, "245768090261938.12"),
            (1125899906842624.0 + 0.25, "1125899906842624.2"),
            (88391478867.0 + 0.328125, "88391478867.32812"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (1.23e-18, "1.23e-18"),
            (0.000001, "0.000001"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (0.1 + 0.2, "0.30000000000000004"),
            (100.0, "100"),
            (-1.5, "-1.5"),
            (-0.0, "0"),
            (123.456, "123.456"),
            (f64::from(0.1f32), "0.10000000149011612"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (v, want) in cases {
            assert_eq!(super::js_text(v), want, "{v:e}");
        }
    }
}
