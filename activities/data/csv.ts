// A streaming CSV reader (RFC 4180 plus CRLF/CR line ends and a UTF-8 BOM). Hand-rolled rather than csv-parse
// because validation throughput is dominated by parsing, and this keeps one string allocation per cell and no
// per-row objects beyond the cell array. Memory is bounded by one input chunk plus the longest record.
import { StringDecoder } from 'node:string_decoder';
import type { TableReader } from './reader.js';
import { DataFormatError } from './errors.js';

/** The file is not well-formed CSV; `line` is the 1-based physical line where the offending record starts. */
export class CsvFormatError extends DataFormatError {
  override name = 'CsvFormatError';
  constructor(
    readonly line: number,
    readonly detail: string,
    readonly source = 'CSV',
  ) {
    super(`${source}: line ${line}: ${detail}`);
  }
}

/**
 * A header that names a column twice (after trimming, as columns are looked up) is malformed: rules and drift would
 * silently read only the first of the two. Empty names may repeat: spreadsheets export trailing blank columns so.
 */
function checkHeader(cells: string[], line: number, source: string): void {
  const first = new Map<string, number>();
  cells.forEach((cell, i) => {
    const name = cell.trim();
    if (name === '') return;
    const seen = first.get(name);
    if (seen !== undefined)
      throw new CsvFormatError(
        line,
        `the header names column ${JSON.stringify(name)} twice (fields ${seen + 1} and ${i + 1}); give each column its own name`,
        source,
      );
    first.set(name, i);
  });
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

const enum S {
  Start, // at the start of a field
  Unquoted,
  Quoted,
  QuoteInQuoted, // saw '"' inside a quoted field: either an escaped quote or the closing one
}

/** Incremental parser: feed decoded text chunks, get complete records; the first record is the header. */
export class CsvParser {
  header: string[] | null = null;
  private row: string[] = [];
  private field = '';
  private state = S.Start;
  private skipLF = false;
  private line = 1;
  private rowLine = 1;
  private first = true;

  constructor(private readonly source = 'CSV') {}

  private endRecord(out: string[][]): void {
    const row = this.row;
    this.row = [];
    const line = this.rowLine;
    this.rowLine = this.line;
    if (this.header === null) {
      checkHeader(row, line, this.source);
      this.header = row;
    } else if (row.length !== this.header.length) {
      throw new CsvFormatError(
        line,
        `expected ${this.header.length} fields (as in the header) but found ${row.length}`,
        this.source,
      );
    } else {
      out.push(row);
    }
  }

  feed(s: string, out: string[][]): void {
    const n = s.length;
    let i = 0;
    if (this.first && n > 0) {
      this.first = false;
      if (s.charCodeAt(0) === 0xfeff) i = 1;
    }
    let state = this.state;
    let start = i;
    while (i < n) {
      let c = s.charCodeAt(i);
      if (state === S.Start) {
        if (this.skipLF) {
          this.skipLF = false;
          if (c === LF) {
            start = ++i;
            continue;
          }
        }
        if (c === QUOTE) {
          state = S.Quoted;
          start = ++i;
          continue;
        }
        if (c === COMMA) {
          this.row.push('');
          start = ++i;
          continue;
        }
        if (c === LF || c === CR) {
          this.line++;
          if (c === CR) this.skipLF = true;
          // An empty line is skipped, not read as a row with one empty field.
          if (this.row.length === 0) this.rowLine = this.line;
          else {
            this.row.push('');
            this.endRecord(out);
          }
          start = ++i;
          continue;
        }
        state = S.Unquoted;
        start = i;
      }
      if (state === S.Unquoted) {
        while (i < n) {
          c = s.charCodeAt(i);
          if (c === COMMA || c === LF || c === CR) break;
          i++;
        }
        if (i === n) break;
        const v = s.slice(start, i);
        this.row.push(this.field === '' ? v : this.field + v);
        this.field = '';
        state = S.Start;
        if (c !== COMMA) {
          this.line++;
          if (c === CR) this.skipLF = true;
          this.endRecord(out);
        }
        start = ++i;
        continue;
      }
      if (state === S.Quoted) {
        while (i < n) {
          c = s.charCodeAt(i);
          if (c === QUOTE) break;
          if (c === LF) this.line++;
          i++;
        }
        if (i === n) break;
        this.field += s.slice(start, i);
        state = S.QuoteInQuoted;
        start = ++i;
        continue;
      }
      // S.QuoteInQuoted
      if (c === QUOTE) {
        this.field += '"';
        state = S.Quoted;
        start = ++i;
        continue;
      }
      if (c === COMMA || c === LF || c === CR) {
        this.row.push(this.field);
        this.field = '';
        state = S.Start;
        if (c !== COMMA) {
          this.line++;
          if (c === CR) this.skipLF = true;
          this.endRecord(out);
        }
        start = ++i;
        continue;
      }
      throw new CsvFormatError(
        this.line,
        `unexpected character '${s[i]}' after a closing quote; quote the whole field and double any quote inside it`,
        this.source,
      );
    }
    if (state === S.Unquoted || state === S.Quoted) this.field += s.slice(start, n);
    this.state = state;
  }

  /** Call at end of input: completes the last record (a final line without a line break). */
  end(out: string[][]): void {
    switch (this.state) {
      case S.Quoted:
        throw new CsvFormatError(this.rowLine, 'a quoted field is not closed before the end of the file', this.source);
      case S.Unquoted:
      case S.QuoteInQuoted:
        this.row.push(this.field);
        this.field = '';
        this.endRecord(out);
        break;
      case S.Start:
        if (this.row.length > 0) {
          this.row.push('');
          this.endRecord(out);
        }
    }
    this.state = S.Start;
  }
}

/**
 * Opens a CSV byte stream: reads up to the end of the header and returns a reader over the data rows.
 * A file with no header at all reads as zero columns and zero rows.
 */
export async function openCsv(
  input: AsyncIterable<Buffer | string>,
  opts: { source?: string } = {},
): Promise<TableReader> {
  const parser = new CsvParser(opts.source);
  const decoder = new StringDecoder('utf8');
  const it = input[Symbol.asyncIterator]();
  let pending: string[][] = [];
  let done = false;
  try {
    while (parser.header === null && !done) {
      const r = await it.next();
      if (r.done) {
        parser.feed(decoder.end(), pending);
        parser.end(pending);
        done = true;
      } else {
        parser.feed(typeof r.value === 'string' ? r.value : decoder.write(r.value), pending);
      }
    }
  } catch (err) {
    await it.return?.();
    throw err;
  }
  const header = parser.header ?? [];

  async function* batches(): AsyncGenerator<string[][]> {
    try {
      if (pending.length > 0) yield pending;
      pending = [];
      while (!done) {
        const r = await it.next();
        const out: string[][] = [];
        if (r.done) {
          parser.feed(decoder.end(), out);
          parser.end(out);
          done = true;
        } else {
          parser.feed(typeof r.value === 'string' ? r.value : decoder.write(r.value), out);
        }
        if (out.length > 0) yield out;
      }
    } finally {
      // Stops and releases the underlying stream when the consumer stops early or parsing fails.
      if (!done) await it.return?.();
    }
  }

  return {
    header,
    batches,
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches()) yield* batch;
    },
  };
}

/**
 * Receives records from CsvByteScanner as offsets into a buffer: field k is bytes [starts[k], ends[k]) of `buf`,
 * with quotes already stripped; flags[k] is 2 when the field holds doubled quotes ("") still to be unescaped.
 * nums[k] is the field's value when it is a plain decimal the scanner could parse exactly (Number()'s result), else
 * NaN: the sink then parses the text itself. The arrays are reused for the next record, so a sink must not keep them.
 */
export interface CsvRecordSink {
  header(cells: string[]): void;
  record(buf: Buffer, starts: Int32Array, ends: Int32Array, flags: Uint8Array, nums: Float64Array): void;
}

/** Field k of a scanned record as text. */
export function fieldText(buf: Buffer, start: number, end: number, flag: number): string {
  const s = buf.toString('utf8', start, end);
  return flag === 2 ? s.replaceAll('""', '"') : s;
}

/**
 * The fast path for validation: the same CSV dialect as CsvParser, scanned over raw bytes with no string per cell.
 * A record is handed on as field offsets so the validator can parse numbers straight from the bytes and decode
 * text only where a rule needs it. Memory: one input chunk plus the longest record.
 */
export class CsvByteScanner {
  private carry: Buffer | null = null;
  private width = -1;
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  private flags = new Uint8Array(64);
  private nums = new Float64Array(64);
  private line = 1;
  private first = true;

  constructor(
    private readonly sink: CsvRecordSink,
    private readonly source = 'CSV',
  ) {}

  feed(chunk: Buffer): void {
    let buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    if (this.first && buf.length > 0) {
      if (buf.length < 3 && buf[0] === 0xef) {
        this.carry = buf;
        return;
      }
      this.first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    const used = this.scan(buf, false);
    this.carry = used < buf.length ? buf.subarray(used) : null;
  }

  end(): void {
    const buf = this.carry;
    this.carry = null;
    if (buf && buf.length > 0) this.scan(buf, true);
  }

  private grow(): void {
    const n = this.starts.length * 2;
    const s = new Int32Array(n);
    s.set(this.starts);
    const e = new Int32Array(n);
    e.set(this.ends);
    const f = new Uint8Array(n);
    f.set(this.flags);
    const m = new Float64Array(n);
    m.set(this.nums);
    this.starts = s;
    this.ends = e;
    this.flags = f;
    this.nums = m;
  }

  /** Scans complete records from buf; returns the offset of the first byte not consumed. */
  /**
   * The common case, a line with no quotes and no bare CR: fields between pos and the LF at `lf`, which serves as a
   * sentinel so the inner loops need no bounds checks. Returns the field count, or -1 to leave the record to the
   * general scanner.
   */
  private simple(buf: Buffer, pos: number, lf: number): number {
    let j = pos;
    let f = 0;
    // Locals, not this.x, in the hot loop: V8 cannot keep field loads out of it.
    let starts = this.starts;
    let ends = this.ends;
    let flags = this.flags;
    let nums = this.nums;
    let cap = starts.length;
    for (;;) {
      if (f >= cap) {
        this.grow();
        starts = this.starts;
        ends = this.ends;
        flags = this.flags;
        nums = this.nums;
        cap = starts.length;
      }
      const start = j;
      let c = buf[j] as number;
      if (c === QUOTE) return -1;
      let neg = false;
      if (c === 45 || c === 43) {
        neg = c === 45;
        c = buf[++j] as number;
      }
      // Digits only: more than 15 of them (even leading zeros) leaves the value to the sink's exact parser.
      let m = 0;
      const intStart = j;
      while (c >= 48 && c <= 57) {
        m = m * 10 + (c - 48);
        c = buf[++j] as number;
      }
      let digits = j - intStart;
      let exp = 0;
      if (c === 46) {
        const fracStart = ++j;
        c = buf[j] as number;
        while (c >= 48 && c <= 57) {
          m = m * 10 + (c - 48);
          c = buf[++j] as number;
        }
        exp = fracStart - j;
        digits -= exp;
      }
      let num = NaN;
      if (digits > 0 && digits <= 15 && (c === COMMA || c === LF || c === CR)) {
        num = exp === 0 ? m : m / (POW10[-exp] as number);
        if (neg) num = -num;
      }
      while (c !== COMMA && c !== LF && c !== CR) c = buf[++j] as number;
      starts[f] = start;
      ends[f] = j;
      flags[f] = 0;
      nums[f] = num;
      if (c === COMMA) {
        f++;
        j++;
        continue;
      }
      // A CR is only a line end right before the LF (CRLF); a bare CR ends a record: the general scanner handles it.
      if (c === CR && j !== lf - 1) return -1;
      return f + 1;
    }
  }

  private scan(buf: Buffer, final: boolean): number {
    const n = buf.length;
    let pos = 0;
    while (pos < n) {
      const lf = buf.indexOf(LF, pos);
      if (lf >= 0) {
        const fields = this.simple(buf, pos, lf);
        if (fields >= 0) {
          const line = this.line++;
          pos = lf + 1;
          if (fields === 1 && this.starts[0] === this.ends[0]) continue;
          this.emit(buf, fields, line);
          continue;
        }
      } else if (!final) return pos;
      let i = pos;
      let f = 0;
      let lines = 1;
      let c = 0;
      // One record.
      for (;;) {
        if (f >= this.starts.length) this.grow();
        if (i < n && buf[i] === QUOTE) {
          let j = i + 1;
          let esc = 1;
          for (;;) {
            j = buf.indexOf(QUOTE, j);
            if (j < 0 || (j + 1 >= n && !final)) {
              if (final && j < 0)
                throw new CsvFormatError(
                  this.line,
                  'a quoted field is not closed before the end of the file',
                  this.source,
                );
              return pos;
            }
            if (buf[j + 1] === QUOTE) {
              esc = 2;
              j += 2;
              continue;
            }
            break;
          }
          for (let k = buf.indexOf(LF, i); k >= 0 && k < j; k = buf.indexOf(LF, k + 1)) lines++;
          this.starts[f] = i + 1;
          this.ends[f] = j;
          this.flags[f] = esc;
          this.nums[f] = NaN;
          i = j + 1;
          c = i < n ? (buf[i] as number) : LF;
          if (c !== COMMA && c !== LF && c !== CR)
            throw new CsvFormatError(
              this.line + lines - 1,
              `unexpected character '${String.fromCharCode(c)}' after a closing quote; quote the whole field and double any quote inside it`,
              this.source,
            );
        } else {
          // Parses a number while looking for the field's end, so the bytes are read once (see parseNumberBytes in
          // validate.ts for the rule: ≤ 15 significant digits and no exponent, else NaN and the caller decides).
          let j = i;
          let m = 0;
          let sig = 0;
          let digits = 0;
          let exp = 0;
          let neg = false;
          c = j < n ? (buf[j] as number) : LF;
          if (c === 45 || c === 43) {
            neg = c === 45;
            c = ++j < n ? (buf[j] as number) : LF;
          }
          while (c >= 48 && c <= 57) {
            if (sig > 0 || c !== 48) sig++;
            m = m * 10 + (c - 48);
            digits++;
            c = ++j < n ? (buf[j] as number) : LF;
          }
          if (c === 46) {
            c = ++j < n ? (buf[j] as number) : LF;
            while (c >= 48 && c <= 57) {
              if (sig > 0 || c !== 48) sig++;
              m = m * 10 + (c - 48);
              digits++;
              exp--;
              c = ++j < n ? (buf[j] as number) : LF;
            }
          }
          let num = NaN;
          if (digits > 0 && sig <= 15 && exp >= -22 && (c === COMMA || c === LF || c === CR)) {
            num = exp === 0 ? m : m / (POW10[-exp] as number);
            if (neg) num = -num;
          }
          while (j < n) {
            c = buf[j] as number;
            if (c === COMMA || c === LF || c === CR) break;
            j++;
          }
          this.nums[f] = num;
          if (j >= n) {
            if (!final) return pos;
            c = LF;
          }
          this.starts[f] = i;
          this.ends[f] = j;
          this.flags[f] = 0;
          i = j;
        }
        if (c === COMMA) {
          f++;
          i++;
          continue;
        }
        // End of record: LF, CR, CRLF or end of input. A CR at the end of a chunk may be followed by LF.
        if (c === CR) {
          if (i + 1 >= n && !final) return pos;
          i += buf[i + 1] === LF ? 2 : 1;
        } else i++;
        break;
      }
      const fields = f + 1;
      const line = this.line;
      this.line += lines;
      pos = i;
      // An empty line is skipped, not read as a row with one empty field.
      if (fields === 1 && this.flags[0] === 0 && this.starts[0] === this.ends[0]) continue;
      this.emit(buf, fields, line);
    }
    return pos;
  }

  private emit(buf: Buffer, fields: number, line: number): void {
    {
      if (this.width < 0) {
        this.width = fields;
        const cells: string[] = [];
        for (let k = 0; k < fields; k++)
          cells.push(fieldText(buf, this.starts[k] as number, this.ends[k] as number, this.flags[k] as number));
        checkHeader(cells, line, this.source);
        this.sink.header(cells);
      } else if (fields !== this.width) {
        throw new CsvFormatError(
          line,
          `expected ${this.width} fields (as in the header) but found ${fields}`,
          this.source,
        );
      } else this.sink.record(buf, this.starts, this.ends, this.flags, this.nums);
    }
  }
}
