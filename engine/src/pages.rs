// One Parquet column chunk decoded page by page: dictionary pages, data pages v1 and v2, PLAIN and dictionary
// encodings (RLE for booleans), uncompressed, snappy, gzip or zstd. Values go to a Sink as they are decoded: numbers
// as f64s (nulls left out), texts and booleans as counts in order of first appearance, each null or empty text as a
// null.
use crate::inflate;
use crate::input::Failure;
use crate::parquet::{Chunk, Kind, Leaf, ParquetFile};
use crate::rle;
use crate::scan::{FnvMap, Unsupported};
use crate::snappy;
use crate::thrift::{bad, Reader, Res, FALSE, STRUCT, TRUE};
use crate::typed::MAX_DATE_MS;
use crate::zstd;

pub trait Sink {
    fn numbers(&mut self, v: &[f64]) -> Result<(), Failure>;
    fn text(&mut self, key: &[u8], n: u64) -> Result<(), Failure>;
    fn nulls(&mut self, n: u64);
    /// Texts one value at a time in row order (n = 1), instead of counted per page in order of first appearance.
    fn row_order(&self) -> bool {
        false
    }
    /// Whether every entry of a numeric dictionary passes the sink's checks and the values need not be seen one
    /// by one; the pages indexing it then only report how many values they hold, through `passed`.
    fn passes(&mut self, _dict: &[f64]) -> bool {
        false
    }
    fn passed(&mut self, _n: u64) {}
}

/// Buffers kept from chunk to chunk on one thread.
#[derive(Default)]
pub struct Scratch {
    raw: Vec<u8>,
    page: Vec<u8>,
    levels: Vec<u32>,
    indices: Vec<u32>,
    nums: Vec<f64>,
    counts: Vec<u64>,
}

/// Far more values than writers put in one page (≈1 MB or 20 000 rows); a larger count is taken as corruption.
const MAX_PAGE_VALUES: usize = 1 << 24;

const UNCOMPRESSED: i32 = 0;
const SNAPPY: i32 = 1;
const GZIP: i32 = 2;
const ZSTD: i32 = 6;

/// A page larger than this once decompressed is taken as corruption (writers aim at about 1 MB).
const MAX_PAGE_BYTES: usize = 1 << 30;

// Page types and encodings (parquet.thrift).
const DATA_PAGE: i32 = 0;
const DICTIONARY_PAGE: i32 = 2;
const DATA_PAGE_V2: i32 = 3;
const PLAIN: i32 = 0;
const PLAIN_DICTIONARY: i32 = 2;
const RLE: i32 = 3;
const RLE_DICTIONARY: i32 = 8;

#[derive(Default)]
struct PageHeader {
    kind: i32,
    uncompressed: usize,
    compressed: usize,
    values: usize,
    encoding: i32,
    level_encoding: i32,
    // Data page v2 only.
    v2_nulls: usize,
    v2_levels: usize,
    v2_rep_levels: usize,
    v2_compressed: bool,
}

fn page_header(r: &mut Reader) -> Res<PageHeader> {
    let mut h = PageHeader {
        kind: -1,
        v2_compressed: true,
        ..PageHeader::default()
    };
    let size = |v: i64| usize::try_from(v).or_else(|_| bad("negative size in a page header"));
    r.fields(|r, id, t| {
        match (id, t) {
            (1, _) => h.kind = r.int()? as i32,
            (2, _) => h.uncompressed = size(r.int()?)?,
            (3, _) => h.compressed = size(r.int()?)?,
            (5 | 7 | 8, STRUCT) => r.fields(|r, f, ft| {
                match (id, f, ft) {
                    (_, 1, _) => h.values = size(r.int()?)?,
                    (5 | 7, 2, _) | (8, 4, _) => h.encoding = r.int()? as i32,
                    (5, 3, _) => h.level_encoding = r.int()? as i32,
                    (8, 2, _) => h.v2_nulls = size(r.int()?)?,
                    (8, 5, _) => h.v2_levels = size(r.int()?)?,
                    (8, 6, _) => h.v2_rep_levels = size(r.int()?)?,
                    (8, 7, TRUE | FALSE) => h.v2_compressed = ft == TRUE,
                    _ => r.skip(ft)?,
                }
                Ok(())
            })?,
            _ => r.skip(t)?,
        }
        Ok(())
    })?;
    Ok(h)
}

/// A chunk's dictionary, decoded once.
enum Dict {
    None,
    /// The entries, and whether the sink passes them all (`Sink::passes`).
    Numbers(Vec<f64>, bool),
    /// Byte ranges of each entry in `bytes`.
    Texts {
        bytes: Vec<u8>,
        at: Vec<(u32, u32)>,
    },
}

/// One column chunk to read: where it lies, which column, and how its values are taken.
#[derive(Clone, Copy)]
pub struct ChunkOf<'a> {
    pub chunk: &'a Chunk,
    pub leaf: &'a Leaf,
    pub kind: Kind,
}

/// Reads the whole chunk and hands its values to `sink`; returns the number of rows (values, nulls included).
pub fn read_chunk(
    pq: &ParquetFile,
    c: ChunkOf,
    sink: &mut impl Sink,
    s: &mut Scratch,
) -> Result<u64, Failure> {
    if ![UNCOMPRESSED, SNAPPY, GZIP, ZSTD].contains(&c.chunk.codec) {
        return Err(Failure::Unsupported(format!(
            "column {}: compression codec {} (this reader takes uncompressed, snappy, gzip and zstd)",
            c.leaf.name, c.chunk.codec
        )));
    }
    // The chunk's bytes are taken out of the scratch while its other buffers are used, and put back after.
    let mut raw = std::mem::take(&mut s.raw);
    let result = pq
        .bytes_at(c.chunk.start, c.chunk.len, &mut raw)
        .map_err(Failure::from)
        .and_then(|bytes| pages(bytes, c, sink, s));
    pq.done_with(c.chunk.start, c.chunk.len);
    s.raw = raw;
    result
}

fn pages(raw: &[u8], c: ChunkOf, sink: &mut impl Sink, s: &mut Scratch) -> Result<u64, Failure> {
    let ChunkOf { chunk, leaf, kind } = c;
    let mut dict = Dict::None;
    let mut pos = 0;
    let mut rows = 0u64;
    let mut page = std::mem::take(&mut s.page);
    while rows < chunk.values {
        if pos >= raw.len() {
            return Err(Unsupported(format!(
                "column {}: fewer values than its metadata states",
                leaf.name
            ))
            .into());
        }
        let mut r = Reader::new(&raw[pos..]);
        let h = page_header(&mut r)?;
        pos += r.pos;
        let Some(body) = raw.get(pos..pos + h.compressed) else {
            return Err(
                Unsupported(format!("column {}: a page runs past its chunk", leaf.name)).into(),
            );
        };
        pos += h.compressed;
        // Counts come from the file: a corrupt one must not make the reader reserve gigabytes.
        if h.values > MAX_PAGE_VALUES
            || h.uncompressed > MAX_PAGE_BYTES
            || (h.kind != DICTIONARY_PAGE && h.values as u64 > chunk.values - rows)
        {
            return Err(Unsupported(format!(
                "column {}: a page states more values than its chunk holds",
                leaf.name
            ))
            .into());
        }
        let inflate = |from: &[u8], page: &mut Vec<u8>| -> Result<bool, Unsupported> {
            match chunk.codec {
                SNAPPY => snappy::decompress(from, page)?,
                GZIP => inflate::decompress(from, h.uncompressed, page)?,
                ZSTD => zstd::decompress(from, h.uncompressed, page)?,
                _ => return Ok(false),
            }
            Ok(true)
        };
        match h.kind {
            DICTIONARY_PAGE => {
                if h.encoding != PLAIN && h.encoding != PLAIN_DICTIONARY {
                    return Err(unsupported_encoding(leaf, h.encoding));
                }
                let data = if inflate(body, &mut page)? {
                    &page[..]
                } else {
                    body
                };
                dict = dictionary(data, h.values, kind, leaf)?;
                if let Dict::Numbers(d, passes) = &mut dict {
                    *passes = sink.passes(d);
                }
            }
            DATA_PAGE => {
                let data = if inflate(body, &mut page)? {
                    &page[..]
                } else {
                    body
                };
                let (present, values) = if leaf.max_def == 0 {
                    (h.values, data)
                } else {
                    if h.level_encoding != RLE {
                        return Err(unsupported_encoding(leaf, h.level_encoding));
                    }
                    let (levels, rest) = prefixed(data)?;
                    (count_present(levels, h.values, &mut s.levels)?, rest)
                };
                sink.nulls((h.values - present) as u64);
                values_of(values, h.encoding, present, c, &dict, sink, s)?;
                rows += h.values as u64;
            }
            DATA_PAGE_V2 => {
                let levels = h.v2_levels + h.v2_rep_levels;
                if h.v2_rep_levels > 0 || levels > body.len() || h.v2_nulls > h.values {
                    return Err(Unsupported(format!(
                        "column {}: a malformed data page",
                        leaf.name
                    ))
                    .into());
                }
                let rest = &body[levels..];
                let data = if h.v2_compressed && inflate(rest, &mut page)? {
                    &page[..]
                } else {
                    rest
                };
                let present = h.values - h.v2_nulls;
                sink.nulls(h.v2_nulls as u64);
                values_of(data, h.encoding, present, c, &dict, sink, s)?;
                rows += h.values as u64;
            }
            _ => {} // index pages and anything newer carry no values
        }
    }
    s.page = page;
    Ok(rows)
}

fn unsupported_encoding(leaf: &Leaf, e: i32) -> Failure {
    Failure::Unsupported(format!(
        "column {}: Parquet encoding {e} (this reader takes PLAIN, RLE and dictionaries)",
        leaf.name
    ))
}

/// A 4-byte little-endian length, that many bytes, and the rest.
fn prefixed(data: &[u8]) -> Result<(&[u8], &[u8]), Unsupported> {
    let n = data
        .get(..4)
        .map(|b| u32::from_le_bytes(b.try_into().unwrap()) as usize);
    match n {
        Some(n) if 4 + n <= data.len() => Ok((&data[4..4 + n], &data[4 + n..])),
        _ => Err(Unsupported(
            "unreadable Parquet page: level length past the page".into(),
        )),
    }
}

/// How many of `n` definition levels (max 1) say the value is present.
fn count_present(levels: &[u8], n: usize, buf: &mut Vec<u32>) -> Result<usize, Unsupported> {
    buf.clear();
    rle::decode(levels, 1, n, buf)?;
    Ok(buf.iter().filter(|&&l| l == 1).count())
}

fn number(kind: Kind, b: &[u8]) -> f64 {
    match kind {
        Kind::Int32 { signed: true } => f64::from(i32::from_le_bytes(b.try_into().unwrap())),
        Kind::Int32 { signed: false } => f64::from(u32::from_le_bytes(b.try_into().unwrap())),
        Kind::Int64 { signed: true } => i64::from_le_bytes(b.try_into().unwrap()) as f64,
        Kind::Int64 { signed: false } => u64::from_le_bytes(b.try_into().unwrap()) as f64,
        Kind::Float => f64::from(f32::from_le_bytes(b.try_into().unwrap())),
        // Milliseconds: exact within a JavaScript Date's range (2^53 is past it); the sink drops what is beyond.
        Kind::Date => f64::from(i32::from_le_bytes(b.try_into().unwrap())) * 86_400_000.0,
        Kind::Timestamp { per_ms } => (i64::from_le_bytes(b.try_into().unwrap()) / per_ms) as f64,
        Kind::Int96 => int96_ms(b),
        _ => f64::from_le_bytes(b.try_into().unwrap()),
    }
}

fn width(kind: Kind) -> usize {
    match kind {
        Kind::Int32 { .. } | Kind::Float | Kind::Date => 4,
        Kind::Int96 => 12,
        _ => 8,
    }
}

/// An INT96 timestamp's milliseconds, computed as hyparquet computes them (plain.js, convert.js): the low 8 bytes
/// as a signed nanosecond count OR-ed with the high 4 bytes shifted up 64 bits (so a negative low word swallows the
/// day), Julian day 2 440 588 as the epoch, then nanoseconds divided toward zero. Beyond a Date's range: infinity.
fn int96_ms(b: &[u8]) -> f64 {
    let low = i64::from_le_bytes(b[..8].try_into().unwrap());
    let high = i32::from_le_bytes(b[8..].try_into().unwrap());
    let value = if low < 0 {
        i128::from(low)
    } else {
        i128::from(high) << 64 | i128::from(low)
    };
    let nanos = ((value >> 64) - 2_440_588) * 86_400_000_000_000 + (value & 0xFFFF_FFFF_FFFF_FFFF);
    let ms = nanos / 1_000_000;
    if ms.abs() > i128::from(MAX_DATE_MS) {
        f64::INFINITY
    } else {
        ms as f64
    }
}

/// PLAIN numbers: `n` values of the kind's width from `data`.
fn plain_numbers(data: &[u8], n: usize, kind: Kind, out: &mut Vec<f64>) -> Result<(), Unsupported> {
    let w = width(kind);
    let Some(bytes) = data.get(..n * w) else {
        return Err(Unsupported(
            "unreadable Parquet page: fewer values than it states".into(),
        ));
    };
    out.clear();
    if kind == Kind::Double {
        out.extend(
            bytes
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().unwrap())),
        );
    } else {
        out.extend(bytes.chunks_exact(w).map(|b| number(kind, b)));
    }
    Ok(())
}

/// PLAIN byte arrays: `n` values, each a 4-byte length and its bytes; `each` gets every value in order.
fn plain_texts<'a>(
    data: &'a [u8],
    n: usize,
    mut each: impl FnMut(&'a [u8]),
) -> Result<(), Unsupported> {
    let mut pos = 0;
    for _ in 0..n {
        let Ok((v, _)) = prefixed(&data[pos..]) else {
            return Err(Unsupported(
                "unreadable Parquet page: a text runs past the page".into(),
            ));
        };
        each(v);
        pos += 4 + v.len();
    }
    Ok(())
}

fn dictionary(data: &[u8], n: usize, kind: Kind, leaf: &Leaf) -> Result<Dict, Failure> {
    match kind {
        Kind::Text => {
            let mut at = Vec::with_capacity(n.min(data.len() / 4));
            let mut pos = 0u32;
            plain_texts(data, n, |v| {
                at.push((pos + 4, v.len() as u32));
                pos += 4 + v.len() as u32;
            })?;
            Ok(Dict::Texts {
                bytes: data[..pos as usize].to_vec(),
                at,
            })
        }
        Kind::Boolean => Err(Failure::Unsupported(format!(
            "column {}: a boolean dictionary",
            leaf.name
        ))),
        _ => {
            let mut v = Vec::new();
            plain_numbers(data, n, kind, &mut v)?;
            Ok(Dict::Numbers(v, false))
        }
    }
}

/// Decodes `n` present values of one data page and hands them to the sink.
fn values_of(
    data: &[u8],
    encoding: i32,
    n: usize,
    c: ChunkOf,
    dict: &Dict,
    sink: &mut impl Sink,
    s: &mut Scratch,
) -> Result<(), Failure> {
    let ChunkOf { leaf, kind, .. } = c;
    let bad_index = || {
        Failure::Unsupported(format!(
            "column {}: a dictionary index out of range",
            leaf.name
        ))
    };
    match encoding {
        PLAIN_DICTIONARY | RLE_DICTIONARY => {
            let Some((&w, rest)) = data.split_first() else {
                return Err(Unsupported("unreadable Parquet page: no index width".into()).into());
            };
            s.indices.clear();
            rle::decode(rest, u32::from(w), n, &mut s.indices)?;
            match dict {
                Dict::Numbers(d, passes) => {
                    // One check of the largest index instead of one per value.
                    if s.indices.iter().fold(0, |m, &i| m.max(i)) as usize >= d.len()
                        && !s.indices.is_empty()
                    {
                        return Err(bad_index());
                    }
                    if *passes {
                        sink.passed(n as u64);
                        return Ok(());
                    }
                    s.nums.clear();
                    s.nums.extend(s.indices.iter().map(|&i| d[i as usize]));
                    sink.numbers(&s.nums)
                }
                Dict::Texts { bytes, at } if sink.row_order() => {
                    for &i in &s.indices {
                        let &(from, len) = at.get(i as usize).ok_or_else(bad_index)?;
                        text_or_null(sink, &bytes[from as usize..(from + len) as usize], 1)?;
                    }
                    Ok(())
                }
                Dict::Texts { bytes, at } => {
                    // Counted per entry, then handed on in order of first appearance.
                    s.counts.clear();
                    s.counts.resize(at.len(), 0);
                    let mut order = Vec::new();
                    for &i in &s.indices {
                        let c = s.counts.get_mut(i as usize).ok_or_else(bad_index)?;
                        if *c == 0 {
                            order.push(i);
                        }
                        *c += 1;
                    }
                    for i in order {
                        let (from, len) = at[i as usize];
                        let key = &bytes[from as usize..(from + len) as usize];
                        text_or_null(sink, key, s.counts[i as usize])?;
                    }
                    Ok(())
                }
                Dict::None => Err(Failure::Unsupported(format!(
                    "column {}: dictionary indices without a dictionary",
                    leaf.name
                ))),
            }
        }
        PLAIN => match kind {
            Kind::Text if sink.row_order() => {
                let mut err = Ok(());
                plain_texts(data, n, |v| {
                    if err.is_ok() {
                        err = text_or_null(sink, v, 1);
                    }
                })?;
                err
            }
            Kind::Text => {
                let mut index: FnvMap<&[u8], usize> = FnvMap::default();
                let mut order: Vec<(&[u8], u64)> = Vec::new();
                plain_texts(data, n, |v| match index.get(v) {
                    Some(&k) => order[k].1 += 1,
                    None => {
                        index.insert(v, order.len());
                        order.push((v, 1));
                    }
                })?;
                for (key, count) in order {
                    text_or_null(sink, key, count)?;
                }
                Ok(())
            }
            Kind::Boolean => {
                s.indices.clear();
                if data.len() * 8 < n {
                    return Err(Unsupported(
                        "unreadable Parquet page: fewer booleans than it states".into(),
                    )
                    .into());
                }
                rle::unpack(data, 1, n, &mut s.indices);
                booleans(&s.indices, sink)
            }
            _ => {
                plain_numbers(data, n, kind, &mut s.nums)?;
                sink.numbers(&s.nums)
            }
        },
        RLE if kind == Kind::Boolean => {
            let (runs, _) = prefixed(data)?;
            s.indices.clear();
            rle::decode(runs, 1, n, &mut s.indices)?;
            booleans(&s.indices, sink)
        }
        e => Err(unsupported_encoding(leaf, e)),
    }
}

/// Booleans counted as the texts "true" and "false", in order of first appearance.
fn booleans(bits: &[u32], sink: &mut impl Sink) -> Result<(), Failure> {
    let ones = bits.iter().filter(|&&b| b != 0).count() as u64;
    let zeros = bits.len() as u64 - ones;
    let first_true = bits.first().is_some_and(|&b| b != 0);
    let mut both = [(&b"true"[..], ones), (&b"false"[..], zeros)];
    if !first_true {
        both.swap(0, 1);
    }
    for (key, n) in both {
        if n > 0 {
            sink.text(key, n)?;
        }
    }
    Ok(())
}

/// An empty text is a null to the loaders (the CSV reading of a Parquet cell).
fn text_or_null(sink: &mut impl Sink, key: &[u8], n: u64) -> Result<(), Failure> {
    if key.is_empty() {
        sink.nulls(n);
        return Ok(());
    }
    sink.text(key, n)
}
