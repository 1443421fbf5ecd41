import { Command } from 'commander';
import { resolveEndpoints } from '../infra/local/endpoints.js';

const program = new Command('sluice')
  .description('Durable ML retraining pipelines on Temporal')
  .showHelpAfterError()
  .exitOverride((err) => {
    // Usage errors (unknown option, missing argument) are invalid input: exit 2.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

// Each command's module is imported only when that command runs (or for help over all of them): the Temporal
// client/worker and the AWS SDK cost a second or more of start-up that `sluice validate` on a local file never uses.
const commands: Array<[string[], () => Promise<void>]> = [
  [['dev'], async () => (await import('./commands/dev.js')).registerDevCommands(program)],
  [['worker'], async () => (await import('./commands/worker.js')).registerWorkerCommand(program)],
  [['run'], async () => (await import('./commands/run.js')).registerRunCommand(program)],
  [['status'], async () => (await import('./commands/status.js')).registerStatusCommand(program)],
  [
    ['validate'],
    async () => (await import('./commands/validate.js')).registerValidateCommand(program, () => resolveEndpoints()),
  ],
  [
    ['drift'],
    async () => (await import('./commands/drift.js')).registerDriftCommand(program, () => resolveEndpoints()),
  ],
  [['demo'], async () => (await import('./commands/demo.js')).registerDemoCommand(program)],
];

const name = process.argv[2];
const only = commands.find(([names]) => name !== undefined && names.includes(name));
if (only) await only[1]();
else for (const [, register] of commands) await register();

await program.parseAsync(process.argv);
// Open handles (a Temporal runtime, S3 sockets) must not keep a finished command alive, least of all after an error.
process.exit(process.exitCode ?? 0);
