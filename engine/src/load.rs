// `sluice-engine columns`: the selected columns of a local CSV, JSON Lines or Parquet file as typed columns (see
// columns.rs), numeric ones sorted into files, text ones counted; the manifest on stdout is schemas/engine.ts's
// EngineManifest.
use crate::columns::{merge_parts, Column, Spill};
use crate::input::{each_parallel, header_index, peak_rss_mb, Failure, Format, Layout, Progress};
use crate::json;
use crate::parquet::ParquetFile;
use crate::parquet_load::scan_parquet;
use crate::scan::{scan_part, Mode};
use crate::sort::Scratch;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Options {
    pub input: PathBuf,
    pub out: PathBuf,
    pub columns: Option<Vec<String>>,
    pub threads: usize,
    pub memory: usize,
    pub format: Format,
    /// The CSV or JSON Lines file is gzipped.
    pub gz: bool,
}

pub struct Loaded {
    rows: u64,
    columns: Vec<Column>,
    missing: Vec<String>,
    /// Present columns of Parquet types this reader does not take, left to the TypeScript loader.
    left: Vec<String>,
    /// Every present selected column, read or left, in file order.
    names: Vec<String>,
}

/// Reads the columns over the whole file; returns the row count.
fn scan_file(
    args: &Options,
    layout: &Layout,
    columns: &mut [Column],
    spill: &mut Spill,
) -> Result<u64, Failure> {
    let fields: Vec<usize> = columns.iter().map(|c| c.field).collect();
    let mut progress = Progress::default();
    let mut rows = 0;
    // The first chunk on one thread: it settles each column's type the way the TypeScript loader does.
    let mut first = true;
    let threads = || match std::mem::take(&mut first) {
        true => 1,
        false => args.threads,
    };
    layout.chunks(&args.input, &fields, threads, |split| {
        let started: Vec<Mode> = columns.iter().map(Column::mode).collect();
        let parts = each_parallel(split.cells(), |c| scan_part(c, &fields, &started))?;
        rows = progress.add(merge_parts(columns, &parts, &started, spill, &args.out)?);
        Ok(())
    })?;
    Ok(rows)
}

pub fn load(args: &Options) -> Result<Loaded, Failure> {
    if args.format == Format::Parquet {
        return load_parquet(args);
    }
    let mut layout = Layout::open(&args.input, args.format, args.gz)?;
    loop {
        match load_text(args, &layout)? {
            Some(loaded) => return Ok(loaded),
            None => layout.again()?,
        }
    }
}

/// The selected columns that `header` has, and those it lacks.
fn select(args: &Options, header: &[String]) -> (Vec<Column>, Vec<String>) {
    let unique = header_index(header);
    let wanted: Vec<String> = args
        .columns
        .clone()
        .unwrap_or_else(|| unique.iter().map(|(n, _)| n.clone()).collect());
    let missing = wanted
        .iter()
        .filter(|w| !unique.iter().any(|(n, _)| n == *w))
        .cloned()
        .collect();
    let columns = unique
        .into_iter()
        .filter(|(n, _)| wanted.contains(n))
        .map(|(n, i)| Column::new(n, i))
        .collect();
    (columns, missing)
}

fn load_parquet(args: &Options) -> Result<Loaded, Failure> {
    let pq = ParquetFile::open(&args.input)?;
    let (columns, missing) = select(args, &pq.names());
    let names = columns.iter().map(|c| c.name.clone()).collect();
    // Typed by the schema: no second pass. Decimals, float16 and the like are left by name, so a table with one
    // such column still has its others read here.
    let (mut columns, left): (Vec<Column>, Vec<Column>) = columns
        .into_iter()
        .partition(|c| pq.kind_of(c.field).is_ok());
    let rows = scan_parquet(&pq, &mut columns, args.threads, args.memory, &args.out)?;
    sort_columns(&mut columns, args)?;
    Ok(Loaded {
        rows,
        columns,
        missing,
        left: left.into_iter().map(|c| c.name).collect(),
        names,
    })
}

/// CSV or JSON Lines: one pass, and a second for the columns that turned out to be text after numbers; None when
/// the pass found JSON Lines keys that are not columns (the file is read again with them).
fn load_text(args: &Options, layout: &Layout) -> Result<Option<Loaded>, Failure> {
    let (mut columns, missing) = select(args, layout.header());
    let names = columns.iter().map(|c| c.name.clone()).collect();
    let mut spill = Spill {
        budget: args.memory,
        in_memory: 0,
        spilling: false,
    };
    let rows = scan_file(args, layout, &mut columns, &mut spill)?;
    if layout.late() {
        return Ok(None);
    }

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
        let mut none = Spill {
            budget: usize::MAX,
            in_memory: 0,
            spilling: false,
        };
        scan_file(args, layout, &mut fresh, &mut none)?;
        for (k, mut c) in again.into_iter().zip(fresh) {
            c.nulls = columns[k].nulls;
            columns[k] = c;
        }
    }

    sort_columns(&mut columns, args)?;
    Ok(Some(Loaded {
        rows,
        columns,
        missing,
        left: Vec::new(),
        names,
    }))
}

/// Sorts every numeric column into its file, one column per thread at a time.
fn sort_columns(columns: &mut [Column], args: &Options) -> io::Result<()> {
    let next = AtomicUsize::new(0);
    let cells: Vec<std::sync::Mutex<&mut Column>> =
        columns.iter_mut().map(std::sync::Mutex::new).collect();
    let out = &args.out;
    std::thread::scope(|s| -> io::Result<()> {
        let workers: Vec<_> = (0..args.threads)
            .map(|_| {
                s.spawn(|| -> io::Result<()> {
                    let mut scratch = Scratch::default();
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(cell) = cells.get(k) else {
                            return Ok(());
                        };
                        let mut col = cell.lock().unwrap();
                        if col.numeric {
                            col.finish(out, k, &mut scratch)?;
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().expect("sort thread")?;
        }
        Ok(())
    })
}

pub fn manifest(l: &Loaded) -> String {
    let mut o = String::with_capacity(1 << 16);
    o.push_str(&format!(
        "{{\"rows\":{},\"peakRssMb\":{},\"missing\":",
        l.rows,
        peak_rss_mb()
    ));
    json::strings(&mut o, &l.missing);
    o.push_str(",\"left\":");
    json::strings(&mut o, &l.left);
    o.push_str(",\"names\":");
    json::strings(&mut o, &l.names);
    o.push_str(",\"columns\":[");
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
            o.push_str(&format!(
                ",\"highCardinality\":true,\"distinctEstimate\":{}",
                h.estimate()
            ));
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
