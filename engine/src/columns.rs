// Whole-file state of each selected column, merged from the parts in file order, and the finishing step that
// leaves every numeric column's finite values sorted in its own file of little-endian f64s.
//
// Typing follows the TypeScript loader: a column is numeric while every non-null cell is a number. When its first
// non-null cell is text it is counted as text from there; when text comes after numbers, the numbers are dropped
// and the column is counted again as text in a second pass (`recount`), so its counts are the values as written.
use crate::hll::Hll;
use crate::scan::{Mode, Part, PartColumn};
use crate::sort::Scratch;
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Exact text counts are kept up to this many distinct values per column (MAX_CATEGORIES in columns.ts).
pub const MAX_CATEGORIES: usize = 100_000;

pub struct Column {
    pub name: String,
    pub field: usize,
    pub numeric: bool,
    pub recount: bool,
    pub nulls: u64,
    /// Non-null cells (NaN and ±inf included for numeric columns).
    pub values: u64,
    nums: Vec<f64>,
    spill: Option<BufWriter<File>>,
    pub index: HashMap<Vec<u8>, usize>,
    pub counts: Vec<(Vec<u8>, u64)>,
    pub hll: Option<Hll>,
    /// Set by finish() for numeric columns.
    pub finite: u64,
    pub nan: u64,
    pub pos_inf: u64,
    pub neg_inf: u64,
}

impl Column {
    pub fn new(name: String, field: usize) -> Self {
        Column {
            name,
            field,
            numeric: true,
            recount: false,
            nulls: 0,
            values: 0,
            nums: Vec::new(),
            spill: None,
            index: HashMap::new(),
            counts: Vec::new(),
            hll: None,
            finite: 0,
            nan: 0,
            pos_inf: 0,
            neg_inf: 0,
        }
    }

    pub fn mode(&self) -> Mode {
        if self.recount {
            Mode::Skip
        } else if self.numeric {
            Mode::Numeric
        } else {
            Mode::Text
        }
    }

    fn count_text(&mut self, pc: &PartColumn) {
        for &(key, n) in &pc.counts.order {
            self.add_text(key, n);
        }
    }

    /// Counts `n` more cells holding `key`.
    pub fn add_text(&mut self, key: &[u8], n: u64) {
        self.values += n;
        if let Some(&k) = self.index.get(key) {
            self.counts[k].1 += n;
            return;
        }
        if self.counts.len() < MAX_CATEGORIES {
            self.index.insert(key.to_vec(), self.counts.len());
            self.counts.push((key.to_vec(), n));
            return;
        }
        // Past the cap: estimate distinct values from here on, seeded with every key counted so far.
        let hll = self.hll.get_or_insert_with(|| {
            let mut h = Hll::new();
            for (k, _) in &self.counts {
                h.add(k);
            }
            h
        });
        hll.add(key);
    }

    /// Numbers from a reader that fills several columns at once (the Parquet reader): `in_memory` is their shared
    /// total against `budget`; past it, this column goes to its raw file `id` in `dir`.
    pub fn push_shared(
        &mut self,
        v: &[f64],
        in_memory: &AtomicUsize,
        budget: usize,
        dir: &Path,
        id: usize,
    ) -> io::Result<()> {
        self.values += v.len() as u64;
        if self.spill.is_none() {
            let bytes = v.len() * 8;
            if in_memory.fetch_add(bytes, Ordering::Relaxed) + bytes <= budget {
                self.nums.extend_from_slice(v);
                return Ok(());
            }
            self.spill_to(dir, id)?;
        }
        write_f64s(self.spill.as_mut().expect("spilled"), v)
    }

    fn restart_as_text(&mut self) {
        self.numeric = false;
        self.recount = true;
        self.nums = Vec::new();
        self.spill = None;
        self.values = 0;
    }

    /// Folds one part's results in, `mode` being how the part read the column.
    fn merge(&mut self, pc: &PartColumn, started: Mode, spill: &mut Spill) -> io::Result<()> {
        self.nulls += pc.nulls;
        if self.recount {
            return Ok(());
        }
        if self.numeric {
            if pc.flipped_late || (pc.switched && self.values > 0) {
                self.restart_as_text();
            } else if pc.switched {
                self.numeric = false;
                self.count_text(pc);
            } else {
                self.values += pc.nums.len() as u64;
                self.push(&pc.nums, spill)?;
            }
            return Ok(());
        }
        // Text now. A part that began while the column was still numeric (an earlier part of the same chunk
        // turned it) holds text counts only if it never took a number.
        if started == Mode::Numeric && (!pc.nums.is_empty() || pc.flipped_late) {
            self.restart_as_text();
            return Ok(());
        }
        self.count_text(pc);
        Ok(())
    }

    fn push(&mut self, v: &[f64], spill: &mut Spill) -> io::Result<()> {
        if let Some(w) = self.spill.as_mut() {
            return write_f64s(w, v);
        }
        self.nums.extend_from_slice(v);
        spill.in_memory += v.len() * 8;
        Ok(())
    }

    fn spill_to(&mut self, dir: &Path, id: usize) -> io::Result<()> {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(raw_path(dir, id))?);
        write_f64s(&mut w, &self.nums)?;
        self.nums = Vec::new();
        self.spill = Some(w);
        Ok(())
    }

    /// Leaves the finite values, ascending, in `<id>.f64` under `dir`, and counts the non-finite ones.
    pub fn finish(&mut self, dir: &Path, id: usize, scratch: &mut Scratch) -> io::Result<()> {
        let mut values = std::mem::take(&mut self.nums);
        if let Some(mut w) = self.spill.take() {
            w.flush()?;
            drop(w);
            let raw = raw_path(dir, id);
            values = read_f64s(&raw)?;
            fs::remove_file(&raw)?;
        }
        for &v in &values {
            if v.is_nan() {
                self.nan += 1;
            } else if v == f64::INFINITY {
                self.pos_inf += 1;
            } else if v == f64::NEG_INFINITY {
                self.neg_inf += 1;
            }
        }
        scratch.finite_sorted(&mut values);
        self.finite = values.len() as u64;
        let mut w = BufWriter::with_capacity(1 << 20, File::create(dir.join(format!("{id}.f64")))?);
        write_f64s(&mut w, &values)?;
        w.flush()
    }
}

fn raw_path(dir: &Path, id: usize) -> PathBuf {
    dir.join(format!("raw-{id}.f64"))
}

/// A file of little-endian f64s, read 1 MiB at a time straight into the values (a 10M-row column is 80 MB, not
/// 80 MB twice).
pub fn read_f64s(path: &Path) -> io::Result<Vec<f64>> {
    let mut values = Vec::new();
    read_f64s_into(path, &mut values)?;
    Ok(values)
}

/// As read_f64s, into `values` (cleared first; its capacity is kept).
pub fn read_f64s_into(path: &Path, values: &mut Vec<f64>) -> io::Result<()> {
    let mut file = File::open(path)?;
    values.clear();
    values.reserve(usize::try_from(file.metadata()?.len() / 8).unwrap_or(0));
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        let end = n.next_multiple_of(8);
        file.read_exact(&mut buf[n..end])?;
        values.extend(
            buf[..end]
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap())),
        );
    }
}

pub fn write_f64s(w: &mut impl Write, v: &[f64]) -> io::Result<()> {
    let mut buf = Vec::with_capacity(v.len().min(1 << 16) * 8);
    for chunk in v.chunks(1 << 16) {
        buf.clear();
        for x in chunk {
            buf.extend_from_slice(&x.to_le_bytes());
        }
        w.write_all(&buf)?;
    }
    Ok(())
}

/// The in-memory budget for numeric values: past it, every numeric column goes to its own raw file.
pub struct Spill {
    pub budget: usize,
    pub in_memory: usize,
    pub spilling: bool,
}

/// Folds the parts of one chunk, in file order, into the columns; `started` is each column's mode at the chunk's
/// start. Spills every numeric column once the budget is passed.
pub fn merge_parts(
    columns: &mut [Column],
    parts: &[Part],
    started: &[Mode],
    spill: &mut Spill,
    dir: &Path,
) -> io::Result<u64> {
    let mut rows = 0;
    for part in parts {
        rows += part.rows;
        for (k, col) in columns.iter_mut().enumerate() {
            col.merge(&part.columns[k], started[k], spill)?;
        }
    }
    if !spill.spilling && spill.in_memory > spill.budget {
        spill.spilling = true;
        for (id, col) in columns.iter_mut().enumerate() {
            if col.numeric && !col.recount {
                col.spill_to(dir, id)?;
            }
        }
        spill.in_memory = 0;
    }
    Ok(rows)
}

/// Makes sure `dir` exists and is writable before any work is done.
pub fn prepare_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(dir.join(".probe"))?;
    fs::remove_file(dir.join(".probe"))
}
