import { z } from 'zod';

/** Finite numbers only: a statistic that cannot be computed is absent, never NaN. */
const Finite = z.number().finite();

export const Quantiles = z.object({
  p1: Finite,
  p5: Finite,
  p25: Finite,
  p50: Finite,
  p75: Finite,
  p95: Finite,
  p99: Finite,
});
export type Quantiles = z.infer<typeof Quantiles>;

/** Equal-width bins over [min, max]: counts[i] holds edges[i] ≤ v < edges[i+1] (the last bin also holds max). */
export const Histogram = z.object({
  edges: z.array(Finite),
  counts: z.array(z.number().int().nonnegative()),
});
export type Histogram = z.infer<typeof Histogram>;

/** Statistics of a numeric column's finite values (NaN and ±inf are counted in `nonFinite` and left out). */
export const NumericProfile = z.object({
  min: Finite,
  max: Finite,
  mean: Finite,
  /** Population standard deviation (ddof = 0), as numpy.std. */
  std: Finite,
  /** Linear-interpolation quantiles (Hyndman–Fan type 7, numpy's default) from the sorted column: exact. */
  quantiles: Quantiles,
  histogram: Histogram,
});
export type NumericProfile = z.infer<typeof NumericProfile>;

export const CategoryCount = z.object({ value: z.string(), count: z.number().int().nonnegative() });
export type CategoryCount = z.infer<typeof CategoryCount>;

export const ColumnProfile = z.object({
  name: z.string(),
  type: z.enum(['numeric', 'string']),
  /** Rows in the dataset. */
  count: z.number().int().nonnegative(),
  /** Empty cells / missing values. */
  nulls: z.number().int().nonnegative(),
  /** Distinct non-null values: exact up to 100 000, a HyperLogLog estimate (±0.4% s.e.) beyond. */
  distinct: z.number().int().nonnegative(),
  distinctApprox: z.boolean(),
  /** Numeric columns: NaN and ±inf values, excluded from the statistics. */
  nonFinite: z.number().int().nonnegative().optional(),
  /** Numeric columns with at least one finite value. */
  numeric: NumericProfile.optional(),
  /** String columns: the most frequent values (≤ 20), by count then value. */
  topCategories: z.array(CategoryCount).optional(),
  /** Counts of values first seen after the 100 000th distinct one are not kept: top categories may be approximate. */
  categoriesTruncated: z.boolean().optional(),
});
export type ColumnProfile = z.infer<typeof ColumnProfile>;

/** The profile written beside a validation report (profile-<dataset>.json). */
export const DatasetProfile = z.object({
  uri: z.string(),
  rows: z.number().int().nonnegative(),
  columns: z.array(ColumnProfile),
});
export type DatasetProfile = z.infer<typeof DatasetProfile>;
