// Parquet through hyparquet (pure JS): the footer is read first, then one row group at a time through ranged reads
// on Storage, so memory is bounded by one row group's selected columns whatever the file size, and s3:// objects
// are never downloaded whole. Chosen over DuckDB by measurement (docs/data-quality.md#engine). Column loading for
// drift and profiles of local files goes through DuckDB instead (openParquetColumnsDuckDB, at the end).
import type { AsyncBuffer, Compressors, DecodedArray, FileMetaData, SchemaElement } from 'hyparquet';
import type { Storage } from '../storage/types.js';
import type { TableReader } from './reader.js';
import { DataFormatError } from './errors.js';

/** The object is not a Parquet file hyparquet can read; the message names the URI and what is wrong. */
export class ParquetFormatError extends DataFormatError {
  override name = 'ParquetFormatError';
  constructor(
    readonly uri: string,
    detail: string,
    opts?: { cause?: unknown },
  ) {
    super(`${uri}: ${detail}`, opts);
  }
}

/** How a column's values are handed on: numbers, booleans, or anything else as text. */
export type ParquetKind = 'numeric' | 'boolean' | 'string';

export interface ParquetColumn {
  name: string;
  kind: ParquetKind;
}

/** One row group's selected columns; each array holds `rows` values (null for a missing value). */
export interface ParquetBatch {
  rows: number;
  data: Map<string, DecodedArray>;
}

export interface ParquetFile {
  readonly uri: string;
  readonly rows: number;
  readonly columns: ParquetColumn[];
  /** Row groups in file order, `columns` only (all when omitted). */
  rowGroups(opts?: { columns?: string[] }): AsyncGenerator<ParquetBatch>;
}

const MAGIC = 0x31524150; // "PAR1" read as a little-endian uint32

function kindOf(el: SchemaElement): ParquetKind {
  const logical = el.logical_type?.type;
  const converted = el.converted_type;
  if (el.type === 'BOOLEAN') return 'boolean';
  // Dates, times and timestamps decode to Date objects or raw epoch counts: treat them as text, not as measures.
  if (
    logical === 'DATE' ||
    logical === 'TIME' ||
    logical === 'TIMESTAMP' ||
    logical === 'INTERVAL' ||
    converted === 'DATE' ||
    converted === 'TIME_MILLIS' ||
    converted === 'TIME_MICROS' ||
    converted === 'TIMESTAMP_MILLIS' ||
    converted === 'TIMESTAMP_MICROS' ||
    converted === 'INTERVAL'
  )
    return 'string';
  if (el.type === 'INT32' || el.type === 'INT64' || el.type === 'FLOAT' || el.type === 'DOUBLE') return 'numeric';
  if (logical === 'DECIMAL' || converted === 'DECIMAL') return 'numeric';
  return 'string';
}

let loaded: Promise<Compressors> | undefined;

/**
 * Decoders for the codecs hyparquet lacks (gzip, brotli, zstd, lz4; its snappy is WebAssembly), loaded on first use:
 * the native engine and DuckDB read most files, this path only what they leave.
 */
function codecs(): Promise<Compressors> {
  loaded ??= import('hyparquet-compressors').then((m) => m.compressors);
  return loaded;
}

/** An AsyncBuffer over Storage range reads (hyparquet's file abstraction). */
function rangeBuffer(storage: Storage, uri: string, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const b = await storage.readRange(uri, start, end ?? size);
      // A fresh ArrayBuffer of exactly these bytes (a Buffer may be a view into a larger pooled one).
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    },
  };
}

/** Reads the footer and schema; rejects with ParquetFormatError for anything that is not readable Parquet. */
export async function openParquetFile(storage: Storage, uri: string): Promise<ParquetFile> {
  const size = await storage.size(uri);
  if (size < 12) throw new ParquetFormatError(uri, `not a Parquet file: ${size} bytes is too short`);
  const [head, tail] = await Promise.all([storage.readRange(uri, 0, 4), storage.readRange(uri, size - 8, size)]);
  if (head.readUInt32LE(0) !== MAGIC || tail.readUInt32LE(4) !== MAGIC)
    throw new ParquetFormatError(uri, 'not a Parquet file: bad magic bytes (expected PAR1 at the start and the end)');
  const file = rangeBuffer(storage, uri, size);
  // Loaded here, not at the top: the commands that import this module mostly hand Parquet to the native engine, and
  // hyparquet's ~25 modules were a tenth of `sluice validate`'s start-up.
  const { parquetMetadataAsync, parquetRead, parquetSchema } = await import('hyparquet');
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw new ParquetFormatError(uri, `unreadable Parquet: corrupt footer (${(err as Error).message})`, { cause: err });
  }
  const columns: ParquetColumn[] = parquetSchema(metadata).children.map((c) => ({
    name: c.element.name,
    // Nested groups (lists, structs) are handed on as JSON text.
    kind: c.children.length > 0 ? 'string' : kindOf(c.element),
  }));
  const rows = Number(metadata.num_rows);

  async function* rowGroups(opts: { columns?: string[] } = {}): AsyncGenerator<ParquetBatch> {
    const names = opts.columns ?? columns.map((c) => c.name);
    let start = 0;
    for (const rg of metadata.row_groups) {
      const n = Number(rg.num_rows);
      const end = start + n;
      const parts = new Map<string, Array<{ from: number; data: DecodedArray }>>();
      try {
        await parquetRead({
          file,
          metadata,
          compressors: await codecs(),
          columns: names,
          rowStart: start,
          rowEnd: end,
          onChunk: (chunk) => {
            let list = parts.get(chunk.columnName);
            if (!list) parts.set(chunk.columnName, (list = []));
            list.push({ from: chunk.rowStart, data: chunk.columnData });
          },
        });
      } catch (err) {
        throw new ParquetFormatError(uri, `unreadable Parquet: row group at row ${start}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const data = new Map<string, DecodedArray>();
      for (const name of names) data.set(name, assemble(parts.get(name) ?? [], start, n));
      yield { rows: n, data };
      start = end;
    }
  }

  return { uri, rows, columns, rowGroups };
}

/** The values of rows [start, start+n) from one column's chunks (usually exactly one chunk). */
function assemble(chunks: Array<{ from: number; data: DecodedArray }>, start: number, n: number): DecodedArray {
  const one = chunks[0];
  if (chunks.length === 1 && one && one.from === start && one.data.length === n) return one.data;
  const out: unknown[] = new Array<unknown>(n).fill(null);
  for (const { from, data } of chunks)
    for (let i = 0; i < data.length; i++) {
      const r = from + i - start;
      if (r >= 0 && r < n) out[r] = data[i];
    }
  return out;
}

/** A cell as text, the way the CSV reader would have given it ('' = null). */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

/** A TableReader over a Parquet object: each row group becomes one batch of text rows. */
export async function openParquet(storage: Storage, uri: string): Promise<TableReader> {
  const pf = await openParquetFile(storage, uri);
  const header = pf.columns.map((c) => c.name);
  async function* batches(): AsyncGenerator<string[][]> {
    for await (const b of pf.rowGroups()) {
      const cols = header.map((h) => b.data.get(h) as DecodedArray);
      const out: string[][] = new Array<string[]>(b.rows);
      for (let r = 0; r < b.rows; r++) {
        const row = new Array<string>(cols.length);
        for (let k = 0; k < cols.length; k++) row[k] = cellText((cols[k] as ArrayLike<unknown>)[r]);
        out[r] = row;
      }
      yield out;
    }
  }
  return {
    header,
    batches,
    async *[Symbol.asyncIterator]() {
      for await (const b of batches()) yield* b;
    },
  };
}

// ---- Column loading through DuckDB (drift and profiles) ----
// hyparquet hands every value over as a boxed JS value, which for 1M rows × 25 columns costs seconds and over a GB.
// For a local file whose selected columns are plain numbers, strings or booleans, DuckDB's native reader does the
// work instead: one aggregate query for row and null counts, one GROUP BY per text column (keys in order of first
// appearance, as the streaming reader would have counted them), and one single-column scan per numeric column
// straight into a Float64Array, so only one column is ever in JS memory. Anything else keeps the hyparquet path.

const DUCK_NUMERIC = new Set([
  'DOUBLE',
  'FLOAT',
  'BIGINT',
  'INTEGER',
  'SMALLINT',
  'TINYINT',
  'UBIGINT',
  'UINTEGER',
  'USMALLINT',
  'UTINYINT',
]);

export interface DuckParquetColumns {
  readonly rows: number;
  /** Non-null (and, for text, non-empty) values per selected column. */
  readonly values: Map<string, number>;
  /** The non-null values, written into `reuse` when it is large enough. */
  numeric(name: string, reuse?: ArrayBuffer): Promise<Float64Array>;
  /** Category counts; booleans as "true"/"false", as cellText gives them. */
  counts(name: string): Promise<Map<string, number>>;
  close(): void;
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/**
 * Opens `path` (a local Parquet file) with DuckDB for the given columns, or returns null when a column's type is one
 * this path does not reproduce exactly (decimals, dates, nested, binary): the caller then uses hyparquet.
 */
export async function openParquetColumnsDuckDB(
  path: string,
  columns: ParquetColumn[],
  uri = path,
): Promise<DuckParquetColumns | null> {
  // DuckDB's own errors (a corrupt page, a truncated row group) become the same error the hyparquet path gives.
  const failed = (err: unknown): ParquetFormatError =>
    new ParquetFormatError(uri, `unreadable Parquet: ${(err as Error).message}`, { cause: err });
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  const close = (): void => {
    conn.closeSync();
    instance.closeSync();
  };
  try {
    const src = `read_parquet(${quoteLiteral(path)})`;
    const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`);
    const types = new Map(described.getRowObjects().map((r) => [String(r.column_name), String(r.column_type)]));
    for (const c of columns) {
      const t = types.get(c.name);
      const ok =
        (c.kind === 'numeric' && t !== undefined && DUCK_NUMERIC.has(t)) ||
        (c.kind === 'string' && t === 'VARCHAR') ||
        (c.kind === 'boolean' && t === 'BOOLEAN');
      if (!ok) {
        close();
        return null;
      }
    }
    // Empty strings are nulls to the readers (cellText gives ''), so they are not counted as values.
    const countExpr = (c: ParquetColumn): string =>
      c.kind === 'string' ? `count(nullif(${quoteIdent(c.name)}, ''))` : `count(${quoteIdent(c.name)})`;
    const agg = await conn.runAndReadAll(
      `SELECT count(*)::DOUBLE${columns.map((c) => `, ${countExpr(c)}::DOUBLE`).join('')} FROM ${src}`,
    );
    const row = agg.getRows()[0] as number[];
    const values = new Map(columns.map((c, i) => [c.name, Number(row[i + 1])]));
    const kinds = new Map(columns.map((c) => [c.name, c.kind]));
    return {
      rows: Number(row[0]),
      values,
      numeric: (name, reuse) => readNumeric(name, reuse).catch((err: unknown) => Promise.reject(failed(err))),
      counts: (name) => readCounts(name).catch((err: unknown) => Promise.reject(failed(err))),
      close,
    };
    async function readNumeric(name: string, reuse?: ArrayBuffer): Promise<Float64Array> {
      const n = values.get(name) ?? 0;
      const out = reuse && reuse.byteLength >= n * 8 ? new Float64Array(reuse, 0, n) : new Float64Array(n);
      const id = quoteIdent(name);
      const result = await conn.stream(`SELECT ${id}::DOUBLE FROM ${src} WHERE ${id} IS NOT NULL`);
      let at = 0;
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const vec = chunk.getColumnVector(0);
        const n = chunk.rowCount;
        // A DOUBLE vector's values as a Float64Array view (no validity to check: nulls are filtered out); the
        // per-item accessor is the fallback.
        const items = (vec as unknown as { items?: unknown }).items;
        if (items instanceof Float64Array && items.length >= n && at + n <= out.length) {
          out.set(items.subarray(0, n), at);
          at += n;
        } else for (let i = 0; i < n; i++) out[at++] = vec.getItem(i) as number;
      }
      return out;
    }
    async function readCounts(name: string): Promise<Map<string, number>> {
      const id = quoteIdent(name);
      const key = kinds.get(name) === 'boolean' ? `CASE WHEN ${id} THEN 'true' ELSE 'false' END` : id;
      const reader = await conn.runAndReadAll(
        `SELECT ${key} AS k, count(*)::DOUBLE AS n FROM read_parquet(${quoteLiteral(path)}, file_row_number = true)
           WHERE ${id} IS NOT NULL${kinds.get(name) === 'string' ? ` AND ${id} <> ''` : ''}
           GROUP BY k ORDER BY min(file_row_number)`,
      );
      const out = new Map<string, number>();
      for (const [k, n] of reader.getRows()) out.set(String(k), Number(n));
      return out;
    }
  } catch (err) {
    close();
    throw failed(err);
  }
}
