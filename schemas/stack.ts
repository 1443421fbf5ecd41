import { z } from 'zod';

/** Where Sluice finds its services; the embedded stack writes this, production sets it by environment. */
export const Endpoints = z.object({
  temporal: z.object({ address: z.string(), namespace: z.string().default('default'), ui: z.string().optional() }),
  taskQueue: z.string().default('sluice'),
  mlflow: z.object({ url: z.string().url() }),
  s3: z.object({
    endpoint: z.string().url().optional(),
    region: z.string().default('us-east-1'),
    bucket: z.string().min(3),
    accessKeyId: z.string().optional(),
    secretAccessKey: z.string().optional(),
    forcePathStyle: z.boolean().default(true),
  }),
  /** Where local jobs keep their state and logs. */
  jobsDir: z.string(),
});
export type Endpoints = z.infer<typeof Endpoints>;

export const StackStatus = z.object({
  temporal: z.object({ address: z.string(), ui: z.string(), up: z.boolean() }),
  mlflow: z.object({ url: z.string(), up: z.boolean() }),
  s3: z.object({ endpoint: z.string(), bucket: z.string(), up: z.boolean() }),
});
export type StackStatus = z.infer<typeof StackStatus>;

/** The embedded stack's record file (<stateDir>/stack.json), written by infra/local/state.ts. */
export const ServiceRecord = z.object({
  pid: z.number().int(),
  pgid: z.number().int(),
  /** /proc start time of the pid, so a reused pid is never mistaken for ours (Linux only). */
  startTicks: z.string().optional(),
  /** The settings the process was started with; a change means it must be restarted. */
  config: z.string(),
  logFile: z.string(),
});
export type ServiceRecord = z.infer<typeof ServiceRecord>;

export const SERVICE_NAMES = ['s3', 'temporal', 'mlflow'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const StackRecord = z.object({
  version: z.literal(1),
  startedAt: z.string(),
  ports: z.object({ temporal: z.number(), temporalUi: z.number(), mlflow: z.number(), s3: z.number() }),
  bucket: z.string(),
  endpoints: Endpoints,
  services: z.object({
    s3: ServiceRecord.optional(),
    temporal: ServiceRecord.optional(),
    mlflow: ServiceRecord.optional(),
  }),
});
export type StackRecord = z.infer<typeof StackRecord>;

/**
 * The embedded stack's S3 bucket as saved by `sluice dev down` (<stateDir>/s3/manifest.json): moto keeps objects in
 * memory only, so they are written to disk at stop and put back at the next start.
 */
export const S3Snapshot = z.object({
  version: z.literal(1),
  bucket: z.string(),
  savedAt: z.string(),
  objects: z.array(
    z.object({
      key: z.string(),
      /** The file under <stateDir>/s3/objects/ that holds the bytes (keys are not safe file names). */
      file: z.string(),
      size: z.number().int().nonnegative(),
      contentType: z.string().optional(),
    }),
  ),
});
export type S3Snapshot = z.infer<typeof S3Snapshot>;
