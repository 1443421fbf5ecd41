import { Command } from 'commander';
import { resolveEndpoints } from '../infra/local/endpoints.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDevCommands } from './commands/dev.js';
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
registerDemoCommand(program);

await program.parseAsync(process.argv);
