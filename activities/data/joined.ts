// One column set from two: the native engine's, and the TypeScript loader's for the columns the engine left to it
// (Parquet types it does not read: decimals, float16, binary, …). A table with one such column thus keeps its other
// columns on the engine instead of sending the whole file to hyparquet. The joined set is sorted like the engine's:
// the left numeric columns (decimals) are sorted here, each when it is asked for.
import type { DriftInput } from '../../schemas/drift.js';
import { finiteSorted } from '../drift/stats.js';
import type { ColumnInfo, ColumnSet } from './columns.js';

type NonFinite = NonNullable<ColumnInfo['nonFinite']>;

function nonFiniteOf(values: Float64Array): NonFinite {
  const n = { nan: 0, posInf: 0, negInf: 0 };
  for (const v of values) {
    if (v !== v) n.nan++;
    else if (v === Infinity) n.posInf++;
    else if (v === -Infinity) n.negInf++;
  }
  return n;
}

/** `engine`'s columns and `rest`'s as one set whose columns are `names` (file order); closing it closes both. */
export async function joinedColumns(engine: ColumnSet, rest: ColumnSet, names: string[]): Promise<ColumnSet> {
  if (rest.rows !== engine.rows)
    throw new Error(`${engine.uri}: the engine read ${engine.rows} rows but the TypeScript loader ${rest.rows}`);
  // info() is synchronous and must say how many values were not finite, so those are counted now, one column in
  // memory at a time; the values are sorted only when they are asked for.
  const nonFinite = new Map<string, NonFinite>();
  for (const name of rest.names) {
    if (rest.info(name)?.type !== 'numeric') continue;
    const v = await rest.get(name);
    if (v?.type === 'numeric') nonFinite.set(name, nonFiniteOf(v.values));
  }
  const owner = (name: string): ColumnSet => (rest.names.includes(name) ? rest : engine);
  const read = async (name: string, take: boolean, reuse?: ArrayBuffer): Promise<DriftInput | undefined> => {
    const v = take ? await owner(name).take(name, reuse) : await owner(name).get(name);
    return v?.type === 'numeric' && nonFinite.has(name) ? { type: 'numeric', values: finiteSorted(v.values) } : v;
  };
  return {
    uri: engine.uri,
    rows: engine.rows,
    names,
    missing: engine.missing,
    spilled: engine.spilled || rest.spilled,
    inMemory: false,
    sorted: true,
    info(name) {
      const info = owner(name).info(name);
      const n = nonFinite.get(name);
      return info && n ? { ...info, nonFinite: n } : info;
    },
    get: (name) => read(name, false),
    take: (name, reuse) => read(name, true, reuse),
    async close() {
      try {
        await engine.close();
      } finally {
        await rest.close();
      }
    },
  };
}
