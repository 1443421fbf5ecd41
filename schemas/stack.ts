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
