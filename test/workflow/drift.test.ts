// The pipeline's drift check (validation.drift) end to end on the real stack with the real Python jobs: a first
// run promotes a champion (nothing to compare yet), a run on shifted training data is rejected at validate with
// the drifted columns and the report's location (alias unmoved), and the same data with action 'warn' is promoted
// with the drift recorded in the validate stage's details.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MlflowClient } from '../../activities/registry/client.js';
import { createStorage } from '../../activities/storage/index.js';
import { renderSummary } from '../../cli/summary.js';
import { DriftReport } from '../../schemas/drift.js';
import type { PipelineStatus } from '../../schemas/pipeline.js';
import type { PipelineSpec } from '../../schemas/spec.js';
import { putCsv, ROOT, runTestPipeline, startTestWorker, testSpec, withTaskQueue } from '../helpers/pipeline.js';

const endpoints = withTaskQueue(inject('endpoints'), 'drift');
const mlflow = new MlflowClient({ url: endpoints.mlflow.url });
const storage = createStorage(endpoints.s3);
let w: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  w = await startTestWorker(endpoints);
});
afterAll(() => w?.stop());

const runPipeline = (spec: PipelineSpec, history?: string): Promise<PipelineStatus> =>
  runTestPipeline(w.client, endpoints, spec, history);

/** The bundled training data with monthly_spend tripled and every other `basic` plan turned `enterprise`. */
async function shiftedTrainCsv(): Promise<string> {
  const lines = (await readFile(join(ROOT, 'examples', 'data', 'churn-train.csv'), 'utf8')).trim().split('\n');
  const header = (lines[0] as string).split(',');
  const spend = header.indexOf('monthly_spend');
  const plan = header.indexOf('plan');
  let basic = 0;
  const rows = lines.slice(1).map((line) => {
    const cells = line.split(',');
    cells[spend] = (Number(cells[spend]) * 3).toFixed(2);
    if (cells[plan] === 'basic' && basic++ % 2 === 0) cells[plan] = 'enterprise';
    return cells.join(',');
  });
  return [lines[0], ...rows].join('\n');
}

const COLUMNS = ['monthly_spend', 'plan', 'age', 'region'];

describe('validation.drift in retrainPipeline', () => {
  let base: PipelineSpec;
  let shiftedUri: string;
  /** The copy of run 1's training data that v1 remembers. */
  let v1Data: string;

  it('first run: no champion to compare with, so the check is skipped and the model promoted', async () => {
    base = await testSpec(endpoints, (s) => ({
      ...s,
      validation: { ...s.validation, drift: { columns: COLUMNS, action: 'block' } },
    }));
    const s = await runPipeline(base);
    expect(s.reasons).toEqual([]);
    expect(s.outcome).toBe('promoted');
    const validate = s.stages.find((x) => x.name === 'validate')!;
    expect(validate.details.driftNote).toBe('no @champion model yet: drift check skipped');
    expect(validate.details.driftReportUri).toBeUndefined();
    const champ = await mlflow.getVersionByAlias(base.model, 'champion');
    expect(champ?.version).toBe('1');
    // With a drift check the version remembers a copy of its training data, not data.train, which a nightly job
    // may overwrite in place.
    v1Data = `s3://${endpoints.s3.bucket}/sluice/runs/${s.workflowId}/data-train.csv`;
    expect(validate.details.trainData).toBe(v1Data);
    expect(champ?.tags.find((t) => t.key === 'sluice.train_data')?.value).toBe(v1Data);
    expect(await storage.readText(v1Data)).toBe(await storage.readText(base.data.train));
    // The training data's profile, stored by the validate stage, is remembered on the version too.
    const profiles = validate.details.profileUris as Record<string, string>;
    expect(profiles.train).toMatch(/^s3:\/\//);
    expect(champ?.tags.find((t) => t.key === 'sluice.train_profile')?.value).toBe(profiles.train);
    expect(renderSummary(s, endpoints)).toContain(`validate profile (train):`);
  });

  it('block: shifted training data is rejected at validate, naming the drifted columns and the report', async () => {
    shiftedUri = await putCsv(endpoints, 'shifted-train.csv', await shiftedTrainCsv());
    const spec: PipelineSpec = { ...base, data: { ...base.data, train: shiftedUri } };
    const s = await runPipeline(spec, 'drift-blocked');
    expect(s.outcome).toBe('rejected');
    expect(s.stage).toBe('validate');
    const runDir = `s3://${endpoints.s3.bucket}/sluice/runs/${s.workflowId}`;
    expect(s.reasons[0]).toBe(`training data drifted from champion v1's (${v1Data}): 2 of 4 columns (50% ≥ 50%)`);
    expect(s.reasons[1]).toMatch(/^monthly_spend: wasserstein \d+(\.\d+)? ≥ 0\.1$/);
    expect(s.reasons[2]).toMatch(/^plan: jensenshannon 0\.\d+ ≥ 0\.1$/);
    expect(s.reasons[3]).toBe(`drift report: ${runDir}/drift.html (JSON: ${runDir}/drift.json)`);
    expect(s.stages.filter((x) => x.state === 'skipped').map((x) => x.name)).toEqual([
      'train',
      'evaluate',
      'gate',
      'register',
      'promote',
    ]);
    expect((await mlflow.getVersionByAlias(spec.model, 'champion'))?.version).toBe('1');
    expect((await mlflow.searchModelVersions(`name='${spec.model}'`)).map((v) => v.version)).toEqual(['1']);
    // Rejected, but the reports' locations are in the status: that is when people look for them.
    expect(s.stages.find((x) => x.name === 'validate')?.details).toMatchObject({
      reportUri: `${runDir}/validation.json`,
      driftReportUri: `${runDir}/drift.json`,
      driftHtmlUri: `${runDir}/drift.html`,
    });
    expect(renderSummary(s, endpoints)).toContain('validate drift report (HTML):');

    const report = DriftReport.parse(JSON.parse(await storage.readText(`${runDir}/drift.json`)));
    expect(report.rows).toEqual({ reference: 4000, current: 4000 });
    expect(report.datasetDrift).toBe(true);
    expect(report.columns.map((c) => [c.name, c.method, c.drifted])).toEqual([
      ['monthly_spend', 'wasserstein', true],
      ['plan', 'jensenshannon', true],
      ['age', 'wasserstein', false],
      ['region', 'jensenshannon', false],
    ]);
    // Only monthly_spend and plan changed: the untouched columns compare exactly equal.
    expect(report.columns.find((c) => c.name === 'age')?.statistic).toBe(0);
    expect(report.columns.find((c) => c.name === 'region')?.statistic).toBe(0);
    const html = await storage.readText(`${runDir}/drift.html`);
    expect(html).toContain('Dataset drift detected: 2 of 4 compared columns drifted');
  });

  it('warn: the same data is promoted and the drift is recorded in the validate stage and the status', async () => {
    const spec: PipelineSpec = {
      ...base,
      data: { ...base.data, train: shiftedUri },
      validation: { ...base.validation, drift: { ...base.validation.drift!, action: 'warn' } },
      // A model trained on tripled spend scores worse on the untouched holdout; this test is about drift, not gates.
      evaluation: { ...base.evaluation, gates: {}, champion: undefined },
    };
    const s = await runPipeline(spec, 'drift-warned');
    expect(s.reasons).toEqual([]);
    expect(s.outcome).toBe('promoted');
    expect(s.modelVersion).toBe('2');
    const validate = s.stages.find((x) => x.name === 'validate')!;
    const runDir = `s3://${endpoints.s3.bucket}/sluice/runs/${s.workflowId}`;
    expect(validate.details).toMatchObject({
      driftReportUri: `${runDir}/drift.json`,
      driftHtmlUri: `${runDir}/drift.html`,
      driftedColumns: ['monthly_spend', 'plan'],
      datasetDrift: true,
      driftShare: 0.5,
      driftAction: 'warn',
      driftChampionVersion: '1',
      driftReference: v1Data,
    });
    expect(validate.outcome).toMatch(
      /drift from champion v1's data in monthly_spend, plan \(action warn: continuing\)$/,
    );
    expect(await storage.exists(`${runDir}/drift.html`)).toBe(true);
    const v2 = await mlflow.getVersionByAlias(spec.model, 'champion');
    expect(v2?.version).toBe('2');
    expect(v2?.tags.find((t) => t.key === 'sluice.train_data')?.value).toBe(`${runDir}/data-train.csv`);
    const text = renderSummary(s, endpoints);
    expect(text).toContain('Artifacts:');
    expect(text).toMatch(
      new RegExp(`validate drift report \\(HTML\\): +${runDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/drift\\.html`),
    );
  });

  it('block: data.train overwritten in place is compared with what the champion saw, not with itself', async () => {
    // v2 was trained on the shifted data at shiftedUri; a nightly job now writes the original data to that path.
    await storage.write(shiftedUri, await readFile(join(ROOT, 'examples', 'data', 'churn-train.csv'), 'utf8'));
    const spec: PipelineSpec = { ...base, data: { ...base.data, train: shiftedUri } };
    const s = await runPipeline(spec);
    expect(s.outcome).toBe('rejected');
    expect(s.stage).toBe('validate');
    expect(s.reasons[0]).toMatch(
      /^training data drifted from champion v2's \(s3:\/\/.*\/data-train\.csv\): 2 of 4 columns/,
    );
    expect((await mlflow.getVersionByAlias(spec.model, 'champion'))?.version).toBe('2');
  });
});
