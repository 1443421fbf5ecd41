// The fast CSV walk: every field of every record handed to a callback as (field position, bytes), found 64 bytes at
// a time from a bit mask of separators (SSE2 compares, part of every x86-64 CPU) instead of byte by byte. Reading
// rules mirror the TypeScript CsvByteScanner: LF or CRLF line ends, an empty line is skipped, an empty field is
// null; quotes, a bare CR and ragged rows are Unsupported, and the caller leaves the file to the TypeScript reader.
use crate::jsonl::Table;
use crate::scan::Unsupported;

/// Two masks of a 64-byte block: bit i set where block[i] is a comma or a line feed, and where it is a quote or a CR.
#[inline(always)]
fn masks(block: &[u8; 64]) -> (u64, u64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is in the x86-64 baseline; the loads are unaligned and stay within the 64-byte block.
    unsafe {
        use std::arch::x86_64::*;
        let eq = |v, c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
        let (mut seps, mut rare) = (0u64, 0u64);
        for k in 0..4 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k) as *const __m128i);
            seps |= u64::from(_mm_movemask_epi8(_mm_or_si128(eq(v, b','), eq(v, b'\n'))) as u16)
                << (16 * k);
            rare |= u64::from(_mm_movemask_epi8(_mm_or_si128(eq(v, b'"'), eq(v, b'\r'))) as u16)
                << (16 * k);
        }
        (seps, rare)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let bits = |f: fn(u8) -> bool| {
            block
                .iter()
                .enumerate()
                .fold(0u64, |m, (i, &c)| m | (u64::from(f(c)) << i))
        };
        (
            bits(|c| c == b',' || c == b'\n'),
            bits(|c| c == b'"' || c == b'\r'),
        )
    }
}

/// Quotes are Unsupported (a quoted field can hold commas, line feeds and `""`), and so is a CR anywhere but
/// before a line feed or at the very end (the TypeScript reader ends a record at a bare CR).
#[cold]
fn check_rare(data: &[u8], base: usize, mut rare: u64) -> Result<(), Unsupported> {
    while rare != 0 {
        let i = base + rare.trailing_zeros() as usize;
        rare &= rare - 1;
        if data[i] == b'"' {
            return Err(Unsupported("quoted fields".into()));
        }
        if i + 1 < data.len() && data[i + 1] != b'\n' {
            return Err(Unsupported("a carriage return inside a line".into()));
        }
    }
    Ok(())
}

fn ragged() -> Unsupported {
    Unsupported("a row with a different number of fields than the header".into())
}

/// Where the walk stands: the field being read and where it starts.
struct Walk {
    field: usize,
    start: usize,
    rows: u64,
}

impl Walk {
    /// The separator `sep` at `i` ends a field; a line feed also ends the record.
    #[inline(always)]
    fn at<'a>(
        &mut self,
        data: &'a [u8],
        i: usize,
        sep: u8,
        width: usize,
        cell: &mut impl FnMut(usize, &'a [u8]) -> Result<(), Unsupported>,
    ) -> Result<(), Unsupported> {
        if sep == b',' {
            if self.field + 1 >= width {
                return Err(ragged());
            }
            cell(self.field, &data[self.start..i])?;
            self.field += 1;
        } else {
            // A CRLF line end: the CR is not part of the last field.
            let end = if i > self.start && data[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            if self.field == 0 && self.start == end {
                // An empty line is skipped, not read as one empty field.
            } else {
                if self.field + 1 != width {
                    return Err(ragged());
                }
                cell(self.field, &data[self.start..end])?;
                self.field = 0;
                self.rows += 1;
            }
        }
        self.start = i + 1;
        Ok(())
    }
}

/// Calls `cell` with the position and bytes of every field of every record in `data` (whole lines; the file's last
/// line may lack its LF), in file order, and returns the record count. Quotes are Unsupported: a quoted field can
/// hold commas, line feeds and `""`. A ragged record is Unsupported too, though the fields before it were handed on.
pub fn for_each_cell<'a>(
    data: &'a [u8],
    width: usize,
    mut cell: impl FnMut(usize, &'a [u8]) -> Result<(), Unsupported>,
) -> Result<u64, Unsupported> {
    let mut w = Walk {
        field: 0,
        start: 0,
        rows: 0,
    };
    let mut block = |base: usize, bytes: &[u8; 64], w: &mut Walk| -> Result<(), Unsupported> {
        let (mut seps, rare) = masks(bytes);
        if rare != 0 {
            check_rare(data, base, rare)?;
        }
        while seps != 0 {
            let i = base + seps.trailing_zeros() as usize;
            seps &= seps - 1;
            w.at(data, i, data[i], width, &mut cell)?;
        }
        Ok(())
    };
    let whole = data.len() / 64 * 64;
    for base in (0..whole).step_by(64) {
        block(base, data[base..base + 64].try_into().unwrap(), &mut w)?;
    }
    // The last bytes padded with spaces, which are neither separators nor rare.
    let mut tail = [b' '; 64];
    tail[..data.len() - whole].copy_from_slice(&data[whole..]);
    block(whole, &tail, &mut w)?;
    if w.start < data.len() || w.field > 0 {
        w.at(data, data.len(), b'\n', width, &mut cell)?;
    }
    Ok(w.rows)
}

/// A part's rows: CSV lines walked in place (`width` fields each), or JSON Lines already read into the cells of
/// the selected columns (jsonl.rs).
#[derive(Clone, Copy)]
pub enum Cells<'a> {
    Csv(&'a [u8], usize),
    Jsonl(&'a Table<'a>),
}

/// The cells of the columns at header positions `fields` only, row after row: `cell` gets the column's index in
/// `fields`. (A JSON Lines table holds those columns only: it was read for the same `fields`.)
pub fn for_each_selected_cell<'a>(
    cells: Cells<'a>,
    fields: &[usize],
    mut cell: impl FnMut(usize, &'a [u8]) -> Result<(), Unsupported>,
) -> Result<u64, Unsupported> {
    let (data, width) = match cells {
        Cells::Csv(data, width) => (data, width),
        Cells::Jsonl(table) => return table.for_each(cell),
    };
    let mut slot = vec![usize::MAX; width];
    for (k, &f) in fields.iter().enumerate() {
        slot[f] = k;
    }
    for_each_cell(data, width, |f, c| match slot[f] {
        usize::MAX => Ok(()),
        k => cell(k, c),
    })
}

#[cfg(test)]
mod tests {
    use super::for_each_cell;

    fn walk(data: &str, width: usize) -> Result<(u64, Vec<(usize, String)>), String> {
        let mut got = Vec::new();
        let rows = for_each_cell(data.as_bytes(), width, |f, c| {
            got.push((f, String::from_utf8(c.to_vec()).unwrap()));
            Ok(())
        })
        .map_err(|e| e.0)?;
        Ok((rows, got))
    }

    #[test]
    fn fields_across_blocks_and_line_ends() {
        // Long enough to cross several 64-byte blocks, with empty fields, blank lines and no final LF.
        let line = "1234567890,,abcdefghijklmnopqrstuvwxyz\n";
        let data = format!("{}\n{}{}", line.repeat(3), line, &line[..line.len() - 1]);
        let (rows, cells) = walk(&data, 3).unwrap();
        assert_eq!(rows, 5);
        assert_eq!(cells.len(), 15);
        assert!(cells
            .chunks(3)
            .all(|r| r[0] == (0, "1234567890".into()) && r[1] == (1, String::new())));
        assert_eq!(cells[14], (2, "abcdefghijklmnopqrstuvwxyz".into()));
    }

    #[test]
    fn ragged_quoted_and_crlf() {
        assert!(walk("a,b\nc\n", 2).is_err());
        assert!(walk("a,b,c\n", 2).is_err());
        assert!(walk("a,\"b\"\n", 2).is_err());
        assert_eq!(walk("a,b\r\n\r\nc,d\r\n", 2).unwrap().0, 2);
        assert!(walk("a,b\rc,d\n", 2).is_err());
        // A trailing comma on the last line is one more (empty) field.
        assert_eq!(
            walk("a,b\nc,", 2).unwrap().1.last().unwrap(),
            &(1, String::new())
        );
    }
}
