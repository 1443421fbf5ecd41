import { z } from 'zod';
import { Duration } from './duration.js';
import { PipelineValidation } from './validation.js';

/** A dataset location: `s3://bucket/key` or `file:///absolute/path`. */
export const DataUri = z
  .string()
  .regex(
    /^(s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+|file:\/\/\/.+)$/,
    'expected s3://bucket/key or file:///absolute/path',
  );

/** Placeholders a job's argv may use; docs/pipeline-spec.md lists what each expands to. */
export const PLACEHOLDERS = [
  'train',
  'holdout',
  'data',
  'output',
  'runId',
  'trackingUri',
  'modelUri',
  'model',
  'workflowId',
] as const;

const Argv = z
  .array(z.string().min(1, 'an argv element may not be empty'))
  .nonempty('expected an argv array such as ["python", "train.py", "--data", "{{train}}"]')
  .superRefine((argv, ctx) => {
    argv.forEach((arg, i) => {
      for (const m of arg.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
        if (!(PLACEHOLDERS as readonly string[]).includes(m[1] ?? ''))
          ctx.addIssue({
            code: 'custom',
            path: [i],
            message: `unknown placeholder {{${m[1]}}}; known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
          });
      }
    });
  });

export const JobRetry = z
  .object({
    maxAttempts: z.number().int().min(1).max(100).default(3),
    initialInterval: Duration.default('5s'),
    /** Exit codes that mean "try again" (EX_TEMPFAIL by default); death by signal is retryable too. */
    retryableExitCodes: z.array(z.number().int().min(1).max(255)).default([75]),
  })
  .strict();

export const Resources = z
  .object({
    cpus: z.number().int('expected a positive integer').positive('expected a positive integer').default(1),
    gpus: z.number().int('expected a non-negative integer').nonnegative('expected a non-negative integer').default(0),
    memoryMb: z.number().int().positive().optional(),
  })
  .strict();

export const TrainingSpec = z
  .object({
    scheduler: z.literal('local', { error: 'only "local" is supported in this release' }).default('local'),
    command: Argv,
    env: z.record(z.string(), z.string()).default({}),
    resources: Resources.default({ cpus: 1, gpus: 0 }),
    timeout: Duration.default('2h'),
    heartbeatTimeout: Duration.default('30s'),
    retry: JobRetry.default({ maxAttempts: 3, initialInterval: '5s', retryableExitCodes: [75] }),
  })
  .strict();

export const Gate = z
  .object({ min: z.number().optional(), max: z.number().optional() })
  .strict()
  .refine((g) => g.min !== undefined || g.max !== undefined, 'a gate needs min, max or both');

export const ChampionComparison = z
  .object({
    metric: z.string().min(1),
    /** Whether a larger value is better (auc) or a smaller one (log_loss). */
    direction: z.enum(['maximize', 'minimize']).default('maximize'),
    /** How much worse than the champion the candidate may be and still win (0: at least as good). */
    tolerance: z.number().nonnegative().default(0),
  })
  .strict();

export const EvaluationSpec = z
  .object({
    command: Argv,
    env: z.record(z.string(), z.string()).default({}),
    timeout: Duration.default('30m'),
    heartbeatTimeout: Duration.default('30s'),
    gates: z.record(z.string().min(1), Gate).default({}),
    champion: ChampionComparison.optional(),
  })
  .strict();

export const PromotionSpec = z
  .object({
    alias: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/, 'expected letters, digits, "_" or "-"')
      .refine((a) => !/^(latest|v\d+)$/i.test(a), 'aliases "latest" and "v<digits>" are reserved by MLflow')
      .default('champion'),
  })
  .strict();

export const PipelineSpec = z
  .object({
    model: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
        'expected a registered model name: letters, digits, "_", "." or "-"',
      ),
    experiment: z.string().min(1).optional(),
    data: z.object({ train: DataUri, holdout: DataUri }).strict(),
    validation: PipelineValidation.default({ minRows: 0, columns: {} }),
    training: TrainingSpec,
    evaluation: EvaluationSpec,
    promotion: PromotionSpec.default({ alias: 'champion' }),
  })
  .strict();
export type PipelineSpec = z.infer<typeof PipelineSpec>;
export type PipelineSpecInput = z.input<typeof PipelineSpec>;
export type TrainingSpec = z.infer<typeof TrainingSpec>;
export type EvaluationSpec = z.infer<typeof EvaluationSpec>;
export type Gate = z.infer<typeof Gate>;
export type ChampionComparison = z.infer<typeof ChampionComparison>;
export type JobRetry = z.infer<typeof JobRetry>;

export const TriggerKind = z.enum(['manual', 'schedule', 'drift', 'demo', 'test']);
export const Trigger = z
  .object({
    kind: TriggerKind,
    /** Unique per trigger: the same id twice means the same pipeline run (idempotent start). */
    id: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'expected letters, digits, "_", ".", ":" or "-"'),
    reason: z.string().optional(),
  })
  .strict();
export type Trigger = z.infer<typeof Trigger>;
