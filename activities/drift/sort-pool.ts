// Cleans (drops NaN, ±inf) and sorts numeric columns on worker threads, so sorting — the largest CPU cost of a
// drift run — overlaps with loading and with the comparisons on the main thread. The column's ArrayBuffer is
// transferred both ways (no copy); the worker compacts the finite values to the front and sorts that prefix with
// the same native Float64Array sort as finiteSorted, so results are identical.
// The worker is a plain-JS string: it needs no TypeScript loader, which workers do not inherit.
// Where the native engine is built, `sluice-engine sort` processes do the same work instead: its radix sort takes
// ~10 ms per million values against ~85 ms for the worker's (measured on 1M-value columns).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ENGINE_BINARY, engineAvailable } from '../data/engine.js';

/** Up to this many distinct values a column is sorted by counting them (measured: faster than the native sort). */
const LOW_CARDINALITY_KEYS = 262_144;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const MAX_KEYS = ${LOW_CARDINALITY_KEYS};
// Few distinct values (counts, codes, rounded measures): count them in an open-addressing hash table on the value's
// bits and write the sorted keys back, several times faster than a comparison sort. -0 and +0 compare equal, so
// -0s are counted apart and written first, as the native sort orders them. Gives up at MAX_KEYS distinct values.
const SLOTS = MAX_KEYS * 2; // a power of two
const SHIFT = 32 - Math.log2(SLOTS);
function slotOf(lo, hi) {
  let h = Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca6b);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> SHIFT;
}
const keys = new Float64Array(SLOTS);
const counts = new Int32Array(SLOTS);
function countingSort(a, n) {
  counts.fill(0);
  const bits = new Int32Array(a.buffer, a.byteOffset, n * 2);
  const mask = SLOTS - 1;
  let size = 0;
  let negZero = 0;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (v === 0) {
      zeros++;
      if (1 / v < 0) negZero++;
      continue;
    }
    let h = slotOf(bits[2 * i], bits[2 * i + 1]);
    for (;;) {
      const c = counts[h];
      if (c === 0) {
        if (size === MAX_KEYS) return false;
        size++;
        keys[h] = v;
        counts[h] = 1;
        break;
      }
      if (keys[h] === v) {
        counts[h] = c + 1;
        break;
      }
      h = (h + 1) & mask;
    }
  }
  const order = new Float64Array(size + (zeros > 0 ? 1 : 0));
  let k = 0;
  for (let h = 0; h < SLOTS; h++) if (counts[h] !== 0) order[k++] = keys[h];
  if (zeros > 0) order[k++] = 0;
  order.sort();
  let at = 0;
  for (let j = 0; j < order.length; j++) {
    const v = order[j];
    if (v === 0) {
      a.fill(-0, at, at + negZero);
      a.fill(0, at + negZero, at + zeros);
      at += zeros;
      continue;
    }
    let h = slotOf(hashLo(v), hashHi(v));
    while (keys[h] !== v || counts[h] === 0) h = (h + 1) & mask;
    a.fill(v, at, at + counts[h]);
    at += counts[h];
  }
  return true;
}
const one = new Float64Array(1);
const oneBits = new Int32Array(one.buffer);
function hashLo(v) { one[0] = v; return oneBits[0]; }
function hashHi(v) { one[0] = v; return oneBits[1]; }
parentPort.on('message', ({ id, buffer, length }) => {
  const a = new Float64Array(buffer, 0, length);
  let n = 0;
  for (let i = 0; i < length; i++) {
    const v = a[i];
    if (v - v === 0) a[n++] = v; // finite: NaN - NaN and inf - inf are NaN
  }
  if (!countingSort(a, n)) a.subarray(0, n).sort();
  parentPort.postMessage({ id, buffer, length: n }, [buffer]);
});
`;

interface Pending {
  resolve: (a: Float64Array) => void;
  reject: (e: Error) => void;
}

/** One sorter: a worker thread or an engine process; requests are answered in order. */
interface Sorter {
  readonly load: number;
  sort(values: Float64Array): Promise<Float64Array>;
  close(): Promise<void>;
}

class WorkerSorter implements Sorter {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private readonly pending = new Map<number, Pending>();
  private next = 0;

  constructor() {
    // Idle workers must not keep the process alive.
    this.worker.unref();
    this.worker.on('message', (m: { id: number; buffer: ArrayBuffer; length: number }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(new Float64Array(m.buffer, 0, m.length));
    });
    this.worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  get load(): number {
    return this.pending.size;
  }

  sort(values: Float64Array): Promise<Float64Array> {
    // Buffers are transferred whole; a view that does not start at offset 0 gets its own copy first.
    const own = values.byteOffset === 0 ? values : values.slice();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, buffer: own.buffer, length: own.length }, [own.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Where the sort server's files go: tmpfs when there is one, so the values never touch a disk. */
function sortDir(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

interface SortFile {
  path: string;
  fd: number;
}

/**
 * `sluice-engine sort` (engine/src/sort.rs): each request is a stdin line `COUNT PATH`, a file starting with COUNT
 * f64s, sorted in place; the answer is the count of finite values on a stdout line.
 */
class EngineSorter implements Sorter {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly dir = mkdtempSync(join(sortDir(), 'sluice-sort-'));
  private readonly queue: Array<Pending & { values: Float64Array; file: SortFile }> = [];
  /** Files free for the next request, and every file opened (closed with the sorter). */
  private readonly files: SortFile[] = [];
  private readonly opened: SortFile[] = [];
  private next = 0;
  private partial = '';
  private stderr = '';
  private failed: Error | null = null;

  constructor() {
    this.child = spawn(ENGINE_BINARY, ['sort'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8').on('data', (t: string) => this.receive(t));
    this.child.stderr.setEncoding('utf8').on('data', (t: string) => (this.stderr = (this.stderr + t).slice(-2000)));
    const fail = (err: Error): void => {
      this.failed ??= err;
      for (const p of this.queue.splice(0)) p.reject(this.failed);
    };
    this.child.on('error', fail);
    this.child.on('close', (code, signal) => {
      if (this.queue.length > 0)
        fail(new Error(`${ENGINE_BINARY} sort stopped (${signal ?? `exit ${String(code)}`}): ${this.stderr.trim()}`));
    });
    // A closed pipe surfaces as the 'close' event above; without a listener it would be an uncaught error.
    this.child.stdin.on('error', () => undefined);
  }

  get load(): number {
    return this.queue.length;
  }

  private receive(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const p = this.queue.shift();
      if (!p) continue;
      try {
        // Read back over the values sent: their buffer is free once the file is written.
        const out = p.values.subarray(0, Number(line));
        const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
        let got = 0;
        while (got < bytes.length) {
          const r = readSync(p.file.fd, bytes, got, bytes.length - got, got);
          if (r === 0) throw new Error(`${p.file.path} ended after ${got} of ${bytes.length} bytes`);
          got += r;
        }
        p.resolve(out);
      } catch (err) {
        p.reject(err as Error);
      } finally {
        this.files.push(p.file);
      }
    }
  }

  sort(values: Float64Array): Promise<Float64Array> {
    if (this.failed) return Promise.reject(this.failed);
    // Files are reused, one per request in flight, and written over rather than replaced: allocating fresh tmpfs
    // pages for every column, and freeing them, cost more than copying the values.
    const file = this.files.pop() ?? this.newFile();
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    for (let done = 0; done < bytes.length;) done += writeSync(file.fd, bytes, done, bytes.length - done, done);
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject, values, file });
      this.child.stdin.write(`${values.length} ${file.path}\n`);
    });
  }

  private newFile(): SortFile {
    const path = join(this.dir, `${this.next++}.f64`);
    const file = { path, fd: openSync(path, 'w+') };
    this.opened.push(file);
    return file;
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((done) => this.child.once('close', done));
      this.child.stdin.end();
      if (this.queue.length > 0) this.child.kill('SIGKILL');
      await exited;
    }
    for (const f of this.opened.splice(0)) closeSync(f.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class SortPool {
  private readonly sorters: Sorter[] = [];

  constructor(size = Math.max(1, Math.min(2, availableParallelism()))) {
    const native = engineAvailable();
    for (let i = 0; i < size; i++) this.sorters.push(native ? new EngineSorter() : new WorkerSorter());
  }

  /**
   * The finite values of `values`, ascending. Takes ownership: `values` and its whole buffer must not be used
   * afterwards (it may be transferred to a worker and come back as the result's).
   */
  sorted(values: Float64Array): Promise<Float64Array> {
    let s = this.sorters[0] as Sorter;
    for (const t of this.sorters) if (t.load < s.load) s = t;
    return s.sort(values);
  }

  async close(): Promise<void> {
    await Promise.all(this.sorters.map((s) => s.close()));
  }
}
