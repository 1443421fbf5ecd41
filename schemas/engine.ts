import { z } from 'zod';

/** The file formats the native engine reads. */
export type EngineFormat = 'csv' | 'csv.gz' | 'jsonl' | 'jsonl.gz' | 'parquet';

/** What the native column loader (engine/, `sluice-engine columns`) prints on stdout when it finishes. */
const Count = z.number().int().nonnegative();

export const EngineNumericColumn = z.object({
  name: z.string(),
  type: z.literal('numeric'),
  nulls: Count,
  /** Non-null cells, NaN and ±inf included. */
  values: Count,
  /** File under the output folder holding the `finite` finite values, ascending, as little-endian f64s. */
  file: z.string(),
  finite: Count,
  nan: Count,
  posInf: Count,
  negInf: Count,
});

export const EngineTextColumn = z.object({
  name: z.string(),
  type: z.literal('string'),
  nulls: Count,
  values: Count,
  /** Past 100 000 distinct values only the first ones seen are counted; the rest are estimated. */
  highCardinality: z.boolean().optional(),
  distinctEstimate: z.number().nonnegative().optional(),
  /** [value, count] in order of first appearance. */
  counts: z.array(z.tuple([z.string(), Count])),
});

export const EngineManifest = z.object({
  rows: Count,
  peakRssMb: z.number().nonnegative(),
  /** Requested columns the file does not have. */
  missing: z.array(z.string()),
  /** Present columns of Parquet types the engine does not read (decimals, float16, binary, …), by name. */
  left: z.array(z.string()),
  /** Every present requested column, read or left, in file order. */
  names: z.array(z.string()),
  columns: z.array(z.discriminatedUnion('type', [EngineNumericColumn, EngineTextColumn])),
});
export type EngineManifest = z.infer<typeof EngineManifest>;

const Counter = z.object({ failed: Count, examples: z.array(z.string()) });

/** A rule column's validation counters (`sluice-engine validate`), as validate.ts's ColumnCounts. */
export const EngineColumnCounts = z.object({
  nulls: Count,
  nonNull: Count,
  type: Counter,
  min: Counter,
  max: Counter,
  values: Counter,
  duplicateRows: Count,
  duplicates: z.array(z.string()),
});

/** What `sluice-engine validate` prints: the header as written and counters for the rule columns it has. */
export const EngineValidation = z.object({
  rows: Count,
  peakRssMb: z.number().nonnegative(),
  header: z.array(z.string()),
  columns: z.record(z.string(), EngineColumnCounts),
});
export type EngineValidation = z.infer<typeof EngineValidation>;
