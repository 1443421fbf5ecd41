// Shared by bench/drift and bench/validate: run a command as a child process and measure what it cost (wall time,
// CPU time, peak RSS), make sure the benchmark data exists, and describe the machine.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..', '..');
export const python = resolve(root, '.sluice', 'venv', 'bin', 'python');
const GNU_TIME = '/usr/bin/time';

export const log = (m: string): void => void process.stderr.write(`${m}\n`);
export const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

export interface Measured {
  exitCode: number | null;
  timedOut: boolean;
  /** Wall-clock seconds of the whole child: start-up, reading the files and the computation. */
  seconds: number;
  /** User + system CPU seconds, when GNU time is there to report them. */
  cpuSeconds: number | null;
  /** Peak resident set size of the child (GNU time's %M, or the largest VmHWM seen in /proc). */
  peakRssMb: number;
  /**
   * The largest sum of the resident sets of every process the command started (its process group: the CLI plus
   * the native engine or sorters running beside it), sampled every 100 ms; %M alone is the largest single process.
   */
  peakGroupRssMb: number;
  /** 1-minute load average when the child started: above the core count, other work competed for the CPUs. */
  loadAverage: number;
  stdout: string;
  stderr: string;
}

const PAGE_KB = 4;

/** Resident kB of every process in process group `pgid` (field 5 of /proc/<pid>/stat; rss is field 24, in pages). */
function groupRssKb(pgid: number): number {
  let kb = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name (field 2) may hold spaces; the fields after it are split from its closing parenthesis.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid) kb += Number(f[21]) * PAGE_KB;
    } catch {
      // The process exited between the listing and the read.
    }
  }
  return kb;
}

/**
 * Runs `argv` and measures it. Uses GNU time (Debian `time`) when installed: it reads the child's rusage from wait4,
 * so the peak RSS is exact. Otherwise it polls /proc/<pid>/status for VmHWM, which can miss a peak shorter than the
 * poll interval. The child gets its own process group so a timeout kills everything it started.
 */
export async function measure(argv: string[], timeoutS: number): Promise<Measured> {
  const gnuTime = existsSync(GNU_TIME);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  const timeFile = join(dir, 'time');
  const cmd = gnuTime ? [GNU_TIME, '-o', timeFile, '-f', '%M %e %U %S', ...argv] : argv;
  const loadAverage = round(loadavg()[0] ?? 0, 2);
  const started = performance.now();
  const child = spawn(cmd[0] as string, cmd.slice(1), { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // Detached children outlive an interrupted harness unless it takes them down with it.
  const interrupt = (): void => {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
    process.exit(130);
  };
  process.once('SIGINT', interrupt);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));

  let hwmKb = 0;
  const poll = gnuTime
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
        } catch {
          // The process has just exited; the last reading stands.
        }
      }, 20);
  let groupKb = 0;
  const groupPoll = setInterval(() => {
    if (child.pid) groupKb = Math.max(groupKb, groupRssKb(child.pid));
  }, 100);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  }, timeoutS * 1000);

  const exitCode = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done(code));
  });
  clearTimeout(timer);
  process.off('SIGINT', interrupt);
  if (poll) clearInterval(poll);
  clearInterval(groupPoll);
  const wall = (performance.now() - started) / 1000;

  let seconds = wall;
  let cpuSeconds: number | null = null;
  let peakKb = hwmKb;
  if (gnuTime && existsSync(timeFile)) {
    // GNU time may prefix "Command exited with non-zero status N"; the numbers are the last line.
    const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
    const [maxKb, elapsed, user, sys] = last.split(' ').map(Number);
    if ([maxKb, elapsed, user, sys].every((x) => x !== undefined && Number.isFinite(x))) {
      peakKb = maxKb as number;
      seconds = elapsed as number;
      cpuSeconds = (user as number) + (sys as number);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  // GNU time reports the exit status of the command through its own.
  return {
    exitCode: timedOut ? null : exitCode,
    timedOut,
    seconds: round(seconds),
    cpuSeconds: cpuSeconds === null ? null : round(cpuSeconds),
    peakRssMb: round(peakKb / 1024, 1),
    peakGroupRssMb: round(Math.max(groupKb, peakKb) / 1024, 1),
    loadAverage,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}

/** The generator's manifest: which files hold what (bench/data/generate.py). */
export interface Manifest {
  rows: number;
  numeric: string[];
  categorical: string[];
  features: string[];
  shifted: string[];
  /** `jsonl` only when asked for (ensureData's `jsonl`). */
  files: Record<'reference' | 'current', Record<'csv' | 'parquet', string> & { jsonl?: string }>;
}

/** Parquet codecs the benchmark data can be written in (`--codec`); snappy is the generated files' own. */
export const CODECS = ['snappy', 'gzip', 'zstd', 'none'];

export type DataFormat = 'csv' | 'jsonl' | 'parquet';

/** The formats a `--format` value names: `both` is CSV and Parquet, the formats the targets name; `all` adds JSON Lines. */
export function formatsOf(arg: string): DataFormat[] {
  const named: Record<string, DataFormat[]> = {
    csv: ['csv'],
    jsonl: ['jsonl'],
    parquet: ['parquet'],
    both: ['csv', 'parquet'],
    all: ['csv', 'jsonl', 'parquet'],
  };
  const formats = named[arg];
  if (!formats) throw new Error(`--format must be csv, jsonl, parquet, both or all; got "${arg}"`);
  return formats;
}

/** How the Python peers read each format into pandas (bench/peers/_common.py). */
export const PANDAS_READERS: Record<DataFormat, string> = {
  csv: 'read_csv',
  jsonl: 'read_json(lines=True)',
  parquet: 'read_parquet',
};

/**
 * Generates the data set for `rows` unless it is already there (the generator itself skips complete sets), with
 * JSON Lines copies when `jsonl`.
 */
export function ensureData(rows: number, codec = 'snappy', jsonl = false): Manifest {
  if (!existsSync(python)) throw new Error(`no Python virtualenv at ${python}: run \`npm run setup\` first`);
  if (!CODECS.includes(codec)) throw new Error(`--codec must be one of ${CODECS.join(', ')}; got "${codec}"`);
  log(`data: ${rows} rows under .sluice/bench-data/${rows}/ (generated once, then reused), Parquet in ${codec}`);
  const script = resolve(root, 'bench', 'data', 'generate.py');
  const r = spawnSync(python, [script, '--rows', String(rows), '--codec', codec, ...(jsonl ? ['--jsonl'] : [])], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`bench/data/generate.py failed with exit code ${r.status}`);
  return JSON.parse(r.stdout) as Manifest;
}

/** Parses a child's JSON output, or fails naming the command and showing its stderr. */
export function parseJson(what: string, m: Measured): Record<string, unknown> {
  try {
    return JSON.parse(m.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`${what} did not print JSON (exit ${m.exitCode}); stderr:\n${m.stderr.slice(-4000)}`);
  }
}

export function num(obj: Record<string, unknown>, key: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`expected a number at "${key}", got ${String(v)}`);
  return v;
}

export function machine(): Record<string, unknown> {
  const py = spawnSync(python, ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' });
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    python: py.stdout.trim() || 'unknown',
    peakRssSource: existsSync(GNU_TIME) ? 'GNU time %M (wait4 rusage)' : '/proc/<pid>/status VmHWM, polled every 20 ms',
  };
}

export const rate = (rows: number, seconds: number): number => (seconds > 0 ? Math.round(rows / seconds) : 0);

/** The line of a failed child's stderr that says what went wrong (Node puts the error mid-trace). */
export function failure(m: Measured): string {
  const lines = m.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const line = lines.find((l) => /^(\w*Error\b|error:)/i.test(l)) ?? lines.at(-1) ?? '(no stderr)';
  return `exit ${m.exitCode}: ${line.slice(0, 500)}`;
}
