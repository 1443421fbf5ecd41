// Validation of local Parquet files in DuckDB: each column's rules become SQL aggregates over read_parquet, so
// decoding and counting run in native code (hyparquet decoding a 1M-row group into JS arrays took ~10 s and most of
// a GB). Only the column shapes whose SQL meaning provably equals the streaming Validator's are handled here;
// validateParquet() gives every other column to the Validator. Examples come from a second, small query per failing
// check, as the first distinct offending values in row order, formatted as the Validator formats them (cellText).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ColumnRule } from '../../schemas/validation.js';
import type { ColumnCounts } from './validate.js';
import { cellText } from './parquet.js';

const MAX_EXAMPLES = 5;
const NUMERIC_SQL = new Set([
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'FLOAT',
  'DOUBLE',
]);

/** What one column's counters are computed from. */
interface Plan {
  name: string;
  rule: ColumnRule;
  q: string;
  numeric: boolean;
  /** A non-null value that passes `type`: later checks apply only to these rows (as in the Validator). */
  ok: string;
  /** The value as the Validator compares and groups it. */
  key: string;
}

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const literal = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const dbl = (n: number): string => `CAST(${literal(String(n))} AS DOUBLE)`;

/** The plan for a column DuckDB can check exactly as the Validator would, or null. */
function planFor(name: string, rule: ColumnRule, sqlType: string): Plan | null {
  const q = ident(name);
  if ((rule.type === 'number' || rule.type === 'integer') && !rule.values && NUMERIC_SQL.has(sqlType)) {
    // Integer storage is always a finite whole number: no per-row test. Floats: NaN and ±inf fail `type` (DuckDB
    // orders NaN above every number, so later tests must exclude it explicitly).
    const float = sqlType === 'FLOAT' || sqlType === 'DOUBLE';
    const ok = !float ? 'true' : rule.type === 'integer' ? `(isfinite(${q}) AND ${q} = trunc(${q}))` : `isfinite(${q})`;
    // The Validator groups parquet numbers as doubles (-0 + 0 is 0, so ±0 are one), except whole ones from 2^53 to
    // 2^64 in magnitude, which it groups by exact value (validate.ts bigKey): 64-bit integers there as themselves.
    const asDouble = `(${q}::DOUBLE + 0.0)`;
    const key = float
      ? asDouble
      : `CASE WHEN abs(${q}::DOUBLE) BETWEEN 9007199254740992 AND 18446744073709551616 THEN ${q}::VARCHAR ELSE ${asDouble}::VARCHAR END`;
    return { name, rule, q, numeric: true, ok, key };
  }
  // Text kinds: min/max compare 0 with the bound in the Validator (a rule error the SQL does not reproduce).
  if (
    (rule.type === 'string' || rule.type === 'category') &&
    rule.min === undefined &&
    rule.max === undefined &&
    sqlType === 'VARCHAR'
  )
    return { name, rule, q, numeric: false, ok: `${q} <> ''`, key: q };
  return null;
}

/** Opens DuckDB single-threaded (per-core numbers; the pipeline runs validations side by side) with spilling. */
async function connect(): Promise<{
  all: (sql: string) => Promise<unknown[][]>;
  close: () => Promise<void>;
}> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const spill = await mkdtemp(join(tmpdir(), 'sluice-duckdb-'));
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '1',
    memory_limit: '160MB',
    temp_directory: spill,
  });
  const con = await instance.connect();
  return {
    all: async (sql) => (await con.runAndReadAll(sql)).getRows() as unknown[][],
    close: async () => {
      con.closeSync();
      instance.closeSync();
      await rm(spill, { recursive: true, force: true });
    },
  };
}

/** Up to 5 distinct texts of the values matching `where`, in order of first occurrence. */
async function examples(all: (sql: string) => Promise<unknown[][]>, from: string, p: Plan, where: string) {
  // Grouped by value, 2× the need: two values can share a text (e.g. -0 and 0 are both "0").
  const rows = await all(
    `SELECT v FROM (SELECT any_value(${p.q}) v, min(file_row_number) r FROM ${from} WHERE ${where} ` +
      `GROUP BY ${p.q} ORDER BY r LIMIT ${MAX_EXAMPLES * 2})`,
  );
  const out: string[] = [];
  for (const [v] of rows) {
    const t = cellText(v);
    if (out.length < MAX_EXAMPLES && !out.includes(t)) out.push(t);
  }
  return out;
}

/**
 * Counters for the columns of a local Parquet file that DuckDB can check exactly; returns them by column name
 * (columns left out are for the Validator). `types` maps column names to DuckDB's type names.
 */
export async function parquetCountsSql(
  path: string,
  rules: Record<string, ColumnRule>,
  names: string[],
): Promise<Map<string, ColumnCounts>> {
  const out = new Map<string, ColumnCounts>();
  const db = await connect();
  try {
    const from = `read_parquet(${literal(path)}, file_row_number = true)`;
    const types = new Map(
      (await db.all(`DESCRIBE SELECT * FROM read_parquet(${literal(path)})`)).map((r) => [String(r[0]), String(r[1])]),
    );
    const plans: Plan[] = [];
    for (const name of names) {
      const rule = rules[name];
      const type = types.get(name);
      const p = rule && type ? planFor(name, rule, type) : null;
      if (p) plans.push(p);
    }
    if (plans.length === 0) return out;

    // One scan for every count that is a plain aggregate.
    const aggs: string[] = [];
    for (const p of plans) {
      const nonNull = p.numeric ? `${p.q} IS NOT NULL` : `${p.q} <> ''`;
      aggs.push(`count_if(${nonNull})`);
      aggs.push(p.ok === 'true' ? '0' : `count_if(${nonNull} AND NOT ${p.ok})`);
      const and = p.ok === 'true' ? '' : ` AND ${p.ok}`;
      aggs.push(p.rule.min !== undefined ? `count_if(${p.q} < ${dbl(p.rule.min)}${and})` : '0');
      aggs.push(p.rule.max !== undefined ? `count_if(${p.q} > ${dbl(p.rule.max)}${and})` : '0');
    }
    const [totals] = await db.all(`SELECT count(*), ${aggs.join(', ')} FROM ${from}`);
    const num = (k: number): number => Number((totals as unknown[])[k]);
    const rows = num(0);

    for (const [i, p] of plans.entries()) {
      const nonNull = num(1 + i * 4);
      const typeFailed = num(2 + i * 4);
      const minFailed = num(3 + i * 4);
      const maxFailed = num(4 + i * 4);
      const c: ColumnCounts = {
        nulls: rows - nonNull,
        nonNull,
        type: { failed: typeFailed, examples: [] },
        min: { failed: minFailed, examples: [] },
        max: { failed: maxFailed, examples: [] },
        values: { failed: 0, examples: [] },
        duplicateRows: 0,
        duplicates: [],
      };
      if (typeFailed > 0) c.type.examples = await examples(db.all, from, p, `${p.q} IS NOT NULL AND NOT ${p.ok}`);
      if (minFailed > 0)
        c.min.examples = await examples(db.all, from, p, `${p.ok} AND ${p.q} < ${dbl(p.rule.min as number)}`);
      if (maxFailed > 0)
        c.max.examples = await examples(db.all, from, p, `${p.ok} AND ${p.q} > ${dbl(p.rule.max as number)}`);

      if (p.rule.values) {
        // Exact matches are settled in SQL; the rest (usually few distinct values) are tested in JS, where trim()
        // means what it means in the Validator (all Unicode white space, not only ' ').
        const allowed = new Set(p.rule.values.map((v) => v.trim()));
        const list = [...allowed].map(literal).join(', ');
        const rest = await db.all(
          `SELECT ${p.q}, count(*), min(file_row_number) r FROM ${from} ` +
            `WHERE ${p.ok} AND ${p.q} NOT IN (${list}) GROUP BY ${p.q} ORDER BY r`,
        );
        for (const [v, n] of rest) {
          const t = String(v);
          if (allowed.has(t) || allowed.has(t.trim())) continue;
          c.values.failed += Number(n);
          if (c.values.examples.length < MAX_EXAMPLES) c.values.examples.push(t);
        }
      }

      if (p.rule.unique) {
        // The text of each value's second row, as the Validator keeps it (two int64s can share a double).
        const dup =
          `SELECT min_by(${p.q}, file_row_number, 2)[2] v, count(*) n, min(file_row_number, 2)[2] r FROM ${from} ` +
          `WHERE ${p.q} IS NOT NULL AND ${p.ok} GROUP BY ${p.key} HAVING count(*) > 1`;
        const [sum] = await db.all(`SELECT coalesce(sum(n), 0)::BIGINT FROM (${dup})`);
        c.duplicateRows = Number((sum as unknown[])[0]);
        if (c.duplicateRows > 0) {
          // Ordered by the row where each value was seen the second time, as the Validator collects them.
          for (const [v] of await db.all(`SELECT v FROM (${dup}) ORDER BY r LIMIT ${MAX_EXAMPLES}`))
            c.duplicates.push(cellText(v));
        }
      }
      out.set(p.name, c);
    }
    return out;
  } finally {
    await db.close();
  }
}
