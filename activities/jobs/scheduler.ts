// The contract every job backend (local processes, Slurm, Kubernetes, Ray) implements. The key is the
// idempotency key: backends map it to something they can look up after a worker crash (a directory, a
// Slurm job name, a Kubernetes Job name, a Ray submission_id), so a retried activity re-attaches instead
// of launching a second job.
import type { Readable } from 'node:stream';
import type { JobHandle, JobSpec, JobStatus } from '../../schemas/jobs.js';

export interface Scheduler {
  readonly name: string;
  /** Idempotent per key: submitting a key that exists returns the existing job's handle and never starts a second process. */
  submit(key: string, job: JobSpec): Promise<JobHandle>;
  /** undefined when no job with this key was ever submitted. */
  describe(key: string): Promise<JobStatus | undefined>;
  status(handle: JobHandle): Promise<JobStatus>;
  cancel(handle: JobHandle): Promise<void>;
  /** Tail of the combined stdout/stderr. */
  logs(handle: JobHandle, tailBytes?: number): Promise<string>;
  /** Full log as a stream (for upload). */
  openLog(handle: JobHandle): Promise<Readable>;
}

/** States after which a job never changes again. */
export function isTerminal(state: JobStatus['state']): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}
