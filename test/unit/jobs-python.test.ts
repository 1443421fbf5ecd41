// The example Python jobs end to end against real MLflow and moto S3: train logs a model into an orchestrator-made
// run, the registry registers it, evaluate scores it on the holdout. Bad input must exit 2 with a clear message.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createRegistryActivities } from '../../activities/registry/activities.js';
import { closedPort } from '../helpers/net.js';

const endpoints = inject('endpoints');
const root = resolve(import.meta.dirname, '..', '..');
const python = resolve(root, '.sluice', 'venv', 'bin', 'python');
const acts = createRegistryActivities(endpoints);
const sfx = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const prefix = `jobs-test/${sfx}`;
const trainUri = `s3://${endpoints.s3.bucket}/${prefix}/churn-train.csv`;
const holdoutUri = `s3://${endpoints.s3.bucket}/${prefix}/churn-holdout.csv`;

const jobEnv: NodeJS.ProcessEnv = {
  ...process.env,
  MLFLOW_TRACKING_URI: endpoints.mlflow.url,
  AWS_ENDPOINT_URL: endpoints.s3.endpoint,
  AWS_ACCESS_KEY_ID: endpoints.s3.accessKeyId ?? 'test',
  AWS_SECRET_ACCESS_KEY: endpoints.s3.secretAccessKey ?? 'test',
  AWS_DEFAULT_REGION: endpoints.s3.region,
};

function runJob(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(python, [resolve(root, 'jobs', script), ...args], { env: { ...jobEnv, ...env }, cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  const s3 = new S3Client({
    endpoint: endpoints.s3.endpoint,
    region: endpoints.s3.region,
    forcePathStyle: endpoints.s3.forcePathStyle,
    credentials: { accessKeyId: jobEnv.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: jobEnv.AWS_SECRET_ACCESS_KEY ?? '' },
  });
  for (const name of ['churn-train.csv', 'churn-holdout.csv']) {
    const body = await readFile(resolve(root, 'examples', 'data', name));
    await s3.send(new PutObjectCommand({ Bucket: endpoints.s3.bucket, Key: `${prefix}/${name}`, Body: body }));
  }
  s3.destroy();
});

describe('python jobs', () => {
  it('train logs a model, registry registers it, evaluate scores it on the holdout', async () => {
    const experiment = `jobs-${sfx}`;
    const model = `jobs-churn-${sfx}`;
    const workflowId = `wf-jobs-${sfx}`;
    const train = await acts.ensureRun({ experiment, workflowId, stage: 'train', runName: 'train', model });
    const trained = await runJob('train.py', [
      '--train',
      trainUri,
      '--run-id',
      train.runId,
      '--target',
      'churned',
      '--drop',
      'user_id',
      '--seed',
      '7',
    ]);
    expect(trained.stderr + trained.stdout).toContain('done');
    expect(trained.code).toBe(0);

    const trainRun = await acts.readRun(train.runId);
    const modelId = trainRun.tags['sluice.model_id'] ?? '';
    const source = trainRun.tags['sluice.model_source'] ?? '';
    expect(modelId).toMatch(/^m-/);
    expect(source).toMatch(new RegExp(`^mlflow-artifacts:/${train.experimentId}/models/${modelId}/artifacts$`));
    expect(trainRun.tags['sluice.model_uri']).toBe(`models:/${modelId}`);
    expect(trainRun.metrics.train_rows).toBe(4000);
    expect(trainRun.metrics.train_auc).toBeGreaterThan(0.6);
    expect(trainRun.params).toMatchObject({ model: 'gbm', seed: '7', dropped: 'user_id' });

    const registered = await acts.registerVersion({ model, source, runId: train.runId, workflowId, modelId });
    expect(registered).toEqual({ name: model, version: '1', created: true });

    const evaluation = await acts.ensureRun({ experiment, workflowId, stage: 'evaluate', runName: 'evaluate', model });
    const evaluated = await runJob('evaluate.py', [
      '--model-uri',
      `models:/${model}/${registered.version}`,
      '--holdout',
      holdoutUri,
      '--run-id',
      evaluation.runId,
      '--target',
      'churned',
    ]);
    expect(evaluated.stderr + evaluated.stdout).toContain('done');
    expect(evaluated.code).toBe(0);
    const { metrics } = await acts.readRun(evaluation.runId);
    expect(metrics.auc).toBeGreaterThan(0.6);
    expect(metrics.auc).toBeLessThanOrEqual(1);
    expect(metrics.accuracy).toBeGreaterThan(0.5);
    expect(metrics.log_loss).toBeGreaterThan(0);
    expect(metrics.p99_latency_ms).toBeGreaterThan(0);
    expect(metrics.holdout_rows).toBe(1000);
  });

  it('exits 2 naming the object when --train does not exist', async () => {
    const missing = `s3://${endpoints.s3.bucket}/${prefix}/nope.csv`;
    const res = await runJob('train.py', ['--train', missing, '--run-id', 'unused', '--target', 'churned']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${missing}: object not found`);
  });

  it('exits 2 naming the column when the target is missing', async () => {
    const res = await runJob('train.py', ['--train', trainUri, '--run-id', 'unused', '--target', 'left']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/target column 'left' not found; columns are user_id, age/);
  });

  it('exits 75 (retry later) when S3 cannot be reached', async () => {
    const res = await runJob('train.py', ['--train', trainUri, '--run-id', 'unused', '--target', 'churned'], {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${await closedPort()}`,
    });
    expect(res.code).toBe(75);
    expect(res.stderr).toContain('cannot reach S3');
  });

  it('exits 2 on missing arguments', async () => {
    const res = await runJob('evaluate.py', ['--holdout', holdoutUri]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--model-uri');
  });
});
