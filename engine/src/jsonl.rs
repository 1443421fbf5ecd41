// JSON Lines for the engine: each non-empty line is one JSON object, read into the cells the TypeScript reader
// (activities/data/jsonl.ts) makes of it, so everything after reading is shared with CSV. A value's cell: null →
// null; a string as decoded ("" is null, like an empty CSV field); a number as JavaScript's String(v); true and
// false as text; an object or array as JSON.stringify writes it. The columns are every key in first-seen order, a
// line's keys in JavaScript's order (array-index keys first, ascending). Whatever that reader decodes differently
// or rejects is Unsupported, and the caller leaves the file to it, which also gives the canonical error. That
// covers invalid JSON or UTF-8, lone surrogates and nesting past 100 levels. White space at a line's ends is what
// String.prototype.trim removes (a BOM and the Unicode spaces included); between tokens, JSON's.
use crate::input::{head, Failure};
use crate::number::{js_space, js_text};
use crate::scan::{FnvMap, Unsupported};
use std::path::Path;

/// The columns read so far: names in order and their positions.
#[derive(Default)]
pub struct Keys {
    pub names: Vec<String>,
    index: FnvMap<Vec<u8>, usize>,
    /// Each name with its closing quote, as a line holds it when it needs no escapes (else empty).
    quoted: Vec<Vec<u8>>,
}

impl Keys {
    pub fn add(&mut self, name: &str) {
        if !self.index.contains_key(name.as_bytes()) {
            self.index
                .insert(name.as_bytes().to_vec(), self.names.len());
            self.names.push(name.to_string());
            // Names needing escapes are always decoded.
            let plain = !name.bytes().any(|c| c == b'"' || c == b'\\' || c < 0x20);
            self.quoted.push(match plain {
                true => [name.as_bytes(), b"\""].concat(),
                false => Vec::new(),
            });
        }
    }

    /// Whether the key at `r.i` (after its opening quote) is column `guess`, written without escapes: then it
    /// is read past its closing quote without decoding.
    #[inline(always)]
    fn at(&self, r: &mut Reader, guess: usize) -> bool {
        let Some(q) = self.quoted.get(guess) else {
            return false;
        };
        let b = &r.b[r.i..];
        if q.is_empty() || b.len() < q.len() {
            return false;
        }
        // Eight bytes at a time: keys are short, and a library memcmp call costs more than comparing them.
        let mut k = 0;
        while k + 8 <= q.len() {
            let word = |s: &[u8]| u64::from_ne_bytes(s[k..k + 8].try_into().expect("8 bytes"));
            if word(q) != word(b) {
                return false;
            }
            k += 8;
        }
        if q[k..].iter().zip(&b[k..]).any(|(x, y)| x != y) {
            return false;
        }
        r.i += q.len();
        true
    }

    /// The position of `key`, trying `guess` (the position after the line's previous key) first: most files
    /// write every line's keys in the same order.
    #[inline]
    fn find(&self, key: &[u8], guess: usize) -> Option<usize> {
        match self.names.get(guess) {
            Some(n) if n.as_bytes() == key => Some(guess),
            _ => self.index.get(key).copied(),
        }
    }
}

/// Flags a span's bytes as in the table's own arena rather than in the input.
const ARENA: u32 = 1 << 31;

/// A part's lines as cells of the selected columns, row after row; see cells.rs for the walk over it.
pub struct Table<'a> {
    data: &'a [u8],
    arena: Vec<u8>,
    /// Start and length (ARENA-flagged) of each cell, `width` a row; a zero length is a null.
    spans: Vec<(u32, u32)>,
    width: usize,
    pub rows: u64,
    /// Keys that are not columns yet, in first-seen order: the caller reads the file again with them.
    pub extra: Vec<String>,
    seen: std::collections::HashSet<String>,
}

fn bad(what: &str) -> Unsupported {
    Unsupported(format!(
        "JSON Lines the TypeScript reader decodes itself: {what}"
    ))
}

fn invalid() -> Unsupported {
    bad("a line that is not a flat JSON object")
}

/// JSON's white space between tokens (LF ends the line).
#[inline(always)]
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r')
}

/// A key Object.keys lists before the others, in ascending order: an array index, 0 to 2^32 − 2, as written.
fn is_index(k: &str) -> bool {
    (k == "0" || (!k.starts_with('0') && k.len() <= 10 && k.bytes().all(|c| c.is_ascii_digit())))
        && k.parse::<u64>().is_ok_and(|v| v < u64::from(u32::MAX))
}

/// Where a string's bytes are: in the input, or decoded into a buffer.
enum Text {
    Raw(usize, usize),
    Decoded,
}

impl<'a> Table<'a> {
    /// Reads whole lines `data` as rows of the columns at header positions `fields`.
    pub fn read(data: &'a [u8], keys: &Keys, fields: &[usize]) -> Result<Table<'a>, Unsupported> {
        if data.len() >= ARENA as usize {
            return Err(bad("more than 2 GiB of lines at once"));
        }
        let mut slot = vec![usize::MAX; keys.names.len()];
        for (k, &f) in fields.iter().enumerate() {
            slot[f] = k;
        }
        let mut t = Table {
            data,
            arena: Vec::new(),
            spans: Vec::new(),
            width: fields.len(),
            rows: 0,
            extra: Vec::new(),
            seen: Default::default(),
        };
        let mut r = Reader {
            b: data,
            i: 0,
            buf: Vec::new(),
            new: Vec::new(),
        };
        loop {
            // Blank lines, and what String.prototype.trim takes off a line's ends (a BOM, NBSP and the other
            // Unicode spaces too).
            r.trim(true);
            if r.i == data.len() {
                break;
            }
            t.line(&mut r, keys, &slot)?;
            r.trim(false);
            if r.i < data.len() && data[r.i] != b'\n' {
                return Err(invalid());
            }
        }
        Ok(t)
    }

    /// One object, from its `{` to its `}`.
    fn line(&mut self, r: &mut Reader<'a>, keys: &Keys, slot: &[usize]) -> Result<(), Unsupported> {
        r.expect(b'{')?;
        let row = self.spans.len();
        self.spans.resize(row + self.width, (0, 0));
        r.space();
        let mut guess = 0;
        if r.peek() == Some(b'}') {
            r.i += 1;
        } else {
            loop {
                r.expect(b'"')?;
                let found = if keys.at(r, guess) {
                    Some(guess)
                } else {
                    let key = r.string()?;
                    let found = keys.find(r.text(&key), guess);
                    if found.is_none() {
                        let k = std::str::from_utf8(r.text(&key)).map_err(|_| invalid())?;
                        if self.seen.insert(k.to_string()) {
                            r.new.push(k.to_string());
                        }
                    }
                    found
                };
                guess = found.map_or(guess, |f| f + 1);
                r.space();
                r.expect(b':')?;
                r.space();
                let k = found.map_or(usize::MAX, |f| slot[f]);
                if k == usize::MAX {
                    r.skip_value()?;
                } else {
                    let span = self.value(r)?;
                    // A repeated key keeps its last value, as JSON.parse does.
                    self.spans[row + k] = span;
                }
                r.space();
                match r.next()? {
                    b',' => r.space(),
                    b'}' => break,
                    _ => return Err(invalid()),
                }
            }
        }
        if !r.new.is_empty() {
            // Object.keys order: array indices first, ascending, then the others as written.
            let mut new = std::mem::take(&mut r.new);
            let (mut index, other): (Vec<String>, Vec<String>) =
                new.drain(..).partition(|k| is_index(k));
            index.sort_by_key(|k| k.parse::<u64>().unwrap_or(0));
            self.extra.extend(index.into_iter().chain(other));
        }
        self.rows += 1;
        Ok(())
    }

    /// A selected value's cell.
    fn value(&mut self, r: &mut Reader<'a>) -> Result<(u32, u32), Unsupported> {
        let start = r.i;
        match r.next()? {
            b'"' => match r.string()? {
                Text::Raw(s, e) => Ok((s as u32, (e - s) as u32)),
                Text::Decoded => self.own(&r.buf),
            },
            b't' => r.word(b"rue").map(|()| (start as u32, 4)),
            b'f' => r.word(b"alse").map(|()| (start as u32, 5)),
            b'n' => r.word(b"ull").map(|()| (0, 0)),
            b'-' | b'0'..=b'9' => {
                r.i = start;
                let n = r.number()?;
                Ok(match plain_text(&r.b[start..r.i], &n) {
                    Plain::AsWritten => (start as u32, (r.i - start) as u32),
                    Plain::Prefix(len) => (start as u32, len as u32),
                    Plain::Zero => self.own(b"0")?,
                    Plain::No => self.own(js_text(double(&r.b[start..r.i])?).as_bytes())?,
                })
            }
            c @ (b'{' | b'[') => {
                let mut text = Vec::new();
                r.nested(c, &mut text, 1)?;
                self.own(&text)
            }
            _ => Err(invalid()),
        }
    }

    fn own(&mut self, bytes: &[u8]) -> Result<(u32, u32), Unsupported> {
        let at = self.arena.len();
        if at + bytes.len() >= ARENA as usize {
            return Err(bad("more than 2 GiB of cells in one part"));
        }
        self.arena.extend_from_slice(bytes);
        Ok((at as u32, bytes.len() as u32 | ARENA))
    }

    /// Calls `cell` with (selected column, bytes) for every cell, row after row; returns the row count.
    pub fn for_each(
        &'a self,
        mut cell: impl FnMut(usize, &'a [u8]) -> Result<(), Unsupported>,
    ) -> Result<u64, Unsupported> {
        if self.width == 0 {
            return Ok(self.rows);
        }
        for row in self.spans.chunks_exact(self.width) {
            for (k, &(s, l)) in row.iter().enumerate() {
                let bytes = if l & ARENA != 0 {
                    &self.arena[s as usize..(s + (l & !ARENA)) as usize]
                } else {
                    &self.data[s as usize..(s + l) as usize]
                };
                cell(k, bytes)?;
            }
        }
        Ok(self.rows)
    }
}

/// A JSON number literal's double (±inf past the largest).
fn double(lit: &[u8]) -> Result<f64, Unsupported> {
    let text = std::str::from_utf8(lit).map_err(|_| invalid())?;
    text.parse().map_err(|_| invalid())
}

/// Nesting deeper than this is left to the TypeScript reader, rather than risk this thread's stack.
const MAX_DEPTH: usize = 100;

/// A string as JSON.stringify quotes it.
fn quote(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            8 => out.extend_from_slice(b"\\b"),
            12 => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            c => out.push(c),
        }
    }
    out.push(b'"');
}

/// The parts of a JSON number.
struct Number {
    int: usize,
    frac: usize,
    exp: bool,
}

enum Plain {
    /// The literal is already what String(v) writes.
    AsWritten,
    /// String(v) is the literal's first `len` bytes: trailing zeros after the dot dropped.
    Prefix(usize),
    /// Zero, -0 included: "0".
    Zero,
    /// Formatted from the double.
    No,
}

/// Whether String(v) of the literal `s` (sign, `int` digits, `frac` digits after a dot) is the literal itself
/// or a prefix of it: true for at most 15 significant digits (they round-trip through a double, so the shortest
/// digits are those written) in positional range (below 1e21; from 1e-6 up when below 1).
#[inline(always)]
fn plain_text(s: &[u8], n: &Number) -> Plain {
    if n.exp {
        return Plain::No;
    }
    // The common case first: at most 15 digits, no zero to drop at either end.
    let neg = usize::from(s[0] == b'-');
    if n.int + n.frac <= 15 && s[neg] != b'0' && (n.frac == 0 || s[s.len() - 1] != b'0') {
        return Plain::AsWritten;
    }
    let int = &s[neg..neg + n.int];
    let frac = if n.frac > 0 {
        &s[neg + n.int + 1..]
    } else {
        &s[..0]
    };
    let kept = frac.len() - frac.iter().rev().take_while(|&&c| c == b'0').count();
    let (lead, digits) = if int == b"0" {
        let z = frac[..kept].iter().take_while(|&&c| c == b'0').count();
        (z, kept - z)
    } else {
        (0, int.len() + kept)
    };
    if digits == 0 {
        return if s == b"0" {
            Plain::AsWritten
        } else {
            Plain::Zero
        };
    }
    if digits > 15 || int.len() > 21 || lead > 5 {
        return Plain::No;
    }
    if kept == frac.len() {
        return Plain::AsWritten;
    }
    // "1.000" → "1", "1.50" → "1.5".
    Plain::Prefix(neg + n.int + if kept > 0 { 1 + kept } else { 0 })
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
    /// A decoded string (one with escapes).
    buf: Vec<u8>,
    /// The current line's keys that are not columns, as written.
    new: Vec<String>,
}

impl<'a> Reader<'a> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline(always)]
    fn next(&mut self) -> Result<u8, Unsupported> {
        let c = self.peek().ok_or_else(invalid)?;
        self.i += 1;
        Ok(c)
    }

    #[inline(always)]
    fn expect(&mut self, c: u8) -> Result<(), Unsupported> {
        match self.next()? == c {
            true => Ok(()),
            false => Err(invalid()),
        }
    }

    /// Steps over what String.prototype.trim removes from a line's ends (a BOM, NBSP and the other Unicode
    /// spaces included), and over line feeds too when `lines` (blank lines between objects).
    fn trim(&mut self, lines: bool) {
        while let Some(&c) = self.b.get(self.i) {
            let step = match c {
                b'\n' if lines => 1,
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => 1,
                0x80.. => self.unicode_space(),
                _ => 0,
            };
            if step == 0 {
                return;
            }
            self.i += step;
        }
    }

    /// The byte length of the character at `i` if String.prototype.trim removes it, else 0.
    fn unicode_space(&self) -> usize {
        let end = (self.i + 4).min(self.b.len());
        let first = match std::str::from_utf8(&self.b[self.i..end]) {
            Ok(s) => s.chars().next(),
            Err(e) => std::str::from_utf8(&self.b[self.i..self.i + e.valid_up_to()])
                .ok()
                .and_then(|s| s.chars().next()),
        };
        first.filter(|&ch| js_space(ch)).map_or(0, char::len_utf8)
    }

    #[inline(always)]
    fn space(&mut self) {
        while self.i < self.b.len() && is_space(self.b[self.i]) {
            self.i += 1;
        }
    }

    fn word(&mut self, rest: &[u8]) -> Result<(), Unsupported> {
        match self.b[self.i..].starts_with(rest) {
            true => {
                self.i += rest.len();
                Ok(())
            }
            false => Err(invalid()),
        }
    }

    fn text<'s>(&'s self, t: &Text) -> &'s [u8] {
        match *t {
            Text::Raw(s, e) => &self.b[s..e],
            Text::Decoded => &self.buf,
        }
    }

    /// A string after its opening quote, up to and past the closing one.
    fn string(&mut self) -> Result<Text, Unsupported> {
        let start = self.i;
        let mut ascii = true;
        loop {
            let c = self.next()?;
            match c {
                b'"' => break,
                b'\\' => {
                    self.buf.clear();
                    self.buf.extend_from_slice(&self.b[start..self.i - 1]);
                    self.i -= 1;
                    return self.escaped();
                }
                0..=0x1f => return Err(invalid()),
                0x80.. => ascii = false,
                _ => {}
            }
        }
        let end = self.i - 1;
        if !ascii && std::str::from_utf8(&self.b[start..end]).is_err() {
            return Err(bad("text that is not valid UTF-8"));
        }
        Ok(Text::Raw(start, end))
    }

    /// The rest of a string with escapes, decoded into `buf`.
    fn escaped(&mut self) -> Result<Text, Unsupported> {
        loop {
            match self.next()? {
                b'"' => break,
                b'\\' => {
                    let c = match self.next()? {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 8,
                        b'f' => 12,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            let mut u = self.hex4()?;
                            if (0xd800..0xdc00).contains(&u) {
                                // A high surrogate must pair with a low one; JavaScript keeps a lone one,
                                // which UTF-8 cannot hold.
                                if !self.b[self.i..].starts_with(b"\\u") {
                                    return Err(bad("a lone surrogate"));
                                }
                                self.i += 2;
                                let low = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&low) {
                                    return Err(bad("a lone surrogate"));
                                }
                                u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
                            }
                            let ch = char::from_u32(u).ok_or_else(|| bad("a lone surrogate"))?;
                            let mut tmp = [0u8; 4];
                            self.buf
                                .extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                            continue;
                        }
                        _ => return Err(invalid()),
                    };
                    self.buf.push(c);
                }
                0..=0x1f => return Err(invalid()),
                c => self.buf.push(c),
            }
        }
        if std::str::from_utf8(&self.buf).is_err() {
            return Err(bad("text that is not valid UTF-8"));
        }
        Ok(Text::Decoded)
    }

    fn hex4(&mut self) -> Result<u32, Unsupported> {
        let h = self.b.get(self.i..self.i + 4).ok_or_else(invalid)?;
        let s = std::str::from_utf8(h).map_err(|_| invalid())?;
        if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        self.i += 4;
        Ok(u32::from_str_radix(s, 16).expect("hex digits"))
    }

    /// A number in JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    #[inline(always)]
    fn number(&mut self) -> Result<Number, Unsupported> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let digits = |r: &mut Self| {
            let s = r.i;
            while r.i < r.b.len() && r.b[r.i].is_ascii_digit() {
                r.i += 1;
            }
            r.i - s
        };
        let int_start = self.i;
        let int = digits(self);
        if int == 0 || (int > 1 && self.b[int_start] == b'0') {
            return Err(invalid());
        }
        let mut frac = 0;
        if self.peek() == Some(b'.') {
            self.i += 1;
            frac = digits(self);
            if frac == 0 {
                return Err(invalid());
            }
        }
        let exp = matches!(self.peek(), Some(b'e' | b'E'));
        if exp {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(invalid());
            }
        }
        Ok(Number { int, frac, exp })
    }

    /// A value of a column that is not read: checked, not kept.
    fn skip_value(&mut self) -> Result<(), Unsupported> {
        match self.next()? {
            b'"' => self.string().map(|_| ()),
            b't' => self.word(b"rue"),
            b'f' => self.word(b"alse"),
            b'n' => self.word(b"ull"),
            b'-' | b'0'..=b'9' => {
                self.i -= 1;
                self.number().map(|_| ())
            }
            c @ (b'{' | b'[') => self.nested(c, &mut Vec::new(), 1),
            _ => Err(invalid()),
        }
    }

    /// Any value inside an object or array, written to `out` as JSON.stringify writes it once parsed.
    fn any(&mut self, out: &mut Vec<u8>, depth: usize) -> Result<(), Unsupported> {
        let start = self.i;
        match self.next()? {
            b'"' => {
                let t = self.string()?;
                quote(out, self.text(&t));
            }
            b't' => self.word(b"rue").map(|()| out.extend_from_slice(b"true"))?,
            b'f' => self
                .word(b"alse")
                .map(|()| out.extend_from_slice(b"false"))?,
            b'n' => self.word(b"ull").map(|()| out.extend_from_slice(b"null"))?,
            b'-' | b'0'..=b'9' => {
                self.i = start;
                let n = self.number()?;
                let lit = &self.b[start..self.i];
                match plain_text(lit, &n) {
                    Plain::AsWritten => out.extend_from_slice(lit),
                    Plain::Prefix(len) => out.extend_from_slice(&lit[..len]),
                    Plain::Zero => out.push(b'0'),
                    Plain::No => match double(lit)? {
                        // JSON has no infinities: JSON.stringify writes null.
                        v if v.is_infinite() => out.extend_from_slice(b"null"),
                        v => out.extend_from_slice(js_text(v).as_bytes()),
                    },
                }
            }
            c @ (b'{' | b'[') => self.nested(c, out, depth + 1)?,
            _ => return Err(invalid()),
        }
        Ok(())
    }

    /// An object or array after its opening `{` or `[`, written to `out` as JSON.stringify writes it once parsed:
    /// no white space, numbers as String(v), a repeated key's last value at its first place, array-index keys
    /// first.
    fn nested(&mut self, open: u8, out: &mut Vec<u8>, depth: usize) -> Result<(), Unsupported> {
        if depth > MAX_DEPTH {
            return Err(bad("values nested more than 100 deep"));
        }
        self.space();
        let close = if open == b'{' { b'}' } else { b']' };
        if self.peek() == Some(close) {
            self.i += 1;
            out.extend_from_slice(&[open, close]);
            return Ok(());
        }
        let mut entries: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        loop {
            let mut value = Vec::new();
            if open == b'{' {
                self.expect(b'"')?;
                let t = self.string()?;
                let key = self.text(&t).to_vec();
                self.space();
                self.expect(b':')?;
                self.space();
                self.any(&mut value, depth)?;
                match entries.iter_mut().find(|e| e.0 == key) {
                    Some(e) => e.1 = value,
                    None => entries.push((key, value)),
                }
            } else {
                self.any(&mut value, depth)?;
                entries.push((Vec::new(), value));
            }
            self.space();
            match self.next()? {
                b',' => self.space(),
                c if c == close => break,
                _ => return Err(invalid()),
            }
        }
        if open == b'{' {
            // Keys are valid UTF-8 (string() checked them).
            let index = |k: &[u8]| std::str::from_utf8(k).is_ok_and(is_index);
            let number =
                |k: &[u8]| std::str::from_utf8(k).map_or(0, |s| s.parse::<u64>().unwrap_or(0));
            let (mut first, rest): (Vec<_>, Vec<_>) =
                entries.into_iter().partition(|e| index(&e.0));
            first.sort_by_key(|e| number(&e.0));
            entries = first.into_iter().chain(rest).collect();
        }
        out.push(open);
        for (k, (key, value)) in entries.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            if open == b'{' {
                quote(out, key);
                out.push(b':');
            }
            out.extend_from_slice(value);
        }
        out.push(close);
        Ok(())
    }
}

/// The keys of the first object in the file, in JavaScript's order: the columns until the read finds more.
pub fn first_keys(path: &Path, gz: bool) -> Result<Keys, Failure> {
    head(path, gz, |head, end| {
        // Whole lines that are not all blank, or the end of the file.
        let lines = match head.iter().rposition(|&c| c == b'\n') {
            _ if end => head,
            Some(p) => &head[..p + 1],
            None => return Ok(None),
        };
        let t = Table::read(lines, &Keys::default(), &[])?;
        if t.rows == 0 && !end {
            return Ok(None);
        }
        let mut keys = Keys::default();
        t.extra.iter().for_each(|k| keys.add(k));
        Ok(Some(keys))
    })
}

#[cfg(test)]
mod tests {
    use super::{Keys, Table};

    /// Every cell of `text` read with the columns `names`, and the keys found besides.
    fn cells(text: &str, names: &[&str]) -> Result<(Vec<Vec<String>>, Vec<String>), String> {
        let mut keys = Keys::default();
        names.iter().for_each(|n| keys.add(n));
        let fields: Vec<usize> = (0..names.len()).collect();
        let t = Table::read(text.as_bytes(), &keys, &fields).map_err(|e| e.0)?;
        let mut rows: Vec<Vec<String>> = Vec::new();
        t.for_each(|k, c| {
            if k == 0 {
                rows.push(Vec::new());
            }
            rows.last_mut()
                .unwrap()
                .push(String::from_utf8(c.to_vec()).unwrap());
            Ok(())
        })
        .map_err(|e| e.0)?;
        Ok((rows, t.extra.clone()))
    }

    #[test]
    fn values_become_the_typescript_readers_cells() {
        let text = "{\"a\": 1.50, \"b\": \"x\\\"y\\u00e9\\ud83d\\ude00\", \"c\": true}\n\n  \r\n{\"c\":null,\"a\":-0.0,\"b\":\"\"}\r\n\
                    {\"a\":1e21,\"b\":\"é\",\"c\":false}\n{\"a\":0.0000001,\"b\":\"\\n\"}\n{\"a\":123456789012345678,\"b\":\"q\"}\n\
                    {\"a\":100,\"b\":\"r\"}\n{\"a\":0.000001}\n{\"a\":1E400}\n{\"a\":0.30000000000000004}\n{}";
        let (rows, extra) = cells(text, &["a", "b", "c"]).unwrap();
        let want: Vec<Vec<&str>> = vec![
            vec!["1.5", "x\"yé😀", "true"],
            vec!["0", "", ""],
            vec!["1e+21", "é", "false"],
            vec!["1e-7", "\n", ""],
            vec!["123456789012345680", "q", ""],
            vec!["100", "r", ""],
            vec!["0.000001", "", ""],
            vec!["Infinity", "", ""],
            vec!["0.30000000000000004", "", ""],
            vec!["", "", ""],
        ];
        assert_eq!(rows, want);
        assert!(extra.is_empty());
    }

    #[test]
    fn nested_values_as_json_stringify_writes_them() {
        let text = "{\"a\": {\"b\" : [1, 2.50, \"x\\\"\\u0001\\u2028\", null, 1e400, -0, true, {\"2\":1, \"1\":2, \"b\":3, \"b\":4}, [], {}]}}";
        let (rows, _) = cells(text, &["a"]).unwrap();
        assert_eq!(
            rows[0][0],
            "{\"b\":[1,2.5,\"x\\\"\\u0001\u{2028}\",null,null,0,true,{\"1\":2,\"2\":1,\"b\":4},[],{}]}"
        );
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(150), "]".repeat(150));
        assert!(cells(&deep, &["a"]).is_err());
        // Also where the column is not read.
        assert!(cells(&deep, &[]).is_err());
        assert!(cells(
            &format!("{{\"a\":{}1{}}}", "[".repeat(99), "]".repeat(99)),
            &[]
        )
        .is_ok());
    }

    #[test]
    fn line_ends_trimmed_as_javascript_trims_them() {
        let text = "\u{feff}{\"a\":1}\u{a0}\n\u{3000}\u{2028} {\"a\":2}\u{feff}\r\n\u{205f}\n";
        assert_eq!(cells(text, &["a"]).unwrap().0, vec![vec!["1"], vec!["2"]]);
    }

    #[test]
    fn new_keys_in_javascript_order() {
        let (rows, extra) = cells(
            "{\"b\":1,\"10\":2,\"a\":3,\"2\":4}\n{\"z\":1,\"b\":2}",
            &["b"],
        )
        .unwrap();
        assert_eq!(rows, vec![vec!["1"], vec!["2"]]);
        assert_eq!(extra, vec!["2", "10", "a", "z"]);
    }

    #[test]
    fn what_the_typescript_reader_decodes_itself() {
        for bad in [
            "[1]",
            "{\"a\":[1,]}",
            "{\"a\":{\"b\"}}",
            "{\"a\":[1 2]}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":.5}",
            "{\"a\":+1}",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"tab\there\"}",
            "{\"a\":1} x",
            "{\"a\":\u{a0}1}",
            "{\"a\":1}\u{85}",
            "{\"a\":tru}",
            "{\"a\":NaN}",
            "{'a':1}",
        ] {
            assert!(cells(bad, &["a"]).is_err(), "{bad}");
        }
        // Invalid UTF-8 in a string.
        let mut t = b"{\"a\":\"".to_vec();
        t.extend_from_slice(&[0xff, b'"', b'}']);
        let keys = {
            let mut k = Keys::default();
            k.add("a");
            k
        };
        assert!(Table::read(&t, &keys, &[0]).is_err());
    }
}
