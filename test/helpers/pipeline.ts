// Shared set-up for tests that run real pipelines: a worker on its own task queue, data in the test bucket,
// specs derived from the demo spec, and history recording for the replay suite.
import { suffix } from './net.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createStorage } from '../../activities/storage/index.js';
import { connectClient } from '../../cli/client.js';
import { startPipeline, waitForPipeline } from '../../cli/pipeline-client.js';
import { loadSpec, parseSpec } from '../../cli/spec-loader.js';
import { DEMO_SPEC, uploadDemoData } from '../../cli/demo.js';
import type { PipelineStatus } from '../../schemas/pipeline.js';
import type { PipelineSpec, PipelineSpecInput } from '../../schemas/spec.js';
import type { Endpoints } from '../../schemas/stack.js';
import { createWorker } from '../../workers/worker.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export { suffix };

/** The suite's endpoints with a task queue of this test file's own, so parallel files never share workers. */
export function withTaskQueue(endpoints: Endpoints, name: string): Endpoints {
  return { ...endpoints, taskQueue: `${name}-${suffix()}` };
}

/** A spec like the demo's, on the uploaded data, for a fresh model name, with `patch` merged over it. */
export async function testSpec(
  endpoints: Endpoints,
  patch: (s: PipelineSpecInput) => PipelineSpecInput = (s) => s,
): Promise<PipelineSpec> {
  const data = await uploadDemoData(endpoints);
  const base = await loadSpec(DEMO_SPEC);
  return parseSpec(patch({ ...base, model: `churn-test-${suffix()}`, data }), 'test spec');
}

/** Writes a CSV to the test bucket and returns its URI. */
export async function putCsv(endpoints: Endpoints, name: string, body: string): Promise<string> {
  const uri = `s3://${endpoints.s3.bucket}/test-data/${suffix()}/${name}`;
  await createStorage(endpoints.s3).write(uri, body);
  return uri;
}

/**
 * With SLUICE_RECORD_HISTORIES=1, saves the finished workflow's history under test/histories/<type>/<name>.json
 * for the replay suite (which fails if a workflow change breaks determinism).
 */
export async function recordHistory(handle: WorkflowHandle, type: string, name: string): Promise<void> {
  if (!process.env.SLUICE_RECORD_HISTORIES) return;
  const history = await handle.fetchHistory();
  const dir = join(ROOT, 'test', 'histories', type);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${name}.json`), historyToJSON(history));
}

/** An in-process worker plus a client on the test's own task queue; `stop()` in afterAll. */
export async function startTestWorker(
  endpoints: Endpoints,
  opts: { workflowsPath?: string } = {},
): Promise<{ client: Client; stop(): Promise<void> }> {
  const worker = await createWorker(endpoints, opts);
  const running = worker.run();
  const { client, connection } = await connectClient(endpoints);
  return {
    client,
    async stop() {
      await connection.close();
      worker.worker.shutdown();
      await running;
    },
  };
}

/** Starts the built-in pipeline for a fresh test trigger and waits for its final status. */
export async function runTestPipeline(
  client: Client,
  endpoints: Endpoints,
  spec: PipelineSpec,
  history?: string,
): Promise<PipelineStatus> {
  const { handle } = await startPipeline(client, endpoints, spec, { kind: 'test', id: suffix() });
  const status = await waitForPipeline(handle, () => undefined, 250);
  if (history) await recordHistory(handle, 'retrainPipeline', history);
  return status;
}

/** Environment for a separate `sluice` process (CLI or worker) pointed at the test stack by variables only. */
export function sluiceProcessEnv(endpoints: Endpoints): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SLUICE_STATE_DIR: join(tmpdir(), 'sluice-no-stack'),
    SLUICE_TEMPORAL_ADDRESS: endpoints.temporal.address,
    SLUICE_TASK_QUEUE: endpoints.taskQueue,
    SLUICE_MLFLOW_URL: endpoints.mlflow.url,
    SLUICE_S3_ENDPOINT: endpoints.s3.endpoint ?? '',
    SLUICE_S3_BUCKET: endpoints.s3.bucket,
    AWS_ACCESS_KEY_ID: endpoints.s3.accessKeyId ?? '',
    AWS_SECRET_ACCESS_KEY: endpoints.s3.secretAccessKey ?? '',
    SLUICE_JOBS_DIR: endpoints.jobsDir,
  };
}
