import { z } from 'zod';

export const DriftMethod = z.enum(['auto', 'ks', 'psi', 'jensenshannon', 'wasserstein', 'chisquare', 'ztest', 'linf']);
export type DriftMethod = z.infer<typeof DriftMethod>;

export const ColumnKind = z.enum(['numeric', 'categorical', 'binary']);
export type ColumnKind = z.infer<typeof ColumnKind>;

/** What the HTML report draws per column: overlaid histograms (numeric) or category bars. */
export const DriftPlot = z.union([
  z.object({
    type: z.literal('histogram'),
    edges: z.array(z.number()),
    reference: z.array(z.number()),
    current: z.array(z.number()),
  }),
  z.object({
    type: z.literal('categories'),
    categories: z.array(z.string()),
    reference: z.array(z.number()),
    current: z.array(z.number()),
  }),
]);
export type DriftPlot = z.infer<typeof DriftPlot>;

export const ColumnDrift = z.object({
  name: z.string(),
  kind: ColumnKind,
  method: DriftMethod.exclude(['auto']),
  /** Always a finite number when present; absent (with `error`) when the column could not be compared. */
  statistic: z.number().optional(),
  pValue: z.number().optional(),
  threshold: z.number(),
  drifted: z.boolean(),
  rows: z.object({ reference: z.number().int(), current: z.number().int() }).optional(),
  /** Why the column has no statistic: present on one side only, all null, zero rows, … */
  error: z.string().optional(),
  plot: DriftPlot.optional(),
});
export type ColumnDrift = z.infer<typeof ColumnDrift>;

export const DriftReport = z.object({
  datasetDrift: z.boolean(),
  driftShare: z.number(),
  driftShareThreshold: z.number(),
  rows: z.object({ reference: z.number().int(), current: z.number().int() }),
  columns: z.array(ColumnDrift),
});
export type DriftReport = z.infer<typeof DriftReport>;

const DriftOptionsShape = z
  .object({
    method: DriftMethod.default('auto'),
    /** Overrides the method's default threshold (p-value for ks/chisquare/ztest, distance otherwise). */
    threshold: z.number().positive().optional(),
    columns: z.array(z.string().min(1)).optional(),
    driftShare: z.number().min(0).max(1).default(0.5),
  })
  .strict();

/** A p-value never exceeds 1, so a larger threshold would mark every column drifted (auto picks p-value tests too). */
function thresholdFitsMethod(o: { method: DriftMethod; threshold?: number | undefined }, ctx: z.RefinementCtx): void {
  if (o.threshold === undefined || o.threshold <= 1 || !['auto', 'ks', 'chisquare', 'ztest'].includes(o.method)) return;
  ctx.addIssue({
    code: 'custom',
    path: ['threshold'],
    message:
      o.method === 'auto'
        ? `${o.threshold} is above 1, but method auto compares p-values (ks, chisquare, ztest) with it too: give a threshold of at most 1, or a distance method (psi, jensenshannon, wasserstein, linf)`
        : `${o.threshold} is above 1, but ${o.method} compares a p-value with it: give a p-value threshold of at most 1, e.g. 0.05`,
  });
}

export const DriftOptions = DriftOptionsShape.superRefine(thresholdFitsMethod);
export type DriftOptions = z.infer<typeof DriftOptions>;

/** The pipeline's drift / skew check (spec `validation.drift`): new training data against the champion's. */
export const DriftCheck = DriftOptionsShape.extend({
  /** block: reject the pipeline on dataset drift; warn: record it and go on. */
  action: z.enum(['block', 'warn']).default('block'),
})
  .strict()
  .superRefine(thresholdFitsMethod);
export type DriftCheck = z.infer<typeof DriftCheck>;

/** One side of one column after loading: numbers (NaN/±inf are dropped by the engine) or non-null category counts. */
export type DriftInput = { type: 'numeric'; values: Float64Array } | { type: 'string'; counts: Map<string, number> };
