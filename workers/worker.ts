import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { Endpoints } from '../schemas/stack.js';
import { workflowBundlePath } from './bundle.js';
import { logger } from './logger.js';
import { installRuntime } from './runtime.js';

export interface SluiceWorker {
  worker: Worker;
  connection: NativeConnection;
  /** Runs until shutdown (SIGINT/SIGTERM or `worker.shutdown()`), then closes the connection. */
  run(): Promise<void>;
}

/**
 * A worker on the task queue `sluice` serving the built-in workflows and every activity. SIGINT/SIGTERM make it
 * finish in-flight tasks and stop (the SDK's default shutdown signals); a job it launched keeps running and the
 * next worker re-attaches to it.
 */
export async function createWorker(
  endpoints: Endpoints,
  opts: { taskQueue?: string; identity?: string; workflowsPath?: string } = {},
): Promise<SluiceWorker> {
  installRuntime();
  const connection = await NativeConnection.connect({ address: endpoints.temporal.address });
  const taskQueue = opts.taskQueue ?? endpoints.taskQueue;
  const worker = await Worker.create({
    connection,
    namespace: endpoints.temporal.namespace,
    taskQueue,
    ...(opts.identity ? { identity: opts.identity } : {}),
    workflowBundle: { codePath: await workflowBundlePath(opts.workflowsPath) },
    activities: createActivities(endpoints),
    // Bounded cache: zod-heavy workflow contexts are ~1 MB each (facts/temporal.md, pitfalls).
    maxCachedWorkflows: 200,
    shutdownGraceTime: '10s',
  });
  logger.info({ taskQueue, address: endpoints.temporal.address }, 'worker ready');
  return {
    worker,
    connection,
    async run() {
      try {
        await worker.run();
      } finally {
        await connection.close();
        logger.info({ taskQueue }, 'worker stopped');
      }
    },
  };
}
