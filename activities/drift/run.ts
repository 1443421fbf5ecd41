// Drift between two stored datasets: loads the columns, compares each pair, and decides on dataset drift.
// Shared by the CLI (`sluice drift`) and the checkDrift activity.
import type { ColumnDrift, DriftOptions, DriftReport } from '../../schemas/drift.js';
import type { Storage } from '../storage/types.js';
import { openColumns } from '../data/columns.js';
import { columnDrift, datasetDrift } from './compute.js';

/** What is happening now, for heartbeats and progress lines. */
export type DriftProgress =
  | { phase: 'load'; side: 'reference' | 'current'; rows: number }
  | { phase: 'compare'; column: string; done: number; total: number };

/** The request itself is wrong (a column in neither dataset): retrying or other data cannot fix it. */
export class DriftInputError extends Error {
  override name = 'DriftInputError';
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
      onProgress: (rows: number) => onProgress?.({ phase: 'load', side, rows }),
    });
  const ref = await open(referenceUri, 'reference');
  try {
    const cur = await open(currentUri, 'current');
    try {
      const inRef = new Set(ref.names);
      const inCur = new Set(cur.names);
      const names = opts.columns ?? [...new Set([...ref.names, ...cur.names])];
      const nowhere = names.filter((n) => !inRef.has(n) && !inCur.has(n));
      if (nowhere.length)
        throw new DriftInputError(
          `column${nowhere.length > 1 ? 's' : ''} ${nowhere.join(', ')} ${nowhere.length > 1 ? 'are' : 'is'} in neither ${referenceUri} nor ${currentUri}; check the column list (--columns / validation.drift.columns)`,
        );
      // One column pair in memory at a time: the sets hold the rest spilled to disk.
      const columns: ColumnDrift[] = [];
      for (const [i, name] of names.entries()) {
        signal?.throwIfAborted();
        onProgress?.({ phase: 'compare', column: name, done: i, total: names.length });
        const r = await ref.get(name);
        const c = await cur.get(name);
        columns.push(columnDrift(name, r, c, { method: opts.method, threshold: opts.threshold }));
      }
      return datasetDrift(columns, { reference: ref.rows, current: cur.rows }, opts.driftShare);
    } finally {
      await cur.close();
    }
  } finally {
    await ref.close();
  }
}
