// `sluice-engine validate`: the validation contract's counters for a local CSV or JSON Lines file, computed on
// several threads.
// It returns per-column counts (nulls, non-null, failures and examples per check, duplicates), the same
// ColumnCounts the DuckDB path gives for Parquet; validate.ts turns them into the report (mostly, pass/fail).
// Semantics are validate.ts's Validator's, for every rule type: number, integer, boolean, timestamp (typed.rs),
// string and category (min/max on numbers and timestamps). Min/max on text or booleans, and files the scanner does
// not read identically are Unsupported: the Validator then reads the file itself. (Parquet files take fewer rule
// types: validate_parquet.rs.)
use crate::allowed::Allowed;
use crate::cells::{for_each_selected_cell, Cells};
use crate::input::{each_parallel, header_index, peak_rss_mb, Failure, Format, Layout, Progress};
use crate::json;
use crate::number::{js_trim, parse_decimal, Bound, Decimal};
use crate::scan::{check_text, FnvMap, Unsupported};
use crate::typed::{boolean, timestamp};
use std::collections::HashSet;
use std::io::{self, Read};
use std::path::Path;

const MAX_EXAMPLES: usize = 5;
/// How many values ahead the unique count prefetches its table slot: enough to cover a cache miss.
pub const PREFETCH_AHEAD: usize = 16;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Number,
    Integer,
    Boolean,
    Timestamp,
    Text,
}

pub struct Rule {
    pub name: String,
    pub kind: Kind,
    pub min: Option<Bound>,
    pub max: Option<Bound>,
    pub unique: bool,
    pub allowed: Option<HashSet<String>>,
}

impl Rule {
    /// The allowed values as a lookup table.
    pub fn allowed_table(&self) -> Option<Allowed> {
        self.allowed
            .as_ref()
            .map(|a| Allowed::new(a.iter().map(|v| v.as_bytes())))
    }

    /// Whether `cell` is an allowed value, as written or trimmed.
    pub fn allows(set: &Allowed, cell: &[u8]) -> bool {
        set.contains(cell)
            || std::str::from_utf8(cell).is_ok_and(|s| set.contains(js_trim(s).as_bytes()))
    }
}

/// Rules from stdin as NUL-separated fields: name, type, min ('' = none), max, unique (0/1), value count, values.
pub fn read_rules() -> Result<Vec<Rule>, Unsupported> {
    let mut raw = Vec::new();
    io::stdin()
        .read_to_end(&mut raw)
        .map_err(|e| Unsupported(format!("cannot read the rules: {e}")))?;
    let text =
        String::from_utf8(raw).map_err(|_| Unsupported("rules that are not UTF-8".into()))?;
    let mut it = text.split('\0');
    let mut rules = Vec::new();
    let bad = || Unsupported("malformed rules on stdin".into());
    let bound = |s: &str| -> Result<Option<Bound>, Unsupported> {
        if s.is_empty() {
            Ok(None)
        } else {
            let b: f64 = s
                .parse()
                .map_err(|_| Unsupported(format!("a bound that is not a number: {s}")))?;
            Ok(Some(Bound::new(b)))
        }
    };
    while let Some(name) = it.next() {
        if name.is_empty() && it.clone().next().is_none() {
            break; // the terminating NUL
        }
        let kind = match it.next().ok_or_else(bad)? {
            "number" => Kind::Number,
            "integer" => Kind::Integer,
            "boolean" => Kind::Boolean,
            "timestamp" => Kind::Timestamp,
            "string" | "category" => Kind::Text,
            other => return Err(Unsupported(format!("{other} rules"))),
        };
        let (min, max) = (
            bound(it.next().ok_or_else(bad)?)?,
            bound(it.next().ok_or_else(bad)?)?,
        );
        if matches!(kind, Kind::Text | Kind::Boolean) && (min.is_some() || max.is_some()) {
            return Err(Unsupported("min/max on a text or boolean column".into()));
        }
        let unique = it.next().ok_or_else(bad)? == "1";
        let n: usize = it.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
        let allowed = match n {
            0 => None,
            _ => Some(
                (0..n)
                    .map(|_| it.next().map(|v| js_trim(v).to_string()).ok_or_else(bad))
                    .collect::<Result<_, _>>()?,
            ),
        };
        rules.push(Rule {
            name: name.to_string(),
            kind,
            min,
            max,
            unique,
            allowed,
        });
    }
    Ok(rules)
}

/// Failures of one check and the first distinct failing texts.
#[derive(Default)]
struct Ex<'a> {
    failed: u64,
    examples: Vec<&'a [u8]>,
}

impl<'a> Ex<'a> {
    fn fail(&mut self, cell: &'a [u8]) -> Result<(), Unsupported> {
        self.failed += 1;
        if self.examples.len() < MAX_EXAMPLES && !self.examples.contains(&cell) {
            check_text(cell)?;
            self.examples.push(cell);
        }
        Ok(())
    }
}

/// A value to count for `unique`: numbers by value (-0 is 0; `big_key` for large whole ones), text as written.
#[derive(Clone, Copy)]
pub enum Key<'a> {
    Num(u64),
    Big(i128),
    Text(&'a [u8]),
}

/// validate.ts bigKey: a whole number from 2^53 to 2^64 in magnitude (both included), where distinct integers can
/// round to one double, counts by its exact value, however written (`whole_value`); a written value that is not
/// whole counts as the double. None for every other number, which counts as its double.
pub fn big_key(v: f64, cell: &[u8]) -> Option<i128> {
    let a = v.abs();
    if !(9_007_199_254_740_992.0..=18_446_744_073_709_551_616.0).contains(&a) {
        return None;
    }
    Some(whole_value(cell).unwrap_or(v as i128))
}

/// validate.ts wholeValue: the exact value of a decimal literal (`[+-]digits[.digits][e[+-]digits]`) that is a
/// whole number, else None (a fraction left, more than 38 digits, another shape).
pub fn whole_value(cell: &[u8]) -> Option<i128> {
    let (neg, rest) = match cell.first() {
        Some(b'-') => (true, &cell[1..]),
        Some(b'+') => (false, &cell[1..]),
        _ => (false, cell),
    };
    let (mantissa, exp) = match rest.iter().position(|&c| c == b'e' || c == b'E') {
        Some(i) => (&rest[..i], exponent(&rest[i + 1..])?),
        None => (rest, 0),
    };
    let (int, frac) = match mantissa.iter().position(|&c| c == b'.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, &[][..]),
    };
    if !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return None;
    }
    let all: Vec<u8> = int.iter().chain(frac).copied().collect();
    let mut digits = &all[all.iter().take_while(|&&c| c == b'0').count()..];
    let mut scale = exp - frac.len() as i64;
    while scale < 0 && digits.last() == Some(&b'0') {
        digits = &digits[..digits.len() - 1];
        scale += 1;
    }
    if digits.is_empty() {
        return Some(0);
    }
    if scale < 0 || digits.len() as i64 + scale > 38 {
        return None;
    }
    let v = digits
        .iter()
        .fold(0i128, |v, &d| v * 10 + i128::from(d - b'0'));
    let v = (0..scale).fold(v, |v, _| v * 10);
    Some(if neg { -v } else { v })
}

/// An exponent's digits with an optional sign, saturating far beyond any use (as JavaScript's Number() reads a
/// long one as a huge value).
fn exponent(e: &[u8]) -> Option<i64> {
    let (neg, digits) = match e.first() {
        Some(b'-') => (true, &e[1..]),
        Some(b'+') => (false, &e[1..]),
        _ => (false, e),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = digits.iter().fold(0i64, |v, &d| {
        (v * 10 + i64::from(d - b'0')).min(1_000_000_000_000_000)
    });
    Some(if neg { -v } else { v })
}

#[derive(Default)]
pub struct PartCheck<'a> {
    nulls: u64,
    non_null: u64,
    type_: Ex<'a>,
    min: Ex<'a>,
    max: Ex<'a>,
    values: Ex<'a>,
    /// Every non-null, well-typed value in row order, with its text, for the sequential unique count.
    seen: Vec<(Key<'a>, &'a [u8])>,
}

/// A whole number (`v` is finite): doubles from 2^53 up are all whole; below, the i64 round trip is exact. It stands
/// in for f64::fract, which is a libm call without SSE4.1.
#[inline(always)]
pub fn whole(v: f64) -> bool {
    v.abs() >= 9_007_199_254_740_992.0 || v as i64 as f64 == v
}

/// One part of a chunk checked against `rules`, whose columns are at header positions `fields`.
pub fn check_part<'a>(
    cells: Cells<'a>,
    rules: &[&Rule],
    fields: &[usize],
) -> Result<(u64, Vec<PartCheck<'a>>), Unsupported> {
    let mut out: Vec<PartCheck<'a>> = rules.iter().map(|_| PartCheck::default()).collect();
    let allowed: Vec<Option<Allowed>> = rules.iter().map(|r| r.allowed_table()).collect();
    let rows = for_each_selected_cell(cells, fields, |k, cell| {
        let (rule, c) = (&rules[k], &mut out[k]);
        if cell.is_empty() {
            c.nulls += 1;
            return Ok(());
        }
        c.non_null += 1;
        let mut num = 0.0;
        if rule.kind != Kind::Text {
            // Ok: a boolean or timestamp (None when the cell is not one); Err: a number's digits, if plain.
            let parsed = match rule.kind {
                Kind::Boolean => Ok(boolean(cell)),
                Kind::Timestamp => Ok(timestamp(cell)),
                _ => Err(Decimal::parse(cell)),
            };
            let (below, above) = match parsed {
                Ok(None) => return c.type_.fail(cell),
                // Epoch milliseconds and 0/1 are whole numbers: the bounds compare exactly.
                Ok(Some(v)) => {
                    num = v;
                    (
                        rule.min.is_some_and(|b| v < b.value),
                        rule.max.is_some_and(|b| v > b.value),
                    )
                }
                Err(Some(d)) => {
                    if rule.kind == Kind::Integer && !d.is_plainly_whole() && !whole(d.value()) {
                        return c.type_.fail(cell);
                    }
                    if rule.unique {
                        num = d.value();
                    }
                    (
                        rule.min.as_ref().is_some_and(|b| b.cmp(&d).is_lt()),
                        rule.max.as_ref().is_some_and(|b| b.cmp(&d).is_gt()),
                    )
                }
                Err(None) => match parse_decimal(cell) {
                    Some(v) if rule.kind == Kind::Number || whole(v) => {
                        num = v;
                        (
                            rule.min.is_some_and(|b| v < b.value),
                            rule.max.is_some_and(|b| v > b.value),
                        )
                    }
                    _ => return c.type_.fail(cell),
                },
            };
            if below {
                c.min.fail(cell)?;
            }
            if above {
                c.max.fail(cell)?;
            }
        }
        if let Some(set) = &allowed[k] {
            if !Rule::allows(set, cell) {
                c.values.fail(cell)?;
            }
        }
        if rule.unique {
            let key = if rule.kind == Kind::Text {
                Key::Text(cell)
            } else {
                big_key(num, cell).map_or(Key::Num((num + 0.0).to_bits()), Key::Big)
            };
            c.seen.push((key, cell));
        }
        Ok(())
    })?;
    Ok((rows, out))
}

/// How often each number has been seen, saturating at 3: open addressing, 9 bytes a slot (10M ids ≈ 150 MB).
/// Values that arrive strictly ascending (ids, timestamps) cannot repeat: they are only listed, 8 bytes each,
/// and go into the table when the first value out of order arrives, if one ever does.
struct NumCounts {
    keys: Vec<u64>,
    counts: Vec<u8>,
    size: usize,
    ascending: Option<Vec<u64>>,
}

impl NumCounts {
    fn new() -> Self {
        NumCounts {
            keys: vec![0; 1 << 12],
            counts: vec![0; 1 << 12],
            size: 0,
            ascending: Some(Vec::new()),
        }
    }

    fn slot(&self, key: u64) -> usize {
        let mut h = key;
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (h ^ (h >> 31)) as usize & (self.keys.len() - 1)
    }

    #[inline(always)]
    fn prefetch(&self, key: u64) {
        if self.ascending.is_some() {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is only a hint and never faults; the address is inside the tables anyway.
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let i = self.slot(key);
            _mm_prefetch::<_MM_HINT_T0>(self.keys.as_ptr().add(i) as *const i8);
            _mm_prefetch::<_MM_HINT_T0>(self.counts.as_ptr().add(i) as *const i8);
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = key;
    }

    fn add(&mut self, key: u64) -> u8 {
        if let Some(run) = &mut self.ascending {
            if run
                .last()
                .is_none_or(|&last| f64::from_bits(key) > f64::from_bits(last))
            {
                run.push(key);
                return 1;
            }
            let run = self.ascending.take().unwrap_or_default();
            // Sized once for all of them: doubling step by step would hold each old table beside its successor.
            let mut slots = self.keys.len();
            while (self.size + run.len() + 1) * 4 > slots * 3 {
                slots *= 2;
            }
            self.resize(slots);
            for k in run {
                self.add(k);
            }
        }
        let mask = self.keys.len() - 1;
        let mut i = self.slot(key);
        while self.counts[i] != 0 {
            if self.keys[i] == key {
                self.counts[i] = (self.counts[i] + 1).min(3);
                return self.counts[i];
            }
            i = (i + 1) & mask;
        }
        self.keys[i] = key;
        self.counts[i] = 1;
        self.size += 1;
        if self.size * 4 > self.keys.len() * 3 {
            self.grow();
        }
        1
    }

    fn grow(&mut self) {
        self.resize(self.keys.len() * 2);
    }

    fn resize(&mut self, slots: usize) {
        if slots == self.keys.len() {
            return;
        }
        let keys = std::mem::replace(&mut self.keys, vec![0; slots]);
        let counts = std::mem::replace(&mut self.counts, vec![0; slots]);
        let mask = self.keys.len() - 1;
        for (k, n) in keys.into_iter().zip(counts) {
            if n == 0 {
                continue;
            }
            let mut i = self.slot(k);
            while self.counts[i] != 0 {
                i = (i + 1) & mask;
            }
            self.keys[i] = k;
            self.counts[i] = n;
        }
    }
}

#[derive(Default)]
pub struct Counter {
    failed: u64,
    examples: Vec<String>,
}

impl Counter {
    fn merge(&mut self, ex: &Ex) {
        self.failed += ex.failed;
        for e in &ex.examples {
            // Checked as UTF-8 when taken (Ex::fail).
            self.example(|| Ok(std::str::from_utf8(e).unwrap().to_string()))
                .expect("checked");
        }
    }

    /// `n` failing rows holding one value; `text` gives its text while examples are still wanted.
    pub fn fail(
        &mut self,
        n: u64,
        text: impl FnOnce() -> Result<String, Unsupported>,
    ) -> Result<(), Unsupported> {
        self.failed += n;
        self.example(text)
    }

    fn example(
        &mut self,
        text: impl FnOnce() -> Result<String, Unsupported>,
    ) -> Result<(), Unsupported> {
        if self.examples.len() < MAX_EXAMPLES {
            let s = text()?;
            if !self.examples.contains(&s) {
                self.examples.push(s);
            }
        }
        Ok(())
    }
}

/// One column's counters over the whole file.
pub struct Check {
    pub nulls: u64,
    pub non_null: u64,
    pub type_: Counter,
    pub min: Counter,
    pub max: Counter,
    pub values: Counter,
    duplicate_rows: u64,
    duplicates: Vec<String>,
    nums: Option<NumCounts>,
    bigs: FnvMap<i128, u8>,
    texts: FnvMap<Vec<u8>, u8>,
}

impl Check {
    pub fn new() -> Self {
        Check {
            nulls: 0,
            non_null: 0,
            type_: Counter::default(),
            min: Counter::default(),
            max: Counter::default(),
            values: Counter::default(),
            duplicate_rows: 0,
            duplicates: Vec::new(),
            nums: None,
            bigs: FnvMap::default(),
            texts: FnvMap::default(),
        }
    }

    /// Folds in one part, parts in file order: the unique count walks the values in row order, as the Validator.
    pub fn merge(&mut self, p: &PartCheck) -> Result<(), Unsupported> {
        self.nulls += p.nulls;
        self.non_null += p.non_null;
        self.type_.merge(&p.type_);
        self.min.merge(&p.min);
        self.max.merge(&p.max);
        self.values.merge(&p.values);
        for (i, &(key, text)) in p.seen.iter().enumerate() {
            if let Some((Key::Num(ahead), _)) = p.seen.get(i + PREFETCH_AHEAD) {
                self.prefetch(*ahead);
            }
            self.count_seen(key, || {
                check_text(text)?;
                Ok(std::str::from_utf8(text).unwrap().to_string())
            })?;
        }
        Ok(())
    }

    /// Counts one well-typed value for `unique`, values in row order; `text` gives the text of a value seen for
    /// the second time while duplicate examples are still wanted.
    pub fn count_seen(
        &mut self,
        key: Key,
        text: impl FnOnce() -> Result<String, Unsupported>,
    ) -> Result<(), Unsupported> {
        let n = match key {
            Key::Num(bits) => self.nums.get_or_insert_with(NumCounts::new).add(bits),
            Key::Big(v) => {
                let n = self.bigs.entry(v).or_insert(0);
                *n = (*n + 1).min(3);
                *n
            }
            Key::Text(t) => {
                let n = self.texts.entry(t.to_vec()).or_insert(0);
                *n = (*n + 1).min(3);
                *n
            }
        };
        // The second copy makes both rows failures; every later copy adds one.
        if n == 2 {
            self.duplicate_rows += 2;
            if self.duplicates.len() < MAX_EXAMPLES {
                self.duplicates.push(text()?);
            }
        } else if n > 2 {
            self.duplicate_rows += 1;
        }
        Ok(())
    }

    /// Asks for the unique table's slot of a value about to be counted (a column of ids is far larger than the
    /// caches).
    pub fn prefetch(&self, key: u64) {
        if let Some(nums) = &self.nums {
            nums.prefetch(key);
        }
    }

    /// validate.ts's ColumnCounts as JSON.
    pub fn json(&self, out: &mut String) {
        let counter = |out: &mut String, c: &Counter| {
            out.push_str(&format!("{{\"failed\":{},\"examples\":", c.failed));
            json::strings(out, &c.examples);
            out.push('}');
        };
        out.push_str(&format!(
            "{{\"nulls\":{},\"nonNull\":{},\"type\":",
            self.nulls, self.non_null
        ));
        counter(out, &self.type_);
        out.push_str(",\"min\":");
        counter(out, &self.min);
        out.push_str(",\"max\":");
        counter(out, &self.max);
        out.push_str(",\"values\":");
        counter(out, &self.values);
        out.push_str(&format!(
            ",\"duplicateRows\":{},\"duplicates\":",
            self.duplicate_rows
        ));
        json::strings(out, &self.duplicates);
        out.push('}');
    }
}

/// The whole command: rules from stdin, counters of the rule columns the file (CSV or JSON Lines) has, as JSON.
pub fn run(input: &Path, format: Format, gz: bool, threads: usize) -> Result<String, Failure> {
    let rules = read_rules()?;
    let mut layout = Layout::open(input, format, gz)?;
    loop {
        let report = run_with(input, &layout, &rules, threads)?;
        if !layout.late() {
            return Ok(report);
        }
        layout.again()?;
    }
}

fn run_with(
    input: &Path,
    layout: &Layout,
    rules: &[Rule],
    threads: usize,
) -> Result<String, Failure> {
    let header = layout.header();
    let index = header_index(header);
    // Rule columns the file lacks are the report's missingColumn checks, made in validate.ts.
    let (present, fields): (Vec<&Rule>, Vec<usize>) = rules
        .iter()
        .filter_map(|r| {
            index
                .iter()
                .find(|(n, _)| *n == r.name)
                .map(|&(_, i)| (r, i))
        })
        .unzip();
    let mut checks: Vec<Check> = present.iter().map(|_| Check::new()).collect();
    let mut progress = Progress::default();
    let mut rows = 0;
    layout.chunks(
        input,
        &fields,
        || threads,
        |split| {
            let parts = each_parallel(split.cells(), |c| check_part(c, &present, &fields))?;
            let mut n = 0;
            for (part_rows, part) in &parts {
                n += part_rows;
                for (check, p) in checks.iter_mut().zip(part) {
                    check.merge(p)?;
                }
            }
            rows = progress.add(n);
            Ok(())
        },
    )?;
    Ok(report(rows, header, &present, &checks))
}

/// The command's JSON: rows, the header as written, and each rule column's counters.
pub fn report(rows: u64, header: &[String], rules: &[&Rule], checks: &[Check]) -> String {
    let mut o = format!(
        "{{\"rows\":{rows},\"peakRssMb\":{},\"header\":",
        peak_rss_mb()
    );
    json::strings(&mut o, header);
    o.push_str(",\"columns\":{");
    for (k, (rule, check)) in rules.iter().zip(checks).enumerate() {
        if k > 0 {
            o.push(',');
        }
        crate::json::string(&mut o, &rule.name);
        o.push(':');
        check.json(&mut o);
    }
    o.push_str("}}\n");
    o
}

#[cfg(test)]
mod tests {
    use super::NumCounts;
    use std::collections::HashMap;

    /// The counts (saturating at 3) match a plain map's on sequences that ascend for a while and then repeat.
    #[test]
    fn ascending_run_then_table() {
        let mut next = crate::seeded::seeded(7);
        for case in 0..200u64 {
            let ascending = next(5000) as usize;
            let mut values: Vec<f64> = (0..ascending).map(|i| i as f64 * 0.5 - 100.0).collect();
            values.extend((0..next(3000)).map(|_| next(6000) as f64 * 0.5 - 100.0));
            if case % 3 == 0 {
                values.insert(ascending.min(values.len()), -0.0);
            }
            let mut counts = NumCounts::new();
            let mut plain: HashMap<u64, u8> = HashMap::new();
            for v in values {
                let key = (v + 0.0).to_bits();
                let want = plain.entry(key).or_insert(0);
                *want = (*want + 1).min(3);
                assert_eq!(counts.add(key), *want, "case {case}");
            }
        }
    }
}
