// The native column loader and sorter (engine/) against the TypeScript loader and sort: same rows, types, counts
// and sorted values on every file the engine accepts; files it does not read identically are handed back.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openColumns, type ColumnSet } from '../../activities/data/columns.js';
import { SortPool } from '../../activities/drift/sort-pool.js';
import { createStorage } from '../../activities/storage/index.js';
import { testS3 } from '../helpers/s3.js';
import { requireEngine } from '../helpers/engine.js';
import { ENGINE_BINARY } from '../../activities/data/engine.js';
import { validateUri } from '../../activities/data/validate.js';
import { profileUri } from '../../activities/data/profile.js';
import { ValidationRules } from '../../schemas/validation.js';

const storage = createStorage();
const root = resolve(import.meta.dirname, '..', '..');
const PYTHON = join(root, '.sluice', 'venv', 'bin', 'python');
let dir = '';

beforeAll(async () => {
  requireEngine();
  dir = await mkdtemp(join(tmpdir(), 'sluice-engine-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Everything a ColumnSet says, numeric values as finite and sorted whichever loader read them. */
async function snapshot(set: ColumnSet) {
  const columns = [];
  for (const name of set.names) {
    const info = set.info(name);
    const v = await set.get(name);
    const data =
      v?.type === 'numeric'
        ? set.sorted
          ? [...v.values]
          : [...v.values].filter(Number.isFinite).sort((a, b) => a - b || (Object.is(a, -0) ? -1 : 1))
        : [...(v?.counts ?? [])];
    const { distinctEstimate, nonFinite, ...exact } = info ?? {};
    columns.push({ ...exact, data, approx: distinctEstimate === undefined ? null : Math.round(distinctEstimate) });
    void nonFinite;
  }
  return { rows: set.rows, names: set.names, missing: set.missing, columns };
}

async function both(file: string, columns?: string[]) {
  const uri = pathToFileURL(join(dir, file)).href;
  const native = await openColumns(storage, uri, { sorted: true, columns });
  const before = process.env.SLUICE_ENGINE;
  process.env.SLUICE_ENGINE = 'js';
  const ts = await openColumns(storage, uri, { sorted: true, columns }).finally(() => {
    if (before === undefined) delete process.env.SLUICE_ENGINE;
    else process.env.SLUICE_ENGINE = before;
  });
  try {
    return { native, ts, a: await snapshot(native), b: await snapshot(ts) };
  } finally {
    await native.close();
    await ts.close();
  }
}

describe('native loader matches the TypeScript loader', () => {
  it('reads typing, nulls, nan/inf spellings, CRLF, a BOM, blank lines and padded header names alike', async () => {
    const csv =
      '\ufeffid, x ,label,late,early,blank\r\n' +
      '1,1.5,a,1,txt,\r\n' +
      '\r\n' +
      '2,-0,b,2,3,\r\n' +
      '3,NaN,a,oops,4,\r\n' +
      '4, inf ,,5,,\r\n' +
      '5,-Infinity,c,6,5,\r\n' +
      '6,1e3,a,7,6,\r\n' +
      '7,.5,é,8,7,';
    await writeFile(join(dir, 'mixed.csv'), csv);
    const { native, a, b } = await both('mixed.csv');
    expect(native.sorted).toBe(true);
    expect(a).toEqual(b);
    expect(a.names).toEqual(['id', 'x', 'label', 'late', 'early', 'blank']);
    // `late` turns to text after numbers: counted again as written; `early` is text from its first value.
    const late = a.columns.find((c) => c.name === 'late');
    expect(late).toMatchObject({ type: 'string', values: 7 });
    expect(native.info('x')?.nonFinite).toEqual({ nan: 1, posInf: 1, negInf: 1 });
  });

  it('rejects a header naming a column twice, natively and in TypeScript, for drift and for validation', async () => {
    await writeFile(join(dir, 'twice.csv'), 'a, x ,b,x\n1,2,3,4\n');
    const uri = pathToFileURL(join(dir, 'twice.csv')).href;
    const why =
      /twice\.csv: line 1: the header names column "x" twice \(fields 2 and 4\); give each column its own name/;
    const rules = ValidationRules.parse({ columns: { a: { type: 'integer' } } });
    // Empty names may repeat (spreadsheets export trailing blank columns so): read alike, the first one counts.
    await writeFile(join(dir, 'blanks.csv'), 'a,b,,\n1,2,,\n3,4,x,\n');
    const blanks = await both('blanks.csv');
    expect(blanks.a).toEqual(blanks.b);
    expect(blanks.a.names).toEqual(['a', 'b', '']);
    const before = process.env.SLUICE_ENGINE;
    try {
      for (const engine of ['native', 'js']) {
        if (engine === 'js') process.env.SLUICE_ENGINE = 'js';
        await expect(openColumns(storage, uri, { sorted: true }), engine).rejects.toThrow(why);
        await expect(validateUri(storage, uri, rules), engine).rejects.toThrow(why);
      }
    } finally {
      if (before === undefined) delete process.env.SLUICE_ENGINE;
      else process.env.SLUICE_ENGINE = before;
    }
  });

  it('selects columns and reports the missing ones', async () => {
    await writeFile(join(dir, 'pick.csv'), 'a,b,c\n1,x,2\n3,y,4\n');
    const { a, b } = await both('pick.csv', ['c', 'a', 'zz']);
    expect(a).toEqual(b);
    expect(a.names).toEqual(['a', 'c']);
    expect(a.missing).toEqual(['zz']);
  });

  it('agrees on a multi-chunk file read on several threads, with late text and high cardinality', async () => {
    // ~30 MB: two 16 MiB chunks, the second split over threads; `tail` turns to text in the last chunk, `id`
    // passes the 100 000-category cap.
    const lines = ['n,f,cat,id,tail'];
    const rows = 600_000;
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < rows; i++) {
      const tail = i === rows - 10 ? 'text' : String(i % 97);
      const f = i % 1000 === 0 ? '' : (rnd() * 2000 - 1000).toFixed(6);
      lines.push(`${i},${f},c${i % 7},k${i},${tail}`);
    }
    await writeFile(join(dir, 'big.csv'), `${lines.join('\n')}\n`);
    const { a, b } = await both('big.csv');
    const { columns: ca, ...ra } = a;
    const { columns: cb, ...rb } = b;
    expect(ra).toEqual(rb);
    expect(ra.rows).toBe(rows);
    for (const [i, col] of ca.entries()) {
      const other = cb[i] as (typeof cb)[number];
      // The same HyperLogLog in both loaders: the same estimate, within 2 % of the truth.
      if (col.name === 'id') {
        expect(col.highCardinality).toBe(true);
        expect(Math.abs((col.approx as number) - rows) / rows).toBeLessThan(0.02);
      }
      expect(col).toEqual(other);
    }
    expect(ca.find((c) => c.name === 'tail')).toMatchObject({ type: 'string', values: rows });
  });

  it('reads JSON Lines alike: numbers as String(v), escapes, nested values, late keys, late text, several chunks', async () => {
    // ~40 MB: three chunks over threads. `late` first appears in the second half (the engine reads again with it),
    // `n` turns to text in the last chunk, `id` passes the category cap.
    const lines: string[] = [];
    const rows = 400_000;
    let seed = 5;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const odd = ['1.50', '-0', '1e3', '1e400', '0.0000001', '123456789012345678', 'null', '"7"', '" 8 "', '"NaN"'];
    for (let i = 0; i < rows; i++) {
      const n = i === rows - 5 ? '"text"' : String(i % 89);
      const f = i % 997 === 0 ? (odd[i % odd.length] as string) : (rnd() * 2000 - 1000).toFixed(1 + (i % 6));
      const tag = i % 3 === 0 ? '"caf\\u00e9 \\"q\\""' : i % 3 === 1 ? '{"a": [1, 2.0]}' : '""';
      const late = i > rows / 2 && i % 5 === 0 ? `, "late": ${i % 4}` : '';
      lines.push(`{"id": "k${i}", "f": ${f}, "tag": ${tag}, "n": ${n}${late}}`);
    }
    await writeFile(join(dir, 'big.jsonl'), `${lines.join('\n')}\n`);
    const { native, a, b } = await both('big.jsonl');
    expect(native.sorted).toBe(true);
    const { columns: ca, ...ra } = a;
    const { columns: cb, ...rb } = b;
    expect(ra).toEqual(rb);
    expect(ra.rows).toBe(rows);
    expect(ra.names).toEqual(['id', 'f', 'tag', 'n', 'late']);
    for (const [i, col] of ca.entries()) {
      const other = cb[i] as (typeof cb)[number];
      expect(col).toEqual(other);
    }
    expect(ca.find((c) => c.name === 'n')).toMatchObject({ type: 'string', values: rows });
    expect(ca.find((c) => c.name === 'tag')?.data).toEqual([
      ['café "q"', 133334],
      ['{"a":[1,2]}', 133333],
    ]);
  });

  it('reads a wide, sparse JSON Lines file alike (its lines read in pieces that bound the cells held)', async () => {
    // 20 000 rows × 600 keys × 8 bytes of cells is past the 64 MiB a piece holds: the chunk is read in two.
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++)
      lines.push(JSON.stringify({ [`k${(i * 7) % 600}`]: i % 97, [`k${(i * 13 + 5) % 600}`]: `t${i % 5}`, id: i }));
    await writeFile(join(dir, 'sparse.jsonl'), `${lines.join('\n')}\n`);
    const { native, a, b } = await both('sparse.jsonl');
    expect(native.sorted).toBe(true);
    expect(a).toEqual(b);
    expect(a.names.length).toBe(601);
  });

  it('reads gzipped CSV alike, in several members', async () => {
    const lines = ['n,f,cat'];
    for (let i = 0; i < 300_000; i++) lines.push(`${i},${((i * 7919) % 100_003) / 7},c${i % 11}`);
    const text = `${lines.join('\n')}\n`;
    await writeFile(
      join(dir, 'big.csv.gz'),
      Buffer.concat([gzipSync(text.slice(0, 1000)), gzipSync(text.slice(1000))]),
    );
    const { native, a, b } = await both('big.csv.gz');
    expect(native.sorted).toBe(true);
    expect(a).toEqual(b);
    expect(a.rows).toBe(300_000);
  });

  it('hands quoted fields and ragged rows back to the TypeScript loader', async () => {
    await writeFile(join(dir, 'quoted.csv'), 'a,b\n1,"x, y"\n2,z\n');
    const quoted = await both('quoted.csv');
    expect(quoted.native.sorted).toBe(false);
    expect(quoted.a).toEqual(quoted.b);
    await writeFile(join(dir, 'ragged.csv'), 'a,b\n1,2\n3\n');
    await expect(openColumns(storage, pathToFileURL(join(dir, 'ragged.csv')).href, { sorted: true })).rejects.toThrow(
      /line 3: expected 2 fields/,
    );
  });

  it('removes its column files on close and gives the storage error for a missing file', async () => {
    const tmp = await mkdtemp(join(dir, 'spill-'));
    await writeFile(join(dir, 'small.csv'), 'a\n1\n2\n');
    const set = await openColumns(storage, pathToFileURL(join(dir, 'small.csv')).href, { sorted: true, tempDir: tmp });
    expect(await readdir(tmp)).toHaveLength(1);
    await set.close();
    expect(await readdir(tmp)).toHaveLength(0);
    await expect(openColumns(storage, pathToFileURL(join(dir, 'nope.csv')).href, { sorted: true })).rejects.toThrow(
      /not found|no such/i,
    );
  });
});

let variants: Record<string, boolean> | null = null;
/** Writes the pyarrow layouts into the test folder (once); file name → whether the engine reads it. */
function parquetVariants(): Record<string, boolean> {
  variants ??= JSON.parse(
    execFileSync(PYTHON, [join(root, 'test/helpers/parquet_variants.py'), dir], { encoding: 'utf8' }),
  ) as Record<string, boolean>;
  return variants;
}

describe('native Parquet reader matches the DuckDB loader', () => {
  it('reads dictionary, plain, v2, multi-page, fallback, required, zstd and gzip layouts, dates and timestamps, leaves decimals to the loader; hands other codecs and encodings back', async () => {
    // pyarrow writes one table (every integer width, floats with NaN/±inf/-0, booleans, texts with '' and nulls)
    // in each layout; the native reading must equal DuckDB's, and the files it cannot read must come back to it.
    const expected = parquetVariants();
    expect(Object.values(expected).filter(Boolean).length).toBeGreaterThanOrEqual(8);
    for (const [file, native] of Object.entries(expected)) {
      const r = await both(file);
      expect({ file, native: r.native.sorted }).toEqual({ file, native });
      expect(r.a, file).toEqual(r.b);
      const rows: Record<string, number> = { 'zstd-big-pages.parquet': 48000, 'date.parquet': 4, 'empty.parquet': 0 };
      if (native) expect(r.a.rows, file).toBe(rows[file] ?? 6000);
    }
    const dict = await both('dict-snappy.parquet');
    expect(dict.a.columns.find((c) => c.name === 'flag')).toMatchObject({ type: 'string', nulls: 1000 });
    expect(dict.native.info('f64')?.nonFinite).toEqual({ nan: 2, posInf: 1, negInf: 1 });
    const pick = await both('v2-small-pages.parquet', ['word', 'u64', 'nope']);
    expect(pick.a).toEqual(pick.b);
    expect(pick.a.names).toEqual(['u64', 'word']);
    expect(pick.a.missing).toEqual(['nope']);
  });

  it('profiles a file with columns left to the loader exactly as the loader alone does', async () => {
    parquetVariants();
    const uri = pathToFileURL(join(dir, 'mixed-types.parquet')).href;
    const native = await profileUri(storage, uri);
    const before = process.env.SLUICE_ENGINE;
    process.env.SLUICE_ENGINE = 'js';
    const ts = await profileUri(storage, uri).finally(() => {
      if (before === undefined) delete process.env.SLUICE_ENGINE;
      else process.env.SLUICE_ENGINE = before;
    });
    expect(native).toEqual(ts);
    expect(native.columns.map((c) => [c.name, c.type])).toEqual([
      ['f64', 'numeric'],
      ['word', 'string'],
      ['few', 'numeric'],
      ['day', 'string'],
      ['ms', 'string'],
      ['us_utc', 'string'],
      ['ns', 'string'],
      ['price', 'numeric'],
      ['half', 'string'],
    ]);
  });

  it("hands a corrupt file back, so the error is the TypeScript reader's", async () => {
    parquetVariants();
    const good = await readFile(join(dir, 'dict-snappy.parquet'));
    const bad = Buffer.from(good);
    bad.fill(0x55, 4, 4000); // the first pages, headers included
    await writeFile(join(dir, 'corrupt.parquet'), bad);
    await expect(
      openColumns(storage, pathToFileURL(join(dir, 'corrupt.parquet')).href, { sorted: true }),
    ).rejects.toThrow(/unreadable Parquet/);
  });
});

describe('native Parquet reader on damaged files', () => {
  it('either reads or hands back every file with flipped bytes: never a crash, a hang or a wild allocation', async () => {
    parquetVariants();
    const sources = await Promise.all(
      [
        'v2-small-pages.parquet',
        'dict-snappy.parquet',
        'v2-zstd-1.parquet',
        'v2-gzip-9.parquet',
        'mixed-types.parquet',
      ].map((f) => readFile(join(dir, f))),
    );
    let seed = 3;
    const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const damaged = join(dir, 'damaged.parquet');
    const codes = new Set<number | null>();
    for (let i = 0; i < 150; i++) {
      const bytes = Buffer.from(sources[i % sources.length] as Buffer);
      for (let k = 1 + rnd(8); k > 0; k--) bytes[rnd(bytes.length)] = rnd(256);
      await writeFile(damaged, bytes);
      const columns = spawnSync(
        ENGINE_BINARY,
        ['columns', '--input', damaged, '--format', 'parquet', '--out', join(dir, 'dmg')],
        {
          timeout: 20_000,
        },
      );
      const validate = spawnSync(ENGINE_BINARY, ['validate', '--input', damaged, '--format', 'parquet'], {
        input: 'f64\0number\0\0\0' + '1\0' + '0\0word\0string\0\0\0' + '1\0' + '0\0',
        timeout: 20_000,
      });
      for (const r of [columns, validate]) {
        expect([0, 64], `${r.signal ?? ''} ${r.stderr.toString()}`).toContain(r.status);
        codes.add(r.status);
      }
    }
    // Both outcomes occur: damage in values reads as other values; damage in headers or metadata is handed back.
    expect([...codes].sort()).toEqual([0, 64]);
  });
});

describe('native loader on S3 (moto)', () => {
  it('downloads the object to a temp file, reads it natively and removes the download', async () => {
    const { s3, storage: remote } = await testS3();
    const uri = `s3://${s3.bucket}/engine-test/${randomUUID()}/data.csv`;
    await remote.write(uri, 'x,label\n1.5,a\n-2,b\nnan,a\n');
    const tmp = await mkdtemp(join(dir, 's3-'));
    const set = await openColumns(remote, uri, { sorted: true, tempDir: tmp });
    try {
      expect(set.sorted).toBe(true);
      expect(set.rows).toBe(3);
      expect(await set.get('x')).toEqual({ type: 'numeric', values: new Float64Array([-2, 1.5]) });
      expect(set.info('x')?.nonFinite).toEqual({ nan: 1, posInf: 0, negInf: 0 });
      // Only the column files remain: the download is gone.
      expect((await readdir(tmp, { recursive: true })).some((f) => f.includes('sluice-download-'))).toBe(false);
    } finally {
      await set.close();
    }
    expect(await readdir(tmp)).toEqual([]);
  });

  it('reads a Parquet object natively after the download, as DuckDB reads the local copy', async () => {
    const { s3, storage: remote } = await testS3();
    parquetVariants();
    const uri = `s3://${s3.bucket}/engine-test/${randomUUID()}/data.parquet`;
    await remote.write(uri, await readFile(join(dir, 'v2-snappy.parquet')));
    const set = await openColumns(remote, uri, { sorted: true });
    const local = await both('v2-snappy.parquet');
    try {
      expect(set.sorted).toBe(true);
      expect(await snapshot(set)).toEqual(local.b);
    } finally {
      await set.close();
    }
  });
});

describe('a Parquet object on S3 (moto) that the engine hands back', () => {
  it('is read from its one download by DuckDB, for columns and for validation, and the copy goes with the set', async () => {
    const { s3, storage: remote } = await testS3();
    parquetVariants();
    const uri = `s3://${s3.bucket}/engine-test/${randomUUID()}/data.parquet`;
    await remote.write(uri, await readFile(join(dir, 'brotli.parquet')));
    // Every read of the object's bytes, counted on the real S3 storage.
    const fetches: string[] = [];
    const counted = new Proxy(remote, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          if ((prop === 'openRead' || prop === 'readRange') && args[0] === uri) fetches.push(prop);
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const tmp = await mkdtemp(join(dir, 's3-back-'));
    const set = await openColumns(counted, uri, { sorted: true, tempDir: tmp });
    const local = await both('brotli.parquet');
    try {
      expect(set.sorted).toBe(false);
      expect(await snapshot(set)).toEqual(local.a);
      expect(fetches).toEqual(['openRead']);
      // DuckDB reads columns on demand, so the copy stays until the set is closed.
      expect((await readdir(tmp)).filter((f) => f.startsWith('sluice-download-'))).toHaveLength(1);
    } finally {
      await set.close();
    }
    expect(await readdir(tmp)).toEqual([]);

    fetches.length = 0;
    const rules = ValidationRules.parse({
      // flag's boolean rule goes through hyparquet, with its brotli decoder.
      columns: {
        f64: { type: 'number', min: 0 },
        word: { type: 'category', values: ['a', 'b'] },
        flag: { type: 'boolean' },
      },
    });
    const report = await validateUri(counted, uri, rules);
    expect(fetches).toEqual(['openRead']);
    expect(report).toEqual(await validateUri(storage, pathToFileURL(join(dir, 'brotli.parquet')).href, rules));
    expect(report.checks.some((c) => c.failed > 0)).toBe(true);
  });
});

describe('native sort pool', () => {
  it('drops non-finite values and sorts as the TypeScript worker does, -0 before +0', async () => {
    const values = new Float64Array(300_000);
    for (let i = 0; i < values.length; i++) values[i] = Math.round(Math.sin(i) * 1e6) / 1e3;
    values.set([NaN, Infinity, -Infinity, -0, 0, -0], 100);
    const expected = [...values].filter(Number.isFinite);
    const want = new Float64Array(expected).sort();
    const pool = new SortPool();
    try {
      const got = await Promise.all([
        pool.sorted(values.slice()),
        pool.sorted(values.slice()),
        pool.sorted(new Float64Array(0)),
      ]);
      expect(got[0]).toEqual(want);
      expect(got[1]).toEqual(want);
      expect(got[2]).toHaveLength(0);
      expect(Object.is(got[0]![want.indexOf(0)], -0)).toBe(true);
    } finally {
      await pool.close();
    }
  });
});

describe('engine crate', () => {
  it('passes its own Rust unit tests', () => {
    const res = spawnSync(
      'cargo',
      ['test', '--release', '--offline', '--quiet', '--manifest-path', 'engine/Cargo.toml'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(res.stderr + res.stdout).toMatch(/test result: ok/);
    expect(res.status).toBe(0);
  }, 300_000);
});
