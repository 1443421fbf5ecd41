import { z } from 'zod';
import { PipelineSpec, Trigger } from './spec.js';

export const STAGES = ['validate', 'train', 'evaluate', 'gate', 'register', 'promote'] as const;
export const StageName = z.enum(STAGES);
export type StageName = z.infer<typeof StageName>;

export const StageState = z.enum(['pending', 'running', 'succeeded', 'rejected', 'failed', 'skipped']);
export type StageState = z.infer<typeof StageState>;

export const StageStatus = z.object({
  name: StageName,
  state: StageState,
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  /** One line a person can read: "1 000 rows, 8 checks passed", "exit 0 after 12 s". */
  outcome: z.string().optional(),
  /** Small, stage-specific facts (URIs, ids, metric values); never blobs. */
  details: z.record(z.string(), z.unknown()).default({}),
});
export type StageStatus = z.infer<typeof StageStatus>;

export const PipelineOutcome = z.enum(['running', 'promoted', 'rejected', 'failed']);
export type PipelineOutcome = z.infer<typeof PipelineOutcome>;

export const PipelineStatus = z.object({
  workflowId: z.string(),
  model: z.string(),
  outcome: PipelineOutcome,
  /** The stage that rejected or failed the pipeline. */
  stage: StageName.optional(),
  /** Why it was rejected or failed, one entry per reason. */
  reasons: z.array(z.string()).default([]),
  stages: z.array(StageStatus),
  modelVersion: z.string().optional(),
  alias: z.string().optional(),
  mlflowRunId: z.string().optional(),
  metrics: z.record(z.string(), z.number()).default({}),
  championMetrics: z.record(z.string(), z.number()).optional(),
});
export type PipelineStatus = z.infer<typeof PipelineStatus>;

/** Results of the stage functions (workflows/stages/*), kept small enough for history payloads. */
export const ValidationSummary = z.object({
  passed: z.boolean(),
  rows: z.record(z.string(), z.number()),
  failures: z.array(z.string()),
  reportUri: z.string(),
  /** Dataset name → URI of its profile (schemas/profile.ts), written beside the report. */
  profileUris: z.record(z.string(), z.string()).optional(),
  /**
   * A copy of the training data as validated, beside the report, when the spec checks drift: the registered version
   * points at it, so a later run compares with what this model saw even if data.train is overwritten in place.
   */
  trainData: z.string().optional(),
});
export type ValidationSummary = z.infer<typeof ValidationSummary>;

export const TrainResult = z.object({
  runId: z.string(),
  experimentId: z.string(),
  modelSource: z.string(),
  modelId: z.string().optional(),
  jobId: z.string(),
  logUri: z.string(),
  attempts: z.number().int(),
});
export type TrainResult = z.infer<typeof TrainResult>;

export const EvaluationResult = z.object({
  runId: z.string(),
  metrics: z.record(z.string(), z.number()),
  logUri: z.string(),
  champion: z.object({ version: z.string(), runId: z.string(), metrics: z.record(z.string(), z.number()) }).optional(),
});
export type EvaluationResult = z.infer<typeof EvaluationResult>;

export const GateResult = z.object({ passed: z.boolean(), reasons: z.array(z.string()), checks: z.array(z.string()) });
export type GateResult = z.infer<typeof GateResult>;

export const RegisterResult = z.object({ name: z.string(), version: z.string(), created: z.boolean() });
export type RegisterResult = z.infer<typeof RegisterResult>;

export const PromoteResult = z.object({
  alias: z.string(),
  version: z.string(),
  previousVersion: z.string().optional(),
});
export type PromoteResult = z.infer<typeof PromoteResult>;

/** The built-in pipeline's single argument. */
export const PipelineInput = z.object({
  spec: PipelineSpec,
  trigger: Trigger,
  /** Storage prefix for reports and logs, e.g. s3://sluice/sluice; the client fills it from its endpoints. */
  artifactRoot: z.string(),
});
export type PipelineInput = z.infer<typeof PipelineInput>;

/** Input of the runStageJob activity: a spec'd command plus the values for its placeholders. */
export const StageJobInput = z.object({
  key: z.string(),
  scheduler: z.literal('local'),
  command: z.array(z.string()).nonempty(),
  env: z.record(z.string(), z.string()),
  resources: z.object({ cpus: z.number().int(), gpus: z.number().int(), memoryMb: z.number().int().optional() }),
  maxAttempts: z.number().int(),
  retryableExitCodes: z.array(z.number().int()),
  logPrefix: z.string(),
  placeholders: z.record(z.string(), z.string()),
});
export type StageJobInput = z.infer<typeof StageJobInput>;
