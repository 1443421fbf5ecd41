// Tabular readers, one module per format, chosen by the URI's extension. Each yields rows as string cells
// (empty string = null) so the validator sees one shape whatever the format.
import { createGunzip } from 'node:zlib';
import { pipeline, type Readable } from 'node:stream';
import type { Storage } from '../storage/types.js';
import { openCsv } from './csv.js';

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

type Opener = (body: Readable, source: string) => Promise<TableReader>;

const csv: Opener = (body, source) => openCsv(body, { source });
// pipeline (not pipe) so a failing source stream errors the gunzip stream instead of leaving it waiting.
const gzCsv: Opener = (body, source) =>
  openCsv(
    pipeline(body, createGunzip(), () => undefined),
    { source },
  );

// Formats that have a reader. Anything without a known extension is read as CSV.
const readers: Array<[RegExp, Opener]> = [
  [/\.csv\.gz$/i, gzCsv],
  [/\.(csv|txt)$/i, csv],
];
const planned = /\.(parquet|pq|jsonl|ndjson|json|avro|orc|xlsx?|tsv)(\.gz)?$/i;

export function readerFor(uri: string): Opener {
  const path = uri.replace(/[?#].*$/, '');
  for (const [re, open] of readers) if (re.test(path)) return open;
  const m = planned.exec(path);
  if (m)
    throw new UnsupportedFormatError(
      `cannot read ${uri}: ${m[0]} files are not supported yet; supported: .csv, .csv.gz`,
    );
  return csv;
}

/** Opens a dataset for reading rows; throws NotFoundError if it does not exist. */
export async function openTable(storage: Storage, uri: string): Promise<TableReader> {
  const open = readerFor(uri);
  const body = await storage.openRead(uri);
  try {
    return await open(body, uri);
  } catch (err) {
    body.destroy();
    throw err;
  }
}
