// Column- and dataset-level drift. A column arrives as one DriftInput per side; numbers are cleaned (NaN, ±inf
// dropped) and sorted once, and every statistic walks the sorted arrays.
//
// Kind (reported): numeric values with n_unique(ref ∪ cur) <= 2 → 'binary'; strings with n_unique <= 2 → 'binary';
// other strings → 'categorical'; other numbers → 'numeric'. `auto` still follows Evidently on the value type, so a
// numeric column with 3–5 values is reported as kind 'numeric' with method 'chisquare' (or jensenshannon).
//
// Methods by value type:
// - numbers: ks, wasserstein, psi (reference deciles), jensenshannon and linf (Evidently's binning: Sturges over
//   the combined data when the reference has > 20 values, else one bin per value), chisquare (one category per
//   value; only with <= 20 distinct values), ztest (binary only);
// - strings: psi, jensenshannon, linf, chisquare on category frequencies, ztest (binary only). ks and wasserstein
//   give an error naming the methods that apply.
//
// Statistic/pValue per method: ks D and p; chisquare χ² and p; ztest z and p; the others their score (no p).
// A chi-square whose current side has a category the reference never had has an infinite χ²: it is reported
// with p = 0, drifted, and no statistic (the schema keeps statistics finite).
//
// Errors (statistic absent, drifted false, `error` set): column on one side only, different value types on the two
// sides, no non-null value on a side (all null, zero rows), a method that does not apply to the column.
import type { ColumnDrift, ColumnKind, DriftInput, DriftPlot, DriftReport } from '../../schemas/drift.js';
import type { DriftMethod } from '../../schemas/drift.js';
import { parseNumeric } from '../data/columns.js';
import { parseTimestamp } from '../data/validate.js';
import { ks2samp } from './ks.js';
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
  type AlignedCounts,
} from './methods.js';
import { autoMethod, DEFAULT_THRESHOLDS, isDrifted, type ConcreteMethod } from './select.js';
import { finiteSorted, histogramSorted, sturgesEdges, unionUniqueCountSorted, valueCountsSorted } from './stats.js';

export interface ColumnDriftOptions {
  method: DriftMethod;
  threshold?: number;
  /** Numeric values are already finite and ascending (sorted off the main thread): skip the clean-and-sort copy. */
  sorted?: boolean;
}

const PLOT_MAX_CATEGORIES = 20;
const NUMERIC_METHODS = 'ks, wasserstein, psi, jensenshannon or linf';
const CATEGORICAL_METHODS = 'chisquare, jensenshannon, psi or linf';

function errorColumn(
  name: string,
  kind: ColumnKind,
  method: ConcreteMethod,
  threshold: number | undefined,
  error: string,
  rows?: { reference: number; current: number },
): ColumnDrift {
  return {
    name,
    kind,
    method,
    threshold: threshold ?? DEFAULT_THRESHOLDS[method],
    drifted: false,
    ...(rows ? { rows } : {}),
    error,
  };
}

function positiveCounts(counts: Map<string, number>): { counts: Map<string, number>; total: number } {
  const out = new Map<string, number>();
  let total = 0;
  for (const [k, v] of counts) {
    // NaN and ±inf spellings are dropped as in numeric columns, not counted as categories of their own.
    const x = parseNumeric(k);
    if (v > 0 && (x === undefined || Number.isFinite(x))) {
      out.set(k, v);
      total += v;
    }
  }
  return { counts: out, total };
}

/** Python's sort order for str keys: by code point (JS's default compares UTF-16 units). */
function compareCodePoints(a: string, b: string): number {
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

function categoryPlot<K>(aligned: AlignedCounts<K>, label: (k: K) => string): DriftPlot {
  const order = aligned.keys.map((_, i) => i);
  const share = (i: number) =>
    aligned.reference[i]! / aligned.referenceTotal + aligned.current[i]! / aligned.currentTotal;
  order.sort((a, b) => share(b) - share(a));
  const top = order.slice(0, PLOT_MAX_CATEGORIES);
  const categories = top.map((i) => label(aligned.keys[i]!));
  const reference = top.map((i) => aligned.reference[i]! / aligned.referenceTotal);
  const current = top.map((i) => aligned.current[i]! / aligned.currentTotal);
  if (order.length > PLOT_MAX_CATEGORIES) {
    const rest = order.slice(PLOT_MAX_CATEGORIES);
    categories.push('other');
    reference.push(rest.reduce((s, i) => s + aligned.reference[i]!, 0) / aligned.referenceTotal);
    current.push(rest.reduce((s, i) => s + aligned.current[i]!, 0) / aligned.currentTotal);
  }
  return { type: 'categories', categories, reference, current };
}

function histogramPlot(ref: Float64Array, cur: Float64Array, edges?: number[]): DriftPlot {
  const e =
    edges ??
    sturgesEdges(
      Math.min(ref[0]!, cur[0]!),
      Math.max(ref[ref.length - 1]!, cur[cur.length - 1]!),
      ref.length + cur.length,
    );
  return {
    type: 'histogram',
    edges: e,
    reference: histogramSorted(ref, e).map((c) => c / ref.length),
    current: histogramSorted(cur, e).map((c) => c / cur.length),
  };
}

interface Outcome {
  statistic?: number;
  pValue?: number;
  plot: DriftPlot;
}

function numericOutcome(
  name: string,
  method: ConcreteMethod,
  ref: Float64Array,
  cur: Float64Array,
  kind: ColumnKind,
  /** Distinct values of ref ∪ cur, capped at 21. */
  nUnique: number,
): Outcome | string {
  const valuePlot = () => categoryPlot(alignCounts(valueCountsSorted(ref), valueCountsSorted(cur)), String);
  const plot = () => (kind === 'numeric' ? histogramPlot(ref, cur) : valuePlot());
  switch (method) {
    case 'ks': {
      const r = ks2samp(ref, cur);
      return { statistic: r.statistic, pValue: r.pValue, plot: plot() };
    }
    case 'wasserstein':
      return { statistic: wassersteinNormed(ref, cur), plot: plot() };
    case 'psi':
      return { statistic: psiDeciles(ref, cur).psi, plot: plot() };
    case 'jensenshannon':
    case 'linf': {
      const b = evidentlyBinnedNumeric(ref, cur);
      const statistic =
        method === 'linf' ? linfDistance(b.reference, b.current) : jensenShannonDistance(b.reference, b.current);
      return { statistic, plot: kind === 'numeric' ? histogramPlot(ref, cur, b.edges) : valuePlot() };
    }
    case 'chisquare': {
      if (nUnique > 20)
        return `method chisquare needs a categorical column or a numeric one with at most 20 distinct values; column ${name} has ${unionUniqueCountSorted(ref, cur)}: use ${NUMERIC_METHODS}`;
      const aligned = alignCounts(valueCountsSorted(ref), valueCountsSorted(cur));
      const r = chiSquareGof(aligned);
      return Number.isFinite(r.statistic)
        ? { statistic: r.statistic, pValue: r.pValue, plot: plot() }
        : { pValue: r.pValue, plot: plot() };
    }
    case 'ztest': {
      if (nUnique > 2)
        return `method ztest needs a binary column (at most 2 distinct values); column ${name} has ${unionUniqueCountSorted(ref, cur)}: use ${NUMERIC_METHODS}`;
      const first = Math.min(ref[0]!, cur[0]!);
      // values equal to the first sorted key map to 0, the other to 1; the arrays are sorted, so count the tail
      const ones = (a: Float64Array) => {
        let k = 0;
        for (let i = a.length - 1; i >= 0 && a[i] !== first; i--) k++;
        return k;
      };
      const same = nUnique === 1;
      const r = zTest(ones(ref), ref.length, ones(cur), cur.length, same);
      return { statistic: r.z, pValue: r.pValue, plot: plot() };
    }
  }
}

function categoricalOutcome(
  name: string,
  method: ConcreteMethod,
  aligned: AlignedCounts<string>,
  nUnique: number,
): Outcome | string {
  const plot = categoryPlot(aligned, (k) => k);
  switch (method) {
    case 'ks':
    case 'wasserstein':
      return `method ${method} needs a numeric column; use ${CATEGORICAL_METHODS} for categorical column ${name}`;
    case 'psi': {
      const b = binnedCategorical(aligned);
      return { statistic: psiFromProportions(b.reference, b.current), plot };
    }
    case 'jensenshannon':
    case 'linf': {
      const b = binnedCategorical(aligned);
      const statistic =
        method === 'linf' ? linfDistance(b.reference, b.current) : jensenShannonDistance(b.reference, b.current);
      return { statistic, plot };
    }
    case 'chisquare': {
      const r = chiSquareGof(aligned);
      return Number.isFinite(r.statistic)
        ? { statistic: r.statistic, pValue: r.pValue, plot }
        : { pValue: r.pValue, plot };
    }
    case 'ztest': {
      if (nUnique > 2)
        return `method ztest needs a binary column (at most 2 distinct values); column ${name} has ${nUnique}: use ${CATEGORICAL_METHODS}`;
      const keys = [...aligned.keys].sort(compareCodePoints);
      const firstIdx = aligned.keys.indexOf(keys[0]!);
      const refOnes = aligned.referenceTotal - aligned.reference[firstIdx]!;
      const curOnes = aligned.currentTotal - aligned.current[firstIdx]!;
      const r = zTest(refOnes, aligned.referenceTotal, curOnes, aligned.currentTotal, nUnique === 1);
      return { statistic: r.z, pValue: r.pValue, plot };
    }
  }
}

/** Every category is an ISO 8601 date or date-time (as the `timestamp` validation type reads them). */
function allTimestamps(counts: Map<string, number>): boolean {
  for (const k of counts.keys()) if (Number.isNaN(parseTimestamp(k))) return false;
  return counts.size > 0;
}

/** Whether a side has a value drift can use: a finite number, or a category seen at least once. */
function hasValue(d: DriftInput): boolean {
  if (d.type === 'numeric') return d.values.some(Number.isFinite);
  for (const n of d.counts.values()) if (n > 0) return true;
  return false;
}

/** Drift of one column between reference and current. Never throws on bad data: problems become `error`. */
export function columnDrift(
  name: string,
  ref: DriftInput | undefined,
  cur: DriftInput | undefined,
  opts: ColumnDriftOptions,
): ColumnDrift {
  const anyInput = ref ?? cur;
  const numericType = anyInput?.type !== 'string';
  const guessKind: ColumnKind = numericType ? 'numeric' : 'categorical';
  const guessMethod: ConcreteMethod =
    opts.method !== 'auto' ? opts.method : numericType ? (ref ? 'wasserstein' : 'ks') : 'chisquare';
  if (!ref || !cur) {
    const missing = !ref && !cur ? 'both the reference and the current' : !ref ? 'the reference' : 'the current';
    return errorColumn(
      name,
      guessKind,
      guessMethod,
      opts.threshold,
      `column ${name} is missing from ${missing} data; compare only columns present on both sides (--columns)`,
    );
  }
  // An all-null side reads as numeric (no text cell): say it has no values rather than that its type differs.
  const blank = [ref, cur].findIndex((d) => !hasValue(d));
  if (ref.type !== cur.type && blank >= 0) {
    return errorColumn(
      name,
      guessKind,
      guessMethod,
      opts.threshold,
      `column ${name} has no non-null values in the ${blank === 0 ? 'reference' : 'current'} data (all null or zero rows); nothing to compare`,
    );
  }
  if (ref.type !== cur.type) {
    return errorColumn(
      name,
      guessKind,
      guessMethod,
      opts.threshold,
      `column ${name} is ${ref.type === 'numeric' ? 'numeric' : 'text'} in the reference but ${
        cur.type === 'numeric' ? 'numeric' : 'text'
      } in the current data; fix the column's type on one side`,
    );
  }

  if (ref.type === 'numeric' && cur.type === 'numeric') {
    const r = opts.sorted ? ref.values : finiteSorted(ref.values);
    const c = opts.sorted ? cur.values : finiteSorted(cur.values);
    const rows = { reference: r.length, current: c.length };
    if (r.length === 0 || c.length === 0) {
      const side = r.length === 0 ? 'reference' : 'current';
      return errorColumn(
        name,
        'numeric',
        guessMethod,
        opts.threshold,
        `column ${name} has no non-null finite values in the ${side} data (all null or zero rows); nothing to compare`,
        rows,
      );
    }
    // Every decision compares the count with 20 or less, so the walk stops past 20 (the exact count is recomputed
    // only for an error message).
    const nUnique = unionUniqueCountSorted(r, c, 20);
    const kind: ColumnKind = nUnique <= 2 ? 'binary' : 'numeric';
    const method = opts.method === 'auto' ? autoMethod(r.length, nUnique, true) : opts.method;
    const threshold = opts.threshold ?? DEFAULT_THRESHOLDS[method];
    const out = numericOutcome(name, method, r, c, kind, nUnique);
    if (typeof out === 'string') return errorColumn(name, kind, method, threshold, out, rows);
    return finish(name, kind, method, threshold, out, rows);
  }

  if (ref.type === 'string' && cur.type === 'string') {
    const r = positiveCounts(ref.counts);
    const c = positiveCounts(cur.counts);
    const rows = { reference: r.total, current: c.total };
    if (r.total === 0 || c.total === 0) {
      const side = r.total === 0 ? 'reference' : 'current';
      return errorColumn(
        name,
        'categorical',
        guessMethod,
        opts.threshold,
        `column ${name} has no non-null values in the ${side} data (all null or zero rows); nothing to compare`,
        rows,
      );
    }
    const aligned = alignCounts(r.counts, c.counts);
    const nUnique = aligned.keys.length;
    const kind: ColumnKind = nUnique <= 2 ? 'binary' : 'categorical';
    const method = opts.method === 'auto' ? autoMethod(r.total, nUnique, false) : opts.method;
    const threshold = opts.threshold ?? DEFAULT_THRESHOLDS[method];
    // Dates and times move on between datasets by design: compared as categories, each new day would be drift.
    // auto leaves them out, as Evidently's preset leaves datetime columns out; a method named outright compares them.
    if (opts.method === 'auto' && allTimestamps(r.counts) && allTimestamps(c.counts))
      return errorColumn(
        name,
        kind,
        method,
        threshold,
        `column ${name} holds dates or times, which move on between datasets: auto leaves it out; compare it with a method named outright (--method), or leave it out (--columns)`,
        rows,
      );
    const out = categoricalOutcome(name, method, aligned, nUnique);
    if (typeof out === 'string') return errorColumn(name, kind, method, threshold, out, rows);
    return finish(name, kind, method, threshold, out, rows);
  }
  throw new Error('unreachable');
}

function finish(
  name: string,
  kind: ColumnKind,
  method: ConcreteMethod,
  threshold: number,
  out: Outcome,
  rows: { reference: number; current: number },
): ColumnDrift {
  // Last line of defence for "never a NaN presented as a statistic": an overflow anywhere becomes an error.
  if ([out.statistic, out.pValue].some((x) => x !== undefined && !Number.isFinite(x)))
    return errorColumn(
      name,
      kind,
      method,
      threshold,
      `${method} on column ${name} does not come out as a finite number (values near ±1.8e308 overflow it); try another method (--method ks)`,
      rows,
    );
  const value = out.pValue ?? out.statistic!;
  return {
    name,
    kind,
    method,
    ...(out.statistic !== undefined ? { statistic: out.statistic } : {}),
    ...(out.pValue !== undefined ? { pValue: out.pValue } : {}),
    threshold,
    drifted: isDrifted(method, value, threshold),
    rows,
    plot: out.plot,
  };
}

/**
 * Dataset drift as Evidently's `get_dataset_drift`: share = drifted / compared columns, drift when share >=
 * driftShare. Columns with an error and no p-value were not compared and count in neither.
 */
/** The column has a statistic or a p-value: it counts in the drift share (an errored column does not). */
export function isCompared(c: ColumnDrift): boolean {
  return c.statistic !== undefined || c.pValue !== undefined;
}

/** `2 of 5 compared columns drifted (1 not compared)`: the share's numerator and denominator, errored columns apart. */
export function driftedOfCompared(report: DriftReport): string {
  const drifted = report.columns.filter((c) => c.drifted).length;
  const compared = report.columns.filter(isCompared).length;
  const skipped = report.columns.length - compared;
  return `${drifted} of ${compared} compared columns drifted${skipped ? ` (${skipped} not compared)` : ''}`;
}

export function datasetDrift(
  columns: ColumnDrift[],
  rows: { reference: number; current: number },
  driftShare = 0.5,
): DriftReport {
  const compared = columns.filter(isCompared);
  const drifted = compared.filter((c) => c.drifted).length;
  const share = compared.length > 0 ? drifted / compared.length : 0;
  return {
    datasetDrift: compared.length > 0 && share >= driftShare,
    driftShare: share,
    driftShareThreshold: driftShare,
    rows,
    columns,
  };
}
