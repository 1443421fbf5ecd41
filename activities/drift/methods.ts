// The drift statistics, each on already-cleaned inputs: sorted finite Float64Arrays for numeric columns, aligned
// count vectors for categories. Formulas are in shared/facts/drift-and-validation.md §2 and docs/data-quality.md;
// where a variant is Evidently's (binning, chi-square GOF, z-test, normed Wasserstein) it follows Evidently 0.7.23's
// legacy stattests line by line, and scipy/numpy for the underlying functions.
import { chi2Sf, normCdf } from './distributions.js';
import {
  histogramSorted,
  npSum,
  overflowScale,
  populationStd,
  quantileSorted,
  sturgesEdges,
  uniqueCountSorted,
  valueCountsSorted,
} from './stats.js';

/** Counts of both sides over the union of their keys, in first-seen order (reference keys first). */
export interface AlignedCounts<K> {
  keys: K[];
  reference: Float64Array;
  current: Float64Array;
  referenceTotal: number;
  currentTotal: number;
}

export function alignCounts<K>(ref: Map<K, number>, cur: Map<K, number>): AlignedCounts<K> {
  const keys: K[] = [...ref.keys()];
  for (const k of cur.keys()) if (!ref.has(k)) keys.push(k);
  const reference = new Float64Array(keys.length);
  const current = new Float64Array(keys.length);
  let referenceTotal = 0;
  let currentTotal = 0;
  keys.forEach((k, i) => {
    const r = ref.get(k) ?? 0;
    const c = cur.get(k) ?? 0;
    reference[i] = r;
    current[i] = c;
    referenceTotal += r;
    currentTotal += c;
  });
  return { keys, reference, current, referenceTotal, currentTotal };
}

function proportions(counts: ArrayLike<number>, total: number): Float64Array {
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i]! / total;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Evidently's binning (`get_binned_data`), used by jensenshannon (and linf on numeric columns here)

export interface Binned {
  reference: Float64Array;
  current: Float64Array;
  /** Sturges edges when the numeric path was taken, else undefined (one bin per value). */
  edges?: number[];
}

/**
 * Numeric column: reference n_unique > 20 → numpy Sturges edges over the combined data, proportions = histogram
 * counts / n; otherwise one bin per value of the union. No zero fill (Evidently fills only for PSI and KL).
 */
export function evidentlyBinnedNumeric(ref: Float64Array, cur: Float64Array): Binned {
  if (uniqueCountSorted(ref) > 20) {
    const edges = sturgesEdges(
      Math.min(ref[0]!, cur[0]!),
      Math.max(ref[ref.length - 1]!, cur[cur.length - 1]!),
      ref.length + cur.length,
    );
    return {
      reference: proportions(histogramSorted(ref, edges), ref.length),
      current: proportions(histogramSorted(cur, edges), cur.length),
      edges,
    };
  }
  const aligned = alignCounts(valueCountsSorted(ref), valueCountsSorted(cur));
  return {
    reference: proportions(aligned.reference, ref.length),
    current: proportions(aligned.current, cur.length),
  };
}

export function binnedCategorical<K>(aligned: AlignedCounts<K>): Binned {
  return {
    reference: proportions(aligned.reference, aligned.referenceTotal),
    current: proportions(aligned.current, aligned.currentTotal),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Distances

function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** scipy.spatial.distance.jensenshannon(p, q) with base e: √(½KL(p‖m) + ½KL(q‖m)), inputs renormalized to sum 1. */
export function jensenShannonDistance(p0: ArrayLike<number>, q0: ArrayLike<number>): number {
  const k = p0.length;
  const sp = npSum(p0);
  const sq = npSum(q0);
  const left = new Float64Array(k);
  const right = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const p = p0[i]! / sp;
    const q = q0[i]! / sq;
    const m = (p + q) / 2;
    left[i] = relEntr(p, m);
    right[i] = relEntr(q, m);
  }
  const js = npSum(left) + npSum(right);
  return Math.sqrt(js / 2);
}

/** L-infinity distance max |p_i − q_i| between two proportion vectors. */
export function linfDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < p.length; i++) m = Math.max(m, Math.abs(p[i]! - q[i]!));
  return m;
}

/**
 * scipy.stats.wasserstein_distance(u, v) on sorted arrays: Σ |F_u − F_v|·Δ over the merged sample, with
 * F = (count <= x)/n, compensated summation.
 */
export function wasserstein1(u: Float64Array, v: Float64Array): number {
  const nu = u.length;
  const nv = v.length;
  let i = 0;
  let j = 0;
  let s = 0;
  let c = 0;
  // current position in the merged order and the ECDF indices just after it (searchsorted side='right')
  let prev = j >= nv || (i < nu && u[i]! <= v[j]!) ? u[i]! : v[j]!;
  while (i < nu && u[i]! <= prev) i++;
  while (j < nv && v[j]! <= prev) j++;
  while (i < nu || j < nv) {
    const x = j >= nv || (i < nu && u[i]! <= v[j]!) ? u[i]! : v[j]!;
    const term = Math.abs(i / nu - j / nv) * (x - prev);
    const t = s + term;
    c += s >= term ? s - t + term : term - t + s;
    s = t;
    while (i < nu && u[i]! <= x) i++;
    while (j < nv && v[j]! <= x) j++;
    prev = x;
  }
  return s + c;
}

/** Evidently's normed Wasserstein: W1(ref, cur) / max(σ_pop(ref), 0.001). Both sorted. */
export function wassersteinNormed(ref: Float64Array, cur: Float64Array): number {
  const top = Math.max(...[ref, cur].flatMap((a) => (a.length ? [Math.abs(a[0]!), Math.abs(a[a.length - 1]!)] : [])));
  const k = overflowScale(top);
  if (k === 1) return wasserstein1(ref, cur) / Math.max(populationStd(ref), 0.001);
  // Values near ±Number.MAX_VALUE would make Infinity/Infinity = NaN; scaled, a σ above 0 is far above the floor.
  const scaled = (a: Float64Array) => a.map((v) => v * k);
  const r = scaled(ref);
  const sd = populationStd(r);
  // A constant reference keeps the 0.001 floor, unscaled (the result may then overflow: the caller reports that).
  return sd > 0 ? wasserstein1(r, scaled(cur)) / sd : wasserstein1(ref, cur) / 0.001;
}

// ---------------------------------------------------------------------------------------------------------------
// PSI

export const PSI_EPSILON = 1e-4;

export interface PsiResult {
  psi: number;
  /** Bin edges (with ±Infinity outer ends) for the numeric decile variant. */
  edges?: number[];
  reference: Float64Array;
  current: Float64Array;
}

/** Σ (c − r)·ln(c / r) over proportions clipped below at ε. */
export function psiFromProportions(ref: ArrayLike<number>, cur: ArrayLike<number>, eps = PSI_EPSILON): number {
  const terms = new Float64Array(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const r = Math.max(ref[i]!, eps);
    const c = Math.max(cur[i]!, eps);
    terms[i] = (c - r) * Math.log(c / r);
  }
  return npSum(terms);
}

/**
 * Classic PSI on a numeric column: edges at the reference deciles (numpy 'linear' quantiles at 0.1 … 0.9,
 * duplicates removed so ties collapse bins), open outer bins [−∞, q1), …, [q9, +∞], bins closed on the left as
 * numpy.histogram counts.
 */
export function psiDeciles(ref: Float64Array, cur: Float64Array): PsiResult {
  const qs: number[] = [];
  for (let i = 1; i <= 9; i++) qs.push(quantileSorted(ref, i / 10));
  const edges = [-Infinity];
  for (const q of qs) if (q !== edges[edges.length - 1]) edges.push(q);
  edges.push(Infinity);
  const reference = proportions(histogramSorted(ref, edges), ref.length);
  const current = proportions(histogramSorted(cur, edges), cur.length);
  return { psi: psiFromProportions(reference, current), edges, reference, current };
}

// ---------------------------------------------------------------------------------------------------------------
// Tests with p-values

export interface ChiSquareResult {
  /** +Infinity when the current side has a category the reference lacks (expected count 0). */
  statistic: number;
  pValue: number;
  df: number;
}

/**
 * Evidently's chi-square: goodness of fit of the current counts against the reference proportions scaled to the
 * current size (f_exp = ref·n_c/n_r), df = k − 1, p = scipy.stats.chi2.sf. One category on both sides (df 0,
 * where scipy returns NaN) is reported as statistic 0, p 1: nothing can have moved.
 */
export function chiSquareGof<K>(aligned: AlignedCounts<K>): ChiSquareResult {
  const k = aligned.keys.length;
  const kNorm = aligned.currentTotal / aligned.referenceTotal;
  const terms = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const exp = aligned.reference[i]! * kNorm;
    const obs = aligned.current[i]!;
    const d = obs - exp;
    terms[i] = exp === 0 ? (d === 0 ? NaN : Infinity) : (d * d) / exp;
  }
  if (k < 2) return { statistic: 0, pValue: 1, df: 0 };
  const statistic = npSum(terms);
  if (statistic === Infinity) return { statistic, pValue: 0, df: k - 1 };
  return { statistic, pValue: chi2Sf(statistic, k - 1), df: k - 1 };
}

export interface ZTestResult {
  z: number;
  pValue: number;
}

/**
 * Evidently's two-proportion z-test. `keysSorted` are the (one or two) distinct values in sort order; the first maps
 * to 0, the other to 1. Both sides holding the same single value gives p = 1 (z = 0).
 */
export function zTest(
  refOnes: number,
  refN: number,
  curOnes: number,
  curN: number,
  sameSingleValue: boolean,
): ZTestResult {
  if (sameSingleValue) return { z: 0, pValue: 1 };
  const p1 = refOnes / refN;
  const p2 = curOnes / curN;
  const P = (p1 * refN + p2 * curN) / (refN + curN);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / refN + 1 / curN));
  return { z, pValue: 2 * (1 - normCdf(Math.abs(z))) };
}
