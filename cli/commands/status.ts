import type { Command } from 'commander';
import { resolveEndpoints } from '../../infra/local/endpoints.js';
import { connectClient } from '../client.js';
import { action, CliError } from '../errors.js';
import { queryStatus } from '../pipeline-client.js';
import { renderSummary } from '../summary.js';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("show a pipeline's stages, outcome and model version")
    .argument('<workflowId>', 'the pipeline workflow id printed by `sluice run`')
    .option('--json', 'print the status as JSON')
    .action(
      action(async (workflowId: string, opts: { json?: boolean }) => {
        const endpoints = resolveEndpoints();
        const { client, connection } = await connectClient(endpoints);
        try {
          const handle = client.workflow.getHandle(workflowId);
          const desc = await handle.describe().catch((err: Error) => {
            throw new CliError(`no pipeline with workflow id '${workflowId}' (${err.message})`, 2);
          });
          // A closed workflow answers queries from its history; its result is the final status too.
          const status = desc.status.name === 'RUNNING' ? await queryStatus(handle) : await handle.result();
          if (!status) throw new CliError(`pipeline ${workflowId} has not started yet (no worker has picked it up)`, 1);
          process.stdout.write(opts.json ? `${JSON.stringify(status)}\n` : `${renderSummary(status, endpoints)}\n`);
          return 0;
        } finally {
          await connection.close();
        }
      }),
    );
}
