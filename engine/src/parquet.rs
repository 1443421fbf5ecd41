// A local Parquet file's footer: the flat schema's columns, what each holds, and where their chunks lie in each row
// group. The engine reads flat files of numbers, booleans and UTF-8 strings (what DuckDB hands the TypeScript
// loader as DOUBLE/BIGINT/…, BOOLEAN and VARCHAR); anything else, selected, is Unsupported and the file goes to the
// TypeScript loader, which also gives the canonical error for a corrupt file.
use crate::input::Failure;
use crate::map::Mapped;
use crate::scan::Unsupported;
use crate::thrift::{bad, Reader, Res, BINARY, FALSE, I32, I64, LIST, STRUCT, TRUE};
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// How a column's values are read and handed on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Int32 {
        signed: bool,
    },
    Int64 {
        signed: bool,
    },
    Float,
    Double,
    Boolean,
    Text,
    /// DATE (INT32 days) and TIMESTAMP (INT64 in `per_ms` units of a millisecond), read as the TypeScript loader
    /// reads them: whole milliseconds since the epoch (sub-millisecond units divided, truncating toward zero),
    /// shown as text.
    Date,
    Timestamp {
        per_ms: i64,
    },
    /// INT96: nanoseconds of the day and a Julian day, the timestamps Spark and Impala long wrote.
    Int96,
}

impl Kind {
    pub fn numeric(self) -> bool {
        matches!(
            self,
            Kind::Int32 { .. } | Kind::Int64 { .. } | Kind::Float | Kind::Double
        )
    }

    /// Dates and timestamps: numbers (milliseconds) in the pages, text in the columns.
    pub fn time(self) -> bool {
        matches!(self, Kind::Date | Kind::Timestamp { .. } | Kind::Int96)
    }
}

pub struct Leaf {
    pub name: String,
    /// None: a type this engine does not read (decimals, float16, binary, nested, …).
    pub kind: Option<Kind>,
    /// 1 for an optional column (definition levels present), 0 for a required one.
    pub max_def: u8,
    pub physical: i32,
}

pub struct Chunk {
    pub codec: i32,
    pub values: u64,
    pub start: u64,
    pub len: u64,
    pub physical: i32,
}

pub struct RowGroup {
    pub rows: u64,
    pub chunks: Vec<Chunk>,
}

pub struct ParquetFile {
    file: File,
    /// The file mapped, where it can be: chunks are read in place rather than copied out of the page cache (the
    /// copy was a third of validating a snappy file).
    map: Option<Mapped>,
    pub leaves: Vec<Leaf>,
    pub row_groups: Vec<RowGroup>,
}

const MAGIC: &[u8] = b"PAR1";

impl ParquetFile {
    pub fn open(path: &Path) -> Result<ParquetFile, Failure> {
        let file = File::open(path)?;
        let size = file.metadata()?.len();
        if size < 12 {
            return Err(unsupported("not a Parquet file (too short)"));
        }
        let mut tail = [0u8; 8];
        file.read_exact_at(&mut tail, size - 8)?;
        let mut head = [0u8; 4];
        file.read_exact_at(&mut head, 0)?;
        if &tail[4..] != MAGIC || head != MAGIC {
            return Err(unsupported("not a Parquet file (no PAR1 magic)"));
        }
        let footer_len = u64::from(u32::from_le_bytes(tail[..4].try_into().unwrap()));
        if footer_len + 12 > size {
            return Err(unsupported("footer length past the start of the file"));
        }
        let mut footer = vec![0u8; footer_len as usize];
        file.read_exact_at(&mut footer, size - 8 - footer_len)?;
        let (schema, row_groups) = file_metadata(&mut Reader::new(&footer))?;
        let leaves = leaves(schema)?;
        for rg in &row_groups {
            if rg.chunks.len() != leaves.len() {
                return Err(unsupported(
                    "a row group's column count differs from the schema's",
                ));
            }
            for (c, leaf) in rg.chunks.iter().zip(&leaves) {
                if c.start.checked_add(c.len).is_none_or(|end| end > size) {
                    return Err(unsupported(&format!(
                        "column {}'s chunk lies past the end of the file",
                        leaf.name
                    )));
                }
            }
        }
        Ok(ParquetFile {
            map: Mapped::new(&file)?,
            file,
            leaves,
            row_groups,
        })
    }

    /// The `len` bytes from `start` (checked to lie in the file by `open`): in the mapping, or read into `raw`.
    pub fn bytes_at<'a>(
        &'a self,
        start: u64,
        len: u64,
        raw: &'a mut Vec<u8>,
    ) -> io::Result<&'a [u8]> {
        let (from, to) = (start as usize, (start + len) as usize);
        if let Some(map) = &self.map {
            return Ok(&map.bytes()[from..to]);
        }
        raw.resize(to - from, 0);
        self.file.read_exact_at(raw, start)?;
        Ok(raw)
    }

    /// Bytes `start..start+len` are read: their whole pages leave this process's memory (the page cache keeps
    /// them), so a large file is not all resident at the end.
    pub fn done_with(&self, start: u64, len: u64) {
        if let Some(map) = &self.map {
            map.release(start as usize, (start + len) as usize);
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.leaves.iter().map(|l| l.name.clone()).collect()
    }

    /// The kind of the column at schema position `field`; Unsupported for a type this engine does not read.
    pub fn kind_of(&self, field: usize) -> Result<Kind, Failure> {
        let leaf = &self.leaves[field];
        leaf.kind.ok_or_else(|| {
            unsupported(&format!(
                "column {} has a Parquet type this reader does not take",
                leaf.name
            ))
        })
    }
}

fn unsupported(what: &str) -> Failure {
    Failure::Unsupported(what.to_string())
}

#[derive(Default)]
struct Element {
    physical: Option<i32>,
    repetition: i32,
    name: String,
    children: i32,
    converted: Option<i32>,
    logical: Option<Logical>,
}

/// The LogicalType union's member id, INTEGER's signedness and TIMESTAMP's unit (in parts of a millisecond).
#[derive(Clone, Copy)]
struct Logical {
    id: i16,
    signed: bool,
    per_ms: Option<i64>,
}

fn file_metadata(r: &mut Reader) -> Res<(Vec<Element>, Vec<RowGroup>)> {
    let (mut schema, mut groups) = (Vec::new(), Vec::new());
    r.fields(|r, id, t| match (id, t) {
        (2, LIST) => list(r, STRUCT, |r| {
            schema.push(element(r)?);
            Ok(())
        }),
        (4, LIST) => list(r, STRUCT, |r| {
            groups.push(row_group(r)?);
            Ok(())
        }),
        _ => r.skip(t),
    })?;
    Ok((schema, groups))
}

fn list(r: &mut Reader, want: u8, mut each: impl FnMut(&mut Reader) -> Res<()>) -> Res<()> {
    let (n, t) = r.list()?;
    if t != want && n > 0 {
        return bad("unexpected list element type");
    }
    for _ in 0..n {
        each(r)?;
    }
    Ok(())
}

fn i32_of(r: &mut Reader, t: u8) -> Res<i32> {
    if t != I32 {
        return bad("expected an i32");
    }
    Ok(r.int()? as i32)
}

fn i64_of(r: &mut Reader, t: u8) -> Res<i64> {
    if t != I64 && t != I32 {
        return bad("expected an i64");
    }
    r.int()
}

fn element(r: &mut Reader) -> Res<Element> {
    let mut e = Element::default();
    r.fields(|r, id, t| {
        match id {
            1 => e.physical = Some(i32_of(r, t)?),
            3 => e.repetition = i32_of(r, t)?,
            4 if t == BINARY => e.name = r.string()?,
            5 => e.children = i32_of(r, t)?,
            6 => e.converted = Some(i32_of(r, t)?),
            10 if t == STRUCT => e.logical = Some(logical(r)?),
            _ => r.skip(t)?,
        }
        Ok(())
    })?;
    Ok(e)
}

/// The LogicalType union: which member is set, INTEGER's isSigned (true for the others) and TIMESTAMP's unit.
fn logical(r: &mut Reader) -> Res<Logical> {
    let mut out = Logical {
        id: 0,
        signed: true,
        per_ms: None,
    };
    r.fields(|r, id, t| {
        // A union has one member; of a corrupt one with more, the first counts, as in hyparquet.
        if out.id != 0 {
            return r.skip(t);
        }
        out.id = id;
        match (id, t) {
            (LOGICAL_INTEGER, STRUCT) => r.fields(|r, f, ft| match (f, ft) {
                (2, TRUE | FALSE) => {
                    out.signed = ft == TRUE;
                    Ok(())
                }
                _ => r.skip(ft),
            }),
            (LOGICAL_TIMESTAMP, STRUCT) => r.fields(|r, f, ft| match (f, ft) {
                // TimeUnit: a union of empty structs, MILLIS, MICROS or NANOS.
                (2, STRUCT) => r.fields(|r, unit, ut| {
                    out.per_ms = match unit {
                        1 => Some(1),
                        2 => Some(1000),
                        3 => Some(1_000_000),
                        _ => None,
                    };
                    r.skip(ut)
                }),
                _ => r.skip(ft),
            }),
            _ => r.skip(t),
        }
    })?;
    Ok(out)
}

fn row_group(r: &mut Reader) -> Res<RowGroup> {
    let mut g = RowGroup {
        rows: 0,
        chunks: Vec::new(),
    };
    r.fields(|r, id, t| {
        match (id, t) {
            (1, LIST) => list(r, STRUCT, |r| {
                g.chunks.push(chunk(r)?);
                Ok(())
            })?,
            (3, _) => {
                g.rows = u64::try_from(i64_of(r, t)?).or_else(|_| bad("negative row count"))?
            }
            _ => r.skip(t)?,
        }
        Ok(())
    })?;
    Ok(g)
}

fn chunk(r: &mut Reader) -> Res<Chunk> {
    let mut c = None;
    let mut elsewhere = false;
    r.fields(|r, id, t| {
        match (id, t) {
            (1, BINARY) => elsewhere = !r.binary()?.is_empty(),
            (3, STRUCT) => c = Some(column_meta(r)?),
            _ => r.skip(t)?,
        }
        Ok(())
    })?;
    if elsewhere {
        return Err(Unsupported("column chunks in other files".into()));
    }
    c.map_or_else(|| bad("a column chunk without metadata"), Ok)
}

fn column_meta(r: &mut Reader) -> Res<Chunk> {
    let (mut physical, mut codec, mut values, mut len, mut data, mut dict) =
        (-1, -1, 0i64, 0i64, -1i64, None);
    r.fields(|r, id, t| {
        match id {
            1 => physical = i32_of(r, t)?,
            4 => codec = i32_of(r, t)?,
            5 => values = i64_of(r, t)?,
            7 => len = i64_of(r, t)?,
            9 => data = i64_of(r, t)?,
            11 => dict = Some(i64_of(r, t)?),
            _ => r.skip(t)?,
        }
        Ok(())
    })?;
    // The chunk starts at its dictionary page when it has one (some writers store 0 there for none).
    let start = match dict {
        Some(d) if d > 0 && d < data => d,
        _ => data,
    };
    if start < 0 || len < 0 || values < 0 {
        return bad("negative offsets or sizes");
    }
    Ok(Chunk {
        codec,
        values: values as u64,
        start: start as u64,
        len: len as u64,
        physical,
    })
}

/// The root's children, which must all be leaves (no nested groups, no repeated fields).
fn leaves(schema: Vec<Element>) -> Result<Vec<Leaf>, Failure> {
    let mut it = schema.into_iter();
    let Some(root) = it.next() else {
        return Err(unsupported("a Parquet file without a schema"));
    };
    let out: Vec<Leaf> = it
        .map(|e| {
            if e.children > 0 || e.physical.is_none() {
                return Err(unsupported("nested columns (groups, lists, maps)"));
            }
            if e.repetition == 2 {
                return Err(unsupported("repeated columns"));
            }
            Ok(Leaf {
                kind: kind(&e),
                physical: e.physical.unwrap_or(-1),
                max_def: u8::from(e.repetition == 1),
                name: e.name,
            })
        })
        .collect::<Result<_, _>>()?;
    if out.len() != usize::try_from(root.children).unwrap_or(0) {
        return Err(unsupported("nested columns (groups, lists, maps)"));
    }
    Ok(out)
}

// Physical types, converted types and LogicalType members, from parquet.thrift.
const BOOLEAN: i32 = 0;
const INT32: i32 = 1;
const INT64: i32 = 2;
const INT96: i32 = 3;
const FLOAT: i32 = 4;
const DOUBLE: i32 = 5;
const BYTE_ARRAY: i32 = 6;
const UTF8: i32 = 0;
const UINT_8: i32 = 11;
const UINT_64: i32 = 14;
const INT_8: i32 = 15;
const INT_64: i32 = 18;
const DATE: i32 = 6;
const TIMESTAMP_MILLIS: i32 = 9;
const TIMESTAMP_MICROS: i32 = 10;
const LOGICAL_STRING: i16 = 1;
const LOGICAL_TIMESTAMP: i16 = 8;
const LOGICAL_INTEGER: i16 = 10;

fn kind(e: &Element) -> Option<Kind> {
    let physical = e.physical?;
    let logical = e.logical.map(|l| l.id);
    let plain = e.converted.is_none() && logical.is_none();
    // As hyparquet decides (convert.js): the converted type first, then the logical TIMESTAMP's unit.
    match (physical, e.converted, e.logical) {
        (INT32, Some(DATE), _) => return Some(Kind::Date),
        (INT96, None, _) => return Some(Kind::Int96),
        (INT64, Some(TIMESTAMP_MILLIS), _) => return Some(Kind::Timestamp { per_ms: 1 }),
        (INT64, Some(TIMESTAMP_MICROS), _) => return Some(Kind::Timestamp { per_ms: 1000 }),
        (
            INT64,
            None,
            Some(Logical {
                id: LOGICAL_TIMESTAMP,
                per_ms: Some(per_ms),
                ..
            }),
        ) => return Some(Kind::Timestamp { per_ms }),
        _ => {}
    }
    match physical {
        BOOLEAN | FLOAT | DOUBLE if plain => Some(match physical {
            BOOLEAN => Kind::Boolean,
            FLOAT => Kind::Float,
            _ => Kind::Double,
        }),
        INT32 | INT64 => {
            let signed = match (e.converted, e.logical) {
                (None, None) => true,
                (
                    _,
                    Some(Logical {
                        id: LOGICAL_INTEGER,
                        signed,
                        ..
                    }),
                ) => signed,
                (Some(c), None) if (INT_8..=INT_64).contains(&c) => true,
                (Some(c), None) if (UINT_8..=UINT_64).contains(&c) => false,
                _ => return None,
            };
            Some(if physical == INT32 {
                Kind::Int32 { signed }
            } else {
                Kind::Int64 { signed }
            })
        }
        BYTE_ARRAY => match (e.converted, logical) {
            (Some(UTF8), None | Some(LOGICAL_STRING)) | (None, Some(LOGICAL_STRING)) => {
                Some(Kind::Text)
            }
            _ => None,
        },
        _ => None,
    }
}
