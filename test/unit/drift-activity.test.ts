// The checkDrift activity called directly on file:// data: it writes drift.json and drift.html under the prefix,
// returns only the verdict and locations, and maps bad input to non-retryable failures that name the side.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriftActivities } from '../../activities/drift/activities.js';
import { createStorage } from '../../activities/storage/index.js';
import { DriftReport } from '../../schemas/drift.js';
import { DriftSummary } from '../../schemas/drift-summary.js';

const { checkDrift } = createDriftActivities({}, createStorage());
let dir: string;
let ref: string;
let cur: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-drift-act-'));
  // Golden vector (facts §6): numeric x, plus a categorical column with the golden category counts padded to the
  // same rows — reference a,b,c,d = 1000,600,300,100, current 800,600,400,200 (proportions as in the facts file).
  const r = Array.from({ length: 2000 }, (_, i) => ((7919 * i) % 1000) / 100);
  const c = Array.from({ length: 1500 }, (_, j) => (((104729 * j) % 1000) / 100) * 1.1 + 0.5);
  const cats = (counts: number[]): string[] => counts.flatMap((n, k) => Array<string>(n).fill('abcd'[k] as string));
  const rc = cats([1000, 600, 300, 100]);
  const cc = cats([600, 450, 300, 150]);
  ref = pathToFileURL(join(dir, 'ref.csv')).href;
  cur = pathToFileURL(join(dir, 'cur.csv')).href;
  await writeFile(join(dir, 'ref.csv'), ['x,plan', ...r.map((v, i) => `${v},${rc[i]}`)].join('\n'));
  await writeFile(join(dir, 'cur.csv'), ['x,plan', ...c.map((v, i) => `${v},${cc[i]}`)].join('\n'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('checkDrift', () => {
  it('writes the report and the HTML page and returns the summary', async () => {
    const prefix = pathToFileURL(join(dir, 'run-1')).href;
    const summary = DriftSummary.parse(
      await checkDrift({
        referenceUri: ref,
        currentUri: cur,
        options: { method: 'auto', driftShare: 0.5 },
        reportPrefix: `${prefix}/`,
      }),
    );
    expect(summary).toMatchObject({
      datasetDrift: true,
      driftShare: 0.5,
      driftShareThreshold: 0.5,
      columnCount: 2,
      driftedColumns: ['x'],
      rows: { reference: 2000, current: 1500 },
      reportUri: `${prefix}/drift.json`,
      htmlUri: `${prefix}/drift.html`,
    });
    expect(summary.drifted[0]).toMatchObject({ name: 'x', kind: 'numeric', method: 'wasserstein', threshold: 0.1 });
    expect(Math.abs(summary.drifted[0]!.statistic! / 0.34369678709702084 - 1)).toBeLessThan(1e-9);
    expect(summary.drifted).toHaveLength(1);

    const report = DriftReport.parse(JSON.parse(await readFile(join(dir, 'run-1', 'drift.json'), 'utf8')));
    expect(report.columns.map((c) => c.plot?.type)).toEqual(['histogram', 'categories']);
    // Categorical proportions 0.5/0.3/0.15/0.05 vs 0.4/0.3/0.2/0.1: the facts' Jensen–Shannon distance (base e),
    // below Evidently's 0.1 threshold, so not drifted.
    const plan = report.columns[1]!;
    expect(plan).toMatchObject({ name: 'plan', kind: 'categorical', method: 'jensenshannon', drifted: false });
    expect(Math.abs(plan.statistic! / 0.0939299525096902 - 1)).toBeLessThan(1e-9);
    const html = await readFile(join(dir, 'run-1', 'drift.html'), 'utf8');
    expect(html).toContain('Dataset drift detected: 1 of 2 compared columns drifted (50% ≥ 50%)');
    expect(html).toContain(ref);
  });

  it('names the side whose data is missing, non-retryable', async () => {
    const missing = pathToFileURL(join(dir, 'gone.csv')).href;
    const prefix = pathToFileURL(join(dir, 'run-2')).href;
    const options = { method: 'auto' as const, driftShare: 0.5 };
    const a = await failure(checkDrift({ referenceUri: missing, currentUri: cur, options, reportPrefix: prefix }));
    expect(a.type).toBe('DataNotFound');
    expect(a.nonRetryable).toBe(true);
    expect(a.message).toBe(`reference data (the champion's training data) not found at ${missing}`);
    const b = await failure(checkDrift({ referenceUri: ref, currentUri: missing, options, reportPrefix: prefix }));
    expect(b.message).toBe(`current data not found at ${missing}`);
  });

  it('a column in neither dataset is invalid input', async () => {
    const f = await failure(
      checkDrift({
        referenceUri: ref,
        currentUri: cur,
        options: { method: 'auto', driftShare: 0.5, columns: ['x', 'nosuch'] },
        reportPrefix: pathToFileURL(join(dir, 'run-3')).href,
      }),
    );
    expect(f.type).toBe('InvalidInput');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toMatch(/^column nosuch is in neither/);
  });

  it('training data with no rows fails the check instead of passing it as no drift', async () => {
    const empty = pathToFileURL(join(dir, 'empty.csv')).href;
    await writeFile(join(dir, 'empty.csv'), 'x,plan\n');
    const prefix = pathToFileURL(join(dir, 'run-4')).href;
    const options = { method: 'auto' as const, driftShare: 0.5 };
    const f = await failure(checkDrift({ referenceUri: ref, currentUri: empty, options, reportPrefix: prefix }));
    expect(f).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect(f.message).toBe('no column could be compared, so there is no drift verdict: the current data has no rows');
  });

  it('a p-value threshold above 1 is invalid input', async () => {
    const f = await failure(
      checkDrift({
        referenceUri: ref,
        currentUri: cur,
        options: { method: 'ks', threshold: 2, driftShare: 0.5 },
        reportPrefix: pathToFileURL(join(dir, 'run-5')).href,
      }),
    );
    expect(f).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect(f.message).toContain('threshold: 2 is above 1, but ks compares a p-value with it');
  });
});
