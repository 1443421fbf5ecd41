import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createStorage } from '../../activities/storage/index.js';
import { profileUri } from '../../activities/data/profile.js';
import { quantileSorted } from '../../activities/drift/stats.js';
import { DatasetProfile } from '../../schemas/profile.js';

const PYTHON = resolve(import.meta.dirname, '..', '..', '.sluice', 'venv', 'bin', 'python');
const storage = createStorage();

/** numpy's numbers for column `col` of the CSV at `path` (empty cells dropped, NaN/inf dropped for statistics). */
function numpyProfile(path: string, col: string): Record<string, unknown> {
  const script = `
import json, math, sys
import numpy as np, pandas as pd
df = pd.read_csv(sys.argv[1], keep_default_na=False, dtype=str)
raw = [v for v in df[sys.argv[2]] if v != ""]
x = np.array([float(v) for v in raw])
f = x[np.isfinite(x)]
bins = min(30, math.ceil(math.log2(len(f))) + 1)
counts, edges = np.histogram(f, bins=bins)
q = np.quantile(f, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
print(json.dumps({"n": len(raw), "finite": len(f), "min": f.min(), "max": f.max(), "mean": f.mean(), "std": f.std(),
  "q": q.tolist(), "edges": edges.tolist(), "counts": counts.tolist(), "distinct": len(np.unique(f))}))
`;
  return JSON.parse(execFileSync(PYTHON, ['-c', script, path, col], { encoding: 'utf8' })) as Record<string, unknown>;
}

const close = (a: number, b: number): void => {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
};

describe('profileUri against numpy', () => {
  it('numeric: count, nulls, distinct, min/max/mean/std, type-7 quantiles and the histogram', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-profile-'));
    try {
      // Deterministic skewed values with repeats, nulls and non-finite cells.
      const lines = ['v,c'];
      let s = 12345;
      for (let i = 0; i < 20_000; i++) {
        s = (s * 1103515245 + 12345) % 2147483648;
        const u = s / 2147483648;
        const v =
          i % 97 === 0 ? '' : i % 501 === 0 ? 'nan' : i % 777 === 0 ? '-inf' : (Math.exp(3 * u) * 10).toFixed(i % 3);
        lines.push(`${v},${['red', 'green', 'blue', 'green'][i % 4]}`);
      }
      const path = join(dir, 'p.csv');
      await writeFile(path, lines.join('\n') + '\n');
      const profile = DatasetProfile.parse(await profileUri(storage, pathToFileURL(path).href));
      const np = numpyProfile(path, 'v') as {
        n: number;
        finite: number;
        min: number;
        max: number;
        mean: number;
        std: number;
        q: number[];
        edges: number[];
        counts: number[];
        distinct: number;
      };
      const v = profile.columns.find((c) => c.name === 'v');
      expect(v).toMatchObject({ type: 'numeric', count: 20_000, nulls: 20_000 - np.n, distinctApprox: false });
      expect(v?.nonFinite).toBe(np.n - np.finite);
      // numpy's unique over finite values, plus one for NaN and one for -inf.
      expect(v?.distinct).toBe(np.distinct + 2);
      const num = v?.numeric;
      if (!num) throw new Error('no numeric profile');
      close(num.min, np.min);
      close(num.max, np.max);
      close(num.mean, np.mean);
      close(num.std, np.std);
      Object.values(num.quantiles).forEach((q, i) => close(q, np.q[i] as number));
      expect(num.histogram.counts).toEqual(np.counts);
      num.histogram.edges.forEach((e, i) => close(e, np.edges[i] as number));
      const c = profile.columns.find((x) => x.name === 'c');
      expect(c).toMatchObject({ type: 'string', distinct: 3, distinctApprox: false, nulls: 0 });
      expect(c?.topCategories).toEqual([
        { value: 'green', count: 10_000 },
        { value: 'blue', count: 5000 },
        { value: 'red', count: 5000 },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('distinct is exact up to 100 000 and a HyperLogLog estimate within 2% on 200 000 distinct', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-profile-'));
    try {
      const lines = ['big,small'];
      for (let i = 0; i < 250_000; i++) lines.push(`user-${i % 200_000}-x,s${i % 99_999}`);
      await writeFile(join(dir, 'd.csv'), lines.join('\n'));
      const p = await profileUri(storage, pathToFileURL(join(dir, 'd.csv')).href);
      const big = p.columns.find((c) => c.name === 'big');
      const small = p.columns.find((c) => c.name === 'small');
      expect(small).toMatchObject({ distinct: 99_999, distinctApprox: false });
      expect(big?.distinctApprox).toBe(true);
      expect(big?.categoriesTruncated).toBe(true);
      expect(Math.abs((big?.distinct ?? 0) - 200_000) / 200_000).toBeLessThan(0.02);
      // Kept within what is known: past the cap, and no more than the non-null values (a column of 300 001
      // distinct numbers' texts once one cell turns it to text; the raw estimate says more than the rows).
      const mixed = ['x', ...Array.from({ length: 300_000 }, (_, i) => String(i * 0.5)), 'oops'];
      await writeFile(join(dir, 'm.csv'), mixed.join('\n'));
      const m = await profileUri(storage, pathToFileURL(join(dir, 'm.csv')).href);
      expect(m.columns[0]).toMatchObject({ type: 'string', count: 300_001, distinct: 300_001, distinctApprox: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an all-null column, a single value and zero rows give no NaN statistic', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-profile-'));
    try {
      await writeFile(join(dir, 'e.csv'), 'a,b\n,5\n,5\n');
      const p = await profileUri(storage, pathToFileURL(join(dir, 'e.csv')).href);
      expect(p.columns[0]).toEqual({
        name: 'a',
        type: 'numeric',
        count: 2,
        nulls: 2,
        distinct: 0,
        distinctApprox: false,
        nonFinite: 0,
      });
      expect(p.columns[1]?.numeric).toMatchObject({
        min: 5,
        max: 5,
        mean: 5,
        std: 0,
        histogram: { edges: [5, 5], counts: [2] },
      });
      await writeFile(join(dir, 'z.csv'), 'a,b\n');
      expect(await profileUri(storage, pathToFileURL(join(dir, 'z.csv')).href)).toMatchObject({ rows: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('values near ±Number.MAX_VALUE (sentinels) give finite statistics and edges, as exact as the doubles allow', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-profile-'));
    try {
      await writeFile(join(dir, 'h.csv'), 'x,y\n1e308,1e308\n-1e308,1e308\n0,1e308\n');
      const p = await profileUri(storage, pathToFileURL(join(dir, 'h.csv')).href);
      const x = p.columns[0]?.numeric;
      expect(x).toMatchObject({ min: -1e308, max: 1e308, mean: 0, quantiles: { p50: 0 } });
      close(x?.std ?? NaN, Math.sqrt(2 / 3) * 1e308);
      expect(x?.histogram.counts).toEqual([1, 1, 1]);
      expect(x?.histogram.edges.every(Number.isFinite)).toBe(true);
      expect(p.columns[1]?.numeric).toMatchObject({ mean: 1e308, std: 0, histogram: { counts: [3] } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('Parquet profile from typed columns', async () => {
    const uri = pathToFileURL(resolve(import.meta.dirname, '..', 'fixtures', 'data', 'groups.parquet')).href;
    const p = await profileUri(storage, uri);
    const v = p.columns.find((c) => c.name === 'v');
    // v = (7919·i mod 10000)/100 for i < 10000: every value 0.00 … 99.99 exactly once.
    expect(v).toMatchObject({ count: 10_000, nulls: 0, distinct: 10_000 });
    expect(v?.numeric?.min).toBe(0);
    expect(v?.numeric?.max).toBe(99.99);
    close(v?.numeric?.quantiles.p50 ?? NaN, 49.995);
    expect(p.columns.find((c) => c.name === 'k')?.topCategories).toHaveLength(7);
  });

  it('type-7 quantile at the ends and between points', () => {
    const a = new Float64Array([1, 2, 4, 8]);
    expect(quantileSorted(a, 0)).toBe(1);
    expect(quantileSorted(a, 1)).toBe(8);
    expect(quantileSorted(a, 0.5)).toBe(3);
  });
});
