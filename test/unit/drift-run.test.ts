// driftUris on files: a text column past the loader's distinct-value cap gets an error instead of a statistic
// computed from truncated counts, and the other columns are compared as usual.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { driftUris } from '../../activities/drift/run.js';
import { createStorage } from '../../activities/storage/index.js';
import { DriftOptions } from '../../schemas/drift.js';

it('reports a high-cardinality text column as an error, never as a statistic', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-drift-run-'));
  const rows = (offset: number) =>
    ['id,x', ...Array.from({ length: 120_000 }, (_, i) => `user-${i + offset},${(i % 97) / 10}`)].join('\n');
  await writeFile(join(dir, 'ref.csv'), rows(0));
  await writeFile(join(dir, 'cur.csv'), rows(500_000));
  const report = await driftUris(
    createStorage(),
    pathToFileURL(join(dir, 'ref.csv')).href,
    pathToFileURL(join(dir, 'cur.csv')).href,
    DriftOptions.parse({}),
  );
  const id = report.columns.find((c) => c.name === 'id');
  expect(id?.error).toMatch(/more than 100 000 distinct values/);
  expect(id?.statistic).toBeUndefined();
  expect(id?.drifted).toBe(false);
  const x = report.columns.find((c) => c.name === 'x');
  expect(x?.statistic).toBe(0);
  expect(report.datasetDrift).toBe(false);
});

it('gives the same report for Parquet, native or through DuckDB pair by pair with the next pair ahead, as for the same rows in CSV', async () => {
  // Text columns between numeric ones: a text pair frees no buffer, so the spare buffers handed on must not be
  // handed twice while the next pair loads ahead.
  const dir = await mkdtemp(join(tmpdir(), 'sluice-drift-run-'));
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows = (shift: number) => [
    'a,t,b,u,c,d',
    ...Array.from({ length: 30_000 }, (_, i) =>
      [
        (rnd() + shift).toFixed(4),
        `t${Math.floor(rnd() * 5)}`,
        (rnd() * 100 - shift * 30).toFixed(2),
        `u${Math.floor(rnd() * (3 + shift * 4))}`,
        i % 7,
        (rnd() * rnd()).toFixed(6),
      ].join(','),
    ),
  ];
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const uris: Record<string, string> = {};
  for (const [side, shift] of [
    ['ref', 0],
    ['cur', 1],
  ] as const) {
    const csv = join(dir, `${side}.csv`);
    await writeFile(csv, rows(shift).join('\n') + '\n');
    uris[`${side}.csv`] = pathToFileURL(csv).href;
    // Snappy, zstd and gzip go through the native reader; brotli is handed back to it and read through DuckDB.
    for (const codec of ['snappy', 'zstd', 'gzip', 'brotli']) {
      const parquet = join(dir, `${side}.${codec}.parquet`);
      await conn.run(
        `COPY (SELECT * FROM read_csv('${csv}', header = true)) TO '${parquet}' (FORMAT parquet, COMPRESSION ${codec})`,
      );
      uris[`${side}.${codec}.parquet`] = pathToFileURL(parquet).href;
    }
  }
  conn.closeSync();
  db.closeSync();
  const run = (ext: string) =>
    driftUris(createStorage(), uris[`ref.${ext}`] as string, uris[`cur.${ext}`] as string, DriftOptions.parse({}));
  const [csv, native, zstd, gzip, duck] = [
    await run('csv'),
    await run('snappy.parquet'),
    await run('zstd.parquet'),
    await run('gzip.parquet'),
    await run('brotli.parquet'),
  ];
  expect(native.columns.map((c) => c.name)).toEqual(['a', 't', 'b', 'u', 'c', 'd']);
  expect(native.columns.filter((c) => c.drifted).map((c) => c.name)).toEqual(['a', 'b', 'u']);
  expect(native).toEqual(csv);
  expect(zstd).toEqual(csv);
  expect(gzip).toEqual(csv);
  expect(duck).toEqual(csv);
});
