import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { PipelineStatus } from '../schemas/pipeline.js';
import type { PipelineSpec, Trigger } from '../schemas/spec.js';
import type { Endpoints } from '../schemas/stack.js';
import { SA_MODEL, statusQuery } from '../workflows/definitions.js';
import { pipelineWorkflowId } from '../workflows/ids.js';
import type { retrainPipeline } from '../workflows/retrain-pipeline.js';
import { artifactRoot } from './client.js';

export type PipelineHandle = WorkflowHandle<typeof retrainPipeline>;

/**
 * Starts the built-in pipeline for a spec and trigger. The workflow id is derived from both, so starting the same
 * trigger again returns the existing run (running or finished) instead of training twice.
 */
export async function startPipeline(
  client: Client,
  endpoints: Endpoints,
  spec: PipelineSpec,
  trigger: Trigger,
): Promise<{ handle: PipelineHandle; existing: boolean }> {
  const workflowId = pipelineWorkflowId(spec.model, trigger);
  try {
    const handle = await client.workflow.start<typeof retrainPipeline>('retrainPipeline', {
      taskQueue: endpoints.taskQueue,
      workflowId,
      args: [{ spec, trigger, artifactRoot: artifactRoot(endpoints) }],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: [{ key: SA_MODEL, value: spec.model }],
      memo: { trigger },
    });
    return { handle, existing: false };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { handle: client.workflow.getHandle<typeof retrainPipeline>(workflowId), existing: true };
  }
}

/** The pipeline's live status; undefined until a worker has run its first workflow task. */
export async function queryStatus(handle: WorkflowHandle): Promise<PipelineStatus | undefined> {
  try {
    return await handle.query(statusQuery);
  } catch {
    return undefined;
  }
}

/** Waits for the pipeline's result, calling `onStatus` with the live status about twice a second. */
export async function waitForPipeline(
  handle: PipelineHandle,
  onStatus: (s: PipelineStatus) => void,
  intervalMs = 500,
): Promise<PipelineStatus> {
  let done = false;
  const result = handle.result().finally(() => {
    done = true;
  });
  while (!done) {
    const s = await queryStatus(handle);
    if (s && !done) onStatus(s);
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, intervalMs))]);
  }
  const final = await result;
  onStatus(final);
  return final;
}

/** Process exit code for a pipeline outcome: 0 promoted, 3 rejected, 1 failed. */
export function exitCodeFor(status: PipelineStatus): number {
  return status.outcome === 'promoted' ? 0 : status.outcome === 'rejected' ? 3 : 1;
}

/** True when some worker polls the task queue; pipelines started without one would wait silently. */
export async function hasWorker(client: Client, endpoints: Endpoints): Promise<boolean> {
  const res = await client.workflowService.describeTaskQueue({
    namespace: endpoints.temporal.namespace,
    taskQueue: { name: endpoints.taskQueue },
    taskQueueType: 1, // workflow task queue
  });
  return (res.pollers?.length ?? 0) > 0;
}
