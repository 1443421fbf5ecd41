// sluice-engine: the native column loader behind `sluice drift` and the data profiles.
//
//   sluice-engine columns --input FILE.csv --out DIR [--column NAME]... [--threads N] [--memory BYTES]
//   sluice-engine sort      (finite values sorted, over stdin/stdout: see sort.rs)
//
// Reads a local CSV file in 16 MiB chunks, each split at line ends over N threads, and writes to DIR one file of
// sorted finite f64s per numeric column plus, on stdout, a JSON manifest (rows, per-column counts, text counts).
// Memory: one chunk, the numeric values up to --memory (then raw spill files), one column while sorting per thread.
// Progress goes to stderr as `rows N` lines.
// Exit codes: 0 done; 64 the file needs the TypeScript reader (quoted fields, ragged rows, …; the reason is on
// stderr); 66 the input cannot be read; 2 bad arguments; 1 anything else.
mod columns;
mod hll;
mod json;
mod number;
mod scan;
mod sort;

use columns::{merge_parts, prepare_dir, Column, Spill};
use scan::{check_text, scan_part, Mode, Part, Unsupported};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::exit;
use std::sync::atomic::{AtomicUsize, Ordering};

const CHUNK: usize = 16 << 20;

struct Args {
    input: PathBuf,
    out: PathBuf,
    columns: Option<Vec<String>>,
    threads: usize,
    memory: usize,
}

fn usage(msg: &str) -> ! {
    eprintln!("sluice-engine: {msg}\nusage: sluice-engine columns --input FILE --out DIR [--column NAME]... [--threads N] [--memory BYTES]\n       sluice-engine sort");
    exit(2)
}

fn parse_args() -> Args {
    let mut it = std::env::args().skip(1);
    match it.next().as_deref() {
        Some("columns") => {}
        Some("sort") => exit(match sort::serve() {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("sluice-engine sort: {e}");
                1
            }
        }),
        _ => usage("the commands are `columns` and `sort`"),
    }
    let (mut input, mut out, mut columns, mut threads, mut memory) = (None, None, None::<Vec<String>>, 2, 192 << 20);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--input" => input = Some(PathBuf::from(value())),
            "--out" => out = Some(PathBuf::from(value())),
            "--column" => columns.get_or_insert_with(Vec::new).push(value()),
            "--threads" => threads = value().parse().unwrap_or_else(|_| usage("--threads must be a whole number")),
            "--memory" => memory = value().parse().unwrap_or_else(|_| usage("--memory must be a byte count")),
            other => usage(&format!("unknown option {other}")),
        }
    }
    Args {
        input: input.unwrap_or_else(|| usage("--input is required")),
        out: out.unwrap_or_else(|| usage("--out is required")),
        columns,
        threads: threads.clamp(1, 64),
        memory,
    }
}

/// String.prototype.trim, for header names (see number.rs for the white space it means).
fn js_trim(s: &str) -> &str {
    s.trim_matches(|c: char| (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}')
}

enum Failure {
    Unsupported(String),
    Io(io::Error),
}

impl From<Unsupported> for Failure {
    fn from(u: Unsupported) -> Self {
        Failure::Unsupported(u.0)
    }
}
impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

/// Reads the file from byte `skip` chunk by chunk, handing each run of whole lines to `each` (the last call may
/// lack a final LF).
fn chunks(path: &Path, skip: u64, mut each: impl FnMut(&[u8]) -> Result<(), Failure>) -> Result<(), Failure> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(skip))?;
    let mut buf = vec![0u8; CHUNK];
    let mut carry = 0;
    loop {
        if carry == buf.len() {
            buf.resize(buf.len() * 2, 0); // a line longer than the chunk
        }
        let n = file.read(&mut buf[carry..])?;
        let filled = carry + n;
        if n == 0 {
            if filled > 0 {
                each(&buf[..filled])?;
            }
            return Ok(());
        }
        match buf[..filled].iter().rposition(|&c| c == b'\n') {
            Some(p) => {
                each(&buf[..=p])?;
                buf.copy_within(p + 1..filled, 0);
                carry = filled - p - 1;
            }
            None => carry = filled,
        }
    }
}

/// Splits whole lines into `n` parts at line ends.
fn split_lines(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut parts = Vec::with_capacity(n);
    let mut from = 0;
    for k in 1..n {
        let mut at = (data.len() * k / n).max(from);
        while at > 0 && at < data.len() && data[at - 1] != b'\n' {
            at += 1;
        }
        parts.push(&data[from..at]);
        from = at;
    }
    parts.push(&data[from..]);
    parts
}

/// The header line (after a UTF-8 BOM) and the byte offset where the rows start.
fn read_header(path: &Path) -> Result<(Vec<String>, u64), Failure> {
    let mut file = File::open(path)?;
    let mut head = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut offset = 0;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Err(Failure::Unsupported("no header line ending in a line feed".into()));
        }
        head.extend_from_slice(&buf[..n]);
        let bom = if head.starts_with(b"\xef\xbb\xbf") { 3 } else { 0 };
        // Empty lines before the header are skipped, as by the TypeScript reader.
        while let Some(p) = head[bom + offset..].iter().position(|&c| c == b'\n') {
            let raw = &head[bom + offset..bom + offset + p];
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            let end = bom + offset + p + 1;
            if line.is_empty() {
                offset += p + 1;
                continue;
            }
            let mut names = Vec::new();
            for cell in line.split(|&c| c == b',') {
                check_text(cell)?;
                names.push(std::str::from_utf8(cell).unwrap().to_string());
            }
            return Ok((names, end as u64));
        }
    }
}

struct Loaded {
    rows: u64,
    columns: Vec<Column>,
    missing: Vec<String>,
}

fn scan_file(
    args: &Args,
    header: &[String],
    skip: u64,
    columns: &mut [Column],
    spill: &mut Spill,
) -> Result<u64, Failure> {
    let fields: Vec<usize> = columns.iter().map(|c| c.field).collect();
    let mut rows = 0u64;
    let mut reported = 0u64;
    let mut first = true;
    chunks(&args.input, skip, |data| {
        let started: Vec<Mode> = columns.iter().map(Column::mode).collect();
        // The first chunk on one thread: it settles each column's type the way the TypeScript loader does.
        let n = if first { 1 } else { args.threads };
        first = false;
        let parts: Vec<&[u8]> = split_lines(data, n);
        let results: Vec<Result<Part, Unsupported>> = std::thread::scope(|s| {
            let handles: Vec<_> = parts
                .iter()
                .map(|p| {
                    let (fields, started) = (&fields, &started);
                    s.spawn(move || scan_part(p, header.len(), fields, started))
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("scan thread")).collect()
        });
        let parts: Vec<Part> = results.into_iter().collect::<Result<_, _>>()?;
        rows += merge_parts(columns, &parts, &started, spill, &args.out)?;
        if rows - reported >= 100_000 {
            reported = rows;
            eprintln!("rows {rows}");
        }
        Ok(())
    })?;
    Ok(rows)
}

fn load(args: &Args) -> Result<Loaded, Failure> {
    let (header, skip) = read_header(&args.input)?;
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<(String, usize)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let n = js_trim(h).to_string();
            seen.insert(n.clone()).then_some((n, i))
        })
        .collect();
    let wanted: Vec<String> = args.columns.clone().unwrap_or_else(|| unique.iter().map(|(n, _)| n.clone()).collect());
    let missing = wanted.iter().filter(|w| !unique.iter().any(|(n, _)| n == *w)).cloned().collect();
    let mut columns: Vec<Column> = unique
        .into_iter()
        .filter(|(n, _)| wanted.contains(n))
        .map(|(n, i)| Column::new(n, i))
        .collect();
    let mut spill = Spill { budget: args.memory, in_memory: 0, spilling: false };
    let rows = scan_file(args, &header, skip, &mut columns, &mut spill)?;

    let again: Vec<usize> = (0..columns.len()).filter(|&k| columns[k].recount).collect();
    if !again.is_empty() {
        // Second pass: those columns counted as text from the first row, nulls already known.
        let mut fresh: Vec<Column> = again
            .iter()
            .map(|&k| {
                let mut c = Column::new(columns[k].name.clone(), columns[k].field);
                c.numeric = false;
                c
            })
            .collect();
        let mut none = Spill { budget: usize::MAX, in_memory: 0, spilling: false };
        scan_file(args, &header, skip, &mut fresh, &mut none)?;
        for (k, mut c) in again.into_iter().zip(fresh) {
            c.nulls = columns[k].nulls;
            columns[k] = c;
        }
    }

    // Sorting, one column per thread at a time.
    let next = AtomicUsize::new(0);
    let cells: Vec<std::sync::Mutex<&mut Column>> = columns.iter_mut().map(std::sync::Mutex::new).collect();
    let out = &args.out;
    std::thread::scope(|s| -> io::Result<()> {
        let workers: Vec<_> = (0..args.threads)
            .map(|_| {
                s.spawn(|| -> io::Result<()> {
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(cell) = cells.get(k) else { return Ok(()) };
                        let mut col = cell.lock().unwrap();
                        if col.numeric {
                            col.finish(out, k)?;
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().expect("sort thread")?;
        }
        Ok(())
    })?;
    Ok(Loaded { rows, columns, missing })
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    (kb / 1024.0 * 10.0).round() / 10.0
}

fn manifest(l: &Loaded) -> String {
    let mut o = String::with_capacity(1 << 16);
    o.push_str(&format!("{{\"rows\":{},\"peakRssMb\":{},\"missing\":[", l.rows, peak_rss_mb()));
    for (i, m) in l.missing.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        json::string(&mut o, m);
    }
    o.push_str("],\"columns\":[");
    for (k, c) in l.columns.iter().enumerate() {
        if k > 0 {
            o.push(',');
        }
        o.push_str("{\"name\":");
        json::string(&mut o, &c.name);
        o.push_str(&format!(",\"nulls\":{},\"values\":{}", c.nulls, c.values));
        if c.numeric {
            o.push_str(&format!(
                ",\"type\":\"numeric\",\"file\":\"{k}.f64\",\"finite\":{},\"nan\":{},\"posInf\":{},\"negInf\":{}}}",
                c.finite, c.nan, c.pos_inf, c.neg_inf
            ));
            continue;
        }
        o.push_str(",\"type\":\"string\"");
        if let Some(h) = &c.hll {
            o.push_str(&format!(",\"highCardinality\":true,\"distinctEstimate\":{}", h.estimate().round()));
        }
        o.push_str(",\"counts\":[");
        for (i, (key, n)) in c.counts.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push('[');
            // Checked as UTF-8 when first counted (scan.rs).
            json::string(&mut o, std::str::from_utf8(key).unwrap());
            o.push_str(&format!(",{n}]"));
        }
        o.push_str("]}");
    }
    o.push_str("]}\n");
    o
}

fn main() {
    let args = parse_args();
    if let Err(e) = prepare_dir(&args.out) {
        eprintln!("sluice-engine: cannot write to {}: {e}", args.out.display());
        exit(1);
    }
    match load(&args) {
        Ok(l) => {
            let mut stdout = io::stdout().lock();
            if stdout.write_all(manifest(&l).as_bytes()).and_then(|()| stdout.flush()).is_err() {
                exit(1);
            }
        }
        Err(Failure::Unsupported(why)) => {
            eprintln!("unsupported: {why}");
            exit(64);
        }
        Err(Failure::Io(e)) if e.kind() == io::ErrorKind::NotFound || e.kind() == io::ErrorKind::PermissionDenied => {
            eprintln!("sluice-engine: cannot read {}: {e}", args.input.display());
            exit(66);
        }
        Err(Failure::Io(e)) => {
            eprintln!("sluice-engine: {e}");
            exit(1);
        }
    }
}
