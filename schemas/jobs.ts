import { z } from 'zod';

/** What a scheduler runs: an argv (never through a shell), its environment and limits. */
export const JobSpec = z.object({
  argv: z.array(z.string()).nonempty(),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().optional(),
  resources: z.object({ cpus: z.number().int(), gpus: z.number().int(), memoryMb: z.number().int().optional() }),
});
export type JobSpec = z.infer<typeof JobSpec>;

export const JobState = z.enum(['pending', 'running', 'succeeded', 'failed', 'cancelled']);
export type JobState = z.infer<typeof JobState>;

export const JobHandle = z.object({ scheduler: z.string(), key: z.string(), id: z.string() });
export type JobHandle = z.infer<typeof JobHandle>;

export const JobStatus = z.object({
  handle: JobHandle,
  state: JobState,
  exitCode: z.number().int().nullable().optional(),
  signal: z.string().nullable().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  /** Where the scheduler keeps the combined stdout/stderr while the job runs. */
  logPath: z.string().optional(),
});
export type JobStatus = z.infer<typeof JobStatus>;

/** Input of the runJob activity. */
export const RunJobInput = z.object({
  /** Stable per pipeline stage; the activity adds a generation suffix for retried failures. */
  key: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/),
  scheduler: z.literal('local'),
  job: JobSpec,
  maxAttempts: z.number().int().min(1),
  retryableExitCodes: z.array(z.number().int()),
  /** Storage URI prefix the log is uploaded under. */
  logPrefix: z.string(),
});
export type RunJobInput = z.infer<typeof RunJobInput>;

export const RunJobResult = z.object({
  jobId: z.string(),
  key: z.string(),
  exitCode: z.number().int(),
  durationMs: z.number(),
  logUri: z.string(),
  attempts: z.number().int(),
});
export type RunJobResult = z.infer<typeof RunJobResult>;

/** On-disk records of the local scheduler (`<jobsDir>/<key>/*.json`), written by its supervisor process. */
export const LocalJobState = z.object({
  supervisorPid: z.number().int(),
  pid: z.number().int(),
  pgid: z.number().int(),
  startedAt: z.string(),
});
export type LocalJobState = z.infer<typeof LocalJobState>;

export const LocalJobExit = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  endedAt: z.string(),
  message: z.string().optional(),
});
export type LocalJobExit = z.infer<typeof LocalJobExit>;

export const LocalJobLaunch = z.object({ supervisorPid: z.number().int(), launchedAt: z.string() });
export type LocalJobLaunch = z.infer<typeof LocalJobLaunch>;
