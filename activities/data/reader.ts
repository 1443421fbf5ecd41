// Tabular readers, one module per format, chosen by the URI's extension. Each yields rows as string cells
// (empty string = null) so the validator sees one shape whatever the format.
import { createGunzip } from 'node:zlib';
import { PassThrough, type Readable } from 'node:stream';
import type { Storage } from '../storage/types.js';
import { openCsv } from './csv.js';
import { DataFormatError } from './errors.js';

export { DataFormatError };

export interface TableReader {
  /** Column names in file order. */
  readonly header: string[];
  /** Data rows in batches (one per input chunk): far fewer awaits than row by row. */
  batches(): AsyncGenerator<string[][]>;
  /** Data rows one at a time. */
  [Symbol.asyncIterator](): AsyncIterator<string[]>;
}

/** The data file's format is one Sluice cannot read (yet). */
export class UnsupportedFormatError extends Error {
  override name = 'UnsupportedFormatError';
}

export type Format = 'csv' | 'csv.gz' | 'jsonl' | 'jsonl.gz' | 'parquet';

// Anything without a known extension is read as CSV.
const formats: Array<[RegExp, Format]> = [
  [/\.csv\.gz$/i, 'csv.gz'],
  [/\.(csv|txt)$/i, 'csv'],
  [/\.(jsonl|ndjson)$/i, 'jsonl'],
  [/\.(jsonl|ndjson)\.gz$/i, 'jsonl.gz'],
  [/\.(parquet|pq)$/i, 'parquet'],
];
const planned = /\.(json|avro|orc|xlsx?|tsv)(\.gz)?$/i;

/** The format of the dataset at `uri`, by extension; throws UnsupportedFormatError for known-unsupported ones. */
export function formatOf(uri: string): Format {
  const path = uri.replace(/[?#].*$/, '');
  for (const [re, f] of formats) if (re.test(path)) return f;
  const m = planned.exec(path);
  if (m)
    throw new UnsupportedFormatError(
      `cannot read ${uri}: ${m[0]} files are not supported yet; supported: .csv, .csv.gz, .jsonl, .ndjson, .parquet`,
    );
  return 'csv';
}

/**
 * The decompressed bytes of a gzip `body`. zlib's own errors (not gzip, truncated, bad CRC) become a DataFormatError
 * naming the file, as any other malformed data does; an error of the source is passed on as it is. Wired by hand
 * rather than with pipeline(), which would hand the consumer zlib's raw error: whenever the output closes (read to
 * the end, failed, or dropped early by a reader that stops), the source and the decompressor are destroyed with it,
 * so a file descriptor or an S3 socket is released at once.
 */
function gunzip(body: Readable, uri: string): Readable {
  const z = createGunzip();
  const out = new PassThrough();
  body.on('error', (err) => out.destroy(err));
  z.on('error', (err: Error & { code?: unknown }) =>
    out.destroy(
      typeof err.code === 'string' && err.code.startsWith('Z_')
        ? new DataFormatError(`${uri} is not a readable gzip file: ${err.message}`, { cause: err })
        : err,
    ),
  );
  out.on('close', () => {
    body.destroy();
    z.destroy();
  });
  body.pipe(z).pipe(out);
  return out;
}

/** Opens a dataset for reading rows; throws NotFoundError if it does not exist. */
export async function openTable(storage: Storage, uri: string): Promise<TableReader> {
  const format = formatOf(uri);
  // Format modules load on first use: a CSV-only command never pays for the Parquet decoder.
  if (format === 'parquet') return (await import('./parquet.js')).openParquet(storage, uri);
  if (format === 'jsonl' || format === 'jsonl.gz') {
    const gz = format === 'jsonl.gz';
    return (await import('./jsonl.js')).openJsonl(async () => {
      const body = await storage.openRead(uri);
      return gz ? gunzip(body, uri) : body;
    }, uri);
  }
  const body = await storage.openRead(uri);
  try {
    return await openCsv(format === 'csv.gz' ? gunzip(body, uri) : body, { source: uri });
  } catch (err) {
    body.destroy();
    throw err;
  }
}
