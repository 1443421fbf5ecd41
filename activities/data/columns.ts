// Columnar loading for drift and profiles, with memory bounded whatever the file size.
//
// Design: one streaming pass over the file accumulates every selected column. Numeric columns append to 64 Ki-value
// Float64Array blocks; while all blocks fit in `memoryBytes` (default 192 MiB) they stay in memory, and once they do
// not, every numeric column is spilled to its own temp file of Float64 LE values under os.tmpdir()/sluice-cols-*, and
// later blocks go straight to disk. String columns keep exact value counts for up to 100 000 distinct values; past
// that the column is marked high-cardinality, new values are no longer counted (only estimated with HyperLogLog).
// The caller then pulls ONE column at a time with ColumnSet.get(name) — reading back one spill file — so comparing
// reference and current holds two columns in memory, never the table: 10M rows × 8 bytes = 80 MB per side.
// ColumnSet.close() removes the temp files; they are also removed when loading fails.
//
// Typing: a CSV/JSON Lines column is numeric when every non-null value is a number; "nan", "inf", "-inf" (any case,
// also "infinity") count as numbers and are kept as NaN/±Infinity (the drift engine drops them). Empty cells are null
// and excluded. A column that turns out not to be numeric part-way is counted again as text in a second pass over
// the file (only those columns), so its counts are the values as written. Parquet columns take their type from the
// schema; booleans become the strings "true"/"false".
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DriftInput } from '../../schemas/drift.js';
import type { Storage } from '../storage/types.js';
import { CsvByteScanner, fieldText } from './csv.js';
import { engineColumnSet, engineFormat, localCopy, runEngine } from './engine.js';
import { localPath, servedFrom } from '../storage/downloaded.js';
import { joinedColumns } from './joined.js';
import type { EngineFormat } from '../../schemas/engine.js';
import { HyperLogLog } from './hll.js';
import { cellText, openParquetColumnsDuckDB, openParquetFile } from './parquet.js';
import { formatOf, openTable } from './reader.js';
import { parseNumber, parseNumberBytes } from './validate.js';

const BLOCK = 65_536;
/**
 * Default in-memory budget per column set: 1M rows × 20 numeric columns (160 MB) stay in memory, so a drift run of
 * that size never touches disk; 10M rows spill, and then only one column pair is in memory at a time.
 */
export const DEFAULT_MEMORY_BYTES = 192 * 1024 * 1024;
/** Exact category counts are kept up to this many distinct values per column. */
export const MAX_CATEGORIES = 100_000;

export interface LoadOptions {
  /** Only these columns (all when omitted); names not in the file are reported in `missing`. */
  columns?: string[];
  onProgress?: (rows: number) => void;
  signal?: AbortSignal;
  /** In-memory budget for numeric values before spilling to temp files (bytes; default DEFAULT_MEMORY_BYTES). */
  memoryBytes?: number;
  /** Where the sluice-cols-* spill folder goes (default os.tmpdir()). */
  tempDir?: string;
  /**
   * The caller takes numeric values finite and ascending (ColumnSet.sorted): lets the native loader (engine.ts)
   * serve local CSV files, parsing on several threads and sorting natively.
   */
  sorted?: boolean;
}

/** What is known about a loaded column without loading its values. */
export interface ColumnInfo {
  name: string;
  type: 'numeric' | 'string';
  /** Non-null values (NaN/±inf included for numeric columns). */
  values: number;
  nulls: number;
  /** More than MAX_CATEGORIES distinct strings: `counts` hold only the first ones seen. */
  highCardinality: boolean;
  /** HyperLogLog estimate of distinct values, for high-cardinality string columns. */
  distinctEstimate?: number;
  /** NaN, +inf and -inf cells of a numeric column, given when its values come sorted (they are left out then). */
  nonFinite?: { nan: number; posInf: number; negInf: number };
}

export interface ColumnSet {
  readonly uri: string;
  readonly rows: number;
  /** Loaded columns in file order. */
  readonly names: string[];
  /** Requested columns the file does not have. */
  readonly missing: string[];
  /** Whether numeric values went to temp files (the in-memory budget was exceeded). */
  readonly spilled: boolean;
  /** Whether every column's values are already in memory (taking them all at once costs no extra reading). */
  readonly inMemory: boolean;
  /** Numeric values come finite and ascending (the native loader); otherwise as in the file, NaN/±inf included. */
  readonly sorted: boolean;
  info(name: string): ColumnInfo | undefined;
  /** One column's values (read back from disk when spilled); undefined for a column not loaded. */
  get(name: string): Promise<DriftInput | undefined>;
  /**
   * As get(), but hands the values over and frees the set's copy: a second take/get of it gives no values. A
   * numeric column is written into `reuse` when it is large enough (the result is then a view from offset 0), so a
   * caller walking a spilled set recycles two buffers instead of leaving hundreds of MB per column to the GC.
   */
  take(name: string, reuse?: ArrayBuffer): Promise<DriftInput | undefined>;
  /** Removes the temp files; get() must not be called afterwards. */
  close(): Promise<void>;
}

/** A number as drift sees it, from text: decimals plus nan/inf spellings; undefined when not a number. */
export function parseNumeric(text: string): number | undefined {
  const v = parseNumber(text);
  if (v === v) return v;
  switch (text.trim().toLowerCase()) {
    case 'nan':
    case '+nan':
    case '-nan':
      return NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
  }
  return undefined;
}

/** Spill folders still open, removed at process exit too (a caller that never reaches close(), a killed test). */
const live = new Set<string>();
let exitHook = false;
function track(dir: string): void {
  live.add(dir);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const d of live) rmSync(d, { recursive: true, force: true });
    });
  }
}

class Spill {
  dir: string | null = null;
  spilling = false;
  inMemory = 0;
  constructor(public budget: number) {}
}

/**
 * Exact counts of CSV fields by their raw bytes, so the common case — a category column with a few labels — costs a
 * hash over a few bytes per cell and no string. Strings are decoded once per distinct key when drained into the
 * column's Map (keys whose bytes differ but decode alike are merged there). Holds at most MAX keys: then the
 * caller drains it and goes on with strings.
 */
class ByteCounts {
  static readonly MAX = 4096;
  private readonly slots = new Int32Array(ByteCounts.MAX * 2).fill(-1);
  private arena = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  private readonly starts: number[] = [];
  private readonly lengths: number[] = [];
  private readonly counts: number[] = [];

  /** Counts bytes [s, e) of buf; false (nothing counted) when the key is new and the table is full. */
  add(buf: Buffer, s: number, e: number): boolean {
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 16777619);
    const mask = this.slots.length - 1;
    const len = e - s;
    for (let slot = (h >>> 0) & mask; ; slot = (slot + 1) & mask) {
      const k = this.slots[slot]!;
      if (k === -1) {
        if (this.counts.length === ByteCounts.MAX) return false;
        if (this.used + len > this.arena.length) {
          const bigger = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.used + len));
          this.arena.copy(bigger, 0, 0, this.used);
          this.arena = bigger;
        }
        buf.copy(this.arena, this.used, s, e);
        this.slots[slot] = this.counts.length;
        this.starts.push(this.used);
        this.lengths.push(len);
        this.counts.push(1);
        this.used += len;
        return true;
      }
      if (this.lengths[k] === len) {
        const at = this.starts[k]!;
        let i = 0;
        while (i < len && this.arena[at + i] === buf[s + i]) i++;
        if (i === len) {
          this.counts[k]!++;
          return true;
        }
      }
    }
  }

  drain(into: Map<string, number>): void {
    for (let k = 0; k < this.counts.length; k++) {
      const t = this.arena.toString('utf8', this.starts[k]!, this.starts[k]! + this.lengths[k]!);
      into.set(t, (into.get(t) ?? 0) + this.counts[k]!);
    }
  }
}

class Acc {
  type: 'numeric' | 'string';
  nulls = 0;
  values = 0;
  /** Set when a CSV/JSONL column stops being numeric: its text is counted in a second pass. */
  recount = false;
  private block = new Float64Array(BLOCK);
  private used = 0;
  private blocks: Float64Array[] = [];
  private fd: number | null = null;
  private path: string | null = null;
  counts = new Map<string, number>();
  hll: HyperLogLog | null = null;
  /** Names the spill file. */
  id = 0;
  /** Byte-keyed counts of a text column: undefined before its first cell, null once given up. */
  private bytes: ByteCounts | null | undefined = undefined;
  /** The values were handed over by take(): nothing is left to load. */
  taken = false;

  constructor(
    readonly name: string,
    type: 'numeric' | 'string',
    private readonly spill: Spill,
  ) {
    this.type = type;
  }

  num(v: number): void {
    this.values++;
    this.block[this.used++] = v;
    if (this.used === BLOCK) this.flush();
  }

  /** A CSV field with no quotes to unescape, counted by its bytes while that table has room. */
  textBytes(buf: Buffer, s: number, e: number): void {
    if (this.bytes === undefined) this.bytes = new ByteCounts();
    if (this.bytes !== null) {
      if (this.bytes.add(buf, s, e)) {
        this.values++;
        return;
      }
      this.drainBytes();
      this.bytes = null;
    }
    this.text(buf.toString('utf8', s, e));
  }

  /** Moves the byte-keyed counts into `counts` (before anything reads them). */
  drainBytes(): void {
    if (this.bytes) {
      this.bytes.drain(this.counts);
      this.bytes = new ByteCounts();
    }
  }

  text(s: string): void {
    if (this.bytes) {
      // Mixed with escaped fields: one Map from here on, so the category cap and HLL see every key.
      this.drainBytes();
      this.bytes = null;
    }
    this.values++;
    const n = this.counts.get(s);
    if (n !== undefined) this.counts.set(s, n + 1);
    else if (this.counts.size < MAX_CATEGORIES) this.counts.set(s, 1);
    else if (this.hll === null) {
      // Past the cap: estimate distinct values from here on, seeded with every key counted so far.
      this.hll = new HyperLogLog();
      for (const k of this.counts.keys()) this.hll.add(k);
    }
    if (this.hll !== null) this.hll.add(s);
  }

  /** From numeric to text: the numbers so far are dropped and the column is counted again in a second pass. */
  toText(): void {
    this.type = 'string';
    // Nothing to redo when no number was taken yet (the usual case: the first value is text).
    this.recount = this.values > 0;
    this.spill.inMemory -= this.blocks.length * BLOCK * 8;
    this.blocks = [];
    this.block = new Float64Array(0);
    this.used = 0;
  }

  private flush(): void {
    const full = this.block;
    this.block = new Float64Array(BLOCK);
    this.used = 0;
    if (this.spill.spilling) this.write(full);
    else {
      this.blocks.push(full);
      this.spill.inMemory += full.byteLength;
    }
  }

  /** Moves the in-memory blocks to this column's spill file. */
  spillBlocks(): void {
    for (const b of this.blocks) this.write(b);
    this.spill.inMemory -= this.blocks.length * BLOCK * 8;
    this.blocks = [];
  }

  private write(b: Float64Array): void {
    if (this.fd === null) {
      this.path = join(this.spill.dir as string, `${this.id}.f64`);
      this.fd = openSync(this.path, 'w');
    }
    const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
  }

  /** Drops the in-memory blocks (after load(), when the caller took ownership of the values). */
  release(): void {
    this.spill.inMemory -= this.blocks.length * BLOCK * 8;
    this.blocks = [];
    this.block = new Float64Array(0);
    this.used = 0;
    this.taken = true;
  }

  finishWriting(): void {
    this.drainBytes();
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  async load(reuse?: ArrayBuffer): Promise<DriftInput> {
    if (this.type === 'string') return { type: 'string', counts: this.counts };
    if (this.taken) throw new Error(`column ${this.name} was already taken from its column set`);
    const out =
      reuse && reuse.byteLength >= this.values * 8
        ? new Float64Array(reuse, 0, this.values)
        : new Float64Array(this.values);
    let at = 0;
    if (this.path !== null) {
      // Straight into the result: no second copy of a column that may be hundreds of MB.
      const fh = await open(this.path, 'r');
      try {
        const bytes = new Uint8Array(out.buffer, 0, out.byteLength);
        const want = (await fh.stat()).size;
        let got = 0;
        while (got < want) {
          const { bytesRead } = await fh.read(bytes, got, want - got, got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        at = got / 8;
      } finally {
        await fh.close();
      }
    }
    for (const b of this.blocks) {
      out.set(b, at);
      at += b.length;
    }
    out.set(this.block.subarray(0, this.used), at);
    return { type: 'numeric', values: out };
  }
}

/** One streaming pass feeding `accs` (keyed by header index); returns the row count. */
async function pass(
  storage: Storage,
  uri: string,
  select: (header: string[]) => Map<number, Acc>,
  opts: LoadOptions,
): Promise<number> {
  let rows = 0;
  let lastTick = 0;
  const tick = (): void => {
    if (opts.onProgress && rows - lastTick >= 100_000) {
      lastTick = rows;
      opts.onProgress(rows);
    }
  };
  const format = formatOf(uri);
  if (format === 'parquet') {
    const pf = await openParquetFile(storage, uri);
    const accs = select(pf.columns.map((c) => c.name));
    const names = pf.columns.map((c) => c.name);
    const kinds = new Map(pf.columns.map((c) => [c.name, c.kind]));
    const byName = new Map([...accs].map(([i, a]) => [names[i] as string, a]));
    for await (const b of pf.rowGroups({ columns: [...byName.keys()] })) {
      opts.signal?.throwIfAborted();
      for (const [name, data] of b.data) {
        const acc = byName.get(name) as Acc;
        const numeric = kinds.get(name) === 'numeric';
        const values = data as ArrayLike<unknown>;
        for (let r = 0; r < b.rows; r++) {
          const v = values[r];
          if (v === null || v === undefined) acc.nulls++;
          else if (numeric && typeof v === 'number') acc.num(v);
          else if (numeric && typeof v === 'bigint') acc.num(Number(v));
          else {
            const t = cellText(v);
            if (t.length === 0) acc.nulls++;
            else acc.text(t);
          }
        }
      }
      rows += b.rows;
      tick();
    }
    return rows;
  }
  const textCell = (acc: Acc, t: string): void => {
    if (acc.type === 'numeric') {
      const v = parseNumeric(t);
      if (v !== undefined) return acc.num(v);
      acc.toText();
    }
    // A column already marked for the second pass is not counted now.
    if (!acc.recount) acc.text(t);
  };
  if (format === 'csv') {
    let targets: Array<[number, Acc]> = [];
    const scanner = new CsvByteScanner(
      {
        header: (cells) => {
          targets = [...select(cells)];
        },
        record: (buf, starts, ends, flags, nums) => {
          rows++;
          for (let k = 0; k < targets.length; k++) {
            const [i, acc] = targets[k] as [number, Acc];
            const s = starts[i] as number;
            const e = ends[i] as number;
            if (s === e) {
              acc.nulls++;
              continue;
            }
            const flag = flags[i] as number;
            if (acc.type === 'string' && flag !== 2) {
              // Already text (a column marked for the second pass is not counted now).
              if (!acc.recount) acc.textBytes(buf, s, e);
              continue;
            }
            if (acc.type === 'numeric' && flag === 0) {
              let v = nums[i] as number;
              if (v !== v) v = parseNumberBytes(buf, s, e);
              if (v === v) {
                acc.num(v);
                continue;
              }
            }
            textCell(acc, fieldText(buf, s, e, flag));
          }
        },
      },
      uri,
    );
    const body = await storage.openRead(uri);
    try {
      for await (const chunk of body) {
        opts.signal?.throwIfAborted();
        scanner.feed(chunk as Buffer);
        tick();
      }
      scanner.end();
    } finally {
      body.destroy();
    }
    return rows;
  }
  const table = await openTable(storage, uri);
  const targets = [...select(table.header)];
  for await (const batch of table.batches()) {
    opts.signal?.throwIfAborted();
    for (const row of batch) {
      rows++;
      for (const [i, acc] of targets) {
        const t = row[i] as string;
        if (t.length === 0) acc.nulls++;
        else textCell(acc, t);
      }
    }
    tick();
  }
  return rows;
}

/** A local Parquet file read column by column through DuckDB; null when its types need the hyparquet path. */
async function openParquetColumns(storage: Storage, uri: string, opts: LoadOptions): Promise<ColumnSet | null> {
  const pf = await openParquetFile(storage, uri);
  const index = new Map<string, (typeof pf.columns)[number]>();
  for (const c of pf.columns) if (!index.has(c.name.trim())) index.set(c.name.trim(), c);
  const wanted = opts.columns ?? [...index.keys()];
  const missing = wanted.filter((n) => !index.has(n));
  const names = [...index.keys()].filter((n) => wanted.includes(n));
  const selected = names.map((n) => ({ ...(index.get(n) as (typeof pf.columns)[number]), name: n }));
  // Header names are trimmed for matching; DuckDB needs the names as written.
  if (selected.some((c, i) => c.name !== (index.get(names[i] as string) as { name: string }).name)) return null;
  const duck = await openParquetColumnsDuckDB(localPath(storage, uri) as string, selected, uri);
  if (duck === null) return null;
  try {
    opts.signal?.throwIfAborted();
    const counts = new Map<string, Map<string, number>>();
    const hll = new Map<string, HyperLogLog>();
    for (const c of selected) {
      if (c.kind === 'numeric') continue;
      const all = await duck.counts(c.name);
      if (all.size <= MAX_CATEGORIES) {
        counts.set(c.name, all);
        continue;
      }
      // As the streaming reader: exact counts for the first MAX_CATEGORIES keys seen, an estimate of the rest.
      const h = new HyperLogLog();
      const kept = new Map<string, number>();
      for (const [k, n] of all) {
        h.add(k);
        if (kept.size < MAX_CATEGORIES) kept.set(k, n);
      }
      counts.set(c.name, kept);
      hll.set(c.name, h);
    }
    opts.onProgress?.(duck.rows);
    const kinds = new Map(selected.map((c) => [c.name, c.kind]));
    let closed = false;
    const get = async (name: string, reuse?: ArrayBuffer): Promise<DriftInput | undefined> => {
      if (closed) throw new Error(`column set for ${uri} is closed`);
      const kind = kinds.get(name);
      if (kind === undefined) return undefined;
      if (kind !== 'numeric') return { type: 'string', counts: counts.get(name) as Map<string, number> };
      return { type: 'numeric', values: await duck.numeric(name, reuse) };
    };
    return {
      uri,
      rows: duck.rows,
      names,
      missing,
      spilled: false,
      inMemory: false,
      sorted: false,
      info(name) {
        const kind = kinds.get(name);
        if (kind === undefined) return undefined;
        const values = duck.values.get(name) ?? 0;
        const h = hll.get(name);
        const info: ColumnInfo = {
          name,
          type: kind === 'numeric' ? 'numeric' : 'string',
          values,
          nulls: duck.rows - values,
          highCardinality: h !== undefined,
        };
        if (h) info.distinctEstimate = h.estimate();
        return info;
      },
      get: (name) => get(name),
      take: get,
      close() {
        if (!closed) duck.close();
        closed = true;
        return Promise.resolve();
      },
    };
  } catch (err) {
    duck.close();
    throw err;
  }
}

/** Whether openColumns hands `uri` to the native loader (which may still give it back, see engine.ts). */
export function nativeLoads(uri: string, opts: Pick<LoadOptions, 'sorted'>): boolean {
  return opts.sorted === true && engineFormat(uri) !== null;
}

/** What the native loader read, and the columns it left (see joined.ts). */
interface EngineColumns {
  set: ColumnSet;
  left: string[];
  names: string[];
}

/** The local CSV or Parquet file at `path` (holding `uri`) through the native loader; null when it is handed back. */
async function openEngineColumns(
  path: string,
  uri: string,
  format: EngineFormat,
  opts: LoadOptions,
): Promise<EngineColumns | null> {
  const dir = await mkdtemp(join(opts.tempDir ?? tmpdir(), 'sluice-cols-'));
  track(dir);
  const cleanup = async (): Promise<void> => {
    await rm(dir, { recursive: true, force: true });
    live.delete(dir);
  };
  try {
    const manifest = await runEngine(path, format, dir, opts);
    if (manifest)
      return { set: engineColumnSet(uri, dir, manifest, cleanup), left: manifest.left, names: manifest.names };
  } catch (err) {
    await cleanup();
    throw err;
  }
  await cleanup();
  return null;
}

/** Loads the columns of the dataset at `uri` in one streaming pass (two if a column turned out to be text). */
export async function openColumns(storage: Storage, uri: string, opts: LoadOptions = {}): Promise<ColumnSet> {
  const native = opts.sorted === true ? engineFormat(uri) : null;
  if (!native) return openStoredColumns(storage, uri, opts);
  // Checked here so a missing file gets the storage layer's NotFoundError, as on the TypeScript path.
  await storage.size(uri);
  // An s3:// object is downloaded to a temp file first. The engine's columns are its own files, so the download
  // goes once they are written; a file (or the columns of a file) the engine hands back is read from the same
  // copy, which then lives as long as the column set (DuckDB reads Parquet columns on demand).
  const copy = await localCopy(storage, uri, opts);
  // A download is removed at process exit too, like the spill folders, if nothing closes its set.
  if (copy.dir) track(copy.dir);
  const release = async (): Promise<void> => {
    await copy.release();
    if (copy.dir) live.delete(copy.dir);
  };
  try {
    const engine = await openEngineColumns(copy.path, uri, native, opts);
    if (engine && engine.left.length === 0) {
      // The set is complete without the copy; a copy that cannot be removed now goes at exit.
      await release().catch(() => undefined);
      return engine.set;
    }
    const stored = servedFrom(storage, uri, copy.path);
    let set: ColumnSet;
    if (engine === null) set = await openStoredColumns(stored, uri, opts);
    else {
      try {
        const rest = await openStoredColumns(stored, uri, { ...opts, columns: engine.left });
        set = await joinedColumns(engine.set, rest, engine.names).catch(async (err: unknown) => {
          await rest.close();
          throw err;
        });
      } catch (err) {
        await engine.set.close();
        throw err;
      }
    }
    return {
      ...set,
      info: (name) => set.info(name),
      get: (name) => set.get(name),
      take: (name, reuse) => set.take(name, reuse),
      async close() {
        try {
          await set.close();
        } finally {
          await release();
        }
      },
    };
  } catch (err) {
    await release();
    throw err;
  }
}

/** openColumns through DuckDB (local Parquet) or the streaming TypeScript readers. */
async function openStoredColumns(storage: Storage, uri: string, opts: LoadOptions): Promise<ColumnSet> {
  const format = formatOf(uri);
  // Parquet the engine does not read (other types, codecs or encodings), or unsorted loads: DuckDB, then hyparquet.
  if (format === 'parquet' && localPath(storage, uri) !== null) {
    const set = await openParquetColumns(storage, uri, opts);
    if (set) return set;
  }
  const spill = new Spill(opts.memoryBytes ?? DEFAULT_MEMORY_BYTES);
  // A text file holds about as many bytes as its numbers take as Float64 (a value is ~7 characters): one well past
  // the budget will spill anyway, so it spills from the start rather than first filling the budget, which would
  // leave that much garbage behind for the GC (the 10M-row case).
  if (format !== 'parquet' && opts.memoryBytes === undefined && (await storage.size(uri)) > 2 * spill.budget)
    spill.budget = 0;
  const accs = new Map<string, Acc>();
  let names: string[] = [];
  let missing: string[] = [];
  const parquetKinds = new Map<string, string>();
  if (formatOf(uri) === 'parquet')
    for (const c of (await openParquetFile(storage, uri)).columns) parquetKinds.set(c.name, c.kind);
  spill.dir = await mkdtemp(join(opts.tempDir ?? tmpdir(), 'sluice-cols-'));
  track(spill.dir);
  const cleanup = async (): Promise<void> => {
    for (const a of accs.values()) a.finishWriting();
    if (spill.dir) {
      await rm(spill.dir, { recursive: true, force: true });
      live.delete(spill.dir);
    }
    spill.dir = null;
  };
  try {
    const rows = await pass(
      storage,
      uri,
      (header) => {
        const index = new Map<string, number>();
        header.forEach((h, i) => {
          if (!index.has(h.trim())) index.set(h.trim(), i);
        });
        const wanted = opts.columns ?? [...index.keys()];
        missing = wanted.filter((n) => !index.has(n));
        names = [...index.keys()].filter((n) => wanted.includes(n));
        const out = new Map<number, Acc>();
        for (const n of names) {
          const kind = parquetKinds.get(n);
          const acc = new Acc(n, kind === undefined || kind === 'numeric' ? 'numeric' : 'string', spill);
          acc.id = accs.size;
          accs.set(n, acc);
          out.set(index.get(n) as number, acc);
        }
        return out;
      },
      {
        ...opts,
        // Checked on every progress tick: past the budget, all numeric columns move to disk.
        onProgress: (r) => {
          if (!spill.spilling && spill.inMemory > spill.budget) {
            spill.spilling = true;
            for (const a of accs.values()) if (a.type === 'numeric') a.spillBlocks();
          }
          opts.onProgress?.(r);
        },
      },
    );
    const again = [...accs.values()].filter((a) => a.recount);
    if (again.length > 0) {
      for (const a of again) {
        const fresh = new Acc(a.name, 'string', spill);
        accs.set(a.name, fresh);
      }
      await pass(
        storage,
        uri,
        (header) => {
          const out = new Map<number, Acc>();
          const done = new Set<string>();
          header.forEach((h, i) => {
            const n = h.trim();
            if (done.has(n)) return;
            done.add(n);
            const a = accs.get(n);
            if (a && again.some((x) => x.name === n)) out.set(i, a);
          });
          return out;
        },
        { signal: opts.signal },
      );
    }
    for (const a of accs.values()) a.finishWriting();
    return {
      uri,
      rows,
      names,
      missing,
      spilled: spill.spilling,
      inMemory: !spill.spilling,
      sorted: false,
      info(name) {
        const a = accs.get(name);
        if (!a) return undefined;
        const info: ColumnInfo = {
          name,
          type: a.type,
          values: a.values,
          nulls: a.nulls,
          highCardinality: a.hll !== null,
        };
        if (a.hll) info.distinctEstimate = a.hll.estimate();
        return info;
      },
      async get(name) {
        if (spill.dir === null) throw new Error(`column set for ${uri} is closed`);
        return accs.get(name)?.load();
      },
      async take(name, reuse) {
        if (spill.dir === null) throw new Error(`column set for ${uri} is closed`);
        const a = accs.get(name);
        if (!a) return undefined;
        const out = await a.load(reuse);
        if (a.type === 'numeric') a.release();
        return out;
      },
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * Loads the selected columns into memory at once: fine for moderate files. For large ones use openColumns and take
 * one column at a time.
 */
export async function loadColumns(
  storage: Storage,
  uri: string,
  opts: LoadOptions = {},
): Promise<{ rows: number; columns: Map<string, DriftInput>; missing: string[]; highCardinality: string[] }> {
  const set = await openColumns(storage, uri, opts);
  try {
    const columns = new Map<string, DriftInput>();
    for (const n of set.names) columns.set(n, (await set.get(n)) as DriftInput);
    const highCardinality = set.names.filter((n) => set.info(n)?.highCardinality);
    return { rows: set.rows, columns, missing: set.missing, highCardinality };
  } finally {
    await set.close();
  }
}
