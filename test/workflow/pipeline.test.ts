// The built-in pipeline end to end on the real stack with the real Python jobs: promoted, rejected at
// validation (nothing launched, nothing registered), rejected at the gate (alias unmoved).
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MlflowClient } from '../../activities/registry/client.js';
import type { PipelineStatus } from '../../schemas/pipeline.js';
import type { PipelineSpec } from '../../schemas/spec.js';
import { stageJobKey } from '../../workflows/ids.js';
import { putCsv, runTestPipeline, startTestWorker, testSpec, withTaskQueue } from '../helpers/pipeline.js';

const endpoints = withTaskQueue(inject('endpoints'), 'pipeline');
const mlflow = new MlflowClient({ url: endpoints.mlflow.url });
let w: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  w = await startTestWorker(endpoints);
});
afterAll(() => w?.stop());

const runPipeline = (spec: PipelineSpec, history?: string): Promise<PipelineStatus> =>
  runTestPipeline(w.client, endpoints, spec, history);

async function versions(model: string): Promise<string[]> {
  return (await mlflow.searchModelVersions(`name='${model}'`)).map((v) => v.version);
}

async function jobDirsFor(workflowId: string): Promise<string[]> {
  if (!existsSync(endpoints.jobsDir)) return [];
  const prefix = stageJobKey(workflowId, '');
  return (await readdir(endpoints.jobsDir)).filter((d) => d.startsWith(prefix));
}

describe('retrainPipeline', () => {
  let promotedSpec: PipelineSpec;

  it('promotes a model trained on good data and reports every stage', async () => {
    promotedSpec = await testSpec(endpoints);
    const s = await runPipeline(promotedSpec, 'promoted');
    expect(s.reasons).toEqual([]);
    expect(s.outcome).toBe('promoted');
    expect(s.stages.map((x) => [x.name, x.state])).toEqual([
      ['validate', 'succeeded'],
      ['train', 'succeeded'],
      ['evaluate', 'succeeded'],
      ['gate', 'succeeded'],
      ['register', 'succeeded'],
      ['promote', 'succeeded'],
    ]);
    for (const st of s.stages) expect(Date.parse(st.endedAt!)).toBeGreaterThanOrEqual(Date.parse(st.startedAt!));
    expect(s.metrics.auc).toBeGreaterThan(0.7);
    expect(s.modelVersion).toBe('1');
    const champ = await mlflow.getVersionByAlias(promotedSpec.model, 'champion');
    expect(champ?.version).toBe('1');
    expect(champ?.run_id).toBe(s.mlflowRunId);
  });

  it('rejects bad data at validation: no job launched, no model registered', async () => {
    const good = await testSpec(endpoints);
    const header = 'user_id,age,tenure_months,monthly_spend,support_tickets,plan,region,autopay,churned';
    const rows = Array.from(
      { length: 600 },
      (_, i) => `u${i},${i % 50 === 0 ? -4 : 30},5,20.5,1,${i === 7 ? 'gold' : 'pro'},north,true,false`,
    );
    const train = await putCsv(endpoints, 'bad.csv', [header, ...rows].join('\n'));
    const spec: PipelineSpec = { ...good, data: { ...good.data, train } };
    const s = await runPipeline(spec, 'rejected-validation');
    expect(s.outcome).toBe('rejected');
    expect(s.stage).toBe('validate');
    expect(s.reasons.join('\n')).toMatch(/age/);
    expect(s.reasons.join('\n')).toMatch(/plan/);
    expect(s.stages.filter((x) => x.state === 'skipped').map((x) => x.name)).toEqual([
      'train',
      'evaluate',
      'gate',
      'register',
      'promote',
    ]);
    expect(await jobDirsFor(s.workflowId)).toEqual([]);
    expect(await mlflow.getRegisteredModel(spec.model)).toBeUndefined();
    // The report and profiles were written: the status says where, rejected or not.
    expect(s.stages.find((x) => x.name === 'validate')?.details).toMatchObject({
      reportUri: `s3://${endpoints.s3.bucket}/sluice/runs/${s.workflowId}/validation.json`,
      rows: { train: 600 },
    });
  });

  it("fails at validation in the activity's own words when the data is missing", async () => {
    const good = await testSpec(endpoints);
    const train = `s3://${endpoints.s3.bucket}/test-data/nowhere/missing.csv`;
    const s = await runPipeline({ ...good, data: { ...good.data, train } });
    expect(s.outcome).toBe('failed');
    expect(s.stage).toBe('validate');
    expect(s.reasons).toEqual([`dataset train not found at ${train}; check data.train in the pipeline spec`]);
  });

  it('rejects at the gate when a threshold is unreachable and leaves the alias where it was', async () => {
    const spec: PipelineSpec = {
      ...promotedSpec,
      evaluation: { ...promotedSpec.evaluation, gates: { ...promotedSpec.evaluation.gates, auc: { min: 0.9999 } } },
    };
    const before = await mlflow.getVersionByAlias(spec.model, 'champion');
    const s = await runPipeline(spec, 'rejected-gate');
    expect(s.outcome).toBe('rejected');
    expect(s.stage).toBe('gate');
    expect(s.reasons[0]).toMatch(/^auc 0\.\d+ is below the minimum 0\.9999$/);
    expect(s.championMetrics?.auc).toBeGreaterThan(0.7);
    const after = await mlflow.getVersionByAlias(spec.model, 'champion');
    expect(after?.version).toBe(before?.version);
    expect(await versions(spec.model)).toEqual(['1']);
  });

  it('ends as failed, naming the stage and the exit code, when the training command fails', async () => {
    const spec = await testSpec(endpoints, (s) => ({
      ...s,
      training: { ...s.training!, command: ['python', '-c', 'import sys; print("boom"); sys.exit(2)'] },
    }));
    const s = await runPipeline(spec, 'failed-train');
    expect(s.outcome).toBe('failed');
    expect(s.stage).toBe('train');
    expect(s.reasons[0]).toMatch(/code 2/);
    expect(s.reasons[0]).toMatch(/boom/);
    expect(await mlflow.getRegisteredModel(spec.model)).toBeUndefined();
  });
});
