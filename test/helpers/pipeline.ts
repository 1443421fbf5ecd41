// Shared set-up for tests that run real pipelines: a worker on its own task queue, data in the test bucket,
// specs derived from the demo spec, and history recording for the replay suite.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { WorkflowHandle } from '@temporalio/client';
import { createStorage } from '../../activities/storage/index.js';
import { parseSpec } from '../../cli/spec-loader.js';
import { loadSpec } from '../../cli/spec-loader.js';
import { DEMO_SPEC, uploadDemoData } from '../../cli/demo.js';
import type { PipelineSpec, PipelineSpecInput } from '../../schemas/spec.js';
import type { Endpoints } from '../../schemas/stack.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export const suffix = (): string => randomBytes(4).toString('hex');

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
