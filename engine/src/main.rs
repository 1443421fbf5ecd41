// sluice-engine: the native data engine behind `sluice drift`, `sluice validate` and the data profiles.
//
//   sluice-engine columns --input FILE --out DIR [--format csv|csv.gz|jsonl|jsonl.gz|parquet] [--column NAME]... [--threads N] [--memory BYTES]
//   sluice-engine validate --input FILE [--format csv|csv.gz|jsonl|jsonl.gz|parquet] [--threads N]   (rules on stdin; see validate.rs)
//   sluice-engine sort      (finite values sorted, over stdin/stdout: see sort.rs)
//
// `columns` and `validate` read a local CSV or JSON Lines file (jsonl.rs), gzipped or not (inflate.rs), in 16 MiB
// chunks, each split at line ends over N threads (input.rs);
// `columns --format parquet` reads a flat Parquet file's column chunks, one column per thread (parquet_load.rs).
// `columns` writes one file of sorted finite f64s per numeric column to DIR and a JSON manifest to stdout (load.rs);
// `validate` prints the validation counters as JSON (validate.rs). Progress goes to stderr as `rows N` lines.
// Exit codes: 0 done; 64 the file needs the TypeScript reader (quoted fields, ragged rows, invalid JSON, …; the reason is on
// stderr); 66 the input cannot be read; 2 bad arguments; 1 anything else.
mod allowed;
mod bits;
mod cells;
mod columns;
mod fse;
mod hll;
mod huffman;
mod inflate;
mod input;
mod json;
mod jsonl;
mod load;
mod map;
mod number;
mod pages;
mod parquet;
mod parquet_load;
mod rle;
mod scan;
#[cfg(test)]
mod seeded;
mod snappy;
mod sort;
mod thrift;
mod typed;
mod validate;
mod validate_parquet;
mod zstd;

use input::{Failure, Format};
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::exit;

const USAGE: &str = "usage: sluice-engine columns --input FILE --out DIR [--format csv|csv.gz|jsonl|jsonl.gz|parquet] [--column NAME]... [--threads N] [--memory BYTES]
       sluice-engine validate --input FILE [--format csv|csv.gz|jsonl|jsonl.gz|parquet] [--threads N]   (rules on stdin, see validate.rs)
       sluice-engine sort";

fn usage(msg: &str) -> ! {
    eprintln!("sluice-engine: {msg}\n{USAGE}");
    exit(2)
}

/// Flags of `columns` and `validate`.
fn options(mut it: impl Iterator<Item = String>) -> load::Options {
    let (mut input, mut out, mut columns, mut threads, mut memory, mut format, mut gz) = (
        None,
        None,
        None::<Vec<String>>,
        2,
        192 << 20,
        Format::Csv,
        false,
    );
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--input" => input = Some(PathBuf::from(value())),
            "--out" => out = Some(PathBuf::from(value())),
            "--column" => columns.get_or_insert_with(Vec::new).push(value()),
            "--threads" => {
                threads = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--threads must be a whole number"))
            }
            "--memory" => {
                memory = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--memory must be a byte count"))
            }
            "--format" => {
                (format, gz) = match value().as_str() {
                    "csv" => (Format::Csv, false),
                    "csv.gz" => (Format::Csv, true),
                    "jsonl" => (Format::Jsonl, false),
                    "jsonl.gz" => (Format::Jsonl, true),
                    "parquet" => (Format::Parquet, false),
                    _ => usage("--format is csv, csv.gz, jsonl, jsonl.gz or parquet"),
                }
            }
            other => usage(&format!("unknown option {other}")),
        }
    }
    load::Options {
        input: input.unwrap_or_else(|| usage("--input is required")),
        out: out.unwrap_or_default(),
        columns,
        threads: threads.clamp(1, 64),
        memory,
        format,
        gz,
    }
}

/// Prints a finished command's JSON, or exits with the failure's code.
fn finish(input: &std::path::Path, result: Result<String, Failure>) -> ! {
    match result {
        Ok(json) => {
            let mut stdout = io::stdout().lock();
            let ok = stdout
                .write_all(json.as_bytes())
                .and_then(|()| stdout.flush())
                .is_ok();
            exit(if ok { 0 } else { 1 })
        }
        Err(Failure::Unsupported(why)) => {
            eprintln!("unsupported: {why}");
            exit(64)
        }
        Err(Failure::Io(e))
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied
            ) =>
        {
            eprintln!("sluice-engine: cannot read {}: {e}", input.display());
            exit(66)
        }
        Err(Failure::Io(e)) => {
            eprintln!("sluice-engine: {e}");
            exit(1)
        }
    }
}

fn main() {
    let mut it = std::env::args().skip(1);
    match it.next().as_deref() {
        Some("columns") => {
            let o = options(it);
            if o.out.as_os_str().is_empty() {
                usage("--out is required");
            }
            if let Err(e) = columns::prepare_dir(&o.out) {
                eprintln!("sluice-engine: cannot write to {}: {e}", o.out.display());
                exit(1);
            }
            finish(&o.input, load::load(&o).map(|l| load::manifest(&l)))
        }
        Some("validate") => {
            let o = options(it);
            let result = match o.format {
                Format::Parquet => validate_parquet::run(&o.input, o.threads),
                text => validate::run(&o.input, text, o.gz, o.threads),
            };
            finish(&o.input, result)
        }
        Some("sort") => exit(match sort::serve() {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("sluice-engine sort: {e}");
                1
            }
        }),
        _ => usage("the commands are columns, validate and sort"),
    }
}
