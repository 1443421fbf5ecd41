// The runJob activity: launch a job exactly once per generation key, stay attached while it runs
// (heartbeating, so Temporal can deliver cancellation and detect a dead worker), upload its log, and
// turn its exit into a result or a deliberate failure.
//
// Retries of the *job* (preemption, OOM kill, listed exit codes) happen inside one activity call as new
// generations `<key>.1`, `<key>.2`, …; Temporal's own activity retries only re-attach, because describe()
// finds the generation a crashed worker already started. That keeps the job-retry budget separate from
// the failure budget of the activity.
import type { Readable } from 'node:stream';
import { ApplicationFailure, CancelledFailure, heartbeat, log, sleep } from '@temporalio/activity';
import { RunJobInput } from '../../schemas/jobs.js';
import type { JobHandle, JobStatus, RunJobResult } from '../../schemas/jobs.js';
import { isTerminal } from './scheduler.js';
import type { Scheduler } from './scheduler.js';

/** The one storage capability this activity needs (implemented in activities/storage). */
export interface JobLogStorage {
  write(uri: string, body: string | Buffer | Readable, opts?: { contentType?: string }): Promise<void>;
}

export interface JobActivityDeps {
  schedulers: Record<string, Scheduler>;
  storage: JobLogStorage;
  /** How often to poll the scheduler and heartbeat while attached. */
  pollIntervalMs?: number;
}

const TAIL_LINES = 20;

export function createJobActivities(deps: JobActivityDeps): { runJob(input: RunJobInput): Promise<RunJobResult> } {
  const pollMs = deps.pollIntervalMs ?? 1_000;

  async function uploadLog(scheduler: Scheduler, handle: JobHandle, uri: string): Promise<void> {
    await deps.storage.write(uri, await scheduler.openLog(handle), { contentType: 'text/plain; charset=utf-8' });
  }

  /** Polls until the job is terminal. On an explicit cancel of the activity, cancels the job first. */
  async function attach(scheduler: Scheduler, handle: JobHandle, logUri: string, gen: number): Promise<JobStatus> {
    for (;;) {
      const st = await scheduler.status(handle);
      const started = st.startedAt ? Date.parse(st.startedAt) : undefined;
      heartbeat({ key: handle.key, state: st.state, elapsedMs: started ? Date.now() - started : 0, generation: gen });
      if (isTerminal(st.state)) return st;
      try {
        await sleep(pollMs);
      } catch (err) {
        // Only an explicit cancel stops the job. Worker shutdown, timeouts and a superseded attempt
        // leave it running so the next attempt of this activity can re-attach to it.
        if (err instanceof CancelledFailure && err.message === 'CANCELLED') {
          log.info('activity cancelled; cancelling job', { key: handle.key });
          await scheduler.cancel(handle);
          await uploadLog(scheduler, handle, logUri).catch((uploadErr: unknown) =>
            log.warn('log upload after cancel failed', { key: handle.key, logUri, error: String(uploadErr) }),
          );
        }
        throw err;
      }
    }
  }

  async function runJob(rawInput: RunJobInput): Promise<RunJobResult> {
    const parsed = RunJobInput.safeParse(rawInput);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
      throw ApplicationFailure.nonRetryable(`invalid runJob input: ${issues}`, 'InvalidConfig');
    }
    const input = parsed.data;
    const scheduler = deps.schedulers[input.scheduler];
    if (!scheduler) {
      throw ApplicationFailure.nonRetryable(
        `unknown scheduler '${input.scheduler}' (job.scheduler); configured: ${Object.keys(deps.schedulers).join(', ') || 'none'}`,
        'InvalidConfig',
      );
    }
    const prefix = input.logPrefix.replace(/\/+$/, '');
    const command = formatArgv(input.job.argv);

    for (let gen = 1; gen <= input.maxAttempts; gen++) {
      const key = `${input.key}.${gen}`;
      const logUri = `${prefix}/${key}.log`;
      const existing = await scheduler.describe(key);
      let st: JobStatus;
      if (existing && (existing.state === 'failed' || existing.state === 'cancelled')) {
        st = existing; // an earlier attempt of this activity already saw this generation end
      } else {
        const handle = existing?.handle ?? (await scheduler.submit(key, input.job));
        st = await attach(scheduler, handle, logUri, gen);
      }
      await uploadLog(scheduler, st.handle, logUri);

      if (st.state === 'succeeded') {
        const durationMs =
          st.startedAt && st.endedAt ? Math.max(0, Date.parse(st.endedAt) - Date.parse(st.startedAt)) : 0;
        return { jobId: st.handle.id, key, exitCode: 0, durationMs, logUri, attempts: gen };
      }

      const how =
        st.state === 'cancelled'
          ? 'was cancelled'
          : st.signal
            ? `was killed by ${st.signal}`
            : st.exitCode != null
              ? `exited with code ${st.exitCode}`
              : 'was lost (no exit status recorded)';
      // Death by signal (preemption, OOM kill) and lost processes are the machine's fault, not the job's.
      const retryable =
        st.state === 'failed' &&
        (st.signal != null || st.exitCode == null || input.retryableExitCodes.includes(st.exitCode));
      if (retryable && gen < input.maxAttempts) {
        log.warn('job failed with a retryable status; launching next generation', { key, how, next: gen + 1 });
        heartbeat({ key, state: st.state, retrying: true, nextKey: `${input.key}.${gen + 1}`, generation: gen });
        continue;
      }
      const tail = lastLines(await scheduler.logs(st.handle, 16 * 1024), TAIL_LINES);
      const budget = retryable ? ` (after ${gen} of ${input.maxAttempts} attempts)` : '';
      throw ApplicationFailure.nonRetryable(
        `job ${key} failed: '${command}' ${how}${budget}; log: ${logUri}\n--- last lines ---\n${tail}`,
        'JobFailed',
        { key, exitCode: st.exitCode ?? null, signal: st.signal ?? null, state: st.state, logUri, attempts: gen },
      );
    }
    // Unreachable: maxAttempts >= 1 and every iteration returns, continues below the limit, or throws.
    throw ApplicationFailure.nonRetryable(`job ${input.key}: no attempt was made`, 'InvalidConfig');
  }

  return { runJob };
}

/** argv as a readable command line: plain words as-is, anything else quoted. */
function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

function lastLines(text: string, n: number): string {
  const lines = text.replace(/\n+$/, '').split('\n');
  return lines.slice(-n).join('\n');
}
