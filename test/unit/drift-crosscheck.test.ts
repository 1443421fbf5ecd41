// Cross-check of every drift method against scipy / numpy / Evidently 0.7.23, computed at test time by
// test/drift/crosscheck.py in the project virtualenv (seeded random data: normal, shifted, ties, non-finite values,
// few-unique numbers, categories, binary, small n (exact KS) and n > 10000 (asymptotic KS)).
// Tolerance: 1e-9 relative, 1e-12 absolute near zero.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { columnDrift } from '../../activities/drift/compute.js';
import { chi2Sf, kstwoSf, normCdf } from '../../activities/drift/distributions.js';
import { ks2samp } from '../../activities/drift/ks.js';
import { finiteSorted } from '../../activities/drift/stats.js';
import type { DriftInput, DriftMethod } from '../../schemas/drift.js';

type Num = number | 'nan' | 'inf' | '-inf';
interface Expected {
  statistic?: number;
  pValue?: number;
}
interface Case {
  name: string;
  type: 'numeric' | 'string';
  ref: Num[] | Record<string, number>;
  cur: Num[] | Record<string, number>;
  rows: [number, number];
  expected: Partial<Record<Exclude<DriftMethod, 'auto'>, Expected & { scipy?: number }>> & {
    auto: { method: string; value: number; drifted: boolean; threshold: number };
  };
}
interface Fixture {
  cases: Case[];
  ks_pairs: { a: Num[]; b: Num[]; statistic: number; pValue: number }[];
  kstwo: [number, number, number][];
  chi2: [number, number, number][];
  norm: [number, number][];
}

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'sluice-drift-cc-'));
const out = join(dir, 'expected.json');
execFileSync(join(root, '.sluice/venv/bin/python'), [join(root, 'test/drift/crosscheck.py'), out], {
  stdio: ['ignore', 'ignore', 'inherit'],
  timeout: 240_000,
});
const fx = JSON.parse(readFileSync(out, 'utf8')) as Fixture;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function num(v: Num): number {
  return v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v;
}

function input(type: Case['type'], v: Case['ref']): DriftInput {
  return type === 'numeric'
    ? { type: 'numeric', values: Float64Array.from(v as Num[], num) }
    : { type: 'string', counts: new Map(Object.entries(v as Record<string, number>)) };
}

function close(actual: number | undefined, expected: number, what: string) {
  if (actual === undefined) return expect.fail(`${what}: missing, expected ${expected}`);
  const diff = Math.abs(actual - expected);
  const ok = diff <= 1e-12 || diff <= Math.abs(expected) * 1e-9 || actual === expected;
  if (!ok) expect.fail(`${what}: expected ${expected}, got ${actual} (rel ${diff / Math.abs(expected)})`);
}

describe.each(fx.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  const ref = input(c.type, c.ref);
  const cur = input(c.type, c.cur);
  const methods = Object.keys(c.expected).filter((m) => m !== 'auto') as Exclude<DriftMethod, 'auto'>[];

  it.each(methods)('%s matches', (method) => {
    const col = columnDrift(c.name, ref, cur, { method });
    const exp = c.expected[method]!;
    expect(col.error, `${c.name}/${method}`).toBeUndefined();
    expect(col.rows).toEqual({ reference: c.rows[0], current: c.rows[1] });
    if (exp.statistic !== undefined) close(col.statistic, exp.statistic, `${c.name}/${method} statistic`);
    else expect(col.statistic).toBeUndefined();
    if (exp.pValue !== undefined) close(col.pValue, exp.pValue, `${c.name}/${method} pValue`);
    if (exp.scipy !== undefined) close(col.statistic, exp.scipy, `${c.name}/${method} vs scipy`);
  });

  it("auto picks Evidently's test, threshold and verdict", () => {
    const col = columnDrift(c.name, ref, cur, { method: 'auto' });
    const exp = c.expected.auto;
    expect(col.method).toBe(exp.method);
    expect(col.threshold).toBe(exp.threshold);
    close(col.pValue ?? col.statistic, exp.value, `${c.name}/auto value`);
    expect(col.drifted).toBe(exp.drifted);
  });
});

describe('ks_2samp on many size pairs', () => {
  it.each(fx.ks_pairs.map((p) => [p.a.length, p.b.length, p] as const))('n1=%i n2=%i', (_n1, _n2, p) => {
    const res = ks2samp(finiteSorted(Float64Array.from(p.a, num)), finiteSorted(Float64Array.from(p.b, num)));
    close(res.statistic, p.statistic, 'D');
    close(res.pValue, p.pValue, 'p');
  });
});

describe('distribution functions', () => {
  it('kstwo.sf over all of scipy’s dispatch regions', () => {
    // relative only: the far tail is where a KS p-value on big samples lives
    for (const [d, n, sf] of fx.kstwo) {
      const got = kstwoSf(d, n);
      if (sf === 0 ? got !== 0 : Math.abs(got - sf) > Math.abs(sf) * 1e-9)
        expect.fail(`kstwo.sf(${d}, ${n}): expected ${sf}, got ${got}`);
    }
  });
  it('chi2.sf', () => {
    for (const [x, df, sf] of fx.chi2) close(chi2Sf(x, df), sf, `chi2.sf(${x}, ${df})`);
  });
  it('norm.cdf', () => {
    for (const [x, p] of fx.norm) close(normCdf(x), p, `norm.cdf(${x})`);
  });
});
