// Supervisor of one local job: `node local-supervisor.mjs <jobDir>`.
// It runs detached from the worker that launched it, so the job outlives a worker crash, and it is the one
// process that can reap the job and learn its exit status; it records that in files any later worker reads:
//   state.json  {supervisorPid, pid, pgid, startedAt}   written once the job process exists
//   exit.json   {exitCode, signal, endedAt, message?}   written once the job process has ended
// Plain JS on purpose: it must start with bare `node`, without a TypeScript loader.
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';

const jobDir = process.argv[2];
if (!jobDir) {
  process.stderr.write('usage: local-supervisor.mjs <jobDir>\n');
  process.exit(2);
}

/** Write-then-rename so readers never see a half-written file. */
function writeJsonAtomic(name, value) {
  const tmp = join(jobDir, `.${name}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, join(jobDir, name));
}

const logFd = openSync(join(jobDir, 'output.log'), 'a');
function note(line) {
  writeSync(logFd, `[sluice] ${line}\n`);
}

function finish(exitCode, signal, message) {
  if (message) note(message);
  writeJsonAtomic('exit.json', {
    exitCode,
    signal,
    endedAt: new Date().toISOString(),
    ...(message ? { message } : {}),
  });
  process.exit(0);
}

let spec;
try {
  spec = JSON.parse(readFileSync(join(jobDir, 'spec.json'), 'utf8'));
} catch (err) {
  finish(127, null, `cannot read job spec in ${jobDir}: ${err instanceof Error ? err.message : String(err)}`);
}

// A cancel that arrived before we got here: never start the job at all.
if (existsSync(join(jobDir, 'cancel.json'))) finish(null, 'SIGTERM', 'cancelled before start');

const cwd = spec.cwd ?? process.cwd();
let cwdOk = false;
try {
  cwdOk = statSync(cwd).isDirectory();
} catch {
  cwdOk = false;
}
if (!cwdOk) finish(127, null, `cannot start '${spec.argv[0]}': working directory '${cwd}' (job.cwd) does not exist`);

const env = {
  ...process.env,
  ...spec.env,
  SLUICE_JOB_KEY: basename(jobDir),
  SLUICE_JOB_CPUS: String(spec.resources.cpus),
  SLUICE_JOB_GPUS: String(spec.resources.gpus),
  ...(spec.resources.memoryMb !== undefined ? { SLUICE_JOB_MEMORY_MB: String(spec.resources.memoryMb) } : {}),
};

// detached: the job becomes leader of its own process group, so cancel can signal it and every
// descendant at once (-pgid) without hitting this supervisor.
const child = spawn(spec.argv[0], spec.argv.slice(1), { cwd, env, stdio: ['ignore', logFd, logFd], detached: true });

child.on('spawn', () => {
  writeJsonAtomic('state.json', {
    supervisorPid: process.pid,
    pid: child.pid,
    pgid: child.pid,
    startedAt: new Date().toISOString(),
  });
});

child.on('error', (err) => {
  if (child.pid !== undefined) return; // errors after a successful spawn are followed by 'exit'
  const code = err.code === 'ENOENT' ? 127 : 126;
  const why = err.code === 'ENOENT' ? 'not found' : err.code === 'EACCES' ? 'permission denied' : err.message;
  finish(code, null, `cannot start '${spec.argv[0]}': ${why}`);
});

child.on('exit', (code, signal) => {
  // The job ends when its main process ends; leftovers in its group would otherwise run unsupervised.
  // During a cancel the canceller owns the SIGTERM → SIGKILL escalation, so descendants keep their grace period.
  if (!existsSync(join(jobDir, 'cancel.json'))) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // group already empty
    }
  }
  finish(code, signal);
});

// Whoever signals the supervisor means the job: pass the signal on and keep waiting to record the exit.
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  });
}
process.on('SIGHUP', () => {});
