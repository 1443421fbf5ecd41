import { existsSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { RunJobInput, RunJobResult } from '../../schemas/jobs.js';
import type { StageJobInput } from '../../schemas/pipeline.js';
import type { Endpoints } from '../../schemas/stack.js';

/** Replaces `{{name}}` in each argv element; an unknown or unset placeholder is a configuration error. */
export function expandArgv(argv: readonly string[], values: Record<string, string>): string[] {
  return argv.map((arg, i) =>
    arg.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, name: string) => {
      const v = values[name];
      if (v === undefined)
        throw ApplicationFailure.nonRetryable(
          `command[${i}] uses {{${name}}}, which has no value in this stage; available: ${Object.keys(values).join(', ')}`,
          'InvalidConfig',
        );
      return v;
    }),
  );
}

/**
 * The service settings a job needs (MLflow, S3), added by the worker so that credentials never enter workflow
 * history. The embedded stack's virtualenv goes first on PATH, so specs can say `python`.
 */
export function serviceEnv(endpoints: Endpoints, root: string): Record<string, string> {
  const env: Record<string, string> = {
    MLFLOW_TRACKING_URI: endpoints.mlflow.url,
    AWS_DEFAULT_REGION: endpoints.s3.region,
    PYTHONUNBUFFERED: '1',
  };
  if (endpoints.s3.endpoint) {
    env.AWS_ENDPOINT_URL = endpoints.s3.endpoint;
    env.MLFLOW_S3_ENDPOINT_URL = endpoints.s3.endpoint;
  }
  if (endpoints.s3.accessKeyId) env.AWS_ACCESS_KEY_ID = endpoints.s3.accessKeyId;
  if (endpoints.s3.secretAccessKey) env.AWS_SECRET_ACCESS_KEY = endpoints.s3.secretAccessKey;
  const venvBin = resolve(root, '.sluice', 'venv', 'bin');
  if (existsSync(venvBin)) env.PATH = [venvBin, process.env.PATH ?? ''].join(delimiter);
  return env;
}

/** The runStageJob activity: expands a spec'd command and hands it to runJob with the service environment. */
export function createStageJobActivity(deps: {
  runJob: (input: RunJobInput) => Promise<RunJobResult>;
  endpoints: Endpoints;
  root: string;
}) {
  return {
    async runStageJob(input: StageJobInput): Promise<RunJobResult> {
      const values = { ...input.placeholders, trackingUri: deps.endpoints.mlflow.url };
      const argv = expandArgv(input.command, values) as [string, ...string[]];
      return deps.runJob({
        key: input.key,
        scheduler: input.scheduler,
        job: {
          argv,
          env: { ...serviceEnv(deps.endpoints, deps.root), ...input.env },
          cwd: deps.root,
          resources: input.resources,
        },
        maxAttempts: input.maxAttempts,
        retryableExitCodes: input.retryableExitCodes,
        logPrefix: input.logPrefix,
      });
    },
  };
}
