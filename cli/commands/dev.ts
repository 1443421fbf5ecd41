// `sluice dev up|down|status`: the embedded local stack (Temporal, MLflow, S3) for development and tests.
import { InvalidArgumentError, type Command } from 'commander';
import type { Endpoints, StackStatus } from '../../schemas/stack.js';
import { defaultStackOptions, parsePort } from '../../infra/local/endpoints.js';
import { startStack, stackStatus, stopStack, type StackOptions } from '../../infra/local/stack.js';
import { action, CliError } from '../errors.js';

interface UpFlags {
  temporalPort?: number;
  temporalUiPort?: number;
  mlflowPort?: number;
  s3Port?: number;
  json?: boolean;
}

function portArg(flag: string): (value: string) => number {
  return (value) => {
    try {
      return parsePort(value, flag);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

/** The developer stack's options; a bad SLUICE_*_PORT is invalid input (exit 2). */
function options(): StackOptions {
  // The AWS SDK warns about Node 20 on every run; the stack's own S3 calls do not need the noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    return defaultStackOptions(process.env);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
}

/** Stack errors are expected and already say what to do: show the message, not a stack trace. */
async function userFacing<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw err instanceof CliError ? err : new CliError((err as Error).message);
  }
}

function renderEndpoints(e: Endpoints): string {
  return [
    `Temporal        ${e.temporal.address} (namespace ${e.temporal.namespace}, task queue ${e.taskQueue})`,
    `Temporal Web UI ${e.temporal.ui ?? '-'}`,
    `MLflow UI       ${e.mlflow.url}`,
    `S3              ${e.s3.endpoint ?? '-'} (bucket ${e.s3.bucket})`,
  ].join('\n');
}

function renderStatus(s: StackStatus): string {
  const mark = (up: boolean): string => (up ? 'up  ' : 'down');
  return [
    `${mark(s.temporal.up)} Temporal  ${s.temporal.address || '-'}  (Web UI ${s.temporal.ui || '-'})`,
    `${mark(s.mlflow.up)} MLflow    ${s.mlflow.url || '-'}`,
    `${mark(s.s3.up)} S3        ${s.s3.endpoint || '-'}  (bucket ${s.s3.bucket || '-'})`,
  ].join('\n');
}

export function registerDevCommands(program: Command): void {
  const dev = program
    .command('dev')
    .description('run the local stack (Temporal, MLflow, S3) on 127.0.0.1 with state under .sluice/stack');

  dev
    .command('up')
    .description(
      'start Temporal (dev server + Web UI), MLflow and S3 (moto), or reuse them if already running; ' +
        'ports also come from SLUICE_TEMPORAL_PORT, SLUICE_TEMPORAL_UI_PORT, SLUICE_MLFLOW_PORT, SLUICE_S3_PORT',
    )
    .option('--temporal-port <port>', 'Temporal gRPC port (default 7233)', portArg('--temporal-port'))
    .option('--temporal-ui-port <port>', 'Temporal Web UI port (default 8233)', portArg('--temporal-ui-port'))
    .option('--mlflow-port <port>', 'MLflow tracking server port (default 5000)', portArg('--mlflow-port'))
    .option('--s3-port <port>', 'S3 (moto) port (default 9000)', portArg('--s3-port'))
    .option('--json', 'print the endpoints as JSON (progress goes to stderr)')
    .action(
      action(async (flags: UpFlags) => {
        const base = options();
        const opts: StackOptions = {
          ...base,
          ports: {
            temporal: flags.temporalPort ?? base.ports.temporal,
            temporalUi: flags.temporalUiPort ?? base.ports.temporalUi,
            mlflow: flags.mlflowPort ?? base.ports.mlflow,
            s3: flags.s3Port ?? base.ports.s3,
          },
          onProgress: (line) => (flags.json ? process.stderr : process.stdout).write(`${line}\n`),
        };
        const endpoints = await userFacing(startStack(opts));
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(endpoints)}\n`
            : `\nlocal stack is up (logs in ${opts.stateDir}/logs)\n${renderEndpoints(endpoints)}\n`,
        );
        return 0;
      }),
    );

  dev
    .command('down')
    .description(
      'stop exactly the processes `sluice dev up` started; Temporal and MLflow data stay in .sluice/stack, and the S3 ' +
        'buckets (moto keeps them in memory) are saved to .sluice/stack/s3 for the next `dev up`',
    )
    .option(
      '--discard-s3',
      'stop without saving the S3 buckets: what was written since the last save is lost, and the next `dev up` ' +
        'restores that save (delete .sluice/stack/s3 to start with empty buckets)',
    )
    .action(
      action(async (flags: { discardS3?: boolean }) => {
        const { stateDir } = options();
        await userFacing(
          stopStack(stateDir, { save: !flags.discardS3, onProgress: (line) => process.stdout.write(`${line}\n`) }),
        );
        process.stdout.write('local stack stopped\n');
        return 0;
      }),
    );

  dev
    .command('status')
    .description('show whether each service of the local stack is up; exit code 0 only when all are')
    .option('--json', 'print {"temporal":{address,ui,up},"mlflow":{url,up},"s3":{endpoint,bucket,up}}')
    .action(
      action(async (flags: { json?: boolean }) => {
        const opts = options();
        const status = await userFacing(stackStatus(opts.stateDir, opts));
        process.stdout.write(flags.json ? `${JSON.stringify(status)}\n` : `${renderStatus(status)}\n`);
        return status.temporal.up && status.mlflow.up && status.s3.up ? 0 : 1;
      }),
    );
}
