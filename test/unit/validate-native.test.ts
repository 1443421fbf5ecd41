// The native validator (engine/src/validate.rs, validate_parquet.rs) against the TypeScript Validator (and, for
// Parquet, the DuckDB counters): the same report, check by check, on generated CSV, JSON Lines and Parquet files
// full of edge cases; and rules or files it does not handle are left to the TypeScript path.
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineValidate } from '../../activities/data/engine.js';
import { validateUri, Validator } from '../../activities/data/validate.js';
import { formatOf } from '../../activities/data/reader.js';
import type { EngineFormat } from '../../schemas/engine.js';
import { FileStorage } from '../../activities/storage/file.js';
import { ValidationRules } from '../../schemas/validation.js';
import { requireEngine } from '../helpers/engine.js';

const storage = new FileStorage();
let dir = '';

beforeAll(async () => {
  requireEngine();
  dir = await mkdtemp(join(tmpdir(), 'sluice-validate-native-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rules = ValidationRules.parse({
  minRows: 10,
  columns: {
    amount: { type: 'number', min: -5, max: 1e6, unique: true, mostly: 0.5 },
    count: { type: 'integer', nullable: false, values: ['1', '2', '3', ' 4', '1e3'], mostly: 0.2 },
    tier: { type: 'category', values: ['gold', 'silver', 'bronze', 'café'], unique: false, mostly: 0.9 },
    code: { type: 'string', unique: true },
    flag: { type: 'boolean', values: ['true', 'false', '1', '0'], mostly: 0.5 },
    at: { type: 'timestamp', min: Date.UTC(2000, 0, 1), max: Date.UTC(2030, 0, 1), unique: true, mostly: 0.5 },
    nowhere: { type: 'number' },
  },
});

const FLAGS = ['true', 'FALSE', 'True', '1', '0', 'yes', ' true', 'tru', '01', 'false'];
// Every shape parseTimestamp takes, around the bounds (2000 and 2030), the years 0–99 Date.UTC would misread, and
// near misses.
const TIMES = [
  '2024-05-01',
  '2024-05-01T10:00:00Z',
  '2024-05-01 10:00',
  '2024-05-01t10:00:00.5+02:00',
  '2024-05-01T10:00:00.123456789-0130',
  '2024-05-01T10:00+05',
  '2024-02-29',
  '1999-12-31T23:59:59.999Z',
  '2000-01-01',
  '2000-01-01T00:00:00.001+00:00',
  '2030-01-01',
  '2030-01-01T00:00:00.001Z',
  '0050-06-15',
  '2023-02-29',
  '2024-13-01',
  '2024-05-01T24:00',
  '2024-05-01T10:00:00.1234567891',
  '2024-05-01T10:00Zx',
  ' 2024-05-01',
  '2024-5-1',
  '2024-05-01T10:00:0',
];

const NUMBERS = [
  '1',
  '-0',
  '0',
  '+2.5',
  '.5',
  '5.',
  '1e3',
  '1E-2',
  '1e999',
  'NaN',
  'inf',
  ' 3',
  '0x1f',
  '12abc',
  '1.0',
  // At and around the bounds (-5, 1e6): the engine compares digits against scaled bounds away from them.
  '-5',
  '-5.000',
  '-5.000000000000001',
  '-4.99999999999999',
  '-5.0000000000000001',
  '1000000',
  '1000000.00000001',
  '999999.999999999',
];
const TIERS = ['gold', ' gold ', 'silver', 'Bronze', 'café', 'caf\u00e9 ', '\u00a0silver', 'x', ''];

/** rnd(n) in 0…n−1 and pick(list), the same sequence for the same seed. */
function seeded(seed: number) {
  let s = seed;
  const rnd = (n: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
  return { rnd, pick: <T>(a: T[]): T => a[rnd(a.length)] as T };
}

/** A seeded CSV of `rows` rows mixing well-formed values with every kind of failure. */
function generate(seed: number, rows: number): string {
  const { rnd, pick } = seeded(seed);
  const lines = ['code, amount ,tier,count,extra,spare,flag,at'];
  for (let i = 0; i < rows; i++) {
    const amount = rnd(4) === 0 ? pick(NUMBERS) : rnd(10) === 0 ? '' : (rnd(200000) / 100 - 10).toFixed(rnd(3));
    const count = rnd(3) === 0 ? pick(NUMBERS) : String(rnd(5));
    const code = rnd(5) === 0 ? `c${rnd(50)}` : rnd(20) === 0 ? '' : `id-${i}`;
    const flag = rnd(4) === 0 ? pick(FLAGS) : rnd(2) === 0 ? 'true' : 'false';
    // Distinct instants, except for the picks and a few seconds that repeat.
    const at =
      rnd(5) === 0
        ? pick(TIMES)
        : rnd(10) === 0
          ? ''
          : new Date(Date.UTC(2020, 0, 1) + (rnd(8) === 0 ? rnd(50) : i * 1000 + rnd(1000))).toISOString();
    lines.push([code, amount, pick(TIERS), count, 'x', '9', flag, at].join(','));
  }
  return lines.join(rnd(2) === 0 ? '\n' : '\r\n') + (rnd(2) === 0 ? '\n' : '');
}

async function compare(name: string, text: string | Buffer | null, r = rules) {
  const path = join(dir, name);
  if (text !== null) await writeFile(path, text);
  const uri = pathToFileURL(path).href;
  const native = await validateUri(storage, uri, r);
  const before = process.env.SLUICE_ENGINE;
  process.env.SLUICE_ENGINE = 'js';
  try {
    return {
      native,
      ts: await validateUri(storage, uri, r),
      counts: await engineValidate(path, formatOf(path) as EngineFormat, r, {}),
      path,
    };
  } finally {
    if (before === undefined) delete process.env.SLUICE_ENGINE;
    else process.env.SLUICE_ENGINE = before;
  }
}

/** The `unique` check of one column of `ids` under a rule of `type`, after both validators agreed on the file. */
async function uniqueOf(name: string, ids: string[], type: 'number' | 'integer') {
  const { native, ts, counts } = await compare(name, ['id', ...ids].join('\n') + '\n', {
    minRows: 0,
    columns: { id: { type, unique: true, nullable: true, mostly: 1 } },
  });
  expect(counts).not.toBeNull();
  expect(native).toEqual(ts);
  return native.checks.find((c) => c.check === 'unique');
}

describe('native validator matches the TypeScript Validator', () => {
  it.each([1, 2, 3, 4, 5])('on generated edge cases (seed %i)', async (seed) => {
    const { native, ts, counts } = await compare(`gen-${seed}.csv`, generate(seed, 3000));
    expect(counts).not.toBeNull();
    expect(native).toEqual(ts);
    // The data is built to fail: the comparison covers failures and examples, not only passes.
    expect(native.checks.filter((c) => c.failed > 0).length).toBeGreaterThan(4);
    // Booleans and timestamps fail on type, timestamps also on both bounds and as duplicates.
    const failed = (column: string, check: string) =>
      native.checks.find((c) => c.column === column && c.check === check)?.failed ?? 0;
    for (const [column, check] of [
      ['flag', 'type'],
      ['at', 'type'],
      ['at', 'min'],
      ['at', 'max'],
      ['at', 'unique'],
    ])
      expect(failed(column as string, check as string), `${column} ${check}`).toBeGreaterThan(0);
  });

  it('on a file of several chunks read on several threads (duplicates across chunk parts)', async () => {
    const { native, ts, counts } = await compare('big.csv', generate(11, 400_000));
    expect(counts?.rows).toBe(400_000);
    expect(native).toEqual(ts);
    expect(native.checks.find((c) => c.column === 'code' && c.check === 'unique')?.failed).toBeGreaterThan(0);
  });

  it('on ascending ids that later repeat (the unique check lists them until the first one out of order)', async () => {
    const ids = Array.from({ length: 3000 }, (_, i) => String(i - 1000));
    // -0 repeats 0, 1e3 repeats 1000, and the repeats come after new values out of order.
    const tail = ['5000', '-0', '1999', '4000', '1e3', '4000', '-5000', '-5000', '0.5'];
    expect(await uniqueOf('ascending.csv', [...ids, ...tail], 'number')).toMatchObject({
      failed: 10,
      examples: ['-0', '1999', '1e3', '4000', '-5000'],
    });
  });

  it('counts whole numbers from 2^53 to 2^64 by exact value for unique (snowflake ids), however written', async () => {
    const ids = [
      '1790000000000000001',
      '1790000000000000002',
      '+1790000000000000001', // a repeat of the first, spelled otherwise
      '01790000000000000002', // a repeat of the second
      '1.79e18', // an exponent: still the whole number 1790000000000000000
      '1790000000000000000', // a repeat of the one before
      '-9223372036854775808',
      '-9223372036854775808',
      '18446744073709551615', // these two share the double 2^64, but not their digits
      '18446744073709551614',
      '9007199254740993', // and these two share 2^53
      '9007199254740992',
      '5',
      '5.0', // below 2^53: by the double, a repeat
      '9007199254740993.00', // whole, however written: a repeat of 9007199254740993
      '9007199254740997.5', // not whole: its double, 9007199254740998, not a repeat of the next
      '9007199254740996',
    ];
    expect(await uniqueOf('snowflake.csv', ids, 'integer')).toMatchObject({
      failed: 12,
      examples: ['+1790000000000000001', '01790000000000000002', '1790000000000000000', '-9223372036854775808', '5.0'],
    });
  });

  it('on a BOM, blank lines and a header only', async () => {
    const a = await compare('bom.csv', '\ufeffamount,count\n\n1,2\n\n3,4\n');
    expect(a.counts).not.toBeNull();
    expect(a.native).toEqual(a.ts);
    const b = await compare('header.csv', 'amount,count\n');
    expect(b.native).toEqual(b.ts);
    expect(b.native.rows).toBe(0);
  });
});

// JSON literals as written: the cell is String(JSON.parse(v)), so trailing zeros, exponents, -0, overflow and
// more than 15 digits must come out as JavaScript writes them.
const JSON_NUMBERS = [
  '1',
  '-0',
  '0',
  '-0.000',
  '2.50',
  '1e3',
  '1E-2',
  '1e999',
  '-1e999',
  '0.0000001',
  '0.000001',
  '0.0000010',
  '123456789012345678',
  '100000000000000000000',
  '1e21',
  '0.30000000000000004',
  '-5',
  '-5.000',
  '-5.000000000000001',
  '1000000.00000001',
  '999999.999999999',
  '4.0',
];
const JSON_OTHER = ['"NaN"', '"inf"', '" 3"', '"0x1f"', '"12abc"', '""', 'null', 'true', '"4"', '" 4"'];
const JSON_TEXT = [
  '"gold"',
  '" gold "',
  '"caf\\u00e9"',
  '"café"',
  '"\\u00a0silver"',
  '"x\\"y"',
  '"a\\nb\\r\\t\\/\\\\"',
  '"\\ud83d\\ude00"',
  '""',
  'null',
  '1.0',
  'false',
  // Nested values are JSON.stringify's text of the parsed value.
  '{"k": [1, 2.50, "x\\"", null, 1e400], "2": {}, "1": -0, "k": []}',
  '[ ]',
];

/**
 * A seeded JSON Lines file like `generate`'s CSV: keys in varying order, missing and repeated keys, keys that
 * first appear late (`late`, the array index `7`), white space, blank lines and CRLF.
 */
function generateJsonl(seed: number, rows: number): string {
  const { rnd, pick } = seeded(seed);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const fields: Array<[string, string]> = [
      ['code', rnd(5) === 0 ? `"c${rnd(50)}"` : rnd(20) === 0 ? 'null' : `"id-${i}"`],
      ['amount', rnd(3) === 0 ? pick(rnd(2) ? JSON_NUMBERS : JSON_OTHER) : (rnd(200000) / 100 - 10).toFixed(rnd(3))],
      ['tier', pick(JSON_TEXT)],
      ['count', rnd(3) === 0 ? pick(JSON_NUMBERS) : String(rnd(5))],
      ['flag', pick(['true', 'false', '"True"', '"1"', '0', '1', '"yes"', 'null'])],
      [
        'at',
        rnd(5) === 0
          ? JSON.stringify(pick(TIMES))
          : JSON.stringify(new Date(Date.UTC(2020, 0, 1) + i * 1000 + rnd(1000)).toISOString()),
      ],
    ];
    if (i > rows / 2 && rnd(4) === 0) fields.push(['late', String(rnd(9))]);
    if (i > rows / 3 && rnd(6) === 0) fields.push(['7', '"seven"']);
    if (rnd(10) === 0) fields.push(['amount', pick(JSON_NUMBERS)]); // a repeated key: the last value counts
    const kept = fields.filter(() => rnd(12) !== 0);
    if (rnd(3) === 0) kept.reverse();
    const sep = pick([',', ', ', ' ,\t']);
    const body = kept.map(([k, v]) => `"${k}"${pick([':', ' : '])}${v}`).join(sep);
    lines.push(`${pick(['', ' ', '\t'])}{${body}}${pick(['', ' ', '\r'])}`);
    if (rnd(50) === 0) lines.push(pick(['', '  ', '\r']));
  }
  return lines.join('\n') + (rnd(2) === 0 ? '\n' : '');
}

describe('native validator matches the TypeScript Validator on gzipped CSV and JSON Lines', () => {
  it("on several members, levels 1 and 9, and files past the decoder's 4 MiB steps", async () => {
    const csv = generate(13, 300_000);
    const cut = csv.indexOf('\n', csv.length >> 1) + 7; // members need not end at a line end
    const members = Buffer.concat([gzipSync(csv.slice(0, cut), { level: 1 }), gzipSync(csv.slice(cut), { level: 9 })]);
    const a = await compare('members.csv.gz', members);
    expect(a.counts?.rows).toBe(300_000);
    expect(a.native).toEqual(a.ts);
    const b = await compare('gen.jsonl.gz', gzipSync(generateJsonl(4, 60_000)));
    expect(b.counts?.rows).toBe(60_000);
    expect(b.native).toEqual(b.ts);
  });

  it('hands back damaged or truncated files, which the TypeScript reader rejects', async () => {
    const good = gzipSync(generate(14, 2000));
    for (const [name, bytes] of [
      ['flipped', Buffer.from(good).fill(0x55, 500, 501)],
      ['cut', good.subarray(0, good.length - 5)],
      ['empty', Buffer.alloc(0)],
    ] as Array<[string, Buffer]>) {
      const path = join(dir, `${name}.csv.gz`);
      await writeFile(path, bytes);
      expect(await engineValidate(path, 'csv.gz', rules, {}), name).toBeNull();
      await expect(validateUri(storage, pathToFileURL(path).href, rules), name).rejects.toThrow();
    }
  });
});

describe('native validator matches the TypeScript Validator on JSON Lines', () => {
  it.each([1, 2, 3])('on generated edge cases (seed %i)', async (seed) => {
    const { native, ts, counts } = await compare(`gen-${seed}.jsonl`, generateJsonl(seed, 3000));
    expect(counts).not.toBeNull();
    expect(native).toEqual(ts);
    expect(native.checks.filter((c) => c.failed > 0).length).toBeGreaterThan(4);
    expect(counts?.header).toContain('late');
  });

  it('writes numbers halfway between two shortest forms with the even one, as String(v) does', async () => {
    const ties = ['245768090261938.125', '1125899906842624.25', '88391478867.328125', '0.5', '2.5e-8', '1.25e22'];
    const text = ties.map((t, i) => `{"tier": ${t}, "amount": ${i}}`).join('\n');
    const { native, ts, counts } = await compare('ties.jsonl', text);
    expect(counts).not.toBeNull();
    expect(native).toEqual(ts);
    expect(native.checks.find((c) => c.column === 'tier' && c.check === 'values')?.examples).toEqual(
      ties.slice(0, 5).map((t) => String(Number(t))),
    );
  });

  it('on a file of several chunks read on several threads', async () => {
    const { native, ts, counts } = await compare('big.jsonl', generateJsonl(12, 250_000));
    expect(counts?.rows).toBe(250_000);
    expect(native).toEqual(ts);
  });

  it('on 150 files with characters inserted, removed or replaced: the same report, or handed back', async () => {
    const base = generateJsonl(21, 12).split('\n');
    const ALPHA = ['"', '\\', '{', '}', '[', ']', ',', ':', 'e', '0', '-', '.', ' ', '\r', '\n', 'u', 'é', '\u0001'];
    let s = 99;
    const rnd = (n: number): number => Math.floor((s = (s * 1103515245 + 12345) % 2147483648) / 65536) % n;
    let native = 0;
    for (let t = 0; t < 150; t++) {
      let text = base.filter(() => rnd(3) !== 0).join('\n');
      for (let k = 0; k <= rnd(2); k++) {
        const at = rnd(text.length + 1);
        const ch = ALPHA[rnd(ALPHA.length)] as string;
        text = text.slice(0, at) + [ch, '', ch][rnd(3)] + text.slice(at + (rnd(2) as number));
      }
      const path = join(dir, `mutated-${t}.jsonl`);
      await writeFile(path, text);
      if ((await engineValidate(path, 'jsonl', rules, {})) === null) continue;
      native++;
      const c = await compare(`mutated-${t}.jsonl`, null);
      expect(c.native, JSON.stringify(text)).toEqual(c.ts);
    }
    // Most mutations break the JSON; enough of them leave it valid for the comparison to mean something.
    expect(native).toBeGreaterThan(15);
  });

  it('trims a BOM and Unicode spaces off line ends as String.prototype.trim does', async () => {
    const c = await compare('spaces.jsonl', '\ufeff{"amount":1}\u00a0\n\u3000\u2028{"amount":2}\ufeff\r\n\u205f\n');
    expect(c.counts?.rows).toBe(2);
    expect(c.native).toEqual(c.ts);
  });

  it('leaves deep nesting, invalid lines, lone surrogates and white space JSON lacks to the TypeScript reader', async () => {
    const cases: Array<[string, string]> = [
      ['deep', `{"amount":1,"tier":${'['.repeat(200)}${']'.repeat(200)}}\n`],
      ['surrogate', '{"amount":1,"tier":"\\ud800"}\n'],
    ];
    for (const [name, text] of cases) {
      const c = await compare(`${name}.jsonl`, text);
      expect(c.counts, name).toBeNull();
      expect(c.native, name).toEqual(c.ts);
    }
    // Invalid: a leading zero; NBSP between tokens and NEL at a line's end, neither JSON's nor trim's white space.
    for (const bad of ['{"amount":01}', '{"amount":\u00a01}', '{"amount":1}\u0085']) {
      const path = join(dir, 'invalid.jsonl');
      await writeFile(path, `{"amount":1}\n${bad}\n`);
      expect(await engineValidate(path, 'jsonl', rules, {}), bad).toBeNull();
      await expect(validateUri(storage, pathToFileURL(path).href, rules), bad).rejects.toThrow(/line 2: invalid JSON/);
    }
  });
});

const PYTHON = resolve(import.meta.dirname, '..', '..', '.sluice', 'venv', 'bin', 'python');

/** Writes the seeded Parquet files (dictionary, plain, and v2 with small pages and dictionary fallback). */
function parquetFiles(seed: number, rows: number): string[] {
  const script = resolve(import.meta.dirname, '..', 'helpers', 'parquet_validation.py');
  return JSON.parse(execFileSync(PYTHON, [script, dir, String(seed), String(rows)], { encoding: 'utf8' })) as string[];
}

const parquetRules = ValidationRules.parse({
  minRows: 10,
  columns: {
    amount: { type: 'number', min: -5, max: 1e6, unique: true, mostly: 0.5 },
    // Value lists on numbers compare String(v): float32's 0.1 is 0.10000000149011612, so it fails.
    ratio: { type: 'integer', min: 0, values: ['1', '2', '2.5', '0.1'] },
    count: {
      type: 'integer',
      min: 0,
      max: 4,
      unique: true,
      nullable: false,
      values: ['0', '1', '2', '3', '1099511627776'],
    },
    tier: { type: 'category', values: ['gold', 'silver', 'bronze', 'café'], mostly: 0.9 },
    code: { type: 'string', unique: true },
    seq: { type: 'integer', unique: true },
    score: { type: 'number', min: 0, max: 100 },
    at: { type: 'timestamp', min: Date.UTC(1990, 0, 1), max: Date.UTC(2030, 0, 1), unique: true, mostly: 0.5 },
    at_ns: { type: 'timestamp', unique: true },
    day: { type: 'timestamp', min: 0, nullable: false },
    // Booleans: true/false stored as such, and 0/1/2 stored as integers (2 fails type).
    flag: { type: 'boolean', nullable: false },
    extra: { type: 'boolean', unique: true },
    nowhere: { type: 'number' },
  },
});

describe('native Parquet validator matches the DuckDB and TypeScript path', () => {
  it.each([1, 2])(
    'on generated edge cases in six layouts: zstd, gzip and INT96 timestamps among them (seed %i)',
    async (seed) => {
      for (const file of parquetFiles(seed, 4000)) {
        const { native, ts, counts } = await compare(file, null, parquetRules);
        expect(counts, file).not.toBeNull();
        expect(native, file).toEqual(ts);
        expect(native.checks.filter((c) => c.failed > 0).length).toBeGreaterThan(5);
        const check = (column: string, name: string) =>
          native.checks.find((c) => c.column === column && c.check === name);
        expect(check('seq', 'unique')?.failed, file).toBeGreaterThan(0);
        // score passes whole: its dictionary pages are only counted, and the counts still match.
        expect(check('score', 'max'), file).toMatchObject({ failed: 0, passed: true });
        expect(check('score', 'type')?.total, file).toBeGreaterThan(3000);
        // Timestamps and booleans as the TypeScript path reads them (through hyparquet, with its zstd and gzip
        // decoders): years past 9999 fail type, as does a 2 for a boolean; bounds and repeats fail too.
        for (const [column, name] of [
          ['at', 'type'],
          ['at', 'min'],
          ['at', 'max'],
          ['at', 'unique'],
          ['at_ns', 'unique'],
          ['day', 'type'],
          ['day', 'nullable'],
          ['flag', 'nullable'],
          ['extra', 'type'],
          ['extra', 'unique'],
          ['ratio', 'values'],
          ['count', 'values'],
        ])
          expect(check(column as string, name as string)?.failed, `${file} ${column} ${name}`).toBeGreaterThan(0);
      }
    },
  );

  it('leaves rules on other types and integers past 2^53 to the TypeScript path', async () => {
    const [file] = parquetFiles(3, 500);
    for (const extra of [{ tier: { type: 'number' } }, { flag: { type: 'boolean', unique: true } }]) {
      const r = ValidationRules.parse({ minRows: 0, columns: { ...parquetRules.columns, ...extra } });
      const { native, ts, counts } = await compare(file as string, null, r);
      expect(counts).toBeNull();
      expect(native).toEqual(ts);
    }
    // count holds ±2^40 only: past 2^53 would need the written digits; 2^40 stays native and exact.
    const { native, counts } = await compare(file as string, null, parquetRules);
    expect(counts).not.toBeNull();
    expect(native.checks.find((c) => c.column === 'count' && c.check === 'max')?.examples).toContain('1099511627776');
  });
});

describe('unique on 64-bit integer Parquet columns past 2^53', () => {
  const ids = [
    1790000000000000001n,
    1790000000000000002n,
    1790000000000000001n,
    -9223372036854775808n,
    9007199254740993n,
    9007199254740992n,
    -9223372036854775808n,
  ];
  const rules = ValidationRules.parse({ minRows: 0, columns: { id: { type: 'integer', unique: true } } });
  const want = { failed: 4, examples: ['1790000000000000001', '-9223372036854775808'] };

  it('counts exact values: the engine hands the file to DuckDB, which groups them whole', async () => {
    const path = join(dir, 'snowflake.parquet');
    const values = ids.map(String).join(',');
    execFileSync(PYTHON, [
      '-c',
      `import pyarrow as pa, pyarrow.parquet as pq; pq.write_table(pa.table({'id': pa.array([${values}], pa.int64())}), ${JSON.stringify(path)})`,
    ]);
    const { native, ts, counts } = await compare('snowflake.parquet', null, rules);
    expect(counts).toBeNull();
    expect(native).toEqual(ts);
    expect(native.checks.find((c) => c.check === 'unique')).toMatchObject(want);
  });

  it('counts exact values on the bigints hyparquet decodes (s3:// without a download)', () => {
    const v = new Validator(rules);
    v.begin(['id']);
    v.columnValues('id', BigInt64Array.from(ids), ids.length);
    v.endBatch(ids.length);
    expect(v.finish().checks.find((c) => c.check === 'unique')).toMatchObject(want);
  });
});

describe('what the native validator leaves to the TypeScript Validator', () => {
  it('quoted fields, a bare CR and ragged rows', async () => {
    const quoted = await compare('quoted.csv', 'code,amount\n"a,b",1\n"",2\n');
    expect(quoted.counts).toBeNull();
    expect(quoted.native).toEqual(quoted.ts);
    const cr = await compare('cr.csv', 'code,amount\na,1\rb,2\n');
    expect(cr.counts).toBeNull();
    expect(cr.native).toEqual(cr.ts);
    const path = join(dir, 'ragged.csv');
    await writeFile(path, 'code,amount\na,1\nb\n');
    expect(await engineValidate(path, 'csv', rules, {})).toBeNull();
    await expect(validateUri(storage, pathToFileURL(path).href, rules)).rejects.toThrow(/line 3: expected 2 fields/);
  });
});
