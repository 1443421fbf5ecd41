// Drift between two stored datasets: loads the columns, compares each pair, and decides on dataset drift.
// Shared by the CLI (`sluice drift`) and the checkDrift activity.
import type { ColumnDrift, DriftOptions, DriftReport } from '../../schemas/drift.js';
import type { Storage } from '../storage/types.js';
import type { DriftInput } from '../../schemas/drift.js';
import { DEFAULT_MEMORY_BYTES, nativeLoads, openColumns, type ColumnSet } from '../data/columns.js';
import { columnDrift, datasetDrift, isCompared } from './compute.js';
import { SortPool } from './sort-pool.js';

/** What is happening now, for heartbeats and progress lines. */
export type DriftProgress =
  | { phase: 'load'; side: 'reference' | 'current'; rows: number }
  | { phase: 'compare'; column: string; done: number; total: number };

/** The request itself is wrong (a column in neither dataset): retrying or other data cannot fix it. */
export class DriftInputError extends Error {
  override name = 'DriftInputError';
}

/** One column taken out of its set, numeric values cleaned and sorted on the pool. */
async function prepared(
  set: ColumnSet,
  name: string,
  pool: SortPool,
  reuse?: ArrayBuffer,
): Promise<DriftInput | undefined> {
  const v = await set.take(name, reuse);
  if (v?.type !== 'numeric' || set.sorted) return v;
  return { type: 'numeric', values: await pool.sorted(v.values) };
}

/** Starts preparing every column of a set held in memory; the promises are awaited later in column order. */
function prepareAll(set: ColumnSet, pool: SortPool): Map<string, Promise<DriftInput | undefined>> {
  const out = new Map<string, Promise<DriftInput | undefined>>();
  for (const n of set.names) {
    const p = prepared(set, n, pool);
    // Awaited later; this only keeps an early failure from being reported as unhandled meanwhile.
    p.catch(() => undefined);
    out.set(n, p);
  }
  return out;
}

/**
 * Compares `currentUri` against `referenceUri` column by column. Columns present on one side only get a
 * per-column error in the report; a requested column that neither side has is a DriftInputError.
 */
export async function driftUris(
  storage: Storage,
  referenceUri: string,
  currentUri: string,
  opts: DriftOptions,
  onProgress?: (p: DriftProgress) => void,
  signal?: AbortSignal,
): Promise<DriftReport> {
  const open = (uri: string, side: 'reference' | 'current') =>
    openColumns(storage, uri, {
      columns: opts.columns,
      signal,
      sorted: true,
      onProgress: (rows: number) => onProgress?.({ phase: 'load', side, rows }),
    });
  // Sorting is the largest cost after parsing: it runs on worker threads. When a side is held in memory,
  // all its columns are queued at once — the reference's while the current file is still loading; otherwise each
  // pair is prepared just before it is compared, so only one pair is in memory. Files the native loader reads
  // (parsed and sorted in its own threads) are loaded side by side instead, when they are small.
  const pool = new SortPool();
  // Side by side only while both are small: two engines sorting 10M-row columns at once would pass 512 MB.
  const small = async (u: string): Promise<boolean> =>
    nativeLoads(u, { sorted: true }) && (await storage.size(u).catch(() => Infinity)) <= 2 * DEFAULT_MEMORY_BYTES;
  const together = (await small(referenceUri)) && (await small(currentUri));
  const early = together ? open(currentUri, 'current') : null;
  // Awaited below; this only keeps its failure from being reported as unhandled while the reference loads.
  early?.catch(() => undefined);
  const ref = await open(referenceUri, 'reference').catch(async (err: unknown) => {
    await early?.then((s) => s.close()).catch(() => undefined);
    await pool.close();
    throw err;
  });
  try {
    const refReady = ref.inMemory ? prepareAll(ref, pool) : null;
    const cur = await (early ?? open(currentUri, 'current'));
    try {
      const curReady = cur.inMemory ? prepareAll(cur, pool) : null;
      const inRef = new Set(ref.names);
      const inCur = new Set(cur.names);
      // A column named twice is compared once: twice would count it twice in the drift share.
      const names = [...new Set(opts.columns ?? [...ref.names, ...cur.names])];
      const nowhere = names.filter((n) => !inRef.has(n) && !inCur.has(n));
      if (nowhere.length)
        throw new DriftInputError(
          `column${nowhere.length > 1 ? 's' : ''} ${nowhere.join(', ')} ${nowhere.length > 1 ? 'are' : 'is'} in neither ${referenceUri} nor ${currentUri}; check the column list (--columns / validation.drift.columns)`,
        );
      const columns: ColumnDrift[] = [];
      // A column pair's buffers, handed to a later pair (set-by-set walk only): nothing keeps the values after
      // columnDrift, and reusing them keeps a 10M-row run at two 80 MB buffers instead of waiting for the GC.
      let spare: [ArrayBuffer | undefined, ArrayBuffer | undefined] = [undefined, undefined];
      const load = (name: string) => {
        // A spare buffer goes to one load only.
        const [a, b] = spare;
        spare = [undefined, undefined];
        return Promise.all([
          refReady?.get(name) ?? prepared(ref, name, pool, a),
          curReady?.get(name) ?? prepared(cur, name, pool, b),
        ]);
      };
      // While a pair is compared, the next one loads (DuckDB's scan and the sort run off the main thread) when
      // two pairs fit the memory budget easily; larger sets load each pair after the previous one is done.
      const lookAhead = (ref.rows + cur.rows) * 8 * 2 <= DEFAULT_MEMORY_BYTES / 2;
      let next = names.length > 0 ? load(names[0] as string) : null;
      for (const [i, name] of names.entries()) {
        signal?.throwIfAborted();
        onProgress?.({ phase: 'compare', column: name, done: i, total: names.length });
        const [r, c] = await (next ?? load(name));
        const following = names[i + 1];
        next = lookAhead && following !== undefined ? load(following) : null;
        // Awaited in the next turn; this only keeps a failure from being reported as unhandled if this one throws.
        next?.catch(() => undefined);
        const col = columnDrift(name, r, c, { method: opts.method, threshold: opts.threshold, sorted: true });
        // Text columns past the loader's distinct-value cap have truncated counts: no statistic rather than a wrong one.
        const truncated = [ref, cur].some((side) => side.info(name)?.highCardinality);
        columns.push(truncated ? withoutStatistic(col, highCardinalityError(name)) : col);
        const buffer = (x: DriftInput | undefined) => (x?.type === 'numeric' ? x.values.buffer : undefined);
        spare = [
          refReady ? undefined : ((buffer(r) as ArrayBuffer | undefined) ?? spare[0]),
          curReady ? undefined : ((buffer(c) as ArrayBuffer | undefined) ?? spare[1]),
        ];
      }
      const report = datasetDrift(columns, { reference: ref.rows, current: cur.rows }, opts.driftShare);
      if (!columns.some(isCompared)) throw new DriftInputError(nothingCompared(columns, ref, cur));
      return report;
    } finally {
      await cur.close();
    }
  } finally {
    await ref.close();
    await pool.close();
  }
}

/**
 * Why no column could be compared. "No drift" over no columns would let a gate pass on an empty file or on data
 * whose columns all changed, so this is invalid input instead.
 */
function nothingCompared(columns: ColumnDrift[], ref: ColumnSet, cur: ColumnSet): string {
  const empty = [ref.rows === 0 ? 'the reference' : '', cur.rows === 0 ? 'the current data' : ''].filter(Boolean);
  const list = (names: readonly string[]) => (names.length ? names.join(', ') : 'none');
  const why = empty.length
    ? `${empty.join(' and ')} ${empty.length > 1 ? 'have' : 'has'} no rows`
    : !ref.names.some((n) => cur.names.includes(n))
      ? `the reference and the current data have no column in common (reference: ${list(ref.names)}; current: ${list(cur.names)})`
      : columns.map((c) => `${c.name}: ${c.error ?? 'not compared'}`).join('; ');
  return `no column could be compared, so there is no drift verdict: ${why}`;
}

function highCardinalityError(name: string): string {
  return `column ${name} has more than 100 000 distinct values (free text or an id); drift is not computed on truncated counts: leave it out with --columns (validation.drift.columns)`;
}

/** The column's verdict replaced by an error: no statistic, no p-value, not drifted, so it leaves the drift share. */
function withoutStatistic(col: ColumnDrift, error: string): ColumnDrift {
  return {
    name: col.name,
    kind: col.kind,
    method: col.method,
    threshold: col.threshold,
    drifted: false,
    rows: col.rows,
    error,
  };
}
