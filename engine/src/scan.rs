// One part of a CSV chunk (whole lines, no quotes expected) scanned into per-column partial results on one thread.
// Reading rules mirror the TypeScript CsvByteScanner: LF or CRLF line ends, an empty line is skipped, an empty
// field is null. Anything else this scanner does not read identically (quotes, bare CR, ragged rows, invalid
// UTF-8 in text) is an Unsupported error: the caller then leaves the whole file to the TypeScript reader.
use crate::cells::{for_each_selected_cell, Cells};
use crate::number::parse_numeric;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: category keys are a few bytes long, where SipHash's set-up dominates.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        self.0 = h;
    }
}

pub type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

#[derive(Debug)]
pub struct Unsupported(pub String);

/// How a column is read in this part: as numbers, or counted as text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Numeric,
    Text,
    /// Not read (a column already marked for the text recount).
    Skip,
}

/// Text counts in first-seen order, keyed by the cell's bytes.
#[derive(Default)]
pub struct Counts<'a> {
    pub index: FnvMap<&'a [u8], usize>,
    pub order: Vec<(&'a [u8], u64)>,
}

impl<'a> Counts<'a> {
    fn add(&mut self, key: &'a [u8]) -> Result<(), Unsupported> {
        if let Some(&k) = self.index.get(key) {
            self.order[k].1 += 1;
            return Ok(());
        }
        check_text(key)?;
        self.index.insert(key, self.order.len());
        self.order.push((key, 1));
        Ok(())
    }
}

/// A text cell the TypeScript reader would decode differently (it replaces invalid UTF-8): leave the file to it.
/// (Quotes and bare CRs in CSV never reach a cell: the walk in cells.rs stops at them.)
pub fn check_text(key: &[u8]) -> Result<(), Unsupported> {
    if std::str::from_utf8(key).is_err() {
        return Err(Unsupported("text that is not valid UTF-8".into()));
    }
    Ok(())
}

pub struct PartColumn<'a> {
    pub mode: Mode,
    pub nulls: u64,
    pub nums: Vec<f64>,
    /// Numeric at the part's start, a text cell came after numbers: the column needs the recount pass.
    pub flipped_late: bool,
    /// Numeric at the part's start, its first non-null cell was text: counted as text from there.
    pub switched: bool,
    pub counts: Counts<'a>,
}

pub struct Part<'a> {
    pub rows: u64,
    pub columns: Vec<PartColumn<'a>>,
}

/// Scans a part's rows for the columns at `fields` (header positions), read as `modes`.
pub fn scan_part<'a>(
    cells: Cells<'a>,
    fields: &[usize],
    modes: &[Mode],
) -> Result<Part<'a>, Unsupported> {
    let mut columns: Vec<PartColumn<'a>> = modes
        .iter()
        .map(|&mode| PartColumn {
            mode,
            nulls: 0,
            nums: Vec::new(),
            flipped_late: false,
            switched: false,
            counts: Counts::default(),
        })
        .collect();
    let rows = for_each_selected_cell(cells, fields, |k, cell| {
        let col = &mut columns[k];
        if cell.is_empty() {
            col.nulls += 1;
            return Ok(());
        }
        match col.mode {
            Mode::Skip => {}
            Mode::Text => col.counts.add(cell)?,
            Mode::Numeric => match parse_numeric(cell) {
                Some(v) => col.nums.push(v),
                None => {
                    check_text(cell)?;
                    if col.nums.is_empty() {
                        col.switched = true;
                        col.mode = Mode::Text;
                        col.counts.add(cell)?;
                    } else {
                        col.flipped_late = true;
                        col.mode = Mode::Skip;
                    }
                }
            },
        }
        Ok(())
    })?;
    Ok(Part { rows, columns })
}
