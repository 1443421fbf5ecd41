import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PassThrough } from 'node:stream';
import { createStorage, type Storage } from '../../activities/storage/index.js';
import { openTable, DataFormatError, UnsupportedFormatError } from '../../activities/data/reader.js';
import { JsonlFormatError } from '../../activities/data/jsonl.js';
import { ParquetFormatError, openParquetFile } from '../../activities/data/parquet.js';
import { CsvFormatError } from '../../activities/data/csv.js';
import { validateUri, validateTable } from '../../activities/data/validate.js';
import { ValidationRules } from '../../schemas/validation.js';
import { testS3 } from '../helpers/s3.js';

const DIR = resolve(import.meta.dirname, '..', 'fixtures', 'data');
const fixture = (name: string): string => pathToFileURL(join(DIR, name)).href;
const local = createStorage();

async function readAll(storage: Storage, uri: string): Promise<{ header: string[]; rows: string[][] }> {
  const t = await openTable(storage, uri);
  const rows: string[][] = [];
  for await (const r of t) rows.push(r);
  return { header: t.header, rows };
}

// What every format gives for the shared 5-row sample (make_fixtures.py): '' is null.
const SAMPLE = [
  ['1.5', '1', 'true', 'a'],
  ['', '2', 'false', 'b'],
  ['-2.25', '3', 'true', ''],
  ['nan', '4', 'true', 'a'],
  ['1e+300', '5', 'false', 'c'],
];

describe('openTable by extension (file://)', () => {
  it('reads CSV', async () => {
    expect(await readAll(local, fixture('sample.csv'))).toEqual({ header: ['x', 'n', 'flag', 'cat'], rows: SAMPLE });
  });

  it('reads gzipped CSV', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-readers-'));
    try {
      await writeFile(join(dir, 's.csv.gz'), gzipSync(await readFile(join(DIR, 'sample.csv'))));
      expect((await readAll(local, pathToFileURL(join(dir, 's.csv.gz')).href)).rows).toEqual(SAMPLE);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads JSON Lines: union of keys as columns, missing keys null, nested values as JSON text', async () => {
    const { header, rows } = await readAll(local, fixture('sample.jsonl'));
    expect(header).toEqual(['x', 'n', 'flag', 'cat', 'extra']);
    expect(rows).toEqual([
      ['1.5', '1', 'true', 'a', ''],
      ['', '2', 'false', 'b', '{"nested":[1,2]}'],
      ['-2.25', '3', 'true', '', ''],
      ['', '4', 'true', 'a', ''],
      ['1e+300', '5', 'false', 'c', ''],
    ]);
  });

  it('reads .ndjson like .jsonl', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-readers-'));
    try {
      await writeFile(join(dir, 'd.ndjson'), '{"a":1}\n\n{"b":"x"}');
      expect(await readAll(local, pathToFileURL(join(dir, 'd.ndjson')).href)).toEqual({
        header: ['a', 'b'],
        rows: [
          ['1', ''],
          ['', 'x'],
        ],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads Parquet: numbers, NaN, booleans, nulls and dates as text cells', async () => {
    const { header, rows } = await readAll(local, fixture('sample.parquet'));
    expect(header).toEqual(['x', 'n', 'flag', 'cat', 'day']);
    expect(rows.map((r) => r.slice(0, 4))).toEqual(SAMPLE.map((r, i) => (i === 3 ? ['NaN', ...r.slice(1)] : r)));
    expect(rows.map((r) => r[4])).toEqual([1, 2, 3, 4, 5].map((d) => `2024-01-0${d}T00:00:00.000Z`));
  });

  it('reads a multi-row-group Parquet file one row group per batch, in order', async () => {
    const t = await openTable(local, fixture('groups.parquet'));
    const sizes: number[] = [];
    const v: number[] = [];
    for await (const b of t.batches()) {
      sizes.push(b.length);
      for (const r of b) v.push(Number(r[0]));
    }
    expect(sizes).toEqual(new Array(10).fill(1000));
    expect(v.slice(0, 3)).toEqual([0, 79.19, 58.38]);
    expect(v[9999]).toBe(((9999 * 7919) % 10000) / 100);
  });
});

describe('bad input', () => {
  it('a bad JSON line is an error with its line number', async () => {
    const err = await readAll(local, fixture('bad.jsonl')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JsonlFormatError);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toMatch(/bad\.jsonl: line 3: invalid JSON/);
  });

  it('a JSON line that is not an object is an error naming the line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-readers-'));
    try {
      await writeFile(join(dir, 'a.jsonl'), '{"a":1}\n[1,2]\n');
      await expect(readAll(local, pathToFileURL(join(dir, 'a.jsonl')).href)).rejects.toThrow(
        /line 2: expected a JSON object/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('unreadable Parquet names the URI and the bad magic bytes', async () => {
    const uri = fixture('not-parquet.parquet');
    const err = await openTable(local, uri).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParquetFormatError);
    expect((err as Error).message).toBe(
      `${uri}: not a Parquet file: bad magic bytes (expected PAR1 at the start and the end)`,
    );
  });

  it('a truncated Parquet file is a ParquetFormatError, not a crash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-readers-'));
    try {
      const bytes = await readFile(join(DIR, 'groups.parquet'));
      // Keep the magic at both ends but cut the middle: the footer length now points nowhere sensible.
      await writeFile(join(dir, 't.parquet'), Buffer.concat([bytes.subarray(0, 100), bytes.subarray(-8)]));
      const uri = pathToFileURL(join(dir, 't.parquet')).href;
      await expect(openTable(local, uri)).rejects.toThrow(ParquetFormatError);
      await expect(openTable(local, uri)).rejects.toThrow(uri);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a ragged CSV row is an error with its line and the field counts', async () => {
    await expect(readAll(local, fixture('ragged.csv'))).rejects.toThrow(
      /ragged\.csv: line 3: expected 3 fields \(as in the header\) but found 2/,
    );
    // The byte-level validation path reports the same error.
    const err = await validateUri(local, fixture('ragged.csv'), ValidationRules.parse({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CsvFormatError);
    expect((err as Error).message).toMatch(/ragged\.csv: line 3: expected 3 fields \(as in the header\) but found 2/);
  });

  it('a damaged gzip file is a DataFormatError, and a reader that stops early or fails releases the source', async () => {
    const wait = () => new Promise((r) => setTimeout(r, 50));
    for (const [what, bytes] of [
      ['stopped early', gzipSync('a,b\n' + '1,2\n'.repeat(1000))],
      ['header error', gzipSync('a,a\n1,2\n')],
      ['not gzip', Buffer.from('plain text\n')],
    ] as const) {
      // A source that stays open after its bytes, as an S3 body may stall: only destroying it ends it.
      const source = new PassThrough();
      source.write(bytes);
      const stalled = { openRead: async () => source } as unknown as Storage;
      const read = async () => {
        const t = await openTable(stalled, 'file:///data/rows.csv.gz');
        for await (const batch of t.batches()) if (batch.length > 0) break;
      };
      if (what === 'stopped early') await read();
      else if (what === 'header error') await expect(read(), what).rejects.toThrow(CsvFormatError);
      else {
        const err = await read().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DataFormatError);
        expect((err as Error).message).toBe(
          'file:///data/rows.csv.gz is not a readable gzip file: incorrect header check',
        );
      }
      await wait();
      expect(source.destroyed, what).toBe(true);
    }
  });

  it('formats without a reader are rejected naming the extension', async () => {
    await expect(openTable(local, 'file:///tmp/x.avro')).rejects.toThrow(UnsupportedFormatError);
    await expect(openTable(local, 'file:///tmp/x.avro')).rejects.toThrow(/\.avro files are not supported yet/);
  });
});

describe('validation on every format gives the same report', () => {
  const rules = ValidationRules.parse({
    columns: {
      x: { type: 'number', min: -2, max: 10, nullable: false },
      n: { type: 'integer', unique: true, max: 4 },
      flag: { type: 'boolean' },
      cat: { type: 'category', values: ['a', 'b'] },
    },
  });

  it('CSV fast path equals the row-by-row path; Parquet and JSON Lines agree on the shared checks', async () => {
    const fast = await validateUri(local, fixture('sample.csv'), rules);
    const slow = await validateTable(await openTable(local, fixture('sample.csv')), rules);
    expect(fast).toEqual(slow);
    const find = (r: typeof fast, col: string, check: string) =>
      r.checks.find((c) => c.column === col && c.check === check);
    expect(find(fast, 'x', 'type')).toMatchObject({ failed: 1, examples: ['nan'] });
    expect(find(fast, 'x', 'min')).toMatchObject({ failed: 1, examples: ['-2.25'] });
    expect(find(fast, 'x', 'max')).toMatchObject({ failed: 1, examples: ['1e+300'] });
    expect(find(fast, 'n', 'max')).toMatchObject({ failed: 1, examples: ['5'] });
    expect(find(fast, 'cat', 'values')).toMatchObject({ failed: 1, examples: ['c'] });
    const pq = await validateUri(local, fixture('sample.parquet'), rules);
    expect(pq.rows).toBe(5);
    expect(find(pq, 'x', 'type')).toMatchObject({ failed: 1, examples: ['NaN'] });
    for (const [col, check] of [
      ['x', 'min'],
      ['x', 'max'],
      ['x', 'nullable'],
      ['n', 'max'],
      ['n', 'unique'],
      ['flag', 'type'],
      ['cat', 'values'],
    ] as const)
      expect(find(pq, col, check)).toEqual(find(fast, col, check));
    const jl = await validateUri(local, fixture('sample.jsonl'), rules);
    expect(find(jl, 'x', 'nullable')).toMatchObject({ failed: 2, total: 5 });
    expect(find(jl, 'cat', 'values')).toEqual(find(fast, 'cat', 'values'));
  });

  it('the CSV fast path parses numbers exactly as Number() does, whatever the chunk boundaries', async () => {
    const values = [
      '0.1',
      '-0',
      '1e5',
      '.5',
      '+7',
      '123456789012345',
      '1234567890123456789',
      '3.14159e-7',
      '1.',
      '00012',
    ];
    const dir = await mkdtemp(join(tmpdir(), 'sluice-readers-'));
    try {
      const text = `v\n${values.join('\n')}\n`;
      await writeFile(join(dir, 'n.csv'), text);
      const r = ValidationRules.parse({ columns: { v: { type: 'number', min: 0, unique: true } } });
      const fast = await validateUri(local, pathToFileURL(join(dir, 'n.csv')).href, r);
      const slow = await validateTable(await openTable(local, pathToFileURL(join(dir, 'n.csv')).href), r);
      expect(fast).toEqual(slow);
      expect(fast.checks.find((c) => c.check === 'min')).toMatchObject({ failed: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('s3:// (moto)', () => {
  it('reads CSV, JSON Lines and Parquet (ranged reads) from S3', async () => {
    const { s3 } = await testS3();
    const storage = createStorage(s3);
    const base = `s3://${s3.bucket}/readers-test/${randomUUID()}`;
    for (const f of ['sample.csv', 'sample.jsonl', 'sample.parquet', 'groups.parquet', 'not-parquet.parquet'])
      await storage.write(`${base}/${f}`, await readFile(join(DIR, f)));
    expect((await readAll(storage, `${base}/sample.csv`)).rows).toEqual(SAMPLE);
    expect((await readAll(storage, `${base}/sample.jsonl`)).header).toEqual(['x', 'n', 'flag', 'cat', 'extra']);
    expect(await readAll(storage, `${base}/sample.parquet`)).toEqual(await readAll(local, fixture('sample.parquet')));
    const pf = await openParquetFile(storage, `${base}/groups.parquet`);
    let rows = 0;
    for await (const b of pf.rowGroups({ columns: ['v'] })) rows += b.rows;
    expect(rows).toBe(10_000);
    expect(await storage.readRange(`${base}/sample.csv`, 2, 5)).toEqual(Buffer.from('n,f'));
    await expect(openTable(storage, `${base}/not-parquet.parquet`)).rejects.toThrow(
      `${base}/not-parquet.parquet: not a Parquet file: bad magic bytes`,
    );
  });
});
