import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ValidationRules, type ValidationRulesInput, type CheckResult } from '../../schemas/validation.js';
import {
  Validator,
  validateStream,
  validateTable,
  validateUri,
  parseTimestamp,
} from '../../activities/data/validate.js';
import { CsvFormatError, CsvParser, openCsv } from '../../activities/data/csv.js';
import { createDataActivities } from '../../activities/data/activities.js';
import { createStorage } from '../../activities/storage/index.js';
import { testS3 } from '../helpers/s3.js';

const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures', 'validation');
const fixture = (name: string): string => pathToFileURL(join(FIXTURES, name)).href;

function validate(rules: ValidationRulesInput, header: string[], rows: string[][]) {
  const v = new Validator(ValidationRules.parse(rules));
  v.begin(header);
  for (const r of rows) v.row(r);
  return v.finish();
}

const col = (rows: string[]): string[][] => rows.map((r) => [r]);
const find = (checks: CheckResult[], column: string | null, check: string): CheckResult | undefined =>
  checks.find((c) => c.column === column && c.check === check);

describe('type checks', () => {
  it.each([
    [
      'number',
      ['1', '-2.5', '3e4', '.5', '+7', 'abc', '0x10', 'Infinity', ' ', '1,5'],
      ['abc', '0x10', 'Infinity', ' ', '1,5'],
    ],
    ['integer', ['1', '-2', '3.0', '1e3', '1.5', 'x', '2.000001'], ['1.5', 'x', '2.000001']],
    ['boolean', ['true', 'FALSE', 'True', 'fAlSe', '1', '0', 'yes', '2', 't'], ['yes', '2', 't']],
    [
      'timestamp',
      [
        '2024-01-02',
        '2024-02-29T10:00:00Z',
        '2024-05-01 10:00',
        '2024-05-01T10:00:00.123+02:00',
        '2023-02-29',
        '2024-13-01',
        '2024/01/01',
        'soon',
      ],
      ['2023-02-29', '2024-13-01', '2024/01/01', 'soon'],
    ],
    ['string', ['a', '1', ' x '], []],
    ['category', ['a', 'b'], []],
  ] as const)('%s: values that do not parse fail type, with examples', (type, cells, bad) => {
    const r = validate({ columns: { c: { type } } }, ['c'], col([...cells]));
    expect(r.checks).toEqual([
      {
        column: 'c',
        check: 'type',
        failed: bad.length,
        total: cells.length,
        passed: bad.length === 0,
        examples: [...bad].slice(0, 5),
      },
    ]);
  });

  it('parses ISO timestamps to epoch ms, UTC when no offset is given', () => {
    expect(parseTimestamp('2024-01-02')).toBe(Date.UTC(2024, 0, 2));
    expect(parseTimestamp('2024-01-02T03:04:05.678')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    expect(parseTimestamp('2024-01-02T03:04:05+02:00')).toBe(Date.UTC(2024, 0, 2, 1, 4, 5));
    expect(parseTimestamp('2024-01-02T03:04:05-0130')).toBe(Date.UTC(2024, 0, 2, 4, 34, 5));
    expect(parseTimestamp('2024-01-02T03:04:05.123456789z')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 123));
    expect(parseTimestamp('2024-01-02 03:04-05')).toBe(Date.UTC(2024, 0, 2, 8, 4));
    // Years 0–99 are those years (Date.UTC alone would read them as 1900–1999).
    expect(parseTimestamp('0050-06-15')).toBe(new Date('0050-06-15T00:00:00Z').getTime());
    expect(parseTimestamp('0000-01-01T00:00:01Z')).toBe(-62_167_219_199_000);
    expect(new Date(parseTimestamp('0099-12-31T23:59Z')).toISOString()).toBe('0099-12-31T23:59:00.000Z');
    for (const bad of [
      '2024-02-30',
      '2023-02-29',
      '2024-01-02T24:00',
      '2024-01-02T03:04:5',
      '2024-01-02T03:04:05.',
      '2024-01-02T03:04:05+02:0',
      '2024-01-02X',
    ])
      expect(parseTimestamp(bad), bad).toBeNaN();
  });

  it('does not check a value further once it fails type', () => {
    const r = validate(
      { columns: { n: { type: 'integer', min: 0, max: 10, values: ['1', '2'], unique: true } } },
      ['n'],
      col(['x', 'x', '1']),
    );
    expect(r.checks.map((c) => [c.check, c.failed, c.total])).toEqual([
      ['type', 2, 3],
      ['min', 0, 3],
      ['max', 0, 3],
      ['values', 0, 3],
      ['unique', 0, 3],
    ]);
  });
});

describe('nullable, min/max, values', () => {
  it('empty cells are null: excluded from type totals, counted by nullable: false over all rows', () => {
    const rows = col(['1', '', '3', '']);
    const loose = validate({ columns: { a: { type: 'integer' } } }, ['a'], rows);
    expect(loose.checks).toEqual([{ column: 'a', check: 'type', failed: 0, total: 2, passed: true, examples: [] }]);
    const strict = validate({ columns: { a: { type: 'integer', nullable: false } } }, ['a'], rows);
    expect(find(strict.checks, 'a', 'nullable')).toEqual({
      column: 'a',
      check: 'nullable',
      failed: 2,
      total: 4,
      passed: false,
      examples: [],
    });
    expect(strict.passed).toBe(false);
  });

  it('min and max compare numbers', () => {
    const r = validate(
      { columns: { age: { type: 'number', min: 0, max: 120 } } },
      ['age'],
      col(['-1', '0', '120', '130', '-1', '55.5']),
    );
    expect(find(r.checks, 'age', 'min')).toMatchObject({ failed: 2, total: 6, passed: false, examples: ['-1'] });
    expect(find(r.checks, 'age', 'max')).toMatchObject({ failed: 1, total: 6, passed: false, examples: ['130'] });
  });

  it('min and max for timestamps are epoch milliseconds', () => {
    const r = validate(
      { columns: { t: { type: 'timestamp', min: Date.UTC(2024, 0, 1), max: Date.UTC(2024, 11, 31) } } },
      ['t'],
      col(['2023-12-31T23:59:59Z', '2024-01-01', '2024-06-01T12:00:00+02:00', '2025-01-01']),
    );
    expect(find(r.checks, 't', 'min')).toMatchObject({ failed: 1, examples: ['2023-12-31T23:59:59Z'] });
    expect(find(r.checks, 't', 'max')).toMatchObject({ failed: 1, examples: ['2025-01-01'] });
  });

  it('values compares trimmed cells as strings, for any type', () => {
    const r = validate(
      { columns: { plan: { type: 'category', values: ['basic', 'pro'] }, code: { type: 'integer', values: [1, 2] } } },
      ['plan', 'code'],
      [
        ['basic', '1'],
        [' pro ', '2'],
        ['Pro', '3'],
        ['gold', '1.0'],
      ],
    );
    expect(find(r.checks, 'plan', 'values')).toMatchObject({ failed: 2, total: 4, examples: ['Pro', 'gold'] });
    expect(find(r.checks, 'code', 'values')).toMatchObject({ failed: 2, total: 4, examples: ['3', '1.0'] });
  });

  it('keeps at most 5 distinct examples, as written', () => {
    const r = validate({ columns: { n: { type: 'number' } } }, ['n'], col(['a', 'a', 'b', 'c', 'd', 'e', 'f', 'g']));
    expect(find(r.checks, 'n', 'type')).toMatchObject({ failed: 8, examples: ['a', 'b', 'c', 'd', 'e'] });
  });
});

describe('unique', () => {
  it('fails every row of a duplicated value (3 copies → 3 failed), ignoring nulls', () => {
    const r = validate(
      { columns: { id: { type: 'string', unique: true } } },
      ['id'],
      col(['a', 'b', 'a', 'c', 'a', '', '', 'b']),
    );
    expect(find(r.checks, 'id', 'unique')).toEqual({
      column: 'id',
      check: 'unique',
      failed: 5,
      total: 6,
      passed: false,
      examples: ['a', 'b'],
    });
  });

  it('compares numbers by value', () => {
    const r = validate({ columns: { id: { type: 'number', unique: true } } }, ['id'], col(['1', '1.0', '2', '3']));
    expect(find(r.checks, 'id', 'unique')).toMatchObject({ failed: 2, examples: ['1.0'] });
  });
});

describe('mostly', () => {
  const rows = (bad: number): string[][] => col(Array.from({ length: 100 }, (_, i) => (i < bad ? '-1' : '1')));
  it('passes at the threshold and fails just below it', () => {
    const rule = { columns: { x: { type: 'integer' as const, min: 0, mostly: 0.95 } } };
    expect(find(validate(rule, ['x'], rows(5)).checks, 'x', 'min')).toMatchObject({
      failed: 5,
      total: 100,
      passed: true,
    });
    expect(find(validate(rule, ['x'], rows(6)).checks, 'x', 'min')).toMatchObject({
      failed: 6,
      total: 100,
      passed: false,
    });
    expect(validate(rule, ['x'], rows(5)).passed).toBe(true);
  });

  it('applies to nullable over all rows, and an empty column passes', () => {
    const r = validate(
      { columns: { x: { type: 'integer', nullable: false, mostly: 0.5 } } },
      ['x'],
      col(['', '', '1', '2']),
    );
    expect(find(r.checks, 'x', 'nullable')).toMatchObject({ failed: 2, total: 4, passed: true });
    const empty = validate({ columns: { x: { type: 'integer', min: 0 } } }, ['x'], col(['', '']));
    expect(empty.checks.every((c) => c.passed && c.total === 0)).toBe(true);
  });
});

describe('table-level checks and report shape', () => {
  it('reports a missing column without crashing and without other checks for it', () => {
    const r = validate(
      { columns: { a: { type: 'integer' }, ghost: { type: 'number', min: 0, unique: true } } },
      ['a'],
      col(['1']),
    );
    expect(r.checks).toEqual([
      { column: 'a', check: 'type', failed: 0, total: 1, passed: true, examples: [] },
      { column: 'ghost', check: 'missingColumn', failed: 1, total: 1, passed: false, examples: [] },
    ]);
    expect(r.passed).toBe(false);
  });

  it('minRows: one check with column null, only when minRows > 0', () => {
    expect(validate({ minRows: 3, columns: {} }, ['a'], col(['1', '2'])).checks).toEqual([
      { column: null, check: 'minRows', failed: 1, total: 1, passed: false, examples: [] },
    ]);
    expect(validate({ minRows: 2, columns: {} }, ['a'], col(['1', '2'])).passed).toBe(true);
    expect(validate({ columns: {} }, ['a'], []).checks).toEqual([]);
  });

  it('orders checks by rule column, then type, nullable, min, max, values, unique', () => {
    const r = validate(
      {
        minRows: 1,
        columns: {
          b: { type: 'integer', unique: true, values: [1], max: 5, min: 0, nullable: false },
          a: { type: 'string' },
        },
      },
      ['a', 'b'],
      [['x', '1']],
    );
    expect(r.checks.map((c) => `${c.column}:${c.check}`)).toEqual([
      'null:minRows',
      'b:type',
      'b:nullable',
      'b:min',
      'b:max',
      'b:values',
      'b:unique',
      'a:type',
    ]);
  });

  it('validateStream takes the first row as the header', async () => {
    async function* rows() {
      yield ['id', 'age'];
      yield ['1', '30'];
      yield ['2', '-4'];
    }
    const r = await validateStream(rows(), ValidationRules.parse({ columns: { age: { type: 'integer', min: 0 } } }));
    expect(r).toMatchObject({ passed: false, rows: 2 });
  });
});

describe('CSV reader', () => {
  const read = async (text: string | string[]) => {
    const reader = await openCsv(Readable.from(Array.isArray(text) ? text : [text]));
    const rows: string[][] = [];
    for await (const r of reader) rows.push(r);
    return { header: reader.header, rows };
  };

  it('handles quoted fields, escaped quotes, embedded newlines and CRLF', async () => {
    const { header, rows } = await read(await readFile(join(FIXTURES, 'quoted.csv'), 'utf8'));
    expect(header).toEqual(['id', 'name', 'note']);
    expect(rows).toEqual([
      ['1', 'Smith, Jane', 'said "hi"'],
      ['2', 'multi\nline', 'plain'],
      ['3', '', ''],
    ]);
  });

  it('gives the same rows whatever the chunk boundaries', async () => {
    const text = 'a,b\r\n"x,""y""",2\r\n\r\n3,\n"",4';
    const whole = await read(text);
    expect(whole.rows).toEqual([
      ['x,"y"', '2'],
      ['3', ''],
      ['', '4'],
    ]);
    expect(await read(text.split(''))).toEqual(whole);
  });

  it('strips a UTF-8 BOM, also when split across chunks', async () => {
    const bytes = await readFile(join(FIXTURES, 'bom.csv'));
    const reader = await openCsv(Readable.from([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)]));
    expect(reader.header).toEqual(['id', 'v']);
  });

  it('reports a ragged row with its line number and the expected and actual field counts', async () => {
    const err = await read(await readFile(join(FIXTURES, 'ragged.csv'), 'utf8')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CsvFormatError);
    expect((err as CsvFormatError).line).toBe(3);
    expect((err as Error).message).toBe('CSV: line 3: expected 3 fields (as in the header) but found 2');
  });

  it('counts lines inside quoted fields when reporting errors', async () => {
    const err = await read('a,b\n"1\n2",3\n4,5,6\n').catch((e: unknown) => e);
    expect((err as CsvFormatError).line).toBe(4);
    await expect(read('a,b\n"1,2\n')).rejects.toThrow(
      'line 2: a quoted field is not closed before the end of the file',
    );
    await expect(read('a,b\n"1"x,2\n')).rejects.toThrow(/line 2: unexpected character 'x' after a closing quote/);
  });

  it('parser keeps state between chunks and only emits complete records', () => {
    const p = new CsvParser();
    const out: string[][] = [];
    p.feed('h1,h2\nab', out);
    expect(out).toEqual([]);
    p.feed('c,"d', out);
    p.feed('e"\n', out);
    expect(out).toEqual([['abc', 'de']]);
  });

  it('header only gives 0 rows; an empty file has no columns', async () => {
    const rules = ValidationRules.parse({ columns: { id: { type: 'integer' } } });
    const storage = createStorage();
    expect(await validateUri(storage, fixture('header-only.csv'), rules)).toEqual({
      passed: true,
      rows: 0,
      checks: [{ column: 'id', check: 'type', failed: 0, total: 0, passed: true, examples: [] }],
    });
    const empty = await validateTable(await openCsv(Readable.from([''])), rules);
    expect(empty).toMatchObject({ rows: 0, passed: false, checks: [{ check: 'missingColumn' }] });
  });

  it('streams a large generated file in bounded batches and reports progress', async () => {
    const N = 300_000;
    const src = Readable.from(
      (function* () {
        yield 'id,x,flag\n';
        for (let i = 0; i < N; i += 1000) {
          let s = '';
          for (let j = i; j < i + 1000; j++) s += `${j},${j % 97 === 0 ? -1 : j % 50},${j % 2 ? 'true' : 'FALSE'}\n`;
          yield s;
        }
      })(),
    );
    const progress: number[] = [];
    const rules = ValidationRules.parse({
      columns: { id: { type: 'integer', unique: true }, x: { type: 'integer', min: 0 }, flag: { type: 'boolean' } },
    });
    const r = await validateTable(await openCsv(src), rules, {
      onProgress: (n) => progress.push(n),
      progressRows: 100_000,
    });
    expect(r.rows).toBe(N);
    expect(find(r.checks, 'x', 'min')).toMatchObject({ failed: Math.ceil(N / 97), examples: ['-1'] });
    expect(find(r.checks, 'id', 'unique')?.failed).toBe(0);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });
});

describe('validateUri on a fixture file', () => {
  it('produces the full report for people.csv', async () => {
    const rules = ValidationRules.parse({
      minRows: 3,
      columns: {
        id: { type: 'integer', unique: true, nullable: false },
        age: { type: 'integer', min: 0, max: 120 },
        country: { type: 'category', values: ['DE', 'FR', 'US'] },
        signup: { type: 'timestamp' },
        active: { type: 'boolean' },
      },
    });
    const r = await validateUri(createStorage(), fixture('people.csv'), rules);
    expect(r.rows).toBe(5);
    expect(r.passed).toBe(false);
    expect(r.checks.filter((c) => !c.passed).map((c) => [c.column, c.check, c.failed, c.total, c.examples])).toEqual([
      ['id', 'unique', 2, 5, ['3']],
      ['age', 'type', 1, 4, ['41.5']],
      ['age', 'min', 1, 4, ['-1']],
      ['age', 'max', 1, 4, ['130']],
      ['country', 'values', 1, 5, ['XX']],
      ['signup', 'type', 2, 4, ['2024-02-30', 'not a date']],
      ['active', 'type', 1, 5, ['maybe']],
    ]);
  });

  it('rejects formats it cannot read yet, naming the extension', async () => {
    await expect(validateUri(createStorage(), 'file:///tmp/x.avro', ValidationRules.parse({}))).rejects.toThrow(
      /\.avro files are not supported yet; supported: \.csv, \.csv\.gz, \.jsonl, \.ndjson, \.parquet/,
    );
  });
});

describe('validateDataset activity', () => {
  const rules = ValidationRules.parse({
    minRows: 1,
    columns: { id: { type: 'integer', unique: true }, age: { type: 'integer', min: 0, max: 120 } },
  });

  it('validates train and holdout, writes one report and returns human failure lines (file://)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-validate-'));
    try {
      await writeFile(join(dir, 'train.csv'), 'id,age\n1,30\n2,-1\n3,130\n4,-1\n');
      await writeFile(join(dir, 'holdout.csv'), 'id,age\n1,30\n2,40\n');
      const { validateDataset } = createDataActivities({});
      const reportUri = pathToFileURL(join(dir, 'out', 'validation.json')).href;
      const summary = await validateDataset({
        datasets: {
          train: pathToFileURL(join(dir, 'train.csv')).href,
          holdout: pathToFileURL(join(dir, 'holdout.csv')).href,
        },
        rules,
        reportUri,
      });
      expect(summary).toEqual({
        passed: false,
        rows: { train: 4, holdout: 2 },
        failures: [
          'train: age min failed on 2 of 4 rows (examples: -1)',
          'train: age max failed on 1 of 4 rows (examples: 130)',
        ],
        reportUri,
        profileUris: {
          train: reportUri.replace('validation.json', 'profile-train.json'),
          holdout: reportUri.replace('validation.json', 'profile-holdout.json'),
        },
      });
      const file = JSON.parse(await readFile(join(dir, 'out', 'validation.json'), 'utf8'));
      expect(Object.keys(file.datasets)).toEqual(['train', 'holdout']);
      expect(file.datasets.holdout.passed).toBe(true);
      expect(file.datasets.train.checks).toHaveLength(6);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads s3:// datasets and writes the report to S3 (moto)', async () => {
    const { s3 } = await testS3();
    const storage = createStorage(s3);
    const base = `s3://${s3.bucket}/validation-test/${randomUUID()}`;
    await storage.write(`${base}/train.csv`, 'id,age\n1,30\n1,31\n');
    const { validateDataset } = createDataActivities({ s3 });
    const summary = await validateDataset({
      datasets: { train: `${base}/train.csv` },
      rules,
      reportUri: `${base}/report.json`,
    });
    expect(summary.passed).toBe(false);
    expect(summary.failures).toEqual(['train: id unique failed on 2 of 2 rows (examples: 1)']);
    expect(JSON.parse(await storage.readText(`${base}/report.json`)).datasets.train.rows).toBe(2);
  });

  it('with a drift check, keeps a byte-identical copy of the training data beside the report (local files)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-validate-'));
    try {
      // Several MiB: many chunks, so none may be lost while the file storage prepares the target.
      const lines = ['id,age', ...Array.from({ length: 300_000 }, (_, i) => `${i},${20 + (i % 50)}`)];
      await writeFile(join(dir, 'train.csv'), lines.join('\n'));
      const { validateDataset } = createDataActivities({});
      const reportUri = pathToFileURL(join(dir, 'run', 'validation.json')).href;
      const summary = await validateDataset({
        datasets: { train: pathToFileURL(join(dir, 'train.csv')).href },
        rules: { ...rules, drift: { method: 'auto', driftShare: 0.5, action: 'block' } },
        reportUri,
      });
      expect(summary.passed).toBe(true);
      expect(summary.trainData).toBe(reportUri.replace('validation.json', 'data-train.csv'));
      expect(await readFile(join(dir, 'run', 'data-train.csv'))).toEqual(await readFile(join(dir, 'train.csv')));
      // Without a drift check there is no copy.
      const plain = await validateDataset({
        datasets: { train: pathToFileURL(join(dir, 'train.csv')).href },
        rules,
        reportUri: pathToFileURL(join(dir, 'run2', 'validation.json')).href,
      });
      expect(plain.trainData).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a missing dataset is a non-retryable DataNotFound failure naming the URI', async () => {
    const { validateDataset } = createDataActivities({});
    const uri = 'file:///nonexistent/sluice/train.csv';
    const err = await validateDataset({ datasets: { train: uri }, rules, reportUri: 'file:///tmp/never.json' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'DataNotFound', nonRetryable: true });
    expect((err as Error).message).toContain(uri);
  });

  it('a malformed CSV fails validation with the line, and the report records the error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-validate-'));
    try {
      const { validateDataset } = createDataActivities({});
      const reportUri = pathToFileURL(join(dir, 'r.json')).href;
      const summary = await validateDataset({ datasets: { train: fixture('ragged.csv') }, rules, reportUri });
      expect(summary.passed).toBe(false);
      expect(summary.failures[0]).toMatch(
        /^train: .*ragged\.csv: line 3: expected 3 fields \(as in the header\) but found 2$/,
      );
      expect(JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')).errors.train).toContain('line 3');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('heartbeats rows processed inside an activity context (Temporal MockActivityEnvironment)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-validate-'));
    try {
      let csv = 'id,age\n';
      for (let i = 0; i < 250_000; i++) csv += `${i},${i % 90}\n`;
      await writeFile(join(dir, 'train.csv'), csv);
      const env = new MockActivityEnvironment();
      const beats: unknown[] = [];
      env.on('heartbeat', (d: unknown) => beats.push(d));
      const { validateDataset } = createDataActivities({});
      const summary = await env.run(validateDataset, {
        datasets: { train: pathToFileURL(join(dir, 'train.csv')).href },
        rules,
        reportUri: pathToFileURL(join(dir, 'r.json')).href,
      });
      expect(summary).toMatchObject({ passed: true, rows: { train: 250_000 } });
      expect(beats.length).toBeGreaterThanOrEqual(3);
      expect(beats.at(-1)).toEqual({ rows: 250_000, done: true });
      expect(beats[0]).toMatchObject({ dataset: 'train' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
