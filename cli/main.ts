import { Command } from 'commander';
import { resolveEndpoints } from '../infra/local/endpoints.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDevCommands } from './commands/dev.js';
import { registerDriftCommand } from './commands/drift.js';
import { registerRunCommand } from './commands/run.js';
import { registerStatusCommand } from './commands/status.js';
import { registerValidateCommand } from './commands/validate.js';
import { registerWorkerCommand } from './commands/worker.js';

const program = new Command('sluice')
  .description('Durable ML retraining pipelines on Temporal')
  .showHelpAfterError()
  .exitOverride((err) => {
    // Usage errors (unknown option, missing argument) are invalid input: exit 2.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

registerDevCommands(program);
registerWorkerCommand(program);
registerRunCommand(program);
registerStatusCommand(program);
registerValidateCommand(program, () => resolveEndpoints());
registerDriftCommand(program, () => resolveEndpoints());
registerDemoCommand(program);

await program.parseAsync(process.argv);
// Open handles (a Temporal runtime, S3 sockets) must not keep a finished command alive, least of all after an error.
process.exit(process.exitCode ?? 0);
