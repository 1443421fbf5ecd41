// Sorted-array primitives for the drift engine. Every numeric column is cleaned and sorted once (typed-array sort)
// and everything else (ECDFs, quantiles, histograms, unique counts) is an O(n) walk or a binary search over it.
// Arithmetic follows numpy's exactly where the result is compared against numpy (quantile 'linear', linspace,
// histogram bin edges), so the numbers agree to the last few bits, not just approximately.

/** A copy of `values` without NaN and ±inf, sorted ascending. */
export function finiteSorted(values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) n++;
  const out = new Float64Array(n);
  if (n === values.length) out.set(values);
  else {
    let k = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v)) out[k++] = v;
    }
  }
  // V8 sorts Float64Array numerically in C++; an LSD radix sort in JS measured slower here (see report).
  return out.sort();
}

/** Number of distinct values in a sorted array. */
export function uniqueCountSorted(a: Float64Array): number {
  if (a.length === 0) return 0;
  let u = 1;
  for (let i = 1; i < a.length; i++) if (a[i] !== a[i - 1]) u++;
  return u;
}

/**
 * Number of distinct values in the union of two sorted arrays (one merge pass). With `limit`, stops as soon as the
 * count exceeds it (returns limit + 1): callers that only compare against small thresholds skip the full walk.
 */
export function unionUniqueCountSorted(a: Float64Array, b: Float64Array, limit = Infinity): number {
  let i = 0;
  let j = 0;
  let u = 0;
  let last = NaN;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (u === 0 || v !== last) {
      if (u === limit) return u + 1;
      u++;
      last = v;
    }
  }
  return u;
}

/** Distinct values of the union of two sorted arrays, ascending. */
export function unionUniqueValuesSorted(a: Float64Array, b: Float64Array): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (out.length === 0 || out[out.length - 1] !== v) out.push(v);
  }
  return out;
}

/** Index of the first element >= x (numpy searchsorted side='left'). */
export function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element > x (numpy searchsorted side='right'). */
export function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Compensated (Neumaier) sum: keeps 1M-element sums within a few ulps, as numpy's pairwise sum does. */
export function accurateSum(a: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  return s + c;
}

/** Population standard deviation (numpy `np.std`, ddof=0): two passes, compensated sums. */
export function populationStd(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return NaN;
  const mean = accurateSum(a) / n;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - mean;
    const x = d * d;
    const t = s + x;
    c += s >= x ? s - t + x : x - t + s;
    s = t;
  }
  return Math.sqrt((s + c) / n);
}

/** numpy.quantile(method='linear') (Hyndman–Fan type 7) of a sorted, non-empty array, with numpy's _lerp. */
export function quantileSorted(a: Float64Array, q: number): number {
  const n = a.length;
  const virtual = (n - 1) * q;
  const prev = Math.max(0, Math.min(Math.floor(virtual), n - 1));
  const next = Math.min(prev + 1, n - 1);
  const gamma = virtual - Math.floor(virtual);
  const lo = a[prev]!;
  const hi = a[next]!;
  const diff = hi - lo;
  // Ends near ±Number.MAX_VALUE overflow the difference (numpy gives NaN or inf there); weighted ends do not.
  if (!Number.isFinite(diff)) return gamma === 0 ? lo : lo * (1 - gamma) + hi * gamma;
  // numpy computes b - diff*(1-t) for t >= 0.5, which keeps monotonicity at the upper end.
  return gamma >= 0.5 ? hi - diff * (1 - gamma) : lo + diff * gamma;
}

/** Magnitudes from which squares (σ) or sums of differences can overflow to Infinity. */
const HUGE = 2 ** 500;

/**
 * A power of two that brings values up to `top` in magnitude to at most 1 when squares or differences of them could
 * overflow (values near ±Number.MAX_VALUE, sentinels for "missing"); 1 otherwise. Scaling by it changes only
 * exponents, so every value stays exact and ratios are unchanged.
 */
export function overflowScale(top: number): number {
  return top > HUGE ? 2 ** -Math.ceil(Math.log2(top)) : 1;
}

/**
 * numpy.histogram_bin_edges(x, bins='sturges') given the combined min, max and size:
 * width = ptp/(log2(n)+1), ceil(ptp/width) equal bins over [min, max] (±0.5 when min == max), numpy.linspace edges.
 */
export function sturgesEdges(min: number, max: number, n: number): number[] {
  const width = (max - min) / (Math.log2(n) + 1);
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  // Values near ±Number.MAX_VALUE (a common "missing" sentinel) overflow max − min to Infinity, where numpy's
  // ceil(ptp/width) is NaN and it raises; Sturges' count itself, ceil(log2(n) + 1), is what that ratio stands for.
  const bins = !Number.isFinite(width)
    ? Math.ceil(Math.log2(n) + 1)
    : width !== 0
      ? Math.ceil((last - first) / width)
      : 1;
  return linspace(first, last, bins + 1);
}

/** numpy.linspace(start, stop, num) with endpoint=True, same operation order. */
export function linspace(start: number, stop: number, num: number): number[] {
  const div = num - 1;
  const delta = stop - start;
  const out = new Array<number>(num);
  const step = delta / div;
  if (!Number.isFinite(delta)) {
    // Finite ends whose difference overflows: weighted ends never do (numpy would give inf and NaN edges here).
    for (let i = 0; i < num; i++) out[i] = start * (1 - i / div) + stop * (i / div);
  } else for (let i = 0; i < num; i++) out[i] = (step === 0 ? (i / div) * delta : i * step) + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/**
 * numpy.histogram(sorted, edges) counts: bin i holds edges[i] <= v < edges[i+1], the last bin also holds its right
 * edge; values outside [edges[0], edges[last]] are not counted. Edges may be ±Infinity.
 */
export function histogramSorted(a: Float64Array, edges: readonly number[]): number[] {
  const k = edges.length - 1;
  const counts = new Array<number>(k);
  let prev = lowerBound(a, edges[0]!);
  for (let i = 0; i < k; i++) {
    const idx = i + 1 === k ? upperBound(a, edges[k]!) : lowerBound(a, edges[i + 1]!);
    counts[i] = idx - prev;
    prev = idx;
  }
  return counts;
}

/** Values and counts of a sorted array (run-length encoding). */
export function valueCountsSorted(a: Float64Array): Map<number, number> {
  const out = new Map<number, number>();
  let i = 0;
  while (i < a.length) {
    const v = a[i]!;
    let j = i + 1;
    while (j < a.length && a[j] === v) j++;
    out.set(v, j - i);
    i = j;
  }
  return out;
}

/** numpy's pairwise summation (8-way unrolled blocks of 128), so small sums round exactly like `np.sum`. */
export function npSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = a[start + j]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = r[j]! + a[start + i + j]!;
    let res = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return npSum(a, start, n2) + npSum(a, start + n2, n - n2);
}
