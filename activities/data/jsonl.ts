// JSON Lines (.jsonl, .ndjson): one JSON object per line. The columns are the union of all keys, so the file is
// read twice: a first pass collects the keys (and finds a bad line before any row is handed out), the second yields
// rows. Memory is bounded by one input chunk plus the longest line.
import type { Readable } from 'node:stream';
import type { TableReader } from './reader.js';
import { DataFormatError } from './errors.js';

/** A line that is not a JSON object; `line` is 1-based. */
export class JsonlFormatError extends DataFormatError {
  override name = 'JsonlFormatError';
  constructor(
    readonly source: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${source}: line ${line}: ${detail}`);
  }
}

const LF = 10;

/** The non-empty lines of a byte stream with their 1-based numbers, in batches (one per input chunk). */
async function* lines(body: AsyncIterable<Buffer>): AsyncGenerator<Array<[number, string]>> {
  let carry: Buffer | null = null;
  let lineNo = 0;
  for await (const chunk of body) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    const out: Array<[number, string]> = [];
    let start = 0;
    for (let i = buf.indexOf(LF); i >= 0; i = buf.indexOf(LF, start)) {
      lineNo++;
      const text = buf.toString('utf8', start, i).trim();
      if (text.length > 0) out.push([lineNo, text]);
      start = i + 1;
    }
    carry = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
    if (out.length > 0) yield out;
  }
  if (carry) {
    const text = carry.toString('utf8').trim();
    if (text.length > 0) yield [[lineNo + 1, text]];
  }
}

function parseLine(source: string, line: number, text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new JsonlFormatError(
      source,
      line,
      `invalid JSON (${(err as Error).message}); each line must be one JSON object`,
    );
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new JsonlFormatError(
      source,
      line,
      `expected a JSON object like {"col": 1}, found ${JSON.stringify(v).slice(0, 40)}`,
    );
  return v as Record<string, unknown>;
}

/** A value as a cell: null → '' (null), nested values as JSON text. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Opens a JSON Lines object; `open` is called once per pass and must return a fresh stream each time. */
export async function openJsonl(open: () => Promise<Readable>, source: string): Promise<TableReader> {
  const keys = new Map<string, number>();
  const first = await open();
  try {
    for await (const batch of lines(first))
      for (const [n, text] of batch)
        for (const k of Object.keys(parseLine(source, n, text))) if (!keys.has(k)) keys.set(k, keys.size);
  } finally {
    first.destroy();
  }
  const header = [...keys.keys()];

  async function* batches(): AsyncGenerator<string[][]> {
    const body = await open();
    try {
      for await (const batch of lines(body)) {
        const out: string[][] = new Array<string[]>(batch.length);
        for (let r = 0; r < batch.length; r++) {
          const [n, text] = batch[r] as [number, string];
          const obj = parseLine(source, n, text);
          const row = new Array<string>(header.length).fill('');
          for (const k in obj) {
            const idx = keys.get(k);
            // A key the first pass did not see means the object changed between the passes.
            if (idx === undefined)
              throw new JsonlFormatError(source, n, `key ${k} appeared while reading; the file changed`);
            row[idx] = cell(obj[k]);
          }
          out[r] = row;
        }
        yield out;
      }
    } finally {
      body.destroy();
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
