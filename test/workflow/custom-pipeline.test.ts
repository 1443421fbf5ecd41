// The example of a user's own workflow built from stage functions runs on a real worker and stack.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { resolve } from 'node:path';
import { MlflowClient } from '../../activities/registry/client.js';
import { artifactRoot, connectClient } from '../../cli/client.js';
import type { PipelineStatus } from '../../schemas/pipeline.js';
import { createWorker, type SluiceWorker } from '../../workers/worker.js';
import { ROOT, suffix, testSpec, withTaskQueue } from '../helpers/pipeline.js';

const endpoints = withTaskQueue(inject('endpoints'), 'custom');
let worker: SluiceWorker;
let running: Promise<void>;

beforeAll(async () => {
  worker = await createWorker(endpoints, { workflowsPath: resolve(ROOT, 'examples/custom-pipeline/workflows.ts') });
  running = worker.run();
});
afterAll(async () => {
  worker?.worker.shutdown();
  await running;
});

it('registers a challenger without moving the champion alias', async () => {
  const spec = await testSpec(endpoints);
  const { client, connection } = await connectClient(endpoints);
  try {
    const status = await client.workflow.execute<(i: unknown) => Promise<PipelineStatus>>('challengerPipeline', {
      taskQueue: endpoints.taskQueue,
      workflowId: `challenger-${spec.model}-${suffix()}`,
      args: [{ spec, trigger: { kind: 'test', id: suffix() }, artifactRoot: artifactRoot(endpoints) }],
    });
    expect(status.reasons).toEqual([]);
    expect(status.outcome).toBe('promoted');
    const mlflow = new MlflowClient({ url: endpoints.mlflow.url });
    expect((await mlflow.getVersionByAlias(spec.model, 'challenger'))?.version).toBe(status.modelVersion);
    expect(await mlflow.getVersionByAlias(spec.model, 'champion')).toBeUndefined();
  } finally {
    await connection.close();
  }
});
