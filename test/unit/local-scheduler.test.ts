// The local scheduler with real processes: idempotent submit, exit codes, logs, process-group cancel,
// and jobs that outlive the (SIGKILLed) worker process that launched them.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalScheduler } from '../../activities/jobs/local.js';
import { isTerminal } from '../../activities/jobs/scheduler.js';
import type { JobHandle, JobSpec, JobStatus } from '../../schemas/jobs.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-local-'));
  tempDirs.push(dir);
  return dir;
}

function nodeJob(code: string, env: Record<string, string> = {}): JobSpec {
  return { argv: [process.execPath, '-e', code], env, resources: { cpus: 1, gpus: 0 } };
}

/** Alive and not a zombie, read straight from /proc. */
function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

async function waitFor(s: LocalScheduler, h: JobHandle, until: (st: JobStatus) => boolean): Promise<JobStatus> {
  for (;;) {
    const st = await s.status(h);
    if (until(st)) return st;
    await delay(50);
  }
}
const done = (s: LocalScheduler, h: JobHandle) => waitFor(s, h, (st) => isTerminal(st.state));

async function waitForFile(path: string): Promise<string> {
  while (!existsSync(path)) await delay(50);
  return readFile(path, 'utf8');
}

// No stray processes: kill every job group and supervisor any test left behind.
afterEach(async () => {
  for (const dir of tempDirs.splice(0)) {
    for (const jobsDir of [dir, join(dir, 'jobs')]) {
      const entries = await readdir(jobsDir).catch(() => [] as string[]);
      for (const key of entries) {
        for (const file of ['state.json', 'launch.json']) {
          const path = join(jobsDir, key, file);
          if (!existsSync(path)) continue;
          const rec = JSON.parse(readFileSync(path, 'utf8')) as { pgid?: number; supervisorPid?: number };
          for (const target of [rec.pgid ? -rec.pgid : 0, rec.supervisorPid ?? 0]) {
            if (target === 0) continue;
            try {
              process.kill(target, 'SIGKILL');
            } catch {
              // already gone
            }
          }
        }
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
});

describe('LocalScheduler', () => {
  it('runs a job to success with both output streams and the job env in the log', async () => {
    const s = new LocalScheduler({ jobsDir: await tempDir() });
    const h = await s.submit(
      'ok-1',
      nodeJob(
        'console.log("to stdout", process.env.GREETING, process.env.SLUICE_JOB_CPUS, process.env.SLUICE_JOB_GPUS); console.error("to stderr")',
        { GREETING: 'hello' },
      ),
    );
    expect(h).toEqual({ scheduler: 'local', key: 'ok-1', id: 'ok-1' });
    const st = await done(s, h);
    expect(st).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(st.startedAt).toBeTypeOf('string');
    expect(st.endedAt).toBeTypeOf('string');
    const log = await s.logs(h);
    expect(log).toContain('to stdout hello 1 0');
    expect(log).toContain('to stderr');
    const chunks: Buffer[] = [];
    for await (const c of await s.openLog(h)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe(log);
  });

  it('reports a non-zero exit as failed with its exit code', async () => {
    const s = new LocalScheduler({ jobsDir: await tempDir() });
    const h = await s.submit('exit-3', nodeJob('process.exit(3)'));
    expect(await done(s, h)).toMatchObject({ state: 'failed', exitCode: 3, signal: null });
  });

  it('runs a key exactly once however often it is submitted', async () => {
    const dir = await tempDir();
    const s = new LocalScheduler({ jobsDir: join(dir, 'jobs') });
    const counter = join(dir, 'counter');
    const job = nodeJob(`require("fs").appendFileSync(${JSON.stringify(counter)}, "ran\\n")`);
    const [a, b] = await Promise.all([s.submit('once', job), s.submit('once', job)]);
    expect(a).toEqual(b);
    await done(s, a);
    expect(await s.submit('once', job)).toEqual(a);
    // A second instance (another worker) submitting the same key attaches too.
    expect(await new LocalScheduler({ jobsDir: join(dir, 'jobs') }).submit('once', job)).toEqual(a);
    await done(s, a);
    expect(await readFile(counter, 'utf8')).toBe('ran\n');
  });

  it('rejects a different spec under an existing key, naming the key', async () => {
    const s = new LocalScheduler({ jobsDir: await tempDir() });
    await s.submit('same-key', nodeJob('process.exit(0)'));
    await expect(s.submit('same-key', nodeJob('process.exit(1)'))).rejects.toThrow(
      /job key 'same-key' was already submitted with a different spec \(differs in: argv/,
    );
  });

  it('rejects keys that are not safe directory names', async () => {
    const s = new LocalScheduler({ jobsDir: await tempDir() });
    await expect(s.submit('..', nodeJob('0'))).rejects.toThrow(/invalid job key '\.\.'/);
    await expect(s.submit('a/b', nodeJob('0'))).rejects.toThrow(/invalid job key 'a\/b'/);
    expect(await s.describe('never-submitted')).toBeUndefined();
  });

  it('cancel kills the whole process group, grandchildren included', async () => {
    const dir = await tempDir();
    const s = new LocalScheduler({ jobsDir: join(dir, 'jobs') });
    const gcFile = join(dir, 'grandchild.pid');
    const h = await s.submit('cancel-me', {
      argv: ['sh', '-c', `sleep 100 & echo $! > ${gcFile}; sleep 100`],
      env: {},
      resources: { cpus: 1, gpus: 0 },
    });
    const grandchild = Number((await waitForFile(gcFile)).trim());
    const running = await waitFor(s, h, (st) => st.state === 'running');
    expect(running.state).toBe('running');
    const state = JSON.parse(await readFile(join(dir, 'jobs', 'cancel-me', 'state.json'), 'utf8')) as { pid: number };
    expect(pidAlive(state.pid)).toBe(true);
    expect(pidAlive(grandchild)).toBe(true);

    await s.cancel(h);
    expect(await s.status(h)).toMatchObject({ state: 'cancelled', signal: 'SIGTERM' });
    expect(pidAlive(state.pid)).toBe(false);
    expect(pidAlive(grandchild)).toBe(false);
    await s.cancel(h); // idempotent on a finished job
  });

  it('reports a missing executable as failed with exit code 127', async () => {
    const s = new LocalScheduler({ jobsDir: await tempDir() });
    const h = await s.submit('missing', {
      argv: ['no-such-binary-xyz', '--flag'],
      env: {},
      resources: { cpus: 1, gpus: 0 },
    });
    expect(await done(s, h)).toMatchObject({ state: 'failed', exitCode: 127 });
    expect(await s.logs(h)).toContain("cannot start 'no-such-binary-xyz': not found");
  });

  it('reports a job directory whose launch never happened as failed, with the fix in the log', async () => {
    const jobsDir = await tempDir();
    // What a worker that died between creating the directory and starting the supervisor leaves behind.
    await mkdir(join(jobsDir, 'half-made'));
    await writeFile(join(jobsDir, 'half-made', 'spec.json'), JSON.stringify(nodeJob('0')));
    const s = new LocalScheduler({ jobsDir, startTimeoutMs: 0 });
    await delay(5);
    expect(await s.describe('half-made')).toMatchObject({ state: 'failed', exitCode: null, signal: null });
    expect(await s.logs({ scheduler: 'local', key: 'half-made', id: 'half-made' })).toContain(
      'was created but the job was never launched',
    );
  });

  it('a new scheduler instance finds a running job by key and later its exit code', async () => {
    const dir = await tempDir();
    const go = join(dir, 'go');
    const job = nodeJob(
      `const fs=require("fs"); const t=setInterval(()=>{ if(fs.existsSync(${JSON.stringify(go)})){clearInterval(t); process.exit(5);} },20)`,
    );
    await new LocalScheduler({ jobsDir: join(dir, 'jobs') }).submit('survivor', job);

    const fresh = new LocalScheduler({ jobsDir: join(dir, 'jobs') });
    const seen = await fresh.describe('survivor');
    expect(seen?.state === 'pending' || seen?.state === 'running').toBe(true);
    const handle = seen!.handle;
    expect((await waitFor(fresh, handle, (st) => st.state !== 'pending')).state).toBe('running');
    await writeFile(go, '');
    expect(await done(fresh, handle)).toMatchObject({ state: 'failed', exitCode: 5 });
  });

  it('a job keeps running after the Node process that launched it is SIGKILLed', async () => {
    const dir = await tempDir();
    const jobsDir = join(dir, 'jobs');
    const go = join(dir, 'go');
    const job = nodeJob(
      `const fs=require("fs"); const t=setInterval(()=>{ if(fs.existsSync(${JSON.stringify(go)})){clearInterval(t); console.log("finished");} },20)`,
    );
    const launcherPath = join(dir, 'launcher.mts');
    const localUrl = pathToFileURL(join(repoRoot, 'activities/jobs/local.ts')).href;
    await writeFile(
      launcherPath,
      `import { LocalScheduler } from ${JSON.stringify(localUrl)};
const s = new LocalScheduler({ jobsDir: ${JSON.stringify(jobsDir)} });
await s.submit('orphan', ${JSON.stringify(job)});
process.stdout.write('submitted\\n');
setInterval(() => {}, 1000);
`,
    );
    const launcher = spawn(process.execPath, ['--import', 'tsx', launcherPath], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => launcher.once('exit', (_c, sig) => resolve(sig)));
    await new Promise<void>((resolve, reject) => {
      launcher.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('submitted')) resolve();
      });
      launcher.once('exit', (code) => reject(new Error(`launcher exited early with code ${code}`)));
    });
    launcher.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const fresh = new LocalScheduler({ jobsDir });
    const seen = await fresh.describe('orphan');
    expect(seen).toBeDefined();
    expect((await waitFor(fresh, seen!.handle, (st) => st.state !== 'pending')).state).toBe('running');
    await writeFile(go, '');
    expect(await done(fresh, seen!.handle)).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(await fresh.logs(seen!.handle)).toContain('finished');
  });
});
