// The example of a user's own workflow built from stage functions runs on a real worker and stack.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { resolve } from 'node:path';
import { MlflowClient } from '../../activities/registry/client.js';
import { artifactRoot } from '../../cli/client.js';
import type { PipelineStatus } from '../../schemas/pipeline.js';
import { ROOT, startTestWorker, suffix, testSpec, withTaskQueue } from '../helpers/pipeline.js';

const endpoints = withTaskQueue(inject('endpoints'), 'custom');
let w: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  w = await startTestWorker(endpoints, { workflowsPath: resolve(ROOT, 'examples/custom-pipeline/workflows.ts') });
});
afterAll(() => w?.stop());

it('registers a challenger without moving the champion alias', async () => {
  const spec = await testSpec(endpoints);
  const status = await w.client.workflow.execute<(i: unknown) => Promise<PipelineStatus>>('challengerPipeline', {
    taskQueue: endpoints.taskQueue,
    workflowId: `challenger-${spec.model}-${suffix()}`,
    args: [{ spec, trigger: { kind: 'test', id: suffix() }, artifactRoot: artifactRoot(endpoints) }],
  });
  expect(status.reasons).toEqual([]);
  expect(status.outcome).toBe('promoted');
  const mlflow = new MlflowClient({ url: endpoints.mlflow.url });
  expect((await mlflow.getVersionByAlias(spec.model, 'challenger'))?.version).toBe(status.modelVersion);
  expect(await mlflow.getVersionByAlias(spec.model, 'champion')).toBeUndefined();
});
