import { z } from 'zod';

// MLflow REST wire shapes (facts/mlflow.md): snake_case, empty arrays omitted, version numbers as strings.
const Tag = z.object({ key: z.string(), value: z.string().default('') });

export const MlflowExperiment = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string().optional(),
  lifecycle_stage: z.string().optional(),
  tags: z.array(Tag).default([]),
});
export type MlflowExperiment = z.infer<typeof MlflowExperiment>;

export const MlflowRunInfo = z.object({
  run_id: z.string(),
  experiment_id: z.string(),
  run_name: z.string().optional(),
  status: z.string().optional(),
  start_time: z.number().optional(),
  end_time: z.number().optional(),
  artifact_uri: z.string().optional(),
  lifecycle_stage: z.string().optional(),
});
export const MlflowRun = z.object({
  info: MlflowRunInfo,
  data: z
    .object({
      metrics: z
        .array(
          z.object({
            key: z.string(),
            value: z.number(),
            timestamp: z.number().optional(),
            step: z.number().optional(),
          }),
        )
        .default([]),
      params: z.array(Tag).default([]),
      tags: z.array(Tag).default([]),
    })
    .default({ metrics: [], params: [], tags: [] }),
});
export type MlflowRun = z.infer<typeof MlflowRun>;

export const MlflowRegisteredModel = z.object({
  name: z.string(),
  creation_timestamp: z.number().optional(),
  last_updated_timestamp: z.number().optional(),
  description: z.string().optional(),
  aliases: z.array(z.object({ alias: z.string(), version: z.string() })).default([]),
  tags: z.array(Tag).default([]),
});
export type MlflowRegisteredModel = z.infer<typeof MlflowRegisteredModel>;

export const MlflowModelVersion = z.object({
  name: z.string(),
  version: z.string(),
  creation_timestamp: z.number().optional(),
  source: z.string().optional(),
  run_id: z.string().optional(),
  status: z.string().optional(),
  status_message: z.string().optional(),
  tags: z.array(Tag).default([]),
  aliases: z.array(z.string()).default([]),
});
export type MlflowModelVersion = z.infer<typeof MlflowModelVersion>;
