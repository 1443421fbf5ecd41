// The golden vector of shared/facts/drift-and-validation.md §6 (numpy 2.4.6 / scipy 1.17.1), every key that applies
// to Sluice's methods, plus the column-level behaviour around it (method choice, direction, edge cases).
import { describe, expect, it } from 'vitest';
import { columnDrift, datasetDrift } from '../../activities/drift/compute.js';
import { kstwoSf } from '../../activities/drift/distributions.js';
import { ks2samp } from '../../activities/drift/ks.js';
import {
  alignCounts,
  binnedCategorical,
  chiSquareGof,
  evidentlyBinnedNumeric,
  jensenShannonDistance,
  linfDistance,
  psiDeciles,
  psiFromProportions,
  wassersteinNormed,
  zTest,
} from '../../activities/drift/methods.js';
import { finiteSorted, quantileSorted, sturgesEdges } from '../../activities/drift/stats.js';
import type { DriftInput } from '../../schemas/drift.js';

function close(actual: number | undefined, expected: number, rel = 1e-9) {
  expect(actual).toBeDefined();
  const a = actual!;
  const tol = Math.max(Math.abs(expected) * rel, 1e-300);
  if (Math.abs(a - expected) > tol)
    expect.fail(`expected ${expected}, got ${a} (rel ${Math.abs(a - expected) / Math.abs(expected)})`);
}

const ref = new Float64Array(2000);
const cur = new Float64Array(1500);
for (let i = 0; i < 2000; i++) ref[i] = ((7919 * i) % 1000) / 100;
for (let j = 0; j < 1500; j++) cur[j] = (((104729 * j) % 1000) / 100) * 1.1 + 0.5;
const r = finiteSorted(ref);
const c = finiteSorted(cur);

describe('golden vector: numeric', () => {
  it('Sturges binning: 13 bins over the combined range, Evidently proportions', () => {
    const edges = sturgesEdges(Math.min(r[0]!, c[0]!), Math.max(r.at(-1)!, c.at(-1)!), r.length + c.length);
    expect(edges.length - 1).toBe(13);
    const b = evidentlyBinnedNumeric(r, c);
    const refProps = [0.089, 0.088, 0.089, 0.088, 0.088, 0.089, 0.088, 0.089, 0.088, 0.088, 0.089, 0.027, 0];
    const curProps = [
      0.036, 0.081333, 0.079333, 0.08, 0.080667, 0.08, 0.080667, 0.080667, 0.08, 0.08, 0.081333, 0.079333, 0.080667,
    ];
    refProps.forEach((p, i) => expect(b.reference[i]).toBeCloseTo(p, 6));
    curProps.forEach((p, i) => expect(b.current[i]).toBeCloseTo(p, 5));
  });

  it('jensenshannon distance (natural log) on unfilled Sturges proportions', () => {
    const b = evidentlyBinnedNumeric(r, c);
    close(jensenShannonDistance(b.reference, b.current), 0.20357588913038674);
  });

  it('normed Wasserstein', () => {
    close(wassersteinNormed(r, c), 0.34369678709702084);
  });

  it('KS statistic and exact p-value (auto), and the asymptotic kstwo p-value', () => {
    const res = ks2samp(r, c);
    expect(res.method).toBe('exact');
    close(res.statistic, 0.13633333333333333);
    close(res.pValue, 2.4485975224527248e-14);
    close(kstwoSf(0.13633333333333333, Math.round((2000 * 1500) / 3500)), 2.352861779550791e-14);
  });

  it('classic PSI at reference deciles, closed-left bins, ε = 1e-4', () => {
    const deciles = [0.999, 1.998, 2.997, 3.996, 4.995, 5.994, 6.993, 7.992, 8.991];
    deciles.forEach((q, i) => close(quantileSorted(r, (i + 1) / 10), q, 1e-12));
    const p = psiDeciles(r, c);
    close(p.psi, 0.15026294365771925);
    const curProps = [0.047333, 0.091333, 0.09, 0.09, 0.091333, 0.091333, 0.09, 0.091333, 0.090667, 0.226667];
    curProps.forEach((v, i) => expect(p.current[i]).toBeCloseTo(v, 6));
    p.reference.forEach((v) => expect(v).toBeCloseTo(0.1, 12));
  });

  it('auto on the golden numeric column: reference 2000 rows > 1000 → wasserstein, drifted (score >= 0.1)', () => {
    const col = columnDrift(
      'x',
      { type: 'numeric', values: ref },
      { type: 'numeric', values: cur },
      { method: 'auto' },
    );
    expect(col).toMatchObject({ kind: 'numeric', method: 'wasserstein', threshold: 0.1, drifted: true });
    close(col.statistic, 0.34369678709702084);
    expect(col.rows).toEqual({ reference: 2000, current: 1500 });
    expect(col.plot?.type).toBe('histogram');
  });

  it('ks by name reports D and the p-value; drift when p <= 0.05', () => {
    const col = columnDrift('x', { type: 'numeric', values: ref }, { type: 'numeric', values: cur }, { method: 'ks' });
    expect(col).toMatchObject({ method: 'ks', threshold: 0.05, drifted: true });
    close(col.statistic, 0.13633333333333333);
    close(col.pValue, 2.4485975224527248e-14);
  });
});

const catRef = new Map([
  ['a', 500],
  ['b', 300],
  ['c', 150],
  ['d', 50],
]);
const catCur = new Map([
  ['a', 400],
  ['b', 300],
  ['c', 200],
  ['d', 100],
]);

describe('golden vector: categorical', () => {
  const aligned = alignCounts(catRef, catCur);
  const b = binnedCategorical(aligned);
  it('linf, jensenshannon, psi', () => {
    close(linfDistance(b.reference, b.current), 0.09999999999999998);
    close(jensenShannonDistance(b.reference, b.current), 0.0939299525096902);
    close(psiFromProportions(b.reference, b.current), 0.07135581778200728);
  });
  it('Evidently chi-square goodness of fit', () => {
    const chi = chiSquareGof(aligned);
    close(chi.statistic, 86.66666666666667, 1e-12);
    expect(chi.df).toBe(3);
    close(chi.pValue, 1.138585550792665e-18);
  });
  it('auto: reference 1000 rows <= 1000, 4 categories → chisquare, drift when p < 0.05', () => {
    const col = columnDrift(
      'cat',
      { type: 'string', counts: catRef },
      { type: 'string', counts: catCur },
      { method: 'auto' },
    );
    expect(col).toMatchObject({ kind: 'categorical', method: 'chisquare', threshold: 0.05, drifted: true });
    close(col.pValue, 1.138585550792665e-18);
    expect(col.plot).toMatchObject({ type: 'categories', categories: ['a', 'b', 'c', 'd'] });
  });
});

describe('golden vector: binary', () => {
  it('Evidently z-test', () => {
    const z = zTest(600, 1000, 500, 900, false);
    close(z.z, 1.9591793788175267, 1e-12);
    close(z.pValue, 0.0500917832170118);
  });
  it('auto on a 0/1 numeric column with 1000 reference rows → ztest, kind binary, not drifted (p >= 0.05)', () => {
    const refV = new Float64Array(1000).map((_, i) => (i < 600 ? 1 : 0));
    const curV = new Float64Array(900).map((_, i) => (i < 500 ? 1 : 0));
    const col = columnDrift(
      'b',
      { type: 'numeric', values: refV },
      { type: 'numeric', values: curV },
      { method: 'auto' },
    );
    expect(col).toMatchObject({ kind: 'binary', method: 'ztest', threshold: 0.05, drifted: false });
    close(col.pValue, 0.0500917832170118);
  });
  it('string binary column: first sorted key maps to 0', () => {
    const col = columnDrift(
      'b',
      {
        type: 'string',
        counts: new Map([
          ['yes', 600],
          ['no', 400],
        ]),
      },
      {
        type: 'string',
        counts: new Map([
          ['yes', 500],
          ['no', 400],
        ]),
      },
      { method: 'ztest' },
    );
    close(col.pValue, 0.0500917832170118);
  });
});

describe('edge cases give a per-column error, never NaN', () => {
  const num = (xs: number[]): DriftInput => ({ type: 'numeric', values: Float64Array.from(xs) });
  const str = (o: Record<string, number>): DriftInput => ({ type: 'string', counts: new Map(Object.entries(o)) });

  it('column on one side only', () => {
    const col = columnDrift('only_ref', num([1, 2, 3]), undefined, { method: 'auto' });
    expect(col.statistic).toBeUndefined();
    expect(col.drifted).toBe(false);
    expect(col.error).toMatch(/only_ref is missing from the current data/);
  });
  it('all null / non-finite on one side, zero rows', () => {
    const col = columnDrift('n', num([NaN, Infinity, -Infinity]), num([1, 2]), { method: 'ks' });
    expect(col.error).toMatch(/no non-null finite values in the reference/);
    expect(col.statistic).toBeUndefined();
    const zero = columnDrift('z', num([1, 2]), num([]), { method: 'auto' });
    expect(zero.error).toMatch(/current data/);
    const cat = columnDrift('c', str({}), str({ a: 1 }), { method: 'auto' });
    expect(cat.error).toMatch(/no non-null values in the reference/);
  });
  it('NaN and ±inf are dropped before testing', () => {
    const col = columnDrift('x', num([1, NaN, 2, Infinity, 3, 4, 5, 6]), num([1, 2, 3, 4, 5, 6, -Infinity]), {
      method: 'ks',
    });
    expect(col.rows).toEqual({ reference: 6, current: 6 });
    expect(col.statistic).toBe(0);
    expect(col.pValue).toBe(1);
  });
  it('a single distinct value on both sides: finite statistics for every method that applies', () => {
    const a = num([7, 7, 7]);
    const b = num([7, 7]);
    for (const method of ['ks', 'wasserstein', 'psi', 'jensenshannon', 'linf', 'chisquare', 'ztest'] as const) {
      const col = columnDrift('one', a, b, { method });
      expect(col.error, method).toBeUndefined();
      expect(Number.isFinite(col.statistic ?? col.pValue), method).toBe(true);
      expect(col.drifted, method).toBe(false);
      expect(col.kind).toBe('binary');
    }
    expect(columnDrift('one', a, b, { method: 'ks' })).toMatchObject({ statistic: 0, pValue: 1 });
    expect(columnDrift('one', a, b, { method: 'auto' })).toMatchObject({ method: 'ztest', pValue: 1 });
  });
  it('a method on the wrong kind names the methods that apply', () => {
    const col = columnDrift('plan', str({ a: 1, b: 2, c: 3 }), str({ a: 2, b: 2, c: 2 }), { method: 'ks' });
    expect(col.error).toBe(
      'method ks needs a numeric column; use chisquare, jensenshannon, psi or linf for categorical column plan',
    );
    const z = columnDrift('plan', str({ a: 1, b: 2, c: 3 }), str({ a: 2, b: 2, c: 2 }), { method: 'ztest' });
    expect(z.error).toMatch(/ztest needs a binary column/);
    const t = columnDrift('t', num([1]), str({ a: 1 }), { method: 'auto' });
    expect(t.error).toMatch(/numeric in the reference but text in the current/);
  });
  it('chi-square with a category new in current: p = 0, drifted, no (infinite) statistic', () => {
    const col = columnDrift('c', str({ a: 5, b: 5, c: 5 }), str({ a: 5, b: 5, z: 5 }), { method: 'chisquare' });
    expect(col).toMatchObject({ pValue: 0, drifted: true });
    expect(col.statistic).toBeUndefined();
  });
  it('plots: categories capped at 20 + other', () => {
    const many: Record<string, number> = {};
    for (let i = 0; i < 30; i++) many[`k${i}`] = i + 1;
    const col = columnDrift('m', str(many), str(many), { method: 'jensenshannon' });
    expect(col.statistic).toBe(0);
    expect(col.plot?.type).toBe('categories');
    if (col.plot?.type === 'categories') {
      expect(col.plot.categories).toHaveLength(21);
      expect(col.plot.categories.at(-1)).toBe('other');
      expect(col.plot.reference.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    }
  });
});

describe('dataset drift', () => {
  it('share of drifted compared columns >= 0.5; error columns count in neither', () => {
    const mk = (drifted: boolean, error?: string) =>
      ({
        name: 'c',
        kind: 'numeric',
        method: 'ks',
        threshold: 0.05,
        drifted,
        ...(error ? { error } : { statistic: 0.1, pValue: 0.5 }),
      }) as const;
    const rep = datasetDrift([mk(true), mk(false), mk(false, 'missing')], { reference: 10, current: 10 });
    expect(rep).toMatchObject({ datasetDrift: true, driftShare: 0.5, driftShareThreshold: 0.5 });
    const rep2 = datasetDrift([mk(true), mk(false), mk(false)], { reference: 10, current: 10 }, 0.5);
    expect(rep2.datasetDrift).toBe(false);
    expect(datasetDrift([], { reference: 0, current: 0 }).datasetDrift).toBe(false);
  });
});
