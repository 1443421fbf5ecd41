// `sluice-engine columns` on a Parquet file: each row group's selected column chunks are decoded on the threads,
// one column at a time per thread, into the same Column state the CSV scan fills (load.rs sorts and writes them).
// Types come from the schema, not the values: numbers (as DuckDB casts them to DOUBLE), booleans counted as
// "true"/"false", UTF-8 strings counted with the empty string as a null, dates and timestamps counted as the ISO
// text of their millisecond (an invalid Date is a null), as the TypeScript Parquet loader does.
use crate::columns::Column;
use crate::input::{Failure, Progress};
use crate::pages::{read_chunk, ChunkOf, Scratch, Sink};
use crate::parquet::{Chunk, ParquetFile};
use crate::typed::{date_ms, iso};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

struct ColumnSink<'a> {
    col: &'a mut Column,
    in_memory: &'a AtomicUsize,
    budget: usize,
    dir: &'a Path,
    id: usize,
    /// A date or timestamp column: its numbers are milliseconds, counted as text.
    time: bool,
    text: Vec<u8>,
}

impl Sink for ColumnSink<'_> {
    fn numbers(&mut self, v: &[f64]) -> Result<(), Failure> {
        if !self.time {
            return Ok(self
                .col
                .push_shared(v, self.in_memory, self.budget, self.dir, self.id)?);
        }
        for &ms in v {
            match date_ms(ms) {
                None => self.col.nulls += 1,
                Some(ms) => {
                    iso(ms, &mut self.text);
                    self.col.add_text(&self.text, 1);
                }
            }
        }
        Ok(())
    }

    fn text(&mut self, key: &[u8], n: u64) -> Result<(), Failure> {
        if !self.col.index.contains_key(key) && std::str::from_utf8(key).is_err() {
            return Err(Failure::Unsupported(format!(
                "column {}: text that is not valid UTF-8",
                self.col.name
            )));
        }
        self.col.add_text(key, n);
        Ok(())
    }

    fn nulls(&mut self, n: u64) {
        self.col.nulls += n;
    }
}

/// Fills `columns` (fields are schema positions) from every row group; returns the row count. Numbers past `budget`
/// bytes in memory go to raw files in `dir`.
pub fn scan_parquet(
    pq: &ParquetFile,
    columns: &mut [Column],
    threads: usize,
    budget: usize,
    dir: &Path,
) -> Result<u64, Failure> {
    let mut kinds = Vec::with_capacity(columns.len());
    for c in columns.iter_mut() {
        let kind = pq.kind_of(c.field)?;
        c.numeric = kind.numeric();
        kinds.push(kind);
    }
    let fields: Vec<usize> = columns.iter().map(|c| c.field).collect();
    let in_memory = AtomicUsize::new(0);
    for_each_chunk(pq, &fields, columns, threads, |col, k, chunk, scratch| {
        let mut sink = ColumnSink {
            col,
            in_memory: &in_memory,
            budget,
            dir,
            id: k,
            time: kinds[k].time(),
            text: Vec::new(),
        };
        let of = ChunkOf {
            chunk,
            leaf: &pq.leaves[fields[k]],
            kind: kinds[k],
        };
        read_chunk(pq, of, &mut sink, scratch)
    })
}

/// Runs `read(state, k, chunk, scratch)` for every row group's chunk of the columns at schema positions `fields`,
/// `states[k]` being column k's: row groups in file order, the columns of one row group over `threads` threads, one
/// column at a time each. `read` returns the rows it read. Returns the file's row count; reports progress.
pub fn for_each_chunk<S: Send>(
    pq: &ParquetFile,
    fields: &[usize],
    states: &mut [S],
    threads: usize,
    read: impl Fn(&mut S, usize, &Chunk, &mut Scratch) -> Result<u64, Failure> + Sync,
) -> Result<u64, Failure> {
    let mut progress = Progress::default();
    let mut rows = 0;
    let read = &read;
    for rg in &pq.row_groups {
        let next = AtomicUsize::new(0);
        let cells: Vec<Mutex<&mut S>> = states.iter_mut().map(Mutex::new).collect();
        let cells = &cells;
        std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads.clamp(1, cells.len().max(1)))
                .map(|_| {
                    s.spawn(|| -> Result<(), Failure> {
                        let mut scratch = Scratch::default();
                        loop {
                            let k = next.fetch_add(1, Ordering::Relaxed);
                            let Some(cell) = cells.get(k) else {
                                return Ok(());
                            };
                            let (leaf, chunk) = (&pq.leaves[fields[k]], &rg.chunks[fields[k]]);
                            if chunk.physical != leaf.physical {
                                return Err(Failure::Unsupported(format!(
                                    "column {}: a chunk's type differs from the schema's",
                                    leaf.name
                                )));
                            }
                            let n = read(&mut cell.lock().unwrap(), k, chunk, &mut scratch)?;
                            if n != rg.rows {
                                return Err(Failure::Unsupported(format!(
                                    "column {}: {n} values in a row group of {} rows",
                                    leaf.name, rg.rows
                                )));
                            }
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .try_for_each(|w| w.join().expect("parquet thread"))
        })?;
        rows = progress.add(rg.rows);
    }
    Ok(rows)
}
