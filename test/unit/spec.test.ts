import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadRules, loadSpec, parseSpec, SpecError } from '../../cli/spec-loader.js';
import type { PipelineSpecInput } from '../../schemas/spec.js';
import { DatasetProfile } from '../../schemas/profile.js';
import { profileUri } from '../../activities/data/profile.js';
import { FileStorage } from '../../activities/storage/file.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'validation');

const good: PipelineSpecInput = {
  model: 'churn-classifier',
  data: { train: 's3://sluice/datasets/train.csv', holdout: 'file:///data/holdout.csv' },
  training: { command: ['python', 'jobs/train.py', '--train', '{{train}}'] },
  evaluation: { command: ['python', 'jobs/evaluate.py', '--model-uri', '{{modelUri}}'], gates: { auc: { min: 0.7 } } },
};

function problems(obj: unknown): string[] {
  try {
    parseSpec(obj, 'pipeline.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toMatch(/^pipeline\.yaml is invalid \(\d+ problems?\):\n/);
    return (err as SpecError).problems;
  }
  throw new Error('expected the spec to be rejected');
}

describe('parseSpec', () => {
  it('fills in defaults for a good spec', () => {
    const spec = parseSpec(good);
    expect(spec.training).toMatchObject({
      scheduler: 'local',
      resources: { cpus: 1, gpus: 0 },
      timeout: '2h',
      retry: { maxAttempts: 3, retryableExitCodes: [75] },
      env: {},
    });
    expect(spec.validation).toEqual({ minRows: 0, columns: {} });
    expect(spec.promotion.alias).toBe('champion');
    expect(spec.evaluation.timeout).toBe('30m');
  });

  it('lists every problem with its path', () => {
    const bad = {
      ...good,
      data: { train: 'http://example.com/train.csv', holdout: 42 },
      training: { command: ['python', 'train.py', '{{trian}}'], resources: { gpus: -1, tpus: 2 }, timeout: 'soon' },
      validation: { columns: { age: { type: 'int', min: 'zero' } } },
    };
    expect(problems(bad)).toEqual([
      "data.train: unsupported URI scheme 'http:'; use s3://bucket/key or file:///absolute/path",
      'data.holdout: expected string, got 42',
      'validation.columns.age.type: expected one of "number", "integer", "string", "boolean", "category", "timestamp"; got "int"',
      'validation.columns.age.min: expected number, got "zero"',
      expect.stringMatching(/^training\.command\[2\]: unknown placeholder \{\{trian\}\}; known: \{\{train\}\}, /),
      'training.resources.gpus: expected a non-negative integer',
      'training.resources.tpus: unknown field; remove it or check its spelling',
      'training.timeout: expected a duration such as "30s", "15m", "2h" or "1d"; got "soon"',
    ]);
  });

  it('says which fields are required and quotes odd keys', () => {
    expect(
      problems({ model: 'm', validation: { columns: { 'unit price': { type: 'number', min: 5, max: 1 } } } }),
    ).toEqual([
      'data: required (expected object)',
      'validation.columns["unit price"].min: min (5) is greater than max (1)',
      'training: required (expected object)',
      'evaluation: required (expected object)',
    ]);
  });
});

describe('loadSpec and loadRules', () => {
  it('loads the example pipeline spec and rules', async () => {
    const spec = await loadSpec(join(ROOT, 'examples', 'churn.pipeline.yaml'));
    expect(spec.model).toBe('churn-classifier');
    const rules = await loadRules(join(ROOT, 'examples', 'rules.yaml'));
    expect(rules.columns.user_id).toMatchObject({ type: 'string', unique: true, nullable: false, mostly: 1 });
  });

  it('reads JSON by extension, accepts a `validation:` wrapper, and reports bad files clearly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-spec-'));
    try {
      await writeFile(
        join(dir, 'r.json'),
        JSON.stringify({ validation: { minRows: 2, columns: { a: { type: 'number' } } } }),
      );
      expect(await loadRules(join(dir, 'r.json'))).toMatchObject({
        minRows: 2,
        columns: { a: { type: 'number', nullable: true } },
      });
      await writeFile(join(dir, 'bad.yaml'), 'columns:\n  a: { type: number\n');
      await expect(loadRules(join(dir, 'bad.yaml'))).rejects.toThrow(/bad\.yaml:\d+:\d+: invalid YAML/);
      await expect(loadSpec(join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml: file not found/);
      await writeFile(join(dir, 'r2.yaml'), 'minRows: -1\ncolumns: { a: { type: number, mostly: 2 } }\n');
      const err = (await loadRules(join(dir, 'r2.yaml')).catch((e: unknown) => e)) as SpecError;
      expect(err.problems).toEqual(['minRows: must be >= 0; got -1', 'columns.a.mostly: must be <= 1; got 2']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const run = promisify(execFile);

/** Runs the real CLI (bin/sluice.js → cli/main.ts) and returns exit code and output. */
async function sluice(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/sluice.js', ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('sluice validate', () => {
  const data = 'test/fixtures/validation/people.csv';
  const rules = 'test/fixtures/validation/people-rules.yaml';

  it('prints the JSON report and exits 3 when checks fail', async () => {
    const r = await sluice('validate', '--data', data, '--rules', rules, '--json');
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ passed: false, rows: 5 });
    expect(report.checks[0]).toEqual({
      column: null,
      check: 'minRows',
      failed: 0,
      total: 1,
      passed: true,
      examples: [],
    });
    expect(report.checks).toContainEqual({
      column: 'age',
      check: 'min',
      failed: 1,
      total: 4,
      passed: false,
      examples: ['-1'],
    });
  });

  it('prints one line per check and exits 0 when all pass (file:// URI, --spec)', async () => {
    const r = await sluice(
      'validate',
      '--data',
      `file://${ROOT}/examples/data/churn-train.csv`,
      '--spec',
      'examples/churn.pipeline.yaml',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✓ minRows: 4000 rows, need at least 500');
    expect(r.stdout).toContain('✓ user_id unique: 0 of 4000 rows failed');
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^PASSED: \d+ checks$/);
  });

  it('exits 2 for invalid input: bad rules, missing file, unsupported scheme', async () => {
    const bad = await sluice('validate', '--data', data, '--rules', join(FIXTURES, 'people.csv'));
    expect(bad.code).toBe(2);
    const missing = await sluice('validate', '--data', 'nope/missing.csv', '--rules', rules);
    expect(missing).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`data not found: file://${ROOT}/nope/missing.csv`),
    });
    const scheme = await sluice('validate', '--data', 'http://x/y.csv', '--rules', rules);
    expect(scheme).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("unsupported URI scheme 'http:' in --data"),
    });
    const both = await sluice('validate', '--data', data);
    expect(both).toMatchObject({ code: 2, stderr: expect.stringContaining('give exactly one of --rules') });
  });

  it('--profile writes the dataset profile the pipeline stores, and a folder that is not there is refused first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-profile-'));
    try {
      const file = join(dir, 'people.profile.json');
      const r = await sluice('validate', '--data', data, '--rules', rules, '--json', '--profile', file);
      expect(r.code).toBe(3);
      expect(JSON.parse(r.stdout)).toMatchObject({ passed: false, rows: 5 });
      expect(r.stderr).toBe(`Profile: ${file}\n`);
      const profile = DatasetProfile.parse(JSON.parse(await readFile(file, 'utf8')));
      const want = await profileUri(new FileStorage(), pathToFileURL(resolve(ROOT, data)).href);
      expect(profile).toEqual(want);
      expect(profile.columns.find((c) => c.name === 'id')).toMatchObject({
        type: 'numeric',
        count: 5,
        numeric: { min: 1, max: 5, mean: 2.8 },
      });
      // Refused before any work: the data file itself (even through a symlink), a folder, a device.
      const copy = join(dir, 'people.csv');
      await writeFile(copy, await readFile(resolve(ROOT, data)));
      await symlink(copy, join(dir, 'alias.json'));
      for (const [target, why] of [
        [copy, 'that is the data file itself'],
        [join(dir, 'alias.json'), 'that is the data file itself'],
        [dir, 'it exists and is not a regular file'],
        ['/dev/null', 'it exists and is not a regular file'],
      ] as const) {
        const r = await sluice('validate', '--data', copy, '--rules', rules, '--profile', target);
        expect(r, target).toMatchObject({ code: 2, stdout: '' });
        expect(r.stderr, target).toContain(why);
      }
      expect(await readFile(copy, 'utf8')).toBe(await readFile(resolve(ROOT, data), 'utf8'));
      const nowhere = join(dir, 'missing', 'p.json');
      const bad = await sluice('validate', '--data', data, '--rules', rules, '--profile', nowhere);
      expect(bad).toMatchObject({ code: 2, stdout: '' });
      expect(bad.stderr).toContain(`error: cannot write --profile ${nowhere}: ENOENT`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a malformed CSV with its line and exits 3', async () => {
    const r = await sluice('validate', '--data', 'test/fixtures/validation/ragged.csv', '--rules', rules);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('line 3: expected 3 fields (as in the header) but found 2');
  });

  it('reports a damaged gzip file and names its format, and exits 3', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-gz-'));
    try {
      const data = join(dir, 'rows.jsonl.gz');
      await writeFile(data, 'plain text, not gzip\n');
      const r = await sluice('validate', '--data', data, '--rules', rules);
      expect(r).toMatchObject({ code: 3, stderr: '' });
      expect(r.stdout).toBe(
        `✗ file://${data} is not a readable gzip file: incorrect header check\nFAILED: the file is not valid gzipped JSON Lines\n`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
