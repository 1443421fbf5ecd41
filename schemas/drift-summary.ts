import { z } from 'zod';
import { ColumnDrift, DriftOptions, DriftReport } from './drift.js';
import { ValidationSummary } from './pipeline.js';

/** One drifted column, small enough for a workflow history: what a rejection reason needs to name. */
export const DriftedColumn = ColumnDrift.pick({
  name: true,
  kind: true,
  method: true,
  statistic: true,
  pValue: true,
  threshold: true,
});
export type DriftedColumn = z.infer<typeof DriftedColumn>;

/** What the checkDrift activity returns: the verdict and where the full report went (never the report itself). */
export const DriftSummary = z.object({
  datasetDrift: z.boolean(),
  driftShare: z.number(),
  driftShareThreshold: z.number(),
  /** Columns compared (with a statistic or a p-value): the drift share's denominator. */
  columnCount: z.number().int(),
  driftedColumns: z.array(z.string()),
  /** The drifted columns with their statistics, for rejection reasons and stage details. */
  drifted: z.array(DriftedColumn),
  rows: DriftReport.shape.rows,
  reportUri: z.string(),
  htmlUri: z.string(),
});
export type DriftSummary = z.infer<typeof DriftSummary>;

/** Input of the checkDrift activity. */
export const DriftActivityInput = z.object({
  referenceUri: z.string(),
  currentUri: z.string(),
  options: DriftOptions,
  /** drift.json and drift.html go under this prefix; the same prefix on a retry overwrites them. */
  reportPrefix: z.string(),
});
export type DriftActivityInput = z.infer<typeof DriftActivityInput>;

/** The validate stage's drift check against the champion's training data. */
export const DriftStageResult = z.object({
  /** false when there was nothing to compare against (no champion, or one registered without its data). */
  checked: z.boolean(),
  note: z.string().optional(),
  championVersion: z.string().optional(),
  referenceUri: z.string().optional(),
  action: z.enum(['block', 'warn']),
  summary: DriftSummary.optional(),
});
export type DriftStageResult = z.infer<typeof DriftStageResult>;

/** The validate stage's result: the contract checks and, when `validation.drift` is set, the drift check. */
export const ValidateStageResult = ValidationSummary.extend({ drift: DriftStageResult.optional() });
export type ValidateStageResult = z.infer<typeof ValidateStageResult>;
