import { z } from 'zod';
import { MlflowExperiment, MlflowModelVersion, MlflowRegisteredModel, MlflowRun, MlflowRunInfo } from './registry.js';

// Response envelopes of the MLflow REST endpoints the typed client calls (facts/mlflow.md §2-3).
// Empty fields are omitted on the wire, so every array and token defaults.

export const MlflowErrorBody = z.object({ error_code: z.string().optional(), message: z.string().optional() });
export type MlflowErrorBody = z.infer<typeof MlflowErrorBody>;

export const MlflowEmptyResponse = z.looseObject({});
export const MlflowGetExperimentResponse = z.object({ experiment: MlflowExperiment });
export const MlflowCreateExperimentResponse = z.object({ experiment_id: z.string() });
export const MlflowRunResponse = z.object({ run: MlflowRun });
export const MlflowUpdateRunResponse = z.object({ run_info: MlflowRunInfo.optional() });
export const MlflowSearchRunsResponse = z.object({
  runs: z.array(MlflowRun).default([]),
  next_page_token: z.string().optional(),
});
export const MlflowRegisteredModelResponse = z.object({ registered_model: MlflowRegisteredModel });
export const MlflowModelVersionResponse = z.object({ model_version: MlflowModelVersion });
export const MlflowSearchModelVersionsResponse = z.object({
  model_versions: z.array(MlflowModelVersion).default([]),
  next_page_token: z.string().optional(),
});

/** One metric point for runs/log-batch; a fixed timestamp/step keeps a retried activity's writes deterministic. */
export const MlflowMetricPoint = z.object({
  key: z.string(),
  value: z.number(),
  timestamp: z.number().int().optional(),
  step: z.number().int().optional(),
});
export type MlflowMetricPoint = z.infer<typeof MlflowMetricPoint>;

export const MlflowRunStatus = z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
export type MlflowRunStatus = z.infer<typeof MlflowRunStatus>;

// Inputs and outputs of the registry activities (activities/registry/activities.ts).

const StringMap = z.record(z.string(), z.string());

export const EnsureRunInput = z.object({
  experiment: z.string().min(1),
  workflowId: z.string().min(1),
  stage: z.string().min(1),
  runName: z.string().min(1),
  model: z.string().min(1),
  tags: StringMap.optional(),
});
export type EnsureRunInput = z.infer<typeof EnsureRunInput>;

export const EnsureRunResult = z.object({
  runId: z.string(),
  experimentId: z.string(),
  artifactUri: z.string().optional(),
});
export type EnsureRunResult = z.infer<typeof EnsureRunResult>;

export const FinishRunInput = z.object({ runId: z.string().min(1), status: z.enum(['FINISHED', 'FAILED', 'KILLED']) });
export type FinishRunInput = z.infer<typeof FinishRunInput>;

export const RunSnapshot = z.object({
  metrics: z.record(z.string(), z.number()),
  params: StringMap,
  tags: StringMap,
  status: z.string(),
});
export type RunSnapshot = z.infer<typeof RunSnapshot>;

export const RegisterVersionInput = z.object({
  model: z.string().min(1),
  source: z.string().min(1),
  runId: z.string().min(1),
  workflowId: z.string().min(1),
  modelId: z.string().optional(),
  tags: StringMap.optional(),
});
export type RegisterVersionInput = z.infer<typeof RegisterVersionInput>;

export const AliasRef = z.object({ model: z.string().min(1), alias: z.string().min(1) });
export type AliasRef = z.infer<typeof AliasRef>;

export const AliasTarget = z.object({
  version: z.string(),
  runId: z.string().optional(),
  source: z.string().optional(),
  tags: StringMap,
});
export type AliasTarget = z.infer<typeof AliasTarget>;

export const SetAliasInput = z.object({
  model: z.string().min(1),
  alias: z.string().min(1),
  version: z.string().min(1),
  workflowId: z.string().min(1),
});
export type SetAliasInput = z.infer<typeof SetAliasInput>;
