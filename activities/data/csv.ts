// A streaming CSV reader (RFC 4180 plus CRLF/CR line ends and a UTF-8 BOM). Hand-rolled rather than csv-parse
// because validation throughput is dominated by parsing, and this keeps one string allocation per cell and no
// per-row objects beyond the cell array. Memory is bounded by one input chunk plus the longest record.
import { StringDecoder } from 'node:string_decoder';
import type { TableReader } from './reader.js';

/** The file is not well-formed CSV; `line` is the 1-based physical line where the offending record starts. */
export class CsvFormatError extends Error {
  override name = 'CsvFormatError';
  constructor(
    readonly line: number,
    readonly detail: string,
    readonly source = 'CSV',
  ) {
    super(`${source}: line ${line}: ${detail}`);
  }
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

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
