// Per-column profile of a dataset: counts, distinct values, numeric statistics, quantiles, histogram and top
// categories. Built on openColumns, so memory is one column at a time (numeric columns are read back from spill
// files one by one) and quantiles are exact: each numeric column is sorted once.
import { DatasetProfile, type ColumnProfile, type NumericProfile } from '../../schemas/profile.js';
import type { Storage } from '../storage/types.js';
import { accurateSum, overflowScale, quantileSorted } from '../drift/stats.js';
import { MAX_CATEGORIES, openColumns, type ColumnInfo, type LoadOptions } from './columns.js';

const QUANTILES = { p1: 0.01, p5: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99 } as const;
const TOP = 20;
const MAX_BINS = 30;

/** Statistics of ascending finite values (at least one). */
export function numericProfile(sorted: Float64Array): NumericProfile {
  const n = sorted.length;
  const min = sorted[0] as number;
  const max = sorted[n - 1] as number;
  // Values near ±Number.MAX_VALUE would overflow the sums: computed on exactly scaled values, then scaled back.
  const k = overflowScale(Math.max(Math.abs(min), Math.abs(max)));
  const at = (i: number): number => (sorted[i] as number) * k;
  const mean = accurateSum(k === 1 ? sorted : sorted.map((v) => v * k)) / n;
  // Two-pass variance (numpy's method): mean first, then the mean squared deviation.
  const dev = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = at(i) - mean;
    dev[i] = d * d;
  }
  const std = Math.sqrt(accurateSum(dev) / n) / k;
  const quantiles = Object.fromEntries(
    Object.entries(QUANTILES).map(([k, p]) => [k, quantileSorted(sorted, p)]),
  ) as NumericProfile['quantiles'];
  return { min, max, mean: mean / k, std, quantiles, histogram: histogram(sorted, min, max) };
}

/**
 * Sturges bins (⌈log₂ n⌉ + 1, at most 30) of equal width over [min, max], counted like numpy.histogram: bins closed
 * on the left, the last also on the right. One value repeated gives one bin [min, max].
 */
export function histogram(sorted: Float64Array, min: number, max: number): { edges: number[]; counts: number[] } {
  const n = sorted.length;
  if (min === max) return { edges: [min, max], counts: [n] };
  const bins = Math.min(MAX_BINS, Math.ceil(Math.log2(n)) + 1);
  const width = (max - min) / bins;
  const edges: number[] = [];
  // A range past Number.MAX_VALUE (sentinels at both ends) overflows the width: weighted ends do not.
  const edge = Number.isFinite(width)
    ? (i: number) => min + i * width
    : (i: number) => min * (1 - i / bins) + max * (i / bins);
  for (let i = 0; i <= bins; i++) edges.push(i === bins ? max : edge(i));
  const counts = new Array<number>(bins).fill(0);
  // The values are sorted: walk the edges once.
  let b = 0;
  for (let i = 0; i < n; i++) {
    const v = sorted[i] as number;
    while (b < bins - 1 && v >= (edges[b + 1] as number)) b++;
    counts[b] = (counts[b] as number) + 1;
  }
  return { edges, counts };
}

/** A numeric column's finite values ascending, its non-finite cells, and how many of NaN, +inf and -inf occur. */
type NonFinite = { sorted: Float64Array; nonFinite: number; seen: number };

/** The same from the values as in the file. */
function finiteSorted(values: Float64Array): NonFinite {
  let k = 0;
  const out = new Float64Array(values.length);
  let nan = 0;
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) out[k++] = v;
    else if (v !== v) nan = 1;
    else if (v > 0) pos = 1;
    else neg = 1;
  }
  return { sorted: out.subarray(0, k).sort(), nonFinite: values.length - k, seen: nan + pos + neg };
}

/** The same from a column the loader already cleaned and sorted, with its non-finite counts. */
function fromSorted(sorted: Float64Array, c: ColumnInfo['nonFinite']): NonFinite {
  const { nan, posInf, negInf } = c ?? { nan: 0, posInf: 0, negInf: 0 };
  return { sorted, nonFinite: nan + posInf + negInf, seen: Number(nan > 0) + Number(posInf > 0) + Number(negInf > 0) };
}

/** Distinct values of an ascending array. */
function distinctNumeric(sorted: Float64Array): number {
  let d = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) d++;
  return d;
}

/**
 * Distinct values of a column past the exact-count cap: the HyperLogLog estimate, kept within what is known for
 * sure, more than the cap and no more than the non-null values (an estimate is ±0.4 %, and a column that turned to
 * text part-way was estimated over its numbers' texts as well).
 */
function highDistinct(info: ColumnInfo, rows: number): number {
  const estimate = info.distinctEstimate ?? MAX_CATEGORIES + 1;
  return Math.min(Math.max(estimate, MAX_CATEGORIES + 1), rows - info.nulls);
}

/** The profile of the dataset at `uri`, one column in memory at a time. */
export async function profileUri(
  storage: Storage,
  uri: string,
  opts: Pick<LoadOptions, 'onProgress' | 'signal' | 'memoryBytes'> = {},
): Promise<DatasetProfile> {
  const set = await openColumns(storage, uri, { ...opts, sorted: true });
  try {
    const columns: ColumnProfile[] = [];
    for (const name of set.names) {
      const info = set.info(name);
      const input = await set.get(name);
      if (!info || !input) continue;
      if (input.type === 'numeric') {
        const { sorted, nonFinite, seen } = set.sorted
          ? fromSorted(input.values, info.nonFinite)
          : finiteSorted(input.values);
        const col: ColumnProfile = {
          name,
          type: 'numeric',
          count: set.rows,
          nulls: info.nulls,
          distinct: distinctNumeric(sorted) + seen,
          distinctApprox: false,
          nonFinite,
        };
        if (sorted.length > 0) col.numeric = numericProfile(sorted);
        columns.push(col);
      } else {
        const top = [...input.counts]
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
          .slice(0, TOP)
          .map(([value, count]) => ({ value, count }));
        const col: ColumnProfile = {
          name,
          type: 'string',
          count: set.rows,
          nulls: info.nulls,
          distinct: info.highCardinality ? highDistinct(info, set.rows) : input.counts.size,
          distinctApprox: info.highCardinality,
          topCategories: top,
        };
        if (info.highCardinality) col.categoriesTruncated = true;
        columns.push(col);
      }
    }
    return DatasetProfile.parse({ uri, rows: set.rows, columns });
  } finally {
    await set.close();
  }
}
