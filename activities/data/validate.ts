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
import { formatOf, openTable, type TableReader } from './reader.js';
import { CsvByteScanner, fieldText } from './csv.js';
import { cellText, openParquetFile, ParquetFormatError } from './parquet.js';
import { engineFormat, withLocalCopy } from './engine.js';
import { localPath, servedFrom } from '../storage/downloaded.js';

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

/** 400 Gregorian years: exactly 146 097 days, so the calendar repeats. */
const ERA_MS = 146_097 * 86_400_000;

/** Date.UTC for a four-digit year: Date.UTC itself reads years 0–99 as 1900–1999. */
function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  return y >= 100 ? Date.UTC(y, mo, d, h, mi, s, ms) : Date.UTC(y + 400, mo, d, h, mi, s, ms) - ERA_MS;
}

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
  if (n === 10) return utc(y, mo - 1, d, 0, 0, 0, 0);
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
  let t = utc(y, mo - 1, d, h, mi, sec, ms);
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

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

/**
 * parseNumber over bytes [s, e) without making a string, for the common shape [+-]digits[.digits][e[+-]digits]
 * with at most 15 significant digits and a decimal exponent within ±22: then mantissa and 10^k are exact doubles
 * and one multiplication or division rounds correctly, giving exactly Number()'s result (Clinger's fast path).
 * NaN for anything else; the caller then falls back to parseNumber on the text.
 */
export function parseNumberBytes(buf: Uint8Array, s: number, e: number): number {
  let i = s;
  let neg = false;
  let c = buf[i] as number;
  if (c === 45 || c === 43) {
    neg = c === 45;
    i++;
  }
  let m = 0;
  let digits = 0;
  let sig = 0;
  let exp = 0;
  for (; i < e; i++) {
    const d = (buf[i] as number) - 48;
    if (d < 0 || d > 9) break;
    digits++;
    if (sig > 0 || d !== 0) sig++;
    m = m * 10 + d;
  }
  if (i < e && buf[i] === 46) {
    for (i++; i < e; i++) {
      const d = (buf[i] as number) - 48;
      if (d < 0 || d > 9) break;
      digits++;
      if (sig > 0 || d !== 0) sig++;
      m = m * 10 + d;
      exp--;
    }
  }
  if (digits === 0 || sig > 15) return NaN;
  if (i < e) {
    c = buf[i] as number;
    if (c !== 101 && c !== 69) return NaN; // e E
    i++;
    let eneg = false;
    c = buf[i] as number;
    if (c === 45 || c === 43) {
      eneg = c === 45;
      i++;
    }
    let x = 0;
    const from = i;
    for (; i < e && i - from < 4; i++) {
      const d = (buf[i] as number) - 48;
      if (d < 0 || d > 9) return NaN;
      x = x * 10 + d;
    }
    if (i === from || i < e) return NaN;
    exp += eneg ? -x : x;
  }
  let v: number;
  if (exp === 0) v = m;
  else if (exp > 0 && exp <= 22) v = m * (POW10[exp] as number);
  else if (exp < 0 && exp >= -22) v = m / (POW10[-exp] as number);
  else return NaN;
  // Only finite values reach here: m < 1e15 and |exp| ≤ 22.
  return neg ? -v : v;
}

/** FNV-1a over bytes [s, e). */
function hashBytes(buf: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return h >>> 0;
}

/**
 * The allowed values of a column as bytes, for membership tests on raw CSV fields without decoding them: an
 * open-addressing table from the bytes' hash to the candidate, which is then compared byte by byte (a linear scan
 * over 50 categories was the validator's largest cost).
 */
class ByteSet {
  private readonly slots: Int32Array;
  private readonly mask: number;
  constructor(private readonly values: Buffer[]) {
    let size = 8;
    while (size < values.length * 2) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    values.forEach((v, k) => {
      let i = hashBytes(v, 0, v.length) & this.mask;
      while (this.slots[i] !== -1) i = (i + 1) & this.mask;
      this.slots[i] = k;
    });
  }

  has(buf: Buffer, s: number, e: number): boolean {
    const len = e - s;
    let i = hashBytes(buf, s, e) & this.mask;
    for (;;) {
      const k = this.slots[i] as number;
      if (k < 0) return false;
      const cand = this.values[k] as Buffer;
      if (cand.length === len) {
        let j = 0;
        while (j < len && cand[j] === buf[s + j]) j++;
        if (j === len) return true;
      }
      i = (i + 1) & this.mask;
    }
  }
}

const DECIMAL = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/;

/**
 * The exact value of a decimal literal that is a whole number, however written (`+`, leading zeros, `.0`, an
 * exponent), else null: a fraction left, or more than 38 digits. The engine's validate.rs `whole_value` is the same.
 */
export function wholeValue(text: string): bigint | null {
  const m = DECIMAL.exec(text);
  if (m === null) return null;
  const [, sign, int = '', frac = '', exp = '0'] = m;
  let digits = (int + frac).replace(/^0+/, '');
  let scale = Number(exp) - frac.length;
  while (scale < 0 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    scale++;
  }
  if (digits === '') return 0n;
  if (scale < 0 || digits.length + scale > 38) return null;
  const v = BigInt(digits + '0'.repeat(scale));
  return sign === '-' ? -v : v;
}

/**
 * How `unique` tells apart whole numbers from 2^53 to 2^64 in magnitude (both included), where distinct integers
 * (snowflake ids, hashes, any int64) can round to one double: by the exact integer, as decimal digits. `exact`
 * gives the value as written (or as a bigint): a whole number however spelled counts as itself, anything else as
 * its double. Null for every other number, which counts as its double. The engine's validate.rs `big_key` draws
 * the same lines.
 */
export function bigKey(num: number, exact: () => string | bigint): string | null {
  const a = Math.abs(num);
  if (!(a >= 2 ** 53 && a <= 2 ** 64)) return null;
  const e = exact();
  return (typeof e === 'bigint' ? e : (wholeValue(e) ?? BigInt(num))).toString();
}

/**
 * How often each number has been seen, saturating at 3 (all `unique` needs: first, second, later copies). Open
 * addressing over a Float64Array of keys and a Uint8Array of counts (0 = empty slot): exact (keys are the values
 * themselves), ~9 bytes per slot at ≤ 0.75 load, where a Map<number, number> holds tens of bytes per entry and
 * made 10M ids cost > 800 MB.
 */
export class NumberCounts {
  private keys = new Float64Array(1 << 12);
  private counts = new Uint8Array(1 << 12);
  private mask = (1 << 12) - 1;
  private size = 0;
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);

  private slot(v: number): number {
    this.f64[0] = v;
    let h = Math.imul((this.u32[0] as number) ^ Math.imul(this.u32[1] as number, 0x9e3779b1), 0x85ebca77);
    h ^= h >>> 15;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 13;
    return h & this.mask;
  }

  /** Counts v (finite; -0 is 0) and returns its count so far, at most 3. */
  add(v: number): number {
    const x = v + 0; // -0 → 0, so both hash alike (they are equal values)
    let i = this.slot(x);
    const keys = this.keys;
    const counts = this.counts;
    for (;;) {
      const n = counts[i] as number;
      if (n === 0) break;
      if (keys[i] === x) {
        if (n < 3) counts[i] = n + 1;
        return n + 1;
      }
      i = (i + 1) & this.mask;
    }
    keys[i] = x;
    counts[i] = 1;
    if (++this.size * 4 > keys.length * 3) this.grow();
    return 1;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldCounts = this.counts;
    this.keys = new Float64Array(oldKeys.length * 2);
    this.counts = new Uint8Array(oldKeys.length * 2);
    this.mask = oldKeys.length * 2 - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const n = oldCounts[j] as number;
      if (n === 0) continue;
      const x = oldKeys[j] as number;
      let i = this.slot(x);
      while (this.counts[i] !== 0) i = (i + 1) & this.mask;
      this.keys[i] = x;
      this.counts[i] = n;
    }
  }
}

interface Counter {
  failed: number;
  examples: string[];
}

/** A column's counters computed elsewhere (DuckDB over Parquet), to be taken as they are: see setCounts(). */
export interface ColumnCounts {
  nulls: number;
  nonNull: number;
  type: Counter;
  min: Counter;
  max: Counter;
  values: Counter;
  duplicateRows: number;
  duplicates: string[];
}

function counter(): Counter {
  return { failed: 0, examples: [] };
}

function fail(c: Counter, value: string): void {
  c.failed++;
  if (c.examples.length < MAX_EXAMPLES && !c.examples.includes(value)) c.examples.push(value);
}

/** Which byte-level shortcut record() may take for a column. */
const enum Fast {
  None,
  /** number/integer without a values list: checked on the parsed number. */
  Number,
  /** string/category without unique: only a values list to match, by bytes. */
  Text,
}

interface Column {
  fast: Fast;
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
  /** The allowed values as UTF-8 bytes, for the byte-level fast path. */
  allowedBytes: ByteSet | null;
  /** unique on text columns: exact counts per value as written. */
  seen: Map<string, number> | null;
  /** unique on numeric columns (number, integer, boolean, timestamp): counts per parsed value. */
  seenNum: NumberCounts | null;
  /** unique on numeric columns, whole numbers from 2^53 to 2^64 in magnitude (both included): counts per exact integer (bigKey). */
  seenBig: Map<string, number> | null;
  duplicateRows: number;
  /** Up to 5 duplicated values, as written where each was first seen twice. */
  duplicates: string[];
}

// record()'s per-column path.
const M_OTHER = 0;
const M_NUMBER = 1;
const M_INTEGER = 2;
const M_TEXT_ANY = 3;
const M_TEXT_VALUES = 4;

/** Streaming validator: begin(header), row(cells) for every data row, then finish(). */
export class Validator {
  private readonly columns: Column[];
  private active: Column[] = [];
  private readonly byName = new Map<string, Column>();
  private rows = 0;
  // record()'s view of the active columns, index k = this.active[k].
  private fIdx = new Int32Array(0);
  private fMode = new Uint8Array(0);
  private fLo = new Float64Array(0);
  private fHi = new Float64Array(0);
  private fUnique = new Uint8Array(0);
  private fNulls = new Float64Array(0);
  private fNonNull = new Float64Array(0);

  constructor(private readonly rules: ValidationRules) {
    this.columns = Object.entries(rules.columns).map(([name, rule]) => {
      const kind = KINDS[rule.type];
      const numeric = kind === Kind.Number || kind === Kind.Integer || kind === Kind.Boolean || kind === Kind.Timestamp;
      const fast =
        (kind === Kind.Number || kind === Kind.Integer) && !rule.values
          ? Fast.Number
          : (kind === Kind.String || kind === Kind.Category) && !rule.unique
            ? Fast.Text
            : Fast.None;
      return {
        fast,
        name,
        rule,
        kind,
        numeric,
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
        allowedBytes: rule.values
          ? new ByteSet([...new Set(rule.values.map((v) => v.trim()))].map((v) => Buffer.from(v)))
          : null,
        seen: rule.unique && !numeric ? new Map() : null,
        seenNum: rule.unique && numeric ? new NumberCounts() : null,
        seenBig: rule.unique && numeric ? new Map() : null,
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
    for (const c of this.active) this.byName.set(c.name, c);
    const n = this.active.length;
    this.fIdx = Int32Array.from(this.active, (c) => c.idx);
    this.fMode = Uint8Array.from(this.active, (c) =>
      c.fast === Fast.Number
        ? c.kind === Kind.Integer
          ? M_INTEGER
          : M_NUMBER
        : c.fast === Fast.Text
          ? c.allowedBytes === null
            ? M_TEXT_ANY
            : M_TEXT_VALUES
          : M_OTHER,
    );
    this.fLo = Float64Array.from(this.active, (c) => c.minValue);
    this.fHi = Float64Array.from(this.active, (c) => c.maxValue);
    this.fUnique = Uint8Array.from(this.active, (c) => (c.seenNum !== null ? 1 : 0));
    this.fNulls = new Float64Array(n);
    this.fNonNull = new Float64Array(n);
  }

  /** Moves record()'s typed-array counters into the columns. */
  private flushFast(): void {
    this.active.forEach((c, k) => {
      c.nulls += this.fNulls[k] as number;
      c.nonNull += this.fNonNull[k] as number;
    });
    this.fNulls.fill(0);
    this.fNonNull.fill(0);
  }

  row(cells: string[]): void {
    this.rows++;
    const cols = this.active;
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k] as Column;
      const cell = cells[c.idx];
      if (cell === undefined || cell.length === 0) c.nulls++;
      else this.cell(c, cell);
    }
  }

  /** Checks one non-null cell given as text. */
  private cell(c: Column, cell: string): void {
    c.nonNull++;
    let num = 0;
    switch (c.kind) {
      case Kind.Number:
        num = parseNumber(cell);
        if (num !== num) return fail(c.type, cell);
        break;
      case Kind.Integer:
        num = parseNumber(cell);
        if (!Number.isInteger(num)) return fail(c.type, cell);
        break;
      case Kind.Boolean:
        num = parseBoolean(cell);
        if (num < 0) return fail(c.type, cell);
        break;
      case Kind.Timestamp:
        num = parseTimestamp(cell);
        if (num !== num) return fail(c.type, cell);
        break;
    }
    if (c.min !== null && num < c.minValue) fail(c.min, cell);
    if (c.max !== null && num > c.maxValue) fail(c.max, cell);
    if (c.allowed !== null && !c.allowed.has(cell) && !c.allowed.has(cell.trim())) fail(c.values as Counter, cell);
    if (c.seenNum !== null)
      this.seen(
        c,
        this.countNumber(c, num, () => cell),
        cell,
      );
    else if (c.seen !== null) {
      const n = (c.seen.get(cell) ?? 0) + 1;
      c.seen.set(cell, n);
      this.seen(c, n, cell);
    }
  }

  /** Counts a number for `unique` and returns its sightings so far (at most 3); `exact` gives it as written. */
  private countNumber(c: Column, num: number, exact: () => string | bigint): number {
    const key = bigKey(num, exact);
    if (key === null) return (c.seenNum as NumberCounts).add(num);
    const seenBig = c.seenBig as Map<string, number>;
    const n = Math.min((seenBig.get(key) ?? 0) + 1, 3);
    seenBig.set(key, n);
    return n;
  }

  /** Records the n-th sighting of a value (n saturating at 3); `cell` is its text. */
  private seen(c: Column, n: number, cell: string): void {
    // The second copy makes both rows failures; every later copy adds one.
    if (n === 2) {
      c.duplicateRows += 2;
      if (c.duplicates.length < MAX_EXAMPLES) c.duplicates.push(cell);
    } else if (n > 2) c.duplicateRows++;
  }

  /**
   * One CSV record as byte offsets (CsvByteScanner): the fast path. Numbers are parsed from the bytes and text is
   * decoded only for a failing cell, a category test that the byte comparison cannot settle, or a rule that needs it;
   * the outcome is the same as row() on the decoded cells.
   */
  record(buf: Buffer, starts: Int32Array, ends: Int32Array, flags: Uint8Array, nums?: Float64Array): void {
    this.rows++;
    const cols = this.active;
    // Per-column settings and counters in typed arrays (see begin()): the loop touches no column object on the
    // common path, which halved its cost over reading and bumping fields of 26 objects per row.
    const fIdx = this.fIdx;
    const fMode = this.fMode;
    const fLo = this.fLo;
    const fHi = this.fHi;
    const fNulls = this.fNulls;
    const fNonNull = this.fNonNull;
    for (let k = 0; k < fIdx.length; k++) {
      const idx = fIdx[k] as number;
      const s = starts[idx] as number;
      const e = ends[idx] as number;
      if (e === s) {
        fNulls[k] = (fNulls[k] as number) + 1;
        continue;
      }
      const mode = fMode[k] as number;
      const flag = flags[idx] as number;
      if (mode === M_NUMBER || mode === M_INTEGER) {
        let num = nums ? (nums[idx] as number) : NaN;
        if (num !== num && flag === 0) num = parseNumberBytes(buf, s, e);
        if (num !== num || (mode === M_INTEGER && !Number.isInteger(num))) {
          this.cell(cols[k] as Column, fieldText(buf, s, e, flag));
          continue;
        }
        fNonNull[k] = (fNonNull[k] as number) + 1;
        // The bounds are ∓Infinity when unset, so these tests are false without a rule.
        if (num < (fLo[k] as number) || num > (fHi[k] as number) || this.fUnique[k] === 1) {
          const c = cols[k] as Column;
          if (num < c.minValue) fail(c.min as Counter, fieldText(buf, s, e, flag));
          if (num > c.maxValue) fail(c.max as Counter, fieldText(buf, s, e, flag));
          if (c.seenNum !== null) {
            const n = this.countNumber(c, num, () => fieldText(buf, s, e, flag));
            if (n > 1) this.seen(c, n, fieldText(buf, s, e, flag));
          }
        }
        continue;
      }
      if (mode === M_TEXT_ANY) {
        fNonNull[k] = (fNonNull[k] as number) + 1;
        continue;
      }
      if (mode === M_TEXT_VALUES && flag === 0 && ((cols[k] as Column).allowedBytes as ByteSet).has(buf, s, e)) {
        fNonNull[k] = (fNonNull[k] as number) + 1;
        continue;
      }
      this.cell(cols[k] as Column, fieldText(buf, s, e, flag));
    }
  }

  /**
   * One column of a batch of `n` rows as decoded values (Parquet): numbers are checked as numbers, anything else
   * as its text. Call once per active column per batch, then endBatch(n).
   */
  columnValues(name: string, values: ArrayLike<unknown>, n: number): void {
    const c = this.byName.get(name);
    if (c === undefined || c.idx < 0) return;
    const numeric = c.kind === Kind.Number || c.kind === Kind.Integer;
    for (let r = 0; r < n; r++) {
      const v = values[r];
      if (v === null || v === undefined) {
        c.nulls++;
        continue;
      }
      // INT64 arrives as bigint: as a number it is what parseNumber(String(v)) gives (both round to nearest).
      const x = typeof v === 'bigint' ? Number(v) : v;
      if (numeric && typeof x === 'number' && Number.isFinite(x) && c.allowed === null) {
        if (c.kind === Kind.Integer && !Number.isInteger(x)) {
          c.nonNull++;
          fail(c.type, cellText(v));
          continue;
        }
        c.nonNull++;
        if (c.min !== null && x < c.minValue) fail(c.min, cellText(v));
        if (c.max !== null && x > c.maxValue) fail(c.max, cellText(v));
        if (c.seenNum !== null) {
          const seen = this.countNumber(c, x, () => (typeof v === 'bigint' ? v : cellText(v)));
          if (seen > 1) this.seen(c, seen, cellText(v));
        }
        continue;
      }
      const text = cellText(v);
      if (text.length === 0) c.nulls++;
      else this.cell(c, text);
    }
  }

  /** Sets a column's counters from a computation over the whole column (instead of feeding its values). */
  setCounts(name: string, k: ColumnCounts): void {
    const c = this.byName.get(name);
    if (c === undefined || c.idx < 0) return;
    c.nulls = k.nulls;
    c.nonNull = k.nonNull;
    c.type = k.type;
    if (c.min) c.min = k.min;
    if (c.max) c.max = k.max;
    if (c.values) c.values = k.values;
    c.duplicateRows = k.duplicateRows;
    c.duplicates = k.duplicates;
  }

  /** Counts the rows of a batch fed with columnValues(). */
  endBatch(n: number): void {
    this.rows += n;
  }

  finish(): ValidationReport {
    this.flushFast();
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
      if (c.rule.unique) add('unique', c.duplicateRows, c.nonNull, c.duplicates);
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

/** Calls onProgress at most every `progressRows` rows or `progressMs` ms. */
function progress(opts: ValidateOptions): (rows: number) => void {
  const everyRows = opts.progressRows ?? 100_000;
  const everyMs = opts.progressMs ?? 1000;
  let lastRows = 0;
  let lastTime = Date.now();
  return (rows) => {
    if (!opts.onProgress) return;
    const now = Date.now();
    if (rows - lastRows >= everyRows || now - lastTime >= everyMs) {
      lastRows = rows;
      lastTime = now;
      opts.onProgress(rows);
    }
  };
}

/** Validates a CSV byte stream on the byte-level fast path (CsvByteScanner → Validator.record). */
export async function validateCsvBytes(
  body: AsyncIterable<Buffer>,
  rules: ValidationRules,
  opts: ValidateOptions & { source?: string } = {},
): Promise<ValidationReport> {
  const v = new Validator(rules);
  let started = false;
  const scanner = new CsvByteScanner(
    {
      header: (cells) => {
        v.begin(cells);
        started = true;
      },
      record: (buf, starts, ends, flags, nums) => v.record(buf, starts, ends, flags, nums),
    },
    opts.source,
  );
  const tick = progress(opts);
  for await (const chunk of body) {
    opts.signal?.throwIfAborted();
    scanner.feed(chunk);
    tick(v.rowCount);
  }
  scanner.end();
  if (!started) v.begin([]);
  return v.finish();
}

/** Validates a Parquet object row group by row group on decoded column values (no text per number). */
export async function validateParquet(
  storage: Storage,
  uri: string,
  rules: ValidationRules,
  opts: ValidateOptions = {},
): Promise<ValidationReport> {
  const pf = await openParquetFile(storage, uri);
  const v = new Validator(rules);
  v.begin(pf.columns.map((c) => c.name));
  let wanted = pf.columns.map((c) => c.name).filter((n) => n in rules.columns);
  // A local file (or a downloaded copy of an s3:// object): DuckDB takes every column whose checks it computes
  // exactly like the Validator (see parquet-sql.ts). Otherwise, ranged reads through hyparquet.
  const local = localPath(storage, uri);
  if (local !== null && wanted.length > 0) {
    const { parquetCountsSql } = await import('./parquet-sql.js');
    opts.signal?.throwIfAborted();
    const counts = await parquetCountsSql(local, rules.columns, wanted).catch((err: unknown) => {
      // The footer read above succeeded, so a failure here is in the data pages.
      throw new ParquetFormatError(uri, `unreadable Parquet: ${(err as Error).message}`, { cause: err });
    });
    for (const [name, k] of counts) v.setCounts(name, k);
    wanted = wanted.filter((n) => !counts.has(n));
  }
  const tick = progress(opts);
  // One column at a time (each over all row groups, in row order): memory holds one decoded column chunk, where
  // all selected columns of a 1M-row group together took ~1 GB. Counters are per column, so the order is free.
  let done = 0;
  for (const name of wanted) {
    for await (const b of pf.rowGroups({ columns: [name] })) {
      opts.signal?.throwIfAborted();
      v.columnValues(name, b.data.get(name) as ArrayLike<unknown>, b.rows);
      done += b.rows;
      tick(Math.floor(done / wanted.length));
    }
  }
  v.endBatch(pf.rows);
  return v.finish();
}

/** Reads the dataset at `uri` (format by extension; CSV by default) and validates it in one streaming pass. */
export async function validateUri(
  storage: Storage,
  uri: string,
  rules: ValidationRules,
  opts: ValidateOptions = {},
): Promise<ValidationReport> {
  const native = engineFormat(uri);
  if (!native) return validateStored(storage, uri, rules, opts);
  // Checked first so a missing file gets the storage layer's NotFoundError, as below.
  await storage.size(uri);
  const { validateNative } = await import('./validate-native.js');
  // An s3:// object is downloaded once: a file the engine hands back is read again from the same copy.
  return withLocalCopy(
    storage,
    uri,
    opts,
    async (path) =>
      (await validateNative(path, native, rules, opts)) ??
      validateStored(servedFrom(storage, uri, path), uri, rules, opts),
  );
}

/** validateUri through the TypeScript readers (and DuckDB for local Parquet). */
async function validateStored(
  storage: Storage,
  uri: string,
  rules: ValidationRules,
  opts: ValidateOptions,
): Promise<ValidationReport> {
  const format = formatOf(uri);
  if (format === 'parquet') return validateParquet(storage, uri, rules, opts);
  if (format === 'csv') {
    const body = await storage.openRead(uri);
    try {
      return await validateCsvBytes(body, rules, { ...opts, source: uri });
    } finally {
      body.destroy();
    }
  }
  return validateTable(await openTable(storage, uri), rules, opts);
}
