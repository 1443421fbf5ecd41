// runJob in a MockActivityEnvironment with the real local scheduler and real processes: results, log
// upload, generation retries, non-retryable failures, re-attachment without relaunch, and cancellation.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalScheduler } from '../../activities/jobs/local.js';
import { createJobActivities } from '../../activities/jobs/run-job.js';
import type { JobLogStorage } from '../../activities/jobs/run-job.js';
import type { JobSpec, RunJobInput, RunJobResult } from '../../schemas/jobs.js';

/** Storage for file:// URIs only, enough to observe uploads. */
const fileStorage: JobLogStorage = {
  async write(uri: string, body: string | Buffer | Readable): Promise<void> {
    const path = fileURLToPath(uri);
    await mkdir(dirname(path), { recursive: true });
    if (typeof body === 'string' || Buffer.isBuffer(body)) await writeFile(path, body);
    else await pipeline(body, createWriteStream(path));
  },
};

const tempDirs: string[] = [];

interface Fixture {
  dir: string;
  scheduler: LocalScheduler;
  runJob: ReturnType<typeof createJobActivities>['runJob'];
  logPrefix: string;
  counter: string;
}

async function fixture(): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-runjob-'));
  tempDirs.push(dir);
  const scheduler = new LocalScheduler({ jobsDir: join(dir, 'jobs') });
  const { runJob } = createJobActivities({
    schedulers: { local: scheduler },
    storage: fileStorage,
    pollIntervalMs: 100,
  });
  return { dir, scheduler, runJob, logPrefix: pathToFileURL(join(dir, 'logs')).href, counter: join(dir, 'counter') };
}

function nodeJob(code: string): JobSpec {
  return { argv: [process.execPath, '-e', code], env: {}, resources: { cpus: 1, gpus: 0 } };
}

/** A job that counts its runs in `counter` and exits with `codes[run - 1]` (0 once past the list). */
function countingJob(counter: string, codes: number[]): JobSpec {
  return nodeJob(
    `const fs=require("fs"); fs.appendFileSync(${JSON.stringify(counter)}, "run\\n");
     const n=fs.readFileSync(${JSON.stringify(counter)}, "utf8").split("\\n").filter(Boolean).length;
     console.log("run " + n); process.exit(${JSON.stringify(codes)}[n-1] ?? 0);`,
  );
}

function input(f: Fixture, key: string, job: JobSpec, extra: Partial<RunJobInput> = {}): RunJobInput {
  return { key, scheduler: 'local', job, maxAttempts: 1, retryableExitCodes: [75], logPrefix: f.logPrefix, ...extra };
}

/** env.run loses the activity's return type; restore it. */
function runIn(env: MockActivityEnvironment, runJob: Fixture['runJob'], i: RunJobInput): Promise<RunJobResult> {
  return env.run(runJob, i) as Promise<RunJobResult>;
}

const runs = (counter: string) => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length;

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

afterEach(async () => {
  for (const dir of tempDirs.splice(0)) {
    const jobsDir = join(dir, 'jobs');
    for (const key of await readdir(jobsDir).catch(() => [] as string[])) {
      const statePath = join(jobsDir, key, 'state.json');
      if (!existsSync(statePath)) continue;
      const st = JSON.parse(readFileSync(statePath, 'utf8')) as { pgid: number; supervisorPid: number };
      for (const target of [-st.pgid, st.supervisorPid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
});

describe('runJob', () => {
  it('returns the result, uploads the log and heartbeats while attached', async () => {
    const f = await fixture();
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));

    const result = await runIn(
      env,
      f.runJob,
      input(f, 'train-ok', nodeJob('console.log("trained"); console.error("warn")')),
    );

    expect(result).toMatchObject({ jobId: 'train-ok.1', key: 'train-ok.1', exitCode: 0, attempts: 1 });
    expect(result.logUri).toBe(`${f.logPrefix}/train-ok.1.log`);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    const uploaded = await readFile(fileURLToPath(result.logUri), 'utf8');
    expect(uploaded).toContain('trained');
    expect(uploaded).toContain('warn');
    expect(beats.length).toBeGreaterThan(0);
    expect(beats.at(-1)).toMatchObject({ key: 'train-ok.1', state: 'succeeded' });
    expect(beats.every((b) => typeof (b as { elapsedMs: unknown }).elapsedMs === 'number')).toBe(true);
  });

  it('runs new generations after retryable exits and succeeds on the third', async () => {
    const f = await fixture();
    const env = new MockActivityEnvironment();
    const beats: Array<Record<string, unknown>> = [];
    env.on('heartbeat', (d: Record<string, unknown>) => beats.push(d));

    const result = await runIn(env, f.runJob, input(f, 'flaky', countingJob(f.counter, [75, 75]), { maxAttempts: 3 }));

    expect(result).toMatchObject({ key: 'flaky.3', attempts: 3, exitCode: 0 });
    expect(runs(f.counter)).toBe(3);
    for (const gen of [1, 2, 3]) {
      expect(await readFile(fileURLToPath(`${f.logPrefix}/flaky.${gen}.log`), 'utf8')).toContain(`run ${gen}`);
    }
    expect(beats.some((b) => b.retrying === true && b.nextKey === 'flaky.2')).toBe(true);
  });

  it('fails non-retryably when the retry budget is spent', async () => {
    const f = await fixture();
    const env = new MockActivityEnvironment();
    const err = await runIn(
      env,
      f.runJob,
      input(f, 'always-75', countingJob(f.counter, [75, 75, 75]), { maxAttempts: 2 }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'JobFailed', nonRetryable: true });
    expect((err as Error).message).toContain('job always-75.2 failed');
    expect((err as Error).message).toContain('exited with code 75 (after 2 of 2 attempts)');
    expect(runs(f.counter)).toBe(2);
  });

  it('fails at once on a non-retryable exit, naming command, exit code, log and tail', async () => {
    const f = await fixture();
    const env = new MockActivityEnvironment();
    const job = nodeJob('for (let i = 1; i <= 30; i++) console.log("line " + i); process.exit(2)');
    const err = await runIn(env, f.runJob, input(f, 'train-bad', job, { maxAttempts: 3 })).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ApplicationFailure);
    const failure = err as ApplicationFailure;
    expect(failure.type).toBe('JobFailed');
    expect(failure.nonRetryable).toBe(true);
    const logUri = `${f.logPrefix}/train-bad.1.log`;
    expect(failure.message).toContain(`job train-bad.1 failed: '${process.execPath} -e "for`);
    expect(failure.message).toContain(`exited with code 2; log: ${logUri}`);
    expect(failure.message).toContain('--- last lines ---\nline 11\n');
    expect(failure.message).toContain('line 30');
    expect(failure.message).not.toContain('line 10\n');
    expect(failure.details?.[0]).toMatchObject({ key: 'train-bad.1', exitCode: 2, logUri, attempts: 1 });
    expect(await readFile(fileURLToPath(logUri), 'utf8')).toContain('line 30');
    // Non-retryable: no second generation was started.
    expect(await f.scheduler.describe('train-bad.2')).toBeUndefined();
  });

  it('does not rerun a job that already succeeded under the same key', async () => {
    const f = await fixture();
    const job = countingJob(f.counter, []);
    const first = await runIn(new MockActivityEnvironment(), f.runJob, input(f, 'once', job));
    const second = await runIn(new MockActivityEnvironment(), f.runJob, input(f, 'once', job));
    expect(second).toMatchObject({ key: first.key, jobId: first.jobId, exitCode: 0, attempts: 1 });
    expect(runs(f.counter)).toBe(1);
  });

  it('re-attaches to a job a crashed worker started instead of launching another', async () => {
    const f = await fixture();
    const go = join(f.dir, 'go');
    const job = nodeJob(
      `const fs=require("fs"); fs.appendFileSync(${JSON.stringify(f.counter)}, "run\\n");
       const t=setInterval(()=>{ if(fs.existsSync(${JSON.stringify(go)})){clearInterval(t);} },20)`,
    );
    // What the crashed worker's attempt left behind: generation 1 submitted and running.
    await f.scheduler.submit('resumed.1', job);
    const env = new MockActivityEnvironment({ attempt: 2 });
    env.on('heartbeat', (d: { state: string }) => {
      if (d.state === 'running') void writeFile(go, '');
    });
    const result = await runIn(env, f.runJob, input(f, 'resumed', job));
    expect(result).toMatchObject({ key: 'resumed.1', attempts: 1 });
    expect(runs(f.counter)).toBe(1);
  });

  it('cancelling the activity kills the job process group and uploads the log', async () => {
    const f = await fixture();
    const gcFile = join(f.dir, 'grandchild.pid');
    const job: JobSpec = {
      argv: ['sh', '-c', `echo started; sleep 100 & echo $! > ${gcFile}; sleep 100`],
      env: {},
      resources: { cpus: 1, gpus: 0 },
    };
    const env = new MockActivityEnvironment();
    let cancelled = false;
    env.on('heartbeat', (d: { state: string }) => {
      if (d.state === 'running' && existsSync(gcFile) && !cancelled) {
        cancelled = true;
        env.cancel();
      }
    });
    const err = await runIn(env, f.runJob, input(f, 'long', job)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledFailure);

    const status = await f.scheduler.describe('long.1');
    expect(status?.state).toBe('cancelled');
    const state = JSON.parse(await readFile(join(f.dir, 'jobs', 'long.1', 'state.json'), 'utf8')) as { pid: number };
    const grandchild = Number(readFileSync(gcFile, 'utf8').trim());
    expect(pidAlive(state.pid)).toBe(false);
    expect(pidAlive(grandchild)).toBe(false);
    expect(await readFile(fileURLToPath(`${f.logPrefix}/long.1.log`), 'utf8')).toContain('started');
  });

  it('rejects an unknown scheduler as InvalidConfig', async () => {
    const f = await fixture();
    const { runJob } = createJobActivities({ schedulers: {}, storage: fileStorage });
    const err = await runIn(new MockActivityEnvironment(), runJob, input(f, 'nowhere', nodeJob('0'))).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ type: 'InvalidConfig', nonRetryable: true });
    expect((err as Error).message).toContain("unknown scheduler 'local'");
  });
});
