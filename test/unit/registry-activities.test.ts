// Registry activities against a real MLflow: each one called twice must find, not repeat, the first call's work.
import { describe, expect, inject, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { createRegistryActivities } from '../../activities/registry/activities.js';
import { MlflowClient } from '../../activities/registry/client.js';
import { closedPort, suffix } from '../helpers/net.js';

const endpoints = inject('endpoints');
const acts = createRegistryActivities(endpoints);
const client = new MlflowClient({ url: endpoints.mlflow.url });

describe('registry activities', () => {
  it('ensureRun returns the same run for the same workflow and stage', async () => {
    const base = { experiment: `acts-exp-${suffix()}`, workflowId: `wf-${suffix()}`, runName: 'train', model: 'churn' };
    const first = await acts.ensureRun({ ...base, stage: 'train', tags: { extra: 'x' } });
    const again = await acts.ensureRun({ ...base, stage: 'train' });
    expect(again).toEqual(first);
    expect(first.artifactUri).toMatch(/^mlflow-artifacts:\//);
    const other = await acts.ensureRun({ ...base, stage: 'evaluate' });
    expect(other.runId).not.toBe(first.runId);
    expect(other.experimentId).toBe(first.experimentId);

    const snapshot = await acts.readRun(first.runId);
    expect(snapshot.status).toBe('RUNNING');
    expect(snapshot.tags).toMatchObject({
      'sluice.workflow_id': base.workflowId,
      'sluice.stage': 'train',
      'sluice.model': 'churn',
      extra: 'x',
    });
    await client.logBatch(first.runId, { metrics: { auc: 0.8 }, params: { seed: '7' } });
    await acts.finishRun({ runId: first.runId, status: 'FINISHED' });
    await acts.finishRun({ runId: first.runId, status: 'FINISHED' });
    expect(await acts.readRun(first.runId)).toMatchObject({
      status: 'FINISHED',
      metrics: { auc: 0.8 },
      params: { seed: '7' },
    });
  });

  it('registerVersion creates one version per workflow id', async () => {
    const model = `acts-model-${suffix()}`;
    const run = await acts.ensureRun({
      experiment: `acts-reg-${suffix()}`,
      workflowId: 'wf-reg',
      stage: 'train',
      runName: 'train',
      model,
    });
    const input = {
      model,
      source: `${run.artifactUri}/model`,
      runId: run.runId,
      workflowId: `wf-${suffix()}`,
      tags: { 'sluice.auc': '0.8' },
    };
    const first = await acts.registerVersion(input);
    const second = await acts.registerVersion(input);
    expect(first).toEqual({ name: model, version: '1', created: true });
    expect(second).toEqual({ name: model, version: '1', created: false });
    const versions = await client.searchModelVersions(`name='${model}'`);
    expect(versions).toHaveLength(1);
    expect(versions[0]?.tags).toEqual(
      expect.arrayContaining([
        { key: 'sluice.workflow_id', value: input.workflowId },
        { key: 'sluice.auc', value: '0.8' },
      ]),
    );
    const next = await acts.registerVersion({ ...input, workflowId: `wf-${suffix()}` });
    expect(next).toEqual({ name: model, version: '2', created: true });
  });

  it('setAlias records the previous version, is idempotent, and getAlias reads it', async () => {
    const model = `acts-alias-${suffix()}`;
    const run = await acts.ensureRun({
      experiment: `acts-alias-${suffix()}`,
      workflowId: 'wf',
      stage: 'train',
      runName: 'r',
      model,
    });
    const reg = (wf: string) =>
      acts.registerVersion({ model, source: `${run.artifactUri}/model`, runId: run.runId, workflowId: wf });
    expect(await acts.getAlias({ model, alias: 'champion' })).toBeNull();
    const v1 = await reg('wf-1');
    const v2 = await reg('wf-2');
    expect(await acts.getAlias({ model, alias: 'champion' })).toBeNull();

    expect(await acts.setAlias({ model, alias: 'champion', version: v1.version, workflowId: 'wf-1' })).toEqual({
      alias: 'champion',
      version: '1',
    });
    const promote = { model, alias: 'champion', version: v2.version, workflowId: 'wf-2' };
    const first = await acts.setAlias(promote);
    const again = await acts.setAlias(promote);
    expect(first).toEqual({ alias: 'champion', version: '2', previousVersion: '1' });
    expect(again).toEqual(first);

    const target = await acts.getAlias({ model, alias: 'champion' });
    expect(target).toMatchObject({ version: '2', runId: run.runId, source: `${run.artifactUri}/model` });
    expect(target?.tags).toMatchObject({ 'sluice.previous_champion': '1', 'sluice.promoted_by': 'wf-2' });

    // Rolling back to version 1 and forward again keeps the chain truthful.
    expect(await acts.setAlias({ ...promote, version: '1' })).toEqual({
      alias: 'champion',
      version: '1',
      previousVersion: '2',
    });
    await acts.deleteAlias({ model, alias: 'champion' });
    await acts.deleteAlias({ model, alias: 'champion' });
    expect(await acts.getAlias({ model, alias: 'champion' })).toBeNull();
    // A first promotion after the alias was removed must not report the stale previous version.
    expect(await acts.setAlias(promote)).toEqual({ alias: 'champion', version: '2' });
  });

  it('getAlias returns null for a model that does not exist', async () => {
    expect(await acts.getAlias({ model: `acts-none-${suffix()}`, alias: 'champion' })).toBeNull();
  });

  it('maps MLflow rejections to non-retryable ApplicationFailures naming the endpoint', async () => {
    const err = await acts.readRun('no-such-run').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    const failure = err as ApplicationFailure;
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('MlflowError');
    expect(failure.message).toContain('GET runs/get');
    expect(failure.message).toContain('RESOURCE_DOES_NOT_EXIST');

    const down = createRegistryActivities({ ...endpoints, mlflow: { url: `http://127.0.0.1:${await closedPort()}` } });
    const netErr = (await down.readRun('x').catch((e: unknown) => e)) as ApplicationFailure;
    expect(netErr).toBeInstanceOf(ApplicationFailure);
    expect(netErr.nonRetryable).toBe(false);
    expect(netErr.type).toBe('MlflowRetryableError');
  });
});
