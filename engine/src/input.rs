// Reading a local CSV or JSON Lines file for the engine's commands: the header (or the first object's keys), then
// chunks of whole lines, each split at line ends over several threads. Reading rules are cells.rs's and jsonl.rs's.
use crate::cells::Cells;
use crate::inflate;
use crate::jsonl::{first_keys, Keys, Table};
use crate::map::Mapped;
use crate::number::js_trim;
use crate::scan::{check_text, Unsupported};
use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

const CHUNK: usize = 16 << 20;

pub enum Failure {
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

/// Hands the file from byte `skip` to `each` as runs of whole lines of about 16 MiB (the last may lack a final LF):
/// from a memory map where the file can be mapped, which spares the kernel's copy of every byte, else read chunk
/// by chunk.
pub fn chunks(
    path: &Path,
    gz: bool,
    skip: u64,
    each: impl FnMut(&[u8]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let file = File::open(path)?;
    match (Mapped::new(&file)?, gz) {
        (Some(map), true) => gz_chunks(&map, skip as usize, each),
        (None, true) => Err(Failure::Unsupported("an empty gzip file".into())),
        (Some(map), false) => map_chunks(&map, skip as usize, each),
        (None, false) => read_chunks(file, skip, each),
    }
}

/// map_chunks for a gzip file: its decompressed bytes from `skip`, in runs of whole lines that a second thread
/// decompresses while this one hands the previous run to `each` (one run waits between them).
fn gz_chunks(
    map: &Mapped,
    skip: usize,
    mut each: impl FnMut(&[u8]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let src = map.bytes();
    let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<u8>, usize)>(1);
    std::thread::scope(|s| {
        let inflating = s.spawn(move || {
            let mut skip = skip;
            inflate::stream(src, 4 << 20, |bytes, last, read| {
                let cut = skip.min(bytes.len());
                skip -= cut;
                let rest = &bytes[cut..];
                if !last && rest.len() < CHUNK {
                    return Ok(cut);
                }
                let end = match last {
                    true => rest.len(),
                    false => rest.iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1),
                };
                // The reader stopped (it failed): so does this thread.
                tx.send((rest[..end].to_vec(), read))
                    .map_err(|_| Unsupported("the reader stopped".into()))?;
                Ok(cut + end)
            })
        });
        let mut released = 0;
        let mut failed = None;
        for (run, read) in rx {
            // The compressed bytes behind the decoder leave memory, as in map_chunks.
            map.release(released, read);
            released = released.max(read / 4096 * 4096);
            if let Err(f) = match run.is_empty() {
                true => Ok(()),
                false => each(&run),
            } {
                failed = Some(f);
                break;
            }
        }
        let inflated = inflating.join().expect("inflate thread");
        match failed {
            Some(f) => Err(f),
            None => inflated.map_err(|u| Failure::Unsupported(u.0)),
        }
    })
}

fn map_chunks(
    map: &Mapped,
    skip: usize,
    mut each: impl FnMut(&[u8]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let data = map.bytes();
    let mut pos = skip.min(data.len());
    while pos < data.len() {
        let mut end = (pos + CHUNK).min(data.len());
        end = data[end..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(data.len(), |p| end + p + 1);
        each(&data[pos..end])?;
        // Pages read are dropped from this process (they stay in the page cache): resident memory stays at about
        // one chunk however large the file.
        map.release(pos, end);
        pos = end;
    }
    Ok(())
}

fn read_chunks(
    mut file: File,
    skip: u64,
    mut each: impl FnMut(&[u8]) -> Result<(), Failure>,
) -> Result<(), Failure> {
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
pub fn split_lines(data: &[u8], n: usize) -> Vec<&[u8]> {
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
pub fn read_header(path: &Path, gz: bool) -> Result<(Vec<String>, u64), Failure> {
    head(path, gz, |head, end| {
        let bom = if head.starts_with(b"\xef\xbb\xbf") {
            3
        } else {
            0
        };
        // Empty lines before the header are skipped, as by the TypeScript reader.
        let mut offset = bom;
        while let Some(p) = head[offset..].iter().position(|&c| c == b'\n') {
            let raw = &head[offset..offset + p];
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            if line.is_empty() {
                offset += p + 1;
                continue;
            }
            let mut names = Vec::new();
            for cell in line.split(|&c| c == b',') {
                if cell.iter().any(|&c| c == b'"' || c == b'\r') {
                    return Err(Failure::Unsupported(
                        "quoted fields or bare carriage returns".into(),
                    ));
                }
                check_text(cell)?;
                names.push(std::str::from_utf8(cell).unwrap().to_string());
            }
            // The TypeScript reader rejects a column named twice (empty names aside), with the line and the fields.
            let named = names.iter().filter(|n| !js_trim(n).is_empty()).count();
            let distinct = header_index(&names)
                .iter()
                .filter(|(n, _)| !n.is_empty())
                .count();
            if distinct != named {
                return Err(Failure::Unsupported(
                    "a column named twice in the header".into(),
                ));
            }
            return Ok(Some((names, (offset + p + 1) as u64)));
        }
        match end {
            true => Err(Failure::Unsupported(
                "no header line ending in a line feed".into(),
            )),
            false => Ok(None),
        }
    })
}

/// Calls `look` with the file's first bytes (decompressed, for gzip), more of them each time, until it answers;
/// `end` says there are no more.
pub fn head<T>(
    path: &Path,
    gz: bool,
    mut look: impl FnMut(&[u8], bool) -> Result<Option<T>, Failure>,
) -> Result<T, Failure> {
    let mut file = File::open(path)?;
    if gz {
        let map =
            Mapped::new(&file)?.ok_or_else(|| Failure::Unsupported("an empty gzip file".into()))?;
        let mut answer = None;
        let mut failed = None;
        let _ = inflate::stream(map.bytes(), 1 << 16, |bytes, last, _| {
            match look(bytes, last) {
                Ok(Some(t)) => answer = Some(t),
                Ok(None) => return Ok(0),
                Err(f) => failed = Some(f),
            }
            // Found (or failed): stop decompressing.
            Err(Unsupported(String::new()))
        })
        .map_err(|u| failed.get_or_insert(Failure::Unsupported(u.0)));
        return match (answer, failed) {
            (Some(t), _) => Ok(t),
            (None, Some(f)) => Err(f),
            (None, None) => Err(Failure::Unsupported("gzip data ended early".into())),
        };
    }
    let mut head = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        head.extend_from_slice(&buf[..n]);
        if let Some(t) = look(&head, n == 0)? {
            return Ok(t);
        }
        if n == 0 {
            return Err(Failure::Unsupported(
                "no answer at the end of the file".into(),
            ));
        }
    }
}

/// Header names trimmed (String.prototype.trim), each with its first position: a repeated name means its first column.
pub fn header_index(header: &[String]) -> Vec<(String, usize)> {
    let mut seen = std::collections::HashSet::new();
    header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let n = js_trim(h).to_string();
            seen.insert(n.clone()).then_some((n, i))
        })
        .collect()
}

/// Runs `scan` over `threads` line-aligned parts of `data` at once; the results come back in file order.
pub fn parallel<'a, P: Send>(
    data: &'a [u8],
    threads: usize,
    scan: impl Fn(&'a [u8]) -> Result<P, Unsupported> + Sync,
) -> Result<Vec<P>, Unsupported> {
    each_parallel(split_lines(data, threads), scan)
}

/// Runs `scan` over every item on its own thread; the results come back in order.
pub fn each_parallel<T: Send, P: Send>(
    items: Vec<T>,
    scan: impl Fn(T) -> Result<P, Unsupported> + Sync,
) -> Result<Vec<P>, Unsupported> {
    let scan = &scan;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .into_iter()
            .map(|p| s.spawn(move || scan(p)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("scan thread"))
            .collect()
    })
}

/// The formats the engine reads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
    Parquet,
}

/// How a text file's lines become rows: CSV lines after the header (at byte `skip`), or JSON Lines objects with
/// the keys known so far as the columns.
pub struct Layout {
    /// gzip members to decompress on the way.
    gz: bool,
    rows: Rows,
    /// JSON Lines keys the last read found that are not columns yet, in first-seen order.
    late: RefCell<Vec<String>>,
    /// Reads after the first (see `again`).
    reads: u8,
}

enum Rows {
    Csv { header: Vec<String>, skip: u64 },
    Jsonl(Keys),
}

impl Layout {
    pub fn open(path: &Path, format: Format, gz: bool) -> Result<Layout, Failure> {
        let rows = match format {
            Format::Jsonl => Rows::Jsonl(first_keys(path, gz)?),
            _ => {
                let (header, skip) = read_header(path, gz)?;
                Rows::Csv { header, skip }
            }
        };
        Ok(Layout {
            gz,
            rows,
            late: RefCell::default(),
            reads: 0,
        })
    }

    /// Whether the last read found JSON Lines keys that are not columns: its results do not count.
    pub fn late(&self) -> bool {
        !self.late.borrow().is_empty()
    }

    /// Makes the keys the last read found late columns, for reading the file again: they change the columns and
    /// their order. The first read finds every key, so needing a third means the file changed meanwhile.
    pub fn again(&mut self) -> Result<(), Failure> {
        if self.reads >= 1 {
            return Err(Failure::Unsupported(
                "keys kept appearing: the file changed while it was read".into(),
            ));
        }
        self.reads += 1;
        if let Rows::Jsonl(keys) = &mut self.rows {
            self.late.get_mut().drain(..).for_each(|k| keys.add(&k));
        }
        Ok(())
    }

    pub fn header(&self) -> &[String] {
        match &self.rows {
            Rows::Csv { header, .. } => header,
            Rows::Jsonl(keys) => &keys.names,
        }
    }

    /// Hands the file's rows to `each` a chunk at a time, as `threads(chunk number)` parts read for the columns at
    /// header positions `fields`.
    pub fn chunks(
        &self,
        path: &Path,
        fields: &[usize],
        mut threads: impl FnMut() -> usize,
        mut each: impl FnMut(&Split) -> Result<(), Failure>,
    ) -> Result<(), Failure> {
        let skip = match &self.rows {
            Rows::Csv { skip, .. } => *skip,
            Rows::Jsonl(_) => 0,
        };
        // Once a key that is not a column turns up, the file is read again (see `again`): the rest of this read
        // only looks for more keys.
        chunks(path, self.gz, skip, |data| match &self.rows {
            Rows::Csv { header, .. } => {
                each(&Split::Csv(split_lines(data, threads()), header.len()))
            }
            Rows::Jsonl(keys) => {
                // A table holds 8 bytes per selected cell of each row: the lines of a wide file go in pieces
                // that keep that near 64 MiB, by the line length of the first MiB.
                let sample = &data[..data.len().min(1 << 20)];
                let lf = sample.iter().filter(|&&c| c == b'\n').count().max(1);
                let cells = data.len() * lf / sample.len().max(1) * fields.len().max(1) * 8;
                for piece in split_lines(data, cells.div_ceil(64 << 20).max(1)) {
                    let read = if self.late() { &[][..] } else { fields };
                    let tables = parallel(piece, threads(), |p| Table::read(p, keys, read))?;
                    self.late
                        .borrow_mut()
                        .extend(tables.iter().flat_map(|t| t.extra.iter().cloned()));
                    each(&Split::Jsonl(tables))?;
                }
                Ok(())
            }
        })
    }
}

/// One chunk's parts.
pub enum Split<'a> {
    Csv(Vec<&'a [u8]>, usize),
    Jsonl(Vec<Table<'a>>),
}

impl Split<'_> {
    pub fn cells(&self) -> Vec<Cells<'_>> {
        match self {
            Split::Csv(parts, width) => parts.iter().map(|p| Cells::Csv(p, *width)).collect(),
            Split::Jsonl(tables) => tables.iter().map(Cells::Jsonl).collect(),
        }
    }
}

/// `rows N` on stderr every 100 000 rows or more: progress for the caller's heartbeats.
#[derive(Default)]
pub struct Progress {
    rows: u64,
    reported: u64,
}

impl Progress {
    pub fn add(&mut self, rows: u64) -> u64 {
        self.rows += rows;
        if self.rows - self.reported >= 100_000 {
            self.reported = self.rows;
            // One write per line: the reader splits on line ends, but whole lines are easier to follow.
            let _ = io::stderr().write_all(format!("rows {}\n", self.rows).as_bytes());
        }
        self.rows
    }
}

/// The process's peak resident memory so far (VmHWM), in MB.
pub fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    (kb / 1024.0 * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::{map_chunks, read_chunks, Mapped, CHUNK};
    use std::fs::File;

    #[test]
    fn mapped_and_read_chunks_hold_the_same_lines() {
        let path =
            std::env::temp_dir().join(format!("sluice-engine-chunks-{}.csv", std::process::id()));
        let line = b"12345,abcdef,0.5\n";
        let mut text = b"a,b,c\n".to_vec();
        while text.len() < 2 * CHUNK + 1000 {
            text.extend_from_slice(line);
        }
        text.extend_from_slice(b"9,z,1"); // no final LF
        std::fs::write(&path, &text).unwrap();
        let collect = |mapped: bool| {
            let mut parts: Vec<Vec<u8>> = Vec::new();
            let each = |c: &[u8]| {
                parts.push(c.to_vec());
                Ok(())
            };
            let file = File::open(&path).unwrap();
            let ok = match mapped {
                true => map_chunks(&Mapped::new(&file).unwrap().unwrap(), 6, each),
                false => read_chunks(file, 6, each),
            };
            assert!(ok.is_ok());
            parts
        };
        let (mapped, read) = (collect(true), collect(false));
        std::fs::remove_file(&path).unwrap();
        for parts in [&mapped, &read] {
            assert!(parts.len() >= 3);
            assert!(parts[..parts.len() - 1].iter().all(|p| p.ends_with(b"\n")));
            assert_eq!(parts.concat(), &text[6..]);
        }
    }
}
