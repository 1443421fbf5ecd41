import type { Command } from 'commander';
import { resolveEndpoints } from '../../infra/local/endpoints.js';
import { Trigger } from '../../schemas/spec.js';
import { connectClient } from '../client.js';
import { action, CliError } from '../errors.js';
import { createProgressPrinter } from '../progress.js';
import { exitCodeFor, hasWorker, startPipeline, waitForPipeline } from '../pipeline-client.js';
import { loadSpec } from '../spec-loader.js';
import { renderSummary } from '../summary.js';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('start the retraining pipeline for a spec (YAML or JSON); idempotent per --trigger-id')
    .argument('<spec>', 'pipeline spec file (.yaml, .yml or .json)')
    .option('--wait', 'wait for the outcome with live per-stage progress (exit 0 promoted, 3 rejected, 1 failed)')
    .option('--json', 'print the start receipt, or with --wait the final status, as JSON')
    .option('--trigger-id <id>', 'trigger id; the same id returns the same pipeline run (default: a timestamp)')
    .option('--reason <text>', 'why this pipeline was started (kept with the trigger)')
    .action(
      action(
        async (specPath: string, opts: { wait?: boolean; json?: boolean; triggerId?: string; reason?: string }) => {
          // The spec is checked before anything connects or starts: exit 2 lists every problem.
          const spec = await loadSpec(specPath);
          const parsed = Trigger.safeParse({
            kind: 'manual',
            id: opts.triggerId ?? new Date().toISOString().replace(/[-:.]/g, ''),
            reason: opts.reason,
          });
          if (!parsed.success) throw new CliError(`--trigger-id: ${parsed.error.issues[0]?.message}`, 2);
          const endpoints = resolveEndpoints();
          const { client, connection } = await connectClient(endpoints);
          try {
            if (!(await hasWorker(client, endpoints)))
              process.stderr.write(
                `warning: no worker polls task queue '${endpoints.taskQueue}'; the pipeline waits until one starts (npx sluice worker)\n`,
              );
            const { handle, existing } = await startPipeline(client, endpoints, spec, parsed.data);
            if (!opts.wait) {
              const receipt = { workflowId: handle.workflowId, existing };
              process.stdout.write(
                opts.json
                  ? `${JSON.stringify(receipt)}\n`
                  : `${existing ? 'already started' : 'started'}: ${handle.workflowId}\n`,
              );
              return 0;
            }
            const status = await waitForPipeline(handle, opts.json ? () => {} : createProgressPrinter());
            process.stdout.write(opts.json ? `${JSON.stringify(status)}\n` : `\n${renderSummary(status, endpoints)}\n`);
            return exitCodeFor(status);
          } finally {
            await connection.close();
          }
        },
      ),
    );
}
