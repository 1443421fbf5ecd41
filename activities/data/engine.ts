// The native data engine (engine/, Rust, built by scripts/setup.mjs) on local files, read on several threads:
// - columns: one file of sorted finite f64s per numeric column plus exact text counts, read exactly as the
//   TypeScript loader reads them (typing, nulls, nan/inf spellings, the 100 000-category cap), from CSV, from JSON
//   Lines (cells as jsonl.ts makes them), both also gzipped, or from flat Parquet files of numbers, booleans,
//   strings, dates and timestamps (uncompressed, snappy, zstd or gzip), other Parquet columns left by name to the
//   TypeScript loader (joined.ts);
// - validate: the Validator's counters for every rule type from CSV and JSON Lines, and for number, integer, string
//   and category rules (with the DuckDB path's meaning, see parquet-sql.ts), timestamp rules on dates and
//   timestamps and boolean rules from the same flat Parquet files;
// It gives up with exit code 64 on what it does not read identically (quoted fields, ragged rows, bare CRs, invalid
// UTF-8 or JSON, other Parquet rule types, types, codecs or encodings): the caller then uses the TypeScript code,
// which also gives the canonical error for a malformed file.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineManifest, EngineValidation, type EngineFormat } from '../../schemas/engine.js';
import { formatOf } from './reader.js';
import type { ValidationRules } from '../../schemas/validation.js';
import type { DriftInput } from '../../schemas/drift.js';
import type { Storage } from '../storage/types.js';
import type { ColumnInfo, ColumnSet, LoadOptions } from './columns.js';
import { REPO_ROOT } from '../../infra/repo-root.js';

export const ENGINE_BINARY = join(REPO_ROOT, 'engine', 'target', 'release', 'sluice-engine');

/** Exit code of a file the engine leaves to the TypeScript loader. */
const UNSUPPORTED = 64;

/** Whether the native loader can be used: built, and not switched off with SLUICE_ENGINE=js. */
export function engineAvailable(): boolean {
  return process.env.SLUICE_ENGINE !== 'js' && existsSync(ENGINE_BINARY);
}

/**
 * The format the engine reads the dataset at `uri` in, or null when it is not one for the engine: the engine is
 * unavailable, or the object is neither local nor on S3. Every format the readers take is one for the engine: CSV and
 * JSON Lines, gzipped or not, and Parquet. (The engine may still hand a file back.)
 */
export function engineFormat(uri: string): EngineFormat | null {
  const format: EngineFormat = formatOf(uri);
  return (uri.startsWith('file:') || uri.startsWith('s3:')) && engineAvailable() ? format : null;
}

/** What an engine command needs from its caller. */
type RunOptions = Pick<LoadOptions, 'onProgress' | 'signal'>;

/**
 * Runs `sluice-engine <args>` (with `stdin` written to it) and returns its stdout, or null when the file needs the
 * TypeScript reader (exit 64).
 */
async function spawnEngine(args: string[], opts: RunOptions, stdin = ''): Promise<string | null> {
  opts.signal?.throwIfAborted();
  const child = spawn(ENGINE_BINARY, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const abort = (): void => void child.kill('SIGKILL');
  opts.signal?.addEventListener('abort', abort, { once: true });
  const out: Buffer[] = [];
  let err = '';
  let partial = '';
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    // Progress lines (`rows N`) feed heartbeats; a line may arrive in pieces. Other lines are kept (the tail) for
    // an error message.
    const lines = (partial + s).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^rows (\d+)$/.exec(line);
      if (m) opts.onProgress?.(Number(m[1]));
      else err = `${err}${line}\n`.slice(-4096);
    }
  });
  // The engine may exit (unsupported input) before reading all of stdin.
  child.stdin.on('error', () => undefined);
  child.stdin.end(stdin);
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('close', done);
  }).finally(() => opts.signal?.removeEventListener('abort', abort));
  opts.signal?.throwIfAborted();
  if (code === UNSUPPORTED) return null;
  if (code !== 0) {
    const tail = (err + partial).trim();
    throw new Error(`${ENGINE_BINARY} ${args[0] ?? ''} failed (exit ${String(code)}): ${tail || 'no message'}`);
  }
  return Buffer.concat(out).toString('utf8');
}

const threads = (): string => String(Math.min(4, availableParallelism()));

/**
 * Runs the engine on `path` (a CSV or Parquet file), writing column files into `dir`; null when the file needs the
 * TypeScript loader.
 */
export async function runEngine(
  path: string,
  format: EngineFormat,
  dir: string,
  opts: LoadOptions,
): Promise<EngineManifest | null> {
  const args = ['columns', '--input', path, '--format', format, '--out', dir, '--threads', threads()];
  for (const c of opts.columns ?? []) args.push('--column', c);
  if (opts.memoryBytes !== undefined) args.push('--memory', String(opts.memoryBytes));
  const out = await spawnEngine(args, opts);
  return out === null ? null : EngineManifest.parse(JSON.parse(out));
}

/**
 * Validation counters of the rule columns of the CSV or Parquet file at `path`; null when the rules or the file need
 * the TypeScript Validator (quoted fields; other Parquet types and rule pairings, …: see
 * engine/src/validate.rs and validate_parquet.rs).
 */
export async function engineValidate(
  path: string,
  format: EngineFormat,
  rules: ValidationRules,
  opts: RunOptions,
): Promise<EngineValidation | null> {
  // NUL-separated: name, type, min, max, unique, value count, values.
  const fields: string[] = [];
  for (const [name, r] of Object.entries(rules.columns)) {
    const values = r.values ?? [];
    fields.push(name, r.type, r.min === undefined ? '' : String(r.min), r.max === undefined ? '' : String(r.max));
    fields.push(r.unique ? '1' : '0', String(values.length), ...values);
  }
  if (fields.some((f) => f.includes('\0'))) return null;
  const args = ['validate', '--input', path, '--format', format, '--threads', threads()];
  const out = await spawnEngine(args, opts, fields.join('\0') + '\0');
  return out === null ? null : EngineValidation.parse(JSON.parse(out));
}

/** A local file holding an object's bytes; for a download, `dir` is its temp folder and `release` removes it. */
export interface LocalCopy {
  path: string;
  dir: string | null;
  release(): Promise<void>;
}

/**
 * A local file holding the object at `uri`: the file itself for file://, for s3:// a download into a temp folder,
 * so the engine's threads read it from disk. The download reports progress as 0 rows every 8 MB so that
 * heartbeats go on.
 */
export async function localCopy(
  storage: Storage,
  uri: string,
  opts: RunOptions & { tempDir?: string },
): Promise<LocalCopy> {
  if (uri.startsWith('file:')) return { path: fileURLToPath(uri), dir: null, release: () => Promise.resolve() };
  const dir = await mkdtemp(join(opts.tempDir ?? tmpdir(), 'sluice-download-'));
  const release = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const path = join(dir, 'input');
    const body = await storage.openRead(uri);
    let got = 0;
    let beat = 0;
    body.on('data', (b: Buffer) => {
      got += b.length;
      if (got - beat >= 8 << 20) {
        beat = got;
        opts.onProgress?.(0);
      }
    });
    await pipeline(body, createWriteStream(path), { signal: opts.signal });
    return { path, dir, release };
  } catch (err) {
    await release();
    throw err;
  }
}

/** Runs `fn` on a local copy of the object at `uri` (see localCopy), removed afterwards. */
export async function withLocalCopy<T>(
  storage: Storage,
  uri: string,
  opts: RunOptions & { tempDir?: string },
  fn: (path: string) => Promise<T>,
): Promise<T> {
  const copy = await localCopy(storage, uri, opts);
  try {
    return await fn(copy.path);
  } finally {
    await copy.release();
  }
}

/** n little-endian f64s from `path`, into `reuse` when it is large enough. */
async function readValues(path: string, n: number, reuse?: ArrayBuffer): Promise<Float64Array> {
  const out = reuse && reuse.byteLength >= n * 8 ? new Float64Array(reuse, 0, n) : new Float64Array(n);
  const bytes = new Uint8Array(out.buffer, 0, n * 8);
  const fh = await open(path, 'r');
  try {
    let got = 0;
    while (got < bytes.length) {
      const { bytesRead } = await fh.read(bytes, got, bytes.length - got, got);
      if (bytesRead === 0) throw new Error(`${path} ended after ${got} of ${bytes.length} bytes`);
      got += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return out;
}

/** The engine's output as a ColumnSet: numeric values come finite and ascending (`sorted`), one column per read. */
export function engineColumnSet(uri: string, dir: string, m: EngineManifest, close: () => Promise<void>): ColumnSet {
  const byName = new Map(m.columns.map((c) => [c.name, c]));
  let closed = false;
  const read = async (name: string, reuse?: ArrayBuffer): Promise<DriftInput | undefined> => {
    if (closed) throw new Error(`column set for ${uri} is closed`);
    const c = byName.get(name);
    if (!c) return undefined;
    if (c.type === 'string') return { type: 'string', counts: new Map(c.counts) };
    return { type: 'numeric', values: await readValues(join(dir, c.file), c.finite, reuse) };
  };
  return {
    uri,
    rows: m.rows,
    names: m.columns.map((c) => c.name),
    missing: m.missing,
    spilled: true,
    inMemory: false,
    sorted: true,
    info(name) {
      const c = byName.get(name);
      if (!c) return undefined;
      const info: ColumnInfo = {
        name,
        type: c.type,
        values: c.values,
        nulls: c.nulls,
        highCardinality: c.type === 'string' && c.highCardinality === true,
      };
      if (c.type === 'string' && c.distinctEstimate !== undefined) info.distinctEstimate = c.distinctEstimate;
      if (c.type === 'numeric') info.nonFinite = { nan: c.nan, posInf: c.posInf, negInf: c.negInf };
      return info;
    },
    get: (name) => read(name),
    take: (name, reuse) => read(name, reuse),
    async close() {
      closed = true;
      await close();
    },
  };
}
