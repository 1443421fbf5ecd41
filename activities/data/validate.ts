// The validation engine: one streaming pass over the rows with per-column counters. Memory is bounded by the
// number of columns, except for `unique`, which must remember every distinct value it has seen.
//
// Contract (docs/pipeline-spec.md#validation):
// - Empty cells are null. `nullable` defaults to true; a `nullable` check is emitted only for nullable: false.
// - `type`: number (finite decimal, e.g. -1.5, 3e4), integer (a number with no fractional part: 3, 3.0, 1e3),
//   string and category (anything), boolean (true/false/1/0, any case), timestamp (ISO 8601 date or date-time,
//   `2024-05-01`, `2024-05-01T10:00:00.5+02:00`, space or T; no offset means UTC). A value failing `type` is not
//   checked further.
// - min/max: numbers for number/integer; epoch milliseconds for timestamp.
// - values: the trimmed cell must equal one of the values (compared as strings).
// - unique: every row whose value occurs more than once fails (3 copies = 3 failed rows); nulls are ignored.
//   Numbers, booleans and timestamps compare by parsed value (1 and 1.0 are duplicates), strings as written.
// - mostly: a check passes when (total − failed) / total ≥ mostly, or total = 0. total = non-null rows, except
//   for `nullable`, whose total = all rows.
// - missingColumn (column in the rules, not in the data): failed 1, total 1; no other checks for that column.
// - minRows (only when minRows > 0): column null, failed = 1 if rows < minRows, total 1, examples [].
// - Checks are emitted in rule column order, then type, nullable, min, max, values, unique; examples hold up to
//   5 distinct offending values as written in the file (none for nullable, minRows and missingColumn).
import type { ColumnRule, ValidationRules, ValidationReport, CheckResult } from '../../schemas/validation.js';
import type { Storage } from '../storage/types.js';
import { openTable, type TableReader } from './reader.js';

const MAX_EXAMPLES = 5;

const enum Kind {
  Number,
  Integer,
  String,
  Boolean,
  Category,
  Timestamp,
}

const KINDS: Record<ColumnRule['type'], Kind> = {
  number: Kind.Number,
  integer: Kind.Integer,
  string: Kind.String,
  boolean: Kind.Boolean,
  category: Kind.Category,
  timestamp: Kind.Timestamp,
};

/** A finite decimal number, or NaN. Number() alone would also accept '', ' ', '0x1f' and 'Infinity'. */
export function parseNumber(s: string): number {
  const c0 = s.charCodeAt(0);
  if (!((c0 >= 48 && c0 <= 57) || c0 === 45 || c0 === 43 || c0 === 46)) return NaN;
  const cl = s.charCodeAt(s.length - 1);
  if (!((cl >= 48 && cl <= 57) || cl === 46)) return NaN;
  if (c0 === 48 && s.length > 2) {
    const c1 = s.charCodeAt(1) | 32;
    if (c1 === 120 || c1 === 111 || c1 === 98) return NaN; // 0x, 0o, 0b
  }
  const v = Number(s);
  return Number.isFinite(v) ? v : NaN;
}

/** 1 for true/1, 0 for false/0 (any case), -1 otherwise. */
export function parseBoolean(s: string): number {
  switch (s.length) {
    case 1:
      return s === '1' ? 1 : s === '0' ? 0 : -1;
    // Case-insensitive by OR-ing 32 into ASCII letters: no lower-cased copy per cell.
    case 4:
      return (s.charCodeAt(0) | 32) === 116 &&
        (s.charCodeAt(1) | 32) === 114 &&
        (s.charCodeAt(2) | 32) === 117 &&
        (s.charCodeAt(3) | 32) === 101
        ? 1
        : -1;
    case 5:
      return (s.charCodeAt(0) | 32) === 102 &&
        (s.charCodeAt(1) | 32) === 97 &&
        (s.charCodeAt(2) | 32) === 108 &&
        (s.charCodeAt(3) | 32) === 115 &&
        (s.charCodeAt(4) | 32) === 101
        ? 0
        : -1;
    default:
      return -1;
  }
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two ASCII digits at i as a number, or -1. Callers check the length first (charCodeAt past the end is NaN). */
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Epoch milliseconds of an ISO 8601 date or date-time (UTC when no offset is given), or NaN. Accepts
 * YYYY-MM-DD, then optionally [T| ]hh:mm[:ss[.fraction]] and Z, ±hh:mm, ±hhmm or ±hh. Hand-rolled: a regex here
 * was the slowest part of validating a timestamp column.
 */
export function parseTimestamp(s: string): number {
  const n = s.length;
  if (n < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
  const y1 = d2(s, 0);
  const y2 = d2(s, 2);
  const mo = d2(s, 5);
  const d = d2(s, 8);
  if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || d > (DAYS[mo - 1] as number)) return NaN;
  const y = y1 * 100 + y2;
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return NaN;
  if (n === 10) return Date.UTC(y, mo - 1, d);
  const sep = s.charCodeAt(10);
  if (!(sep === 84 || sep === 116 || sep === 32) || n < 16 || s.charCodeAt(13) !== 58) return NaN; // T t ' ', ':'
  const h = d2(s, 11);
  const mi = d2(s, 14);
  if (h < 0 || h > 23 || mi < 0 || mi > 59) return NaN;
  let i = 16;
  let sec = 0;
  let ms = 0;
  if (i < n && s.charCodeAt(i) === 58) {
    sec = i + 3 <= n ? d2(s, i + 1) : -1;
    if (sec < 0 || sec > 59) return NaN;
    i += 3;
    const c = s.charCodeAt(i);
    if (i < n && (c === 46 || c === 44)) {
      // Fraction: up to 9 digits, milliseconds from the first 3.
      let k = 0;
      for (i++; i < n; i++, k++) {
        const dg = s.charCodeAt(i) - 48;
        if (dg < 0 || dg > 9) break;
        if (k < 3) ms = ms * 10 + dg;
      }
      if (k === 0 || k > 9) return NaN;
      for (; k < 3; k++) ms *= 10;
    }
  }
  let t = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  if (i === n) return t;
  const z = s.charCodeAt(i);
  if ((z === 90 || z === 122) && i + 1 === n) return t; // Z z
  if (z !== 43 && z !== 45) return NaN; // + -
  const oh = i + 3 <= n ? d2(s, i + 1) : -1;
  if (oh < 0 || oh > 23) return NaN;
  if (i + 3 === n) return t - (z === 45 ? -1 : 1) * oh * 3_600_000; // ±hh
  const colon = s.charCodeAt(i + 3) === 58 ? 1 : 0;
  if (i + 5 + colon !== n) return NaN;
  const om = d2(s, i + 3 + colon);
  if (om < 0 || om > 59) return NaN;
  t -= (z === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
  return t;
}

interface Counter {
  failed: number;
  examples: string[];
}

function counter(): Counter {
  return { failed: 0, examples: [] };
}

function fail(c: Counter, value: string): void {
  c.failed++;
  if (c.examples.length < MAX_EXAMPLES && !c.examples.includes(value)) c.examples.push(value);
}

interface Column {
  name: string;
  rule: ColumnRule;
  kind: Kind;
  numeric: boolean;
  idx: number;
  nulls: number;
  nonNull: number;
  type: Counter;
  min: Counter | null;
  max: Counter | null;
  minValue: number;
  maxValue: number;
  values: Counter | null;
  allowed: Set<string> | null;
  seen: Map<string | number, number> | null;
  duplicateRows: number;
  /** Up to 5 duplicated values, as written where each was first seen twice. */
  duplicates: string[];
}

/** Streaming validator: begin(header), row(cells) for every data row, then finish(). */
export class Validator {
  private readonly columns: Column[];
  private active: Column[] = [];
  private rows = 0;

  constructor(private readonly rules: ValidationRules) {
    this.columns = Object.entries(rules.columns).map(([name, rule]) => {
      const kind = KINDS[rule.type];
      return {
        name,
        rule,
        kind,
        numeric: kind === Kind.Number || kind === Kind.Integer || kind === Kind.Boolean || kind === Kind.Timestamp,
        idx: -1,
        nulls: 0,
        nonNull: 0,
        type: counter(),
        min: rule.min === undefined ? null : counter(),
        max: rule.max === undefined ? null : counter(),
        minValue: rule.min ?? -Infinity,
        maxValue: rule.max ?? Infinity,
        values: rule.values ? counter() : null,
        allowed: rule.values ? new Set(rule.values.map((v) => v.trim())) : null,
        seen: rule.unique ? new Map() : null,
        duplicateRows: 0,
        duplicates: [],
      };
    });
  }

  /** Rows seen so far. */
  get rowCount(): number {
    return this.rows;
  }

  begin(header: string[]): void {
    const index = new Map<string, number>();
    header.forEach((h, i) => {
      const name = h.trim();
      if (!index.has(name)) index.set(name, i);
    });
    for (const c of this.columns) c.idx = index.get(c.name) ?? -1;
    this.active = this.columns.filter((c) => c.idx >= 0);
  }

  row(cells: string[]): void {
    this.rows++;
    const cols = this.active;
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k] as Column;
      const cell = cells[c.idx];
      if (cell === undefined || cell.length === 0) {
        c.nulls++;
        continue;
      }
      c.nonNull++;
      let num = 0;
      switch (c.kind) {
        case Kind.Number:
          num = parseNumber(cell);
          if (num !== num) {
            fail(c.type, cell);
            continue;
          }
          break;
        case Kind.Integer:
          num = parseNumber(cell);
          if (!Number.isInteger(num)) {
            fail(c.type, cell);
            continue;
          }
          break;
        case Kind.Boolean:
          num = parseBoolean(cell);
          if (num < 0) {
            fail(c.type, cell);
            continue;
          }
          break;
        case Kind.Timestamp:
          num = parseTimestamp(cell);
          if (num !== num) {
            fail(c.type, cell);
            continue;
          }
          break;
      }
      if (c.min !== null && num < c.minValue) fail(c.min, cell);
      if (c.max !== null && num > c.maxValue) fail(c.max, cell);
      if (c.allowed !== null && !c.allowed.has(cell) && !c.allowed.has(cell.trim())) fail(c.values as Counter, cell);
      if (c.seen !== null) {
        const key = c.numeric ? num : cell;
        const n = (c.seen.get(key) ?? 0) + 1;
        c.seen.set(key, n);
        // The second copy makes both rows failures; every later copy adds one.
        if (n === 2) {
          c.duplicateRows += 2;
          if (c.duplicates.length < MAX_EXAMPLES) c.duplicates.push(cell);
        } else if (n > 2) c.duplicateRows++;
      }
    }
  }

  finish(): ValidationReport {
    const checks: CheckResult[] = [];
    const rows = this.rows;
    if (this.rules.minRows > 0) {
      const failed = rows < this.rules.minRows ? 1 : 0;
      checks.push({ column: null, check: 'minRows', failed, total: 1, passed: failed === 0, examples: [] });
    }
    for (const c of this.columns) {
      if (c.idx < 0) {
        checks.push({ column: c.name, check: 'missingColumn', failed: 1, total: 1, passed: false, examples: [] });
        continue;
      }
      const mostly = c.rule.mostly;
      const add = (check: CheckResult['check'], failed: number, total: number, examples: unknown[]): void => {
        const passed = total === 0 || (total - failed) / total >= mostly;
        checks.push({ column: c.name, check, failed, total, passed, examples });
      };
      add('type', c.type.failed, c.nonNull, c.type.examples);
      if (!c.rule.nullable) add('nullable', c.nulls, rows, []);
      if (c.min) add('min', c.min.failed, c.nonNull, c.min.examples);
      if (c.max) add('max', c.max.failed, c.nonNull, c.max.examples);
      if (c.values) add('values', c.values.failed, c.nonNull, c.values.examples);
      if (c.seen) add('unique', c.duplicateRows, c.nonNull, c.duplicates);
    }
    return { passed: checks.every((k) => k.passed), rows, checks };
  }
}

export interface ValidateOptions {
  /** Called with the rows processed so far, at most every `progressRows` rows or `progressMs` ms. */
  onProgress?: (rows: number) => void;
  progressRows?: number;
  progressMs?: number;
  /** Stops validation (rejecting with the signal's reason) when aborted. */
  signal?: AbortSignal;
}

/** Validates a table reader's rows, batch by batch. */
export async function validateTable(
  reader: TableReader,
  rules: ValidationRules,
  opts: ValidateOptions = {},
): Promise<ValidationReport> {
  const v = new Validator(rules);
  v.begin(reader.header);
  const everyRows = opts.progressRows ?? 100_000;
  const everyMs = opts.progressMs ?? 1000;
  let lastRows = 0;
  let lastTime = Date.now();
  for await (const batch of reader.batches()) {
    opts.signal?.throwIfAborted();
    for (let i = 0; i < batch.length; i++) v.row(batch[i] as string[]);
    if (opts.onProgress) {
      const now = Date.now();
      if (v.rowCount - lastRows >= everyRows || now - lastTime >= everyMs) {
        lastRows = v.rowCount;
        lastTime = now;
        opts.onProgress(v.rowCount);
      }
    }
  }
  return v.finish();
}

/** Validates rows from any async source; the first row is the header. */
export async function validateStream(
  rows: AsyncIterable<string[]>,
  rules: ValidationRules,
  opts: Pick<ValidateOptions, 'signal'> = {},
): Promise<ValidationReport> {
  const v = new Validator(rules);
  let started = false;
  for await (const row of rows) {
    opts.signal?.throwIfAborted();
    if (!started) {
      v.begin(row);
      started = true;
    } else v.row(row);
  }
  if (!started) v.begin([]);
  return v.finish();
}

/** Reads the dataset at `uri` (format by extension; CSV by default) and validates it in one streaming pass. */
export async function validateUri(
  storage: Storage,
  uri: string,
  rules: ValidationRules,
  opts: ValidateOptions = {},
): Promise<ValidationReport> {
  return validateTable(await openTable(storage, uri), rules, opts);
}
