// Where clients and workers find the services: the local stack's record, overridden field by field by
// environment variables (which is all production needs: point them at a real Temporal, MLflow and S3).
import { resolve } from 'node:path';
import { Endpoints } from '../../schemas/stack.js';
import type { StackOptions } from './stack.js';
import { readStackRecord } from './state.js';
import { REPO_ROOT } from '../repo-root.js';

const ROOT = REPO_ROOT;

function stateDirFrom(env: NodeJS.ProcessEnv): string {
  return env.SLUICE_STATE_DIR ? resolve(env.SLUICE_STATE_DIR) : resolve(ROOT, '.sluice', 'stack');
}

function need(value: string | undefined, what: string, envVar: string): string {
  if (value) return value;
  throw new Error(`${what} is not configured: run \`npx sluice dev up\` to start the local stack, or set ${envVar}`);
}

export function resolveEndpoints(opts: { env?: NodeJS.ProcessEnv; stateDir?: string } = {}): Endpoints {
  const env = opts.env ?? process.env;
  const stateDir = opts.stateDir ?? stateDirFrom(env);
  const local = readStackRecord(stateDir)?.endpoints;
  const pick = (name: string, fallback: string | undefined): string | undefined => env[name] || fallback;

  const parsed = Endpoints.safeParse({
    temporal: {
      address: need(
        pick('SLUICE_TEMPORAL_ADDRESS', local?.temporal.address),
        'Temporal address',
        'SLUICE_TEMPORAL_ADDRESS',
      ),
      namespace: pick('SLUICE_TEMPORAL_NAMESPACE', local?.temporal.namespace),
      // The recorded UI belongs to the local server; it does not apply once the address is overridden.
      ui: env.SLUICE_TEMPORAL_ADDRESS ? undefined : local?.temporal.ui,
    },
    taskQueue: pick('SLUICE_TASK_QUEUE', local?.taskQueue),
    mlflow: { url: need(pick('SLUICE_MLFLOW_URL', local?.mlflow.url), 'MLflow URL', 'SLUICE_MLFLOW_URL') },
    s3: {
      endpoint: pick('SLUICE_S3_ENDPOINT', local?.s3.endpoint),
      region: pick('SLUICE_S3_REGION', local?.s3.region),
      bucket: need(pick('SLUICE_S3_BUCKET', local?.s3.bucket), 'S3 bucket', 'SLUICE_S3_BUCKET'),
      accessKeyId: pick('AWS_ACCESS_KEY_ID', local?.s3.accessKeyId),
      secretAccessKey: pick('AWS_SECRET_ACCESS_KEY', local?.s3.secretAccessKey),
      forcePathStyle: local?.s3.forcePathStyle,
    },
    jobsDir: pick('SLUICE_JOBS_DIR', local?.jobsDir) ?? resolve(stateDir, 'jobs'),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `endpoint ${issue?.path.join('.') ?? ''} is invalid: ${issue?.message ?? 'invalid'}; fix the matching SLUICE_* variable`,
    );
  }
  return parsed.data;
}

const PORT_VARS = {
  temporal: ['SLUICE_TEMPORAL_PORT', 7233],
  temporalUi: ['SLUICE_TEMPORAL_UI_PORT', 8233],
  mlflow: ['SLUICE_MLFLOW_PORT', 5000],
  s3: ['SLUICE_S3_PORT', 9000],
} as const;

export function parsePort(value: string, source: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port < 1 || port > 65535) {
    throw new Error(`${source} must be a port number from 1 to 65535, got "${value}"`);
  }
  return port;
}

/** The developer stack (`sluice dev up`): ports and bucket from the environment, state under .sluice/stack. */
export function defaultStackOptions(env: NodeJS.ProcessEnv = process.env): StackOptions {
  const port = (key: keyof typeof PORT_VARS): number => {
    const [name, fallback] = PORT_VARS[key];
    const value = env[name];
    return value ? parsePort(value, name) : fallback;
  };
  return {
    root: ROOT,
    stateDir: stateDirFrom(env),
    ports: { temporal: port('temporal'), temporalUi: port('temporalUi'), mlflow: port('mlflow'), s3: port('s3') },
    bucket: env.SLUICE_S3_BUCKET || 'sluice',
  };
}
