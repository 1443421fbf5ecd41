import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createStorage } from '../../activities/storage/index.js';
import { loadColumns, openColumns, parseNumeric, MAX_CATEGORIES } from '../../activities/data/columns.js';
import type { DriftInput } from '../../schemas/drift.js';

const DIR = resolve(import.meta.dirname, '..', 'fixtures', 'data');
const fixture = (name: string): string => pathToFileURL(join(DIR, name)).href;
const storage = createStorage();

const nums = (c: DriftInput | undefined): number[] => {
  if (c?.type !== 'numeric') throw new Error(`expected a numeric column, got ${c?.type}`);
  return [...c.values];
};
const counts = (c: DriftInput | undefined): Record<string, number> => {
  if (c?.type !== 'string') throw new Error(`expected a string column, got ${c?.type}`);
  return Object.fromEntries(c.counts);
};

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-columns-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('type detection', () => {
  it('CSV: numeric when every non-null value is a number; nan kept as NaN; nulls excluded', async () => {
    const r = await loadColumns(storage, fixture('sample.csv'));
    expect(r.rows).toBe(5);
    expect(nums(r.columns.get('x'))).toEqual([1.5, -2.25, NaN, 1e300]);
    expect(nums(r.columns.get('n'))).toEqual([1, 2, 3, 4, 5]);
    expect(counts(r.columns.get('flag'))).toEqual({ true: 3, false: 2 });
    expect(counts(r.columns.get('cat'))).toEqual({ a: 2, b: 1, c: 1 });
    expect(r.missing).toEqual([]);
  });

  it('nan/inf spellings are numbers, anything else is not', () => {
    expect(parseNumeric('inf')).toBe(Infinity);
    expect(parseNumeric('-Infinity')).toBe(-Infinity);
    expect(parseNumeric('NaN')).toBeNaN();
    expect(parseNumeric('1e3')).toBe(1000);
    expect(parseNumeric('0x10')).toBeUndefined();
    expect(parseNumeric('n/a')).toBeUndefined();
  });

  it('keeps NaN and ±inf in numeric columns; a column that turns to text is counted as written', async () => {
    await withDir(async (dir) => {
      await writeFile(join(dir, 'a.csv'), 'a,b,c\ninf,1.0,\n-inf,2,\nNaN,x,\n4,1.0,\n');
      const r = await loadColumns(storage, pathToFileURL(join(dir, 'a.csv')).href, { columns: ['a', 'b', 'c', 'zz'] });
      expect(nums(r.columns.get('a'))).toEqual([Infinity, -Infinity, NaN, 4]);
      // '1.0' became text after two numbers: the second pass counts the cells as written, not as 1.
      expect(counts(r.columns.get('b'))).toEqual({ '1.0': 2, '2': 1, x: 1 });
      // All null: numeric with no values.
      expect(nums(r.columns.get('c'))).toEqual([]);
      expect(r.missing).toEqual(['zz']);
    });
  });

  it('Parquet: physical/logical types decide; booleans become "true"/"false"; dates are text', async () => {
    const r = await loadColumns(storage, fixture('sample.parquet'));
    expect(nums(r.columns.get('x'))).toEqual([1.5, -2.25, NaN, 1e300]);
    expect(nums(r.columns.get('n'))).toEqual([1, 2, 3, 4, 5]);
    expect(counts(r.columns.get('flag'))).toEqual({ true: 3, false: 2 });
    expect(counts(r.columns.get('cat'))).toEqual({ a: 2, b: 1, c: 1 });
    expect(Object.keys(counts(r.columns.get('day')))).toHaveLength(5);
  });

  it('JSON Lines: same columns as the CSV, nested values as text', async () => {
    const r = await loadColumns(storage, fixture('sample.jsonl'));
    expect(nums(r.columns.get('x'))).toEqual([1.5, -2.25, 1e300]);
    expect(counts(r.columns.get('extra'))).toEqual({ '{"nested":[1,2]}': 1 });
  });

  it('Parquet across row groups keeps row order', async () => {
    const r = await loadColumns(storage, fixture('groups.parquet'), { columns: ['v'] });
    expect(nums(r.columns.get('v'))).toEqual(Array.from({ length: 10_000 }, (_, i) => ((i * 7919) % 10_000) / 100));
  });
});

describe('bounded memory: spill files', () => {
  // 300 000 rows in 64 KiB read chunks: records straddle chunk boundaries thousands of times.
  const N = 300_000;
  const value = (i: number): number => ((i * 7919) % 100_003) / 7 - 5000;

  async function writeBig(path: string): Promise<void> {
    const out = createWriteStream(path);
    out.write('id,v,w,k\n');
    for (let i = 0; i < N; i++) {
      const line = `${i},${value(i)},${i % 3 === 0 ? '' : (i * 0.5).toString()},k${i % 13}\n`;
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }

  it('spills numeric columns past the budget, returns them one at a time, and removes the files on close', async () => {
    await withDir(async (dir) => {
      const path = join(dir, 'big.csv');
      await writeBig(path);
      const temp = join(dir, 'tmp');
      await (await import('node:fs/promises')).mkdir(temp);
      const set = await openColumns(storage, pathToFileURL(path).href, { memoryBytes: 1 << 20, tempDir: temp });
      try {
        expect(set.spilled).toBe(true);
        expect(set.rows).toBe(N);
        const spillDirs = await readdir(temp);
        expect(spillDirs).toHaveLength(1);
        expect(spillDirs[0]).toMatch(/^sluice-cols-/);
        expect((await readdir(join(temp, spillDirs[0] as string))).sort()).toEqual(['0.f64', '1.f64', '2.f64']);
        const v = nums(await set.get('v'));
        expect(v).toHaveLength(N);
        expect(v.every((x, i) => x === value(i))).toBe(true);
        const w = nums(await set.get('w'));
        expect(w).toHaveLength(N - N / 3);
        expect(set.info('w')).toMatchObject({ type: 'numeric', nulls: N / 3, values: N - N / 3 });
        expect(counts(await set.get('k'))['k0']).toBe(Math.ceil(N / 13));
      } finally {
        await set.close();
      }
      expect(await readdir(temp)).toEqual([]);
    });
  });

  it('removes the spill files when loading fails part-way (aborted)', async () => {
    await withDir(async (dir) => {
      const path = join(dir, 'big.csv');
      await writeBig(path);
      const temp = join(dir, 'tmp');
      await (await import('node:fs/promises')).mkdir(temp);
      const ac = new AbortController();
      const err = await openColumns(storage, pathToFileURL(path).href, {
        memoryBytes: 1 << 16,
        tempDir: temp,
        onProgress: (rows) => {
          if (rows >= 200_000) ac.abort(new Error('stop here'));
        },
        signal: ac.signal,
      }).catch((e: unknown) => e);
      expect((err as Error).message).toBe('stop here');
      expect(await readdir(temp)).toEqual([]);
    });
  });

  it('caps exact category counts and marks high-cardinality columns', async () => {
    await withDir(async (dir) => {
      const n = MAX_CATEGORIES + 5000;
      const lines = ['u'];
      for (let i = 0; i < n; i++) lines.push(`id${i}`);
      await writeFile(join(dir, 'u.csv'), lines.join('\n'));
      const set = await openColumns(storage, pathToFileURL(join(dir, 'u.csv')).href);
      try {
        const info = set.info('u');
        expect(info?.highCardinality).toBe(true);
        expect(Math.abs((info?.distinctEstimate ?? 0) - n) / n).toBeLessThan(0.02);
        expect(Object.keys(counts(await set.get('u')))).toHaveLength(MAX_CATEGORIES);
      } finally {
        await set.close();
      }
    });
  });
});
