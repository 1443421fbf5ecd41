// Detached service processes: start each in its own process group with output to a log file, recognise it
// later by pid plus start time, and stop exactly that group.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceRecord } from './state.js';

export interface Spawned {
  pid: number;
  pgid: number;
  startTicks: string | undefined;
  /** Resolves with a description when the process exits (used to fail fast during start-up). */
  exited: Promise<string>;
}

export function spawnDetached(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  cwd: string,
): Spawned {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    // detached: a new process group (pgid = pid), so stop can signal the server and every child it forks.
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    const exited = new Promise<string>((resolve) => {
      child.once('error', (err) => resolve(`could not start: ${err.message}`));
      child.once('exit', (code, signal) => resolve(code === null ? `exited on ${signal}` : `exited with code ${code}`));
    });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${cmd}; see ${logFile}`);
    return { pid, pgid: pid, startTicks: procStartTicks(pid), exited };
  } finally {
    closeSync(fd);
  }
}

/** The kernel's start time of a pid (Linux /proc), or undefined where /proc is not available. */
export function procStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may contain spaces, so count from after its closing paren.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function signalOk(target: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch (err) {
    // EPERM means it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the recorded leader is still the process we started. */
export function isOurs(rec: ServiceRecord): boolean {
  if (!signalOk(rec.pid, 0)) return false;
  if (rec.startTicks === undefined) return true;
  const now = procStartTicks(rec.pid);
  return now === undefined || now === rec.startTicks;
}

function groupAlive(pgid: number): boolean {
  return signalOk(-pgid, 0);
}

/**
 * SIGTERM the recorded group, wait up to `graceMs`, then SIGKILL. The group is signalled only if its leader is
 * still ours, or the leader is gone but the group lives on (a pid cannot be reused while its group exists).
 * Returns false if the group survived SIGKILL.
 */
export async function stopGroup(rec: ServiceRecord, graceMs = 10_000): Promise<boolean> {
  const leaderAlive = signalOk(rec.pid, 0);
  if (leaderAlive && !isOurs(rec)) return true;
  if (!groupAlive(rec.pgid)) return true;
  signalOk(-rec.pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(rec.pgid)) return true;
    await sleep(100);
  }
  signalOk(-rec.pgid, 'SIGKILL');
  while (Date.now() < deadline + 5_000) {
    if (!groupAlive(rec.pgid)) return true;
    await sleep(100);
  }
  return false;
}

/** The last `lines` lines of a log file, for error messages. */
export function tailFile(path: string, lines = 20): string {
  try {
    const text = readFileSync(path, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log output)';
  }
}
