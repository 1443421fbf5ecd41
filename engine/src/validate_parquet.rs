// `sluice-engine validate --format parquet`: validate.rs's counters from a flat Parquet file's typed values, with
// the meaning the DuckDB path gives them (activities/data/parquet-sql.ts): number and integer rules on numeric
// columns (integer storage is always whole; floats fail `type` when NaN or ±inf, or, for `integer`, not whole; a
// value list compares String(v), as the TypeScript path that takes such a rule does), string and category rules on
// UTF-8 columns, where '' is a null. Examples are the values as the TypeScript reader writes them (String(v)).
// Timestamp rules on date and timestamp columns, and boolean rules, follow the TypeScript path too (hyparquet's
// values as text: a Date's ISO text read by parseTimestamp, String(x) or true/false read by parseBoolean): see
// CheckSink::times and mistyped. Any other pairing of rule and column type is Unsupported, and the file goes back
// to the TypeScript path.
use crate::allowed::Allowed;
use crate::input::{header_index, Failure};
use crate::number::{js_text, js_trim};
use crate::pages::{read_chunk, ChunkOf, Sink};
use crate::parquet::{Kind, ParquetFile};
use crate::parquet_load::for_each_chunk;
use crate::scan::Unsupported;
use crate::typed::{date_ms, iso};
use crate::validate::{
    read_rules, report, whole, Check, Key, Kind as RuleKind, Rule, PREFETCH_AHEAD,
};
use std::path::Path;

/// An example's text: doubles as JavaScript writes them, integers (read as doubles) exactly while below 2^53.
fn text_of(kind: Kind, v: f64) -> Result<String, Unsupported> {
    match kind {
        Kind::Float | Kind::Double => Ok(js_text(v)),
        _ if v.abs() < 9_007_199_254_740_992.0 => Ok(format!("{}", v as i64)),
        _ => Err(Unsupported(
            "an integer example past 2^53 (its digits are not kept)".into(),
        )),
    }
}

/// Whether a number is in a value list: its text, String(x), as the TypeScript path compares it.
fn allowed(set: &Allowed, kind: Kind, x: f64) -> Result<bool, Unsupported> {
    Ok(Rule::allows(set, text_of(kind, x)?.as_bytes()))
}

/// Whether a number fails a rule's `type`: not finite; for an integer rule not whole; for a boolean rule not 0 or 1
/// (whose text, String(x), is what parseBoolean reads).
fn mistyped(rule: RuleKind, x: f64) -> bool {
    match rule {
        RuleKind::Boolean => x != 0.0 && x != 1.0,
        RuleKind::Integer => !x.is_finite() || !whole(x),
        _ => !x.is_finite(),
    }
}

struct CheckSink<'a> {
    rule: &'a Rule,
    kind: Kind,
    allowed: Option<&'a Allowed>,
    check: &'a mut Check,
}

impl CheckSink<'_> {
    /// The rule's bounds, open where it sets none.
    fn bounds(&self) -> (f64, f64) {
        let rule = self.rule;
        (
            rule.min.map_or(f64::NEG_INFINITY, |b| b.value),
            rule.max.map_or(f64::INFINITY, |b| b.value),
        )
    }

    /// Whether no value of `v` fails a check (each may still count for `unique`).
    fn clean(&self, v: &[f64]) -> bool {
        let (lo, hi) = self.bounds();
        let kind = self.rule.kind;
        let ok = |x: f64| !mistyped(kind, x) & (x >= lo) & (x <= hi);
        // Branch-free over the whole slice: most pages hold no failing value.
        v.iter().fold(true, |all, &x| all & ok(x))
            && self.allowed.is_none_or(|set| {
                v.iter()
                    .all(|&x| allowed(set, self.kind, x).unwrap_or(false))
            })
    }
}

/// The instants parseTimestamp reads back from an ISO text: years 0000 to 9999 (beyond, the text has a signed
/// six-digit year).
const FIRST_YEAR_MS: f64 = -62_167_219_200_000.0;
const PAST_LAST_YEAR_MS: f64 = 253_402_300_800_000.0;

fn iso_text(ms: f64) -> Result<String, Unsupported> {
    let mut t = Vec::with_capacity(24);
    iso(ms as i64, &mut t);
    Ok(String::from_utf8_lossy(&t).into_owned())
}

impl CheckSink<'_> {
    /// A timestamp rule on milliseconds from a date or timestamp column, as the TypeScript path checks them: a
    /// value beyond a JavaScript Date's range is an invalid Date, whose text is '' (a null); one outside years
    /// 0–9999 fails `type` (parseTimestamp does not read a six-digit year); examples are the ISO texts.
    fn times(&mut self, v: &[f64]) -> Result<(), Failure> {
        let (lo, hi) = self.bounds();
        let (unique, c) = (self.rule.unique, &mut *self.check);
        for (i, &x) in v.iter().enumerate() {
            if date_ms(x).is_none() {
                c.nulls += 1;
                continue;
            }
            c.non_null += 1;
            if !(FIRST_YEAR_MS..PAST_LAST_YEAR_MS).contains(&x) {
                c.type_.fail(1, || iso_text(x))?;
                continue;
            }
            if x < lo {
                c.min.fail(1, || iso_text(x))?;
            }
            if x > hi {
                c.max.fail(1, || iso_text(x))?;
            }
            if unique {
                if let Some(&ahead) = v.get(i + PREFETCH_AHEAD) {
                    c.prefetch((ahead + 0.0).to_bits());
                }
                c.count_seen(Key::Num((x + 0.0).to_bits()), || iso_text(x))?;
            }
        }
        Ok(())
    }
}

impl Sink for CheckSink<'_> {
    fn numbers(&mut self, v: &[f64]) -> Result<(), Failure> {
        if self.kind.time() {
            return self.times(v);
        }
        let clean = self.clean(v);
        let (lo, hi) = self.bounds();
        let (rule, kind, set, c) = (self.rule, self.kind, self.allowed, &mut *self.check);
        c.non_null += v.len() as u64;
        if clean && !rule.unique {
            return Ok(());
        }
        for (i, &x) in v.iter().enumerate() {
            if !clean {
                if mistyped(rule.kind, x) {
                    c.type_.fail(1, || text_of(kind, x))?;
                    continue;
                }
                if x < lo {
                    c.min.fail(1, || text_of(kind, x))?;
                }
                if x > hi {
                    c.max.fail(1, || text_of(kind, x))?;
                }
                if let Some(set) = set {
                    if !allowed(set, kind, x)? {
                        c.values.fail(1, || text_of(kind, x))?;
                    }
                }
            }
            if rule.unique {
                if let Some(&ahead) = v.get(i + PREFETCH_AHEAD) {
                    c.prefetch((ahead + 0.0).to_bits());
                }
                // Integers past 2^53 arrive rounded to doubles, where distinct ones can meet: `unique` counts them
                // by exact value (validate.ts bigKey), so such a file goes to DuckDB, which reads them whole.
                if !matches!(kind, Kind::Float | Kind::Double) && x.abs() >= 9_007_199_254_740_992.0
                {
                    return Err(Failure::Unsupported(
                        "unique on integers past 2^53 (read here as doubles)".into(),
                    ));
                }
                // By value, -0 as 0, as the SQL groups them.
                c.count_seen(Key::Num((x + 0.0).to_bits()), || text_of(kind, x))?;
            }
        }
        Ok(())
    }

    fn text(&mut self, key: &[u8], n: u64) -> Result<(), Failure> {
        let Ok(s) = std::str::from_utf8(key) else {
            return Err(Failure::Unsupported("text that is not valid UTF-8".into()));
        };
        let c = &mut *self.check;
        c.non_null += n;
        if let Some(set) = self.allowed {
            if !Rule::allows(set, key) {
                c.values.fail(n, || Ok(s.to_string()))?;
            }
        }
        if self.rule.unique {
            c.count_seen(Key::Text(key), || Ok(s.to_string()))?;
        }
        Ok(())
    }

    fn nulls(&mut self, n: u64) {
        self.check.nulls += n;
    }

    fn row_order(&self) -> bool {
        self.rule.unique
    }

    fn passes(&mut self, dict: &[f64]) -> bool {
        !self.rule.unique && !self.kind.time() && self.clean(dict)
    }

    fn passed(&mut self, n: u64) {
        self.check.non_null += n;
    }
}

/// The whole command on a Parquet file: rules from stdin, counters of the rule columns the file has, as JSON.
pub fn run(input: &Path, threads: usize) -> Result<String, Failure> {
    let rules = read_rules()?;
    let pq = ParquetFile::open(input)?;
    let header = pq.names();
    if header.iter().any(|h| js_trim(h) != h) {
        return Err(Failure::Unsupported(
            "column names with surrounding spaces".into(),
        ));
    }
    let index = header_index(&header);
    let mut plan: Vec<(Rule, usize, Kind)> = Vec::new();
    for rule in rules {
        let Some(&(_, field)) = index.iter().find(|(n, _)| *n == rule.name) else {
            continue; // a missingColumn check, made in validate.ts
        };
        let kind = pq.kind_of(field)?;
        let fits = match rule.kind {
            RuleKind::Number | RuleKind::Integer => kind.numeric(),
            RuleKind::Text => kind == Kind::Text,
            RuleKind::Timestamp => kind.time() && rule.allowed.is_none(),
            // A boolean column's values are all true or false: only its nulls count, so no unique or value list.
            RuleKind::Boolean => {
                rule.allowed.is_none()
                    && (kind.numeric() || (kind == Kind::Boolean && !rule.unique))
            }
        };
        if !fits {
            return Err(Failure::Unsupported(format!(
                "column {}: this rule on a Parquet {kind:?} column",
                rule.name
            )));
        }
        plan.push((rule, field, kind));
    }
    let fields: Vec<usize> = plan.iter().map(|p| p.1).collect();
    let allowed: Vec<Option<Allowed>> = plan.iter().map(|p| p.0.allowed_table()).collect();
    let mut checks: Vec<Check> = plan.iter().map(|_| Check::new()).collect();
    let rows = for_each_chunk(
        &pq,
        &fields,
        &mut checks,
        threads,
        |check, k, chunk, scratch| {
            let (rule, field, kind) = &plan[k];
            let mut sink = CheckSink {
                rule,
                kind: *kind,
                allowed: allowed[k].as_ref(),
                check,
            };
            let of = ChunkOf {
                chunk,
                leaf: &pq.leaves[*field],
                kind: *kind,
            };
            read_chunk(&pq, of, &mut sink, scratch)
        },
    )?;
    let rules: Vec<&Rule> = plan.iter().map(|p| &p.0).collect();
    Ok(report(rows, &header, &rules, &checks))
}
