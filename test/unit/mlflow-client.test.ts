// Contract tests of the typed MLflow client against a real `mlflow server` (facts/mlflow.md).
import { describe, expect, inject, it } from 'vitest';
import { MlflowClient } from '../../activities/registry/client.js';
import { MlflowError } from '../../activities/registry/errors.js';
import { closedPort, suffix } from '../helpers/net.js';

const endpoints = inject('endpoints');
const client = new MlflowClient({ url: endpoints.mlflow.url });

describe('MlflowClient', () => {
  it('ensureExperiment is idempotent and getExperimentByName finds it', async () => {
    const name = `client-exp-${suffix()}`;
    expect(await client.getExperimentByName(name)).toBeUndefined();
    const id1 = await client.ensureExperiment(name);
    const id2 = await client.ensureExperiment(name);
    expect(id2).toBe(id1);
    expect((await client.getExperimentByName(name))?.experiment_id).toBe(id1);
  });

  it('creates a run, logs a batch and reads latest metrics, params and tags back', async () => {
    const experimentId = await client.ensureExperiment(`client-runs-${suffix()}`);
    const run = await client.createRun({ experimentId, runName: 'r1', tags: { 'sluice.stage': 'train' } });
    expect(run.info.status).toBe('RUNNING');
    await client.logBatch(run.info.run_id, {
      metrics: { auc: 0.81, rows: 4000 },
      params: { seed: '7' },
      tags: { owner: 'tests' },
    });
    await client.logBatch(run.info.run_id, { metrics: [{ key: 'auc', value: 0.83, timestamp: 2, step: 1 }] });
    await client.setRunTag(run.info.run_id, 'note', 'second');
    await client.updateRun(run.info.run_id, 'FINISHED', Date.now());

    const got = await client.getRun(run.info.run_id);
    const metrics = Object.fromEntries(got.data.metrics.map((m) => [m.key, m.value]));
    const tags = Object.fromEntries(got.data.tags.map((t) => [t.key, t.value]));
    expect(metrics).toMatchObject({ auc: 0.83, rows: 4000 });
    expect(got.data.params).toContainEqual({ key: 'seed', value: '7' });
    expect(tags).toMatchObject({ owner: 'tests', note: 'second', 'sluice.stage': 'train' });
    expect(got.info.status).toBe('FINISHED');

    const found = await client.searchRuns({ experimentIds: [experimentId], filter: `tags."sluice.stage" = 'train'` });
    expect(found.map((r) => r.info.run_id)).toEqual([run.info.run_id]);
  });

  it('splits a large batch within the log-batch limits', async () => {
    const experimentId = await client.ensureExperiment(`client-batch-${suffix()}`);
    const run = await client.createRun({ experimentId });
    const params = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`p${i}`, String(i)]));
    const metrics = Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`m${i}`, i]));
    await client.logBatch(run.info.run_id, { params, metrics });
    const got = await client.getRun(run.info.run_id);
    expect(got.data.params).toHaveLength(150);
    expect(got.data.metrics).toHaveLength(1200);
  });

  it('pages through searchRuns', async () => {
    const experimentId = await client.ensureExperiment(`client-pages-${suffix()}`);
    for (let i = 0; i < 5; i++) await client.createRun({ experimentId, runName: `r${i}` });
    const all = await client.searchRuns({ experimentIds: [experimentId], pageSize: 2 });
    expect(new Set(all.map((r) => r.info.run_id)).size).toBe(5);
    expect(await client.searchRuns({ experimentIds: [experimentId], maxResults: 2 })).toHaveLength(2);
  });

  it('rejects NaN and Infinity metrics client-side, naming the metric', async () => {
    const experimentId = await client.ensureExperiment(`client-nan-${suffix()}`);
    const run = await client.createRun({ experimentId });
    const err = await client
      .logBatch(run.info.run_id, { metrics: { fine: 1, bad_auc: Number.NaN } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect((err as MlflowError).message).toContain('bad_auc');
    expect((err as MlflowError).retryable).toBe(false);
    await expect(client.logBatch(run.info.run_id, { metrics: { inf: Infinity } })).rejects.toThrow(/"inf"/);
    // Nothing of the rejected batch reached the server.
    expect((await client.getRun(run.info.run_id)).data.metrics).toEqual([]);
  });

  it('manages registered models, versions, version tags and aliases', async () => {
    const name = `client-model-${suffix()}`;
    expect(await client.getRegisteredModel(name)).toBeUndefined();
    const model = await client.ensureRegisteredModel(name);
    expect(model.name).toBe(name);
    expect((await client.ensureRegisteredModel(name)).name).toBe(name);

    const experimentId = await client.ensureExperiment(`client-model-exp-${suffix()}`);
    const run = await client.createRun({ experimentId });
    const v1 = await client.createModelVersion({
      name,
      source: `${run.info.artifact_uri}/model`,
      runId: run.info.run_id,
      tags: { 'sluice.workflow_id': 'wf-1' },
    });
    const v2 = await client.createModelVersion({
      name,
      source: `${run.info.artifact_uri}/model`,
      runId: run.info.run_id,
    });
    expect([v1.version, v2.version]).toEqual(['1', '2']);
    expect((await client.waitForVersionReady(name, v1.version, { timeoutMs: 10_000 })).status).toBe('READY');

    await client.setModelVersionTag(name, v2.version, 'quality', 'good');
    expect((await client.getModelVersion(name, v2.version)).tags).toContainEqual({ key: 'quality', value: 'good' });
    await client.deleteModelVersionTag(name, v2.version, 'quality');
    expect((await client.getModelVersion(name, v2.version)).tags).toEqual([]);

    const byTag = await client.searchModelVersions(`name='${name}' and tags.\`sluice.workflow_id\` = 'wf-1'`);
    expect(byTag.map((v) => v.version)).toEqual(['1']);
    expect(await client.searchModelVersions(`name='${name}'`, { pageSize: 1 })).toHaveLength(2);

    expect(await client.getVersionByAlias(name, 'champion')).toBeUndefined();
    await client.setAlias(name, 'champion', v1.version);
    expect((await client.getVersionByAlias(name, 'champion'))?.version).toBe('1');
    await client.setAlias(name, 'champion', v2.version);
    const champion = await client.getVersionByAlias(name, 'champion');
    expect(champion?.version).toBe('2');
    expect(champion?.aliases).toContain('champion');
    expect((await client.getRegisteredModel(name))?.aliases).toEqual([{ alias: 'champion', version: '2' }]);
    await client.deleteAlias(name, 'champion');
    expect(await client.getVersionByAlias(name, 'champion')).toBeUndefined();
  });

  it('returns undefined for an alias of a model that does not exist', async () => {
    expect(await client.getVersionByAlias(`client-missing-${suffix()}`, 'champion')).toBeUndefined();
  });

  it('classifies a bad request as a non-retryable MlflowError with its error code', async () => {
    const err = await client.getRun('no-such-run').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    const e = err as MlflowError;
    expect(e.status).toBe(404);
    expect(e.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(e.endpoint).toBe('GET runs/get');
    expect(e.retryable).toBe(false);

    const name = `client-dup-${suffix()}`;
    await client.createExperiment(name);
    const dup = (await client.createExperiment(name).catch((x: unknown) => x)) as MlflowError;
    expect(dup.status).toBe(400);
    expect(dup.errorCode).toBe('RESOURCE_ALREADY_EXISTS');
    expect(dup.retryable).toBe(false);

    const model = `client-badver-${suffix()}`;
    await client.ensureRegisteredModel(model);
    await expect(client.setAlias(model, 'champion', '42')).rejects.toMatchObject({ status: 404, retryable: false });
  });

  it('classifies an unreachable server as a retryable network error', async () => {
    const down = new MlflowClient({ url: `http://127.0.0.1:${await closedPort()}`, fetchTimeoutMs: 5000 });
    const err = (await down.getRun('x').catch((e: unknown) => e)) as MlflowError;
    expect(err).toBeInstanceOf(MlflowError);
    expect(err.status).toBe(0);
    expect(err.errorCode).toBe('NETWORK_ERROR');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('cannot reach');
  });
});

describe('MlflowError classification of write conflicts', () => {
  it('retries a 400 that carries a unique-constraint conflict from concurrent alias writers', () => {
    const conflict = new MlflowError({
      status: 400,
      errorCode: 'BAD_REQUEST',
      message: '(sqlite3.IntegrityError) UNIQUE constraint failed: registered_model_aliases.alias',
      endpoint: 'POST registered-models/alias',
    });
    expect(conflict.retryable).toBe(true);
    const bad = new MlflowError({
      status: 400,
      errorCode: 'INVALID_PARAMETER_VALUE',
      message: 'Invalid alias name',
      endpoint: 'POST registered-models/alias',
    });
    expect(bad.retryable).toBe(false);
  });
});
