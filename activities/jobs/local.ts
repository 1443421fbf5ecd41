// The `local` scheduler: each job is a process tree on this machine, owned by a detached supervisor
// (local-supervisor.mjs) so it survives the worker that launched it. All state lives in files under
// <jobsDir>/<key>/, which is what lets a new worker process find a job by key after a crash:
//   spec.json    the JobSpec (compared on re-submit)        launch.json  {supervisorPid, launchedAt}
//   state.json   {supervisorPid, pid, pgid, startedAt}      exit.json    {exitCode, signal, endedAt, message?}
//   cancel.json  {requestedAt}                              output.log   combined stdout/stderr
import { spawn } from 'node:child_process';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { link, mkdir, mkdtemp, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { JobSpec, RunJobInput } from '../../schemas/jobs.js';
import type { LocalJobExit, LocalJobLaunch, LocalJobState, JobHandle, JobStatus } from '../../schemas/jobs.js';
import type { Scheduler } from './scheduler.js';
import { isTerminal } from './scheduler.js';
import { REPO_ROOT } from '../../infra/repo-root.js';

const SUPERVISOR = join(REPO_ROOT, 'activities', 'jobs', 'local-supervisor.mjs');
const DEFAULT_TAIL_BYTES = 64 * 1024;

// On-disk records (schemas/jobs.ts), written by the supervisor script, which cannot import zod.
type StateFile = LocalJobState;
type ExitFile = LocalJobExit;
type LaunchFile = LocalJobLaunch;

export interface LocalSchedulerOptions {
  jobsDir: string;
  /** SIGTERM → SIGKILL grace period on cancel. */
  cancelGraceMs?: number;
  /** A job directory whose supervisor never reported in after this long counts as failed to start. */
  startTimeoutMs?: number;
}

export class LocalScheduler implements Scheduler {
  readonly name = 'local';
  private readonly jobsDir: string;
  private readonly cancelGraceMs: number;
  private readonly startTimeoutMs: number;

  constructor(opts: LocalSchedulerOptions) {
    this.jobsDir = opts.jobsDir;
    this.cancelGraceMs = opts.cancelGraceMs ?? 5_000;
    this.startTimeoutMs = opts.startTimeoutMs ?? 10_000;
  }

  async submit(key: string, job: JobSpec): Promise<JobHandle> {
    validateKey(key);
    const spec = JobSpec.parse(job);
    const dir = this.dir(key);
    await mkdir(this.jobsDir, { recursive: true });
    // Build the directory aside and rename it into place: the rename is the atomic "create if absent",
    // and no reader ever sees a job directory without its spec.
    const tmp = await mkdtemp(join(this.jobsDir, `.new-${key}-`));
    await writeFile(join(tmp, 'spec.json'), canonicalJson(spec));
    try {
      await rename(tmp, dir);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      if (errCode(err) !== 'EEXIST' && errCode(err) !== 'ENOTEMPTY') throw err;
      await this.assertSameSpec(key, spec);
      return this.handle(key);
    }
    await this.launch(dir);
    return this.handle(key);
  }

  async describe(key: string): Promise<JobStatus | undefined> {
    validateKey(key);
    if (!(await exists(join(this.dir(key), 'spec.json')))) return undefined;
    return this.status(this.handle(key));
  }

  async status(handle: JobHandle): Promise<JobStatus> {
    const dir = this.dir(handle.key);
    const base = { handle, logPath: join(dir, 'output.log') };
    const cancelled = await exists(join(dir, 'cancel.json'));
    const exit = await readJson<ExitFile>(join(dir, 'exit.json'));
    const state = await readJson<StateFile>(join(dir, 'state.json'));
    if (exit) return fromExit(base, exit, state, cancelled);
    if (!(await exists(join(dir, 'spec.json')))) {
      throw new Error(`no local job '${handle.key}' in ${this.jobsDir}`);
    }
    if (state) {
      if (isAlive(state.pid) || isAlive(state.supervisorPid)) {
        return { ...base, state: 'running', startedAt: state.startedAt };
      }
      return this.recordLost(
        dir,
        base,
        state,
        cancelled,
        `job process ${state.pid} ended without its supervisor recording an exit status (supervisor killed or machine restarted)`,
      );
    }
    const launch = await readJson<LaunchFile>(join(dir, 'launch.json'));
    if (launch) {
      if (isAlive(launch.supervisorPid)) return { ...base, state: 'pending' };
      // The supervisor may have just finished; recordLost re-checks before declaring the job lost.
      return this.recordLost(dir, base, undefined, cancelled, 'the job supervisor exited before starting the job');
    }
    const created = (await stat(join(dir, 'spec.json'))).mtimeMs;
    if (Date.now() - created > this.startTimeoutMs) {
      return this.recordLost(
        dir,
        base,
        undefined,
        cancelled,
        `job directory ${dir} was created but the job was never launched (the submitting worker probably died); delete the directory to submit the key again`,
      );
    }
    return { ...base, state: 'pending' };
  }

  async cancel(handle: JobHandle): Promise<void> {
    const dir = this.dir(handle.key);
    if (isTerminal((await this.status(handle)).state)) return;
    try {
      await writeFile(join(dir, 'cancel.json'), JSON.stringify({ requestedAt: new Date().toISOString() }), {
        flag: 'wx',
      });
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
    }
    // A pending job may be between spawn and state.json; the supervisor also checks cancel.json before spawning.
    let st = await this.status(handle);
    while (st.state === 'pending') {
      await delay(50);
      st = await this.status(handle);
    }
    const state = await readJson<StateFile>(join(dir, 'state.json'));
    if (!state || isTerminal(st.state)) return;

    signalGroup(state.pgid, 'SIGTERM');
    const deadline = Date.now() + this.cancelGraceMs;
    while (groupAlive(state.pgid) && Date.now() < deadline) await delay(100);
    if (groupAlive(state.pgid)) signalGroup(state.pgid, 'SIGKILL');
    for (let i = 0; i < 200 && groupAlive(state.pgid); i++) await delay(50);
    // Let the supervisor record the exit, so callers see the final state right after cancel() returns.
    while (!isTerminal((await this.status(handle)).state)) await delay(50);
  }

  async logs(handle: JobHandle, tailBytes = DEFAULT_TAIL_BYTES): Promise<string> {
    let fh;
    try {
      fh = await open(join(this.dir(handle.key), 'output.log'), 'r');
    } catch (err) {
      if (errCode(err) === 'ENOENT') return '';
      throw err;
    }
    try {
      const { size } = await fh.stat();
      const len = Math.min(size, tailBytes);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, size - len);
      return buf.toString('utf8');
    } finally {
      await fh.close();
    }
  }

  async openLog(handle: JobHandle): Promise<Readable> {
    const path = join(this.dir(handle.key), 'output.log');
    if (!(await exists(path))) return Readable.from([Buffer.alloc(0)]);
    return createReadStream(path);
  }

  private dir(key: string): string {
    return join(this.jobsDir, key);
  }

  private handle(key: string): JobHandle {
    return { scheduler: this.name, key, id: key };
  }

  private async assertSameSpec(key: string, spec: JobSpec): Promise<void> {
    const path = join(this.dir(key), 'spec.json');
    const existing = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    const wanted = JSON.parse(canonicalJson(spec)) as Record<string, unknown>;
    const differing = [...new Set([...Object.keys(existing), ...Object.keys(wanted)])].filter(
      (k) => canonicalJson(existing[k]) !== canonicalJson(wanted[k]),
    );
    if (differing.length > 0) {
      throw new Error(
        `job key '${key}' was already submitted with a different spec (differs in: ${differing.join(', ')}; see ${path}); ` +
          'use a new key for a different job',
      );
    }
  }

  private async launch(dir: string): Promise<void> {
    // detached: own session and process group, so the supervisor outlives this worker and its signals.
    const child = spawn(process.execPath, [SUPERVISOR, dir], { detached: true, stdio: 'ignore' });
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      const message = `cannot start the job supervisor (${process.execPath} ${SUPERVISOR}): ${String(err)}`;
      await writeExclusive(join(dir, 'exit.json'), { exitCode: null, signal: null, endedAt: now(), message });
      return;
    }
    child.unref();
    await writeFile(join(dir, 'launch.json'), JSON.stringify({ supervisorPid: child.pid, launchedAt: now() }));
  }

  /** Records a job that ended without an exit status, unless a real exit status got there first. */
  private async recordLost(
    dir: string,
    base: Pick<JobStatus, 'handle' | 'logPath'>,
    state: StateFile | undefined,
    cancelled: boolean,
    message: string,
  ): Promise<JobStatus> {
    const lost: ExitFile = { exitCode: null, signal: null, endedAt: now(), message };
    if (await writeExclusive(join(dir, 'exit.json'), lost)) {
      await writeFile(join(dir, 'output.log'), `[sluice] ${message}\n`, { flag: 'a' });
    }
    const exit = (await readJson<ExitFile>(join(dir, 'exit.json'))) ?? lost;
    return fromExit(base, exit, state ?? (await readJson<StateFile>(join(dir, 'state.json'))), cancelled);
  }
}

function fromExit(
  base: Pick<JobStatus, 'handle' | 'logPath'>,
  exit: ExitFile,
  state: StateFile | undefined,
  cancelled: boolean,
): JobStatus {
  const jobState = exit.exitCode === 0 ? 'succeeded' : cancelled ? 'cancelled' : 'failed';
  return {
    ...base,
    state: jobState,
    exitCode: exit.exitCode,
    signal: exit.signal,
    ...(state ? { startedAt: state.startedAt } : {}),
    endedAt: exit.endedAt,
  };
}

function validateKey(key: string): void {
  if (!RunJobInput.shape.key.safeParse(key).success || /^\.+$/.test(key)) {
    throw new Error(`invalid job key '${key}': use 1-200 characters from A-Z a-z 0-9 _ . : - (and not only dots)`);
  }
}

/** Key-sorted JSON, so the same spec always serialises to the same string. */
function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_k, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
        : v,
    ) ?? 'null'
  );
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** Creates `path` only if absent (temp file + link, which fails on EEXIST); true when this call created it. */
async function writeExclusive(path: string, value: unknown): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if (errCode(err) === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (errCode(err) === 'ENOENT') return false;
    throw err;
  }
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function now(): string {
  return new Date().toISOString();
}

/** Linux /proc/<pid>/stat after the command name: "state ppid pgrp ...". */
function procStat(pid: number | string): { state: string; pgrp: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

const HAS_PROC = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

/** Alive and not a zombie: orphans re-parented to an init that does not reap linger as zombies. */
export function isAlive(pid: number): boolean {
  if (HAS_PROC) {
    const st = procStat(pid);
    return st !== undefined && st.state !== 'Z' && st.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errCode(err) === 'EPERM';
  }
}

/** Whether any live (non-zombie) process remains in the process group. */
export function groupAlive(pgid: number): boolean {
  if (HAS_PROC) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const st = procStat(entry);
      if (st && st.pgrp === pgid && st.state !== 'Z' && st.state !== 'X') return true;
    }
    return false;
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return errCode(err) === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if (errCode(err) !== 'ESRCH') throw err;
  }
}
