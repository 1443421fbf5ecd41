import type { Command } from 'commander';
import { resolveEndpoints } from '../../infra/local/endpoints.js';
import { createWorker } from '../../workers/worker.js';
import { action } from '../errors.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker for pipelines and their activities until SIGINT/SIGTERM')
    .option('--task-queue <name>', 'task queue to poll (default: sluice, or SLUICE_TASK_QUEUE)')
    .option('--identity <name>', 'worker identity shown in the Temporal UI')
    .action(
      action(async (opts: { taskQueue?: string; identity?: string }) => {
        const endpoints = resolveEndpoints();
        const w = await createWorker(endpoints, { taskQueue: opts.taskQueue, identity: opts.identity });
        process.stderr.write(
          `worker polling task queue '${opts.taskQueue ?? endpoints.taskQueue}' on ${endpoints.temporal.address}\n`,
        );
        await w.run();
        return 0;
      }),
    );
}
