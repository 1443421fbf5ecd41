import { z } from 'zod';
import { DriftCheck } from './drift.js';

/** One column's rules in the validation contract (docs/pipeline-spec.md#validation). */
export const ColumnRule = z
  .object({
    type: z.enum(['number', 'integer', 'string', 'boolean', 'category', 'timestamp']),
    nullable: z.boolean().default(true),
    min: z.number().optional(),
    max: z.number().optional(),
    values: z
      .array(z.union([z.string(), z.number(), z.boolean()]).transform(String))
      .nonempty()
      .optional(),
    unique: z.boolean().default(false),
    mostly: z.number().min(0).max(1).default(1),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.min !== undefined && r.max !== undefined && r.min > r.max)
      ctx.addIssue({ code: 'custom', path: ['min'], message: `min (${r.min}) is greater than max (${r.max})` });
    if ((r.min !== undefined || r.max !== undefined) && !['number', 'integer', 'timestamp'].includes(r.type))
      ctx.addIssue({ code: 'custom', path: ['type'], message: `min/max need type number, integer or timestamp` });
  });
export type ColumnRule = z.infer<typeof ColumnRule>;

export const ValidationRules = z
  .object({
    minRows: z.number().int().nonnegative().default(0),
    columns: z.record(z.string().min(1), ColumnRule).default({}),
  })
  .strict();
export type ValidationRules = z.infer<typeof ValidationRules>;
export type ValidationRulesInput = z.input<typeof ValidationRules>;

export const CheckName = z.enum(['minRows', 'missingColumn', 'type', 'nullable', 'min', 'max', 'values', 'unique']);
export type CheckName = z.infer<typeof CheckName>;

export const CheckResult = z.object({
  column: z.string().nullable(),
  check: CheckName,
  failed: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  passed: z.boolean(),
  examples: z.array(z.unknown()),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const ValidationReport = z.object({
  passed: z.boolean(),
  rows: z.number().int().nonnegative(),
  checks: z.array(CheckResult),
});
export type ValidationReport = z.infer<typeof ValidationReport>;

/** Input of the validateDataset activity. */
/** The spec's `validation` section: the contract, and the drift check when the spec has one. */
export const PipelineValidation = ValidationRules.extend({ drift: DriftCheck.optional() });
export type PipelineValidation = z.infer<typeof PipelineValidation>;

export const ValidateDatasetInput = z.object({
  /** Dataset name → URI, e.g. { train: 's3://…/train.csv', holdout: 's3://…/holdout.csv' }. */
  datasets: z.record(z.string(), z.string()),
  /** With `drift`, the training data is also copied beside the report (see ValidationSummary.trainData). */
  rules: PipelineValidation,
  /** Where the full JSON report goes; the same URI on a retry, so a retry overwrites rather than duplicates. */
  reportUri: z.string(),
});
export type ValidateDatasetInput = z.infer<typeof ValidateDatasetInput>;

/** The stored report file: one ValidationReport per dataset; `errors` only for datasets that could not be parsed. */
export const ValidationReportFile = z.object({
  datasets: z.record(z.string(), ValidationReport),
  errors: z.record(z.string(), z.string()).optional(),
});
export type ValidationReportFile = z.infer<typeof ValidationReportFile>;
