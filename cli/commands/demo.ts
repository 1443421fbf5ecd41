import type { Command } from 'commander';
import { defaultStackOptions } from '../../infra/local/endpoints.js';
import { startStack } from '../../infra/local/stack.js';
import { createWorker } from '../../workers/worker.js';
import { connectClient } from '../client.js';
import { demoSpec, uploadDemoData } from '../demo.js';
import { action } from '../errors.js';
import { createProgressPrinter } from '../progress.js';
import { exitCodeFor, startPipeline, waitForPipeline } from '../pipeline-client.js';
import { renderSummary } from '../summary.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'start the embedded stack and run the churn retraining pipeline on the bundled data (what `npm start` runs)',
    )
    .option('--json', 'print the final pipeline status as JSON')
    .action(
      action(async (opts: { json?: boolean }) => {
        const say = (l: string): void => void process.stderr.write(`${l}\n`);
        say('Starting the embedded stack (Temporal, MLflow, S3)…');
        const endpoints = await startStack({ ...defaultStackOptions(), onProgress: (l) => say(`  ${l}`) });
        const data = await uploadDemoData(endpoints);
        say(`Dataset uploaded: ${data.train}, ${data.holdout}`);
        const spec = await demoSpec(data);
        say(
          `Starting a worker (bundling workflows on first use); its logs go to ${process.env.SLUICE_LOG_FILE ?? 'stderr'}`,
        );
        const w = await createWorker(endpoints);
        const running = w.run();
        const { client, connection } = await connectClient(endpoints);
        try {
          const trigger = { kind: 'demo' as const, id: new Date().toISOString().replace(/[-:.]/g, '') };
          const { handle } = await startPipeline(client, endpoints, spec, trigger);
          say(`Pipeline ${handle.workflowId}`);
          const status = await waitForPipeline(handle, opts.json ? () => {} : createProgressPrinter());
          process.stdout.write(opts.json ? `${JSON.stringify(status)}\n` : `\n${renderSummary(status, endpoints)}\n`);
          if (!opts.json) {
            process.stdout.write(
              `\nThe stack stays up: Temporal UI ${endpoints.temporal.ui}, MLflow ${endpoints.mlflow.url}.` +
                `\nRun \`npm start\` again for a challenger against this champion; \`npx sluice dev down\` stops the stack.\n`,
            );
          }
          return exitCodeFor(status);
        } finally {
          await connection.close();
          w.worker.shutdown();
          await running;
        }
      }),
    );
}
