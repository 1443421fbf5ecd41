// How each service of the embedded stack is launched and probed: command line, environment, health check.
import { join } from 'node:path';
import type { Endpoints } from '../../schemas/stack.js';
import {
  bucketExists,
  ensureBucket,
  httpOk,
  missingSearchAttributes,
  SEARCH_ATTRIBUTES,
  temporalServing,
} from './health.js';
import { restoreBuckets, saveBuckets } from './s3-snapshot.js';
import type { ServiceName } from './state.js';

export interface StackPorts {
  temporal: number;
  temporalUi: number;
  mlflow: number;
  s3: number;
}

export interface ServiceContext {
  stateDir: string;
  venvDir: string;
  ports: StackPorts;
  bucket: string;
  endpoints: Endpoints;
}

export interface ServiceSpec {
  name: ServiceName;
  label: string;
  /** Ports this service binds, with the flag and env var that change each. */
  ports: (p: StackPorts) => { port: number; flag: string; env: string }[];
  command: (ctx: ServiceContext) => { bin: string; args: string[]; env: NodeJS.ProcessEnv };
  /** Settings that, when changed, require a restart instead of reusing a running process. */
  config: (ctx: ServiceContext) => string;
  /** Cheap liveness probe used by status and reuse. */
  healthy: (ctx: ServiceContext) => Promise<boolean>;
  /** Run once after `healthy` first passes on a fresh start (and on reuse); throws with a fix if not ready. */
  ready?: (ctx: ServiceContext) => Promise<void>;
  /** State the process keeps only in memory: written to disk before a stop, put back after a fresh start. */
  save?: (ctx: ServiceContext) => Promise<string>;
  restore?: (ctx: ServiceContext) => Promise<string | undefined>;
}

const LOCAL_CREDS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1' };

export function s3Target(ctx: ServiceContext) {
  return {
    endpoint: `http://127.0.0.1:${ctx.ports.s3}`,
    region: 'us-east-1',
    bucket: ctx.bucket,
    accessKeyId: 'test',
    secretAccessKey: 'test',
  };
}

const s3: ServiceSpec = {
  name: 's3',
  label: 'S3 (moto)',
  ports: (p) => [{ port: p.s3, flag: '--s3-port', env: 'SLUICE_S3_PORT' }],
  command: (ctx) => ({
    bin: join(ctx.venvDir, 'bin', 'moto_server'),
    args: ['-H', '127.0.0.1', '-p', String(ctx.ports.s3)],
    env: { ...process.env, ...LOCAL_CREDS },
  }),
  config: (ctx) => JSON.stringify({ port: ctx.ports.s3 }),
  healthy: async (ctx) => httpOk(`http://127.0.0.1:${ctx.ports.s3}/moto-api/`),
  // moto keeps state in memory: a restarted moto_server has no buckets, so (re)create it every start, and put
  // back the buckets saved when the stack was last stopped (every bucket: the name can change between starts).
  ready: async (ctx) => ensureBucket(s3Target(ctx)),
  save: async (ctx) => saveBuckets(s3Target(ctx), ctx.stateDir),
  restore: async (ctx) => restoreBuckets(s3Target(ctx), ctx.stateDir),
};

const temporal: ServiceSpec = {
  name: 'temporal',
  label: 'Temporal',
  ports: (p) => [
    { port: p.temporal, flag: '--temporal-port', env: 'SLUICE_TEMPORAL_PORT' },
    { port: p.temporalUi, flag: '--temporal-ui-port', env: 'SLUICE_TEMPORAL_UI_PORT' },
  ],
  command: (ctx) => ({
    bin: join(ctx.venvDir, 'bin', 'temporal'),
    args: [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(ctx.ports.temporal),
      '--ui-port',
      String(ctx.ports.temporalUi),
      '--db-filename',
      join(ctx.stateDir, 'temporal.db'),
      '--namespace',
      'default',
      '--log-format',
      'json',
      '--log-level',
      'warn',
      // The UI otherwise fetches a news feed from the internet.
      '--ui-disable-news-fetch',
      ...SEARCH_ATTRIBUTES.flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
      '--dynamic-config-value',
      'frontend.enableUpdateWorkflowExecution=true',
      '--dynamic-config-value',
      'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    ],
    env: process.env,
  }),
  config: (ctx) => JSON.stringify({ port: ctx.ports.temporal, ui: ctx.ports.temporalUi }),
  healthy: async (ctx) => temporalServing(ctx.endpoints.temporal.address, ctx.ports.temporal),
  ready: async (ctx) => {
    const missing = await missingSearchAttributes(ctx.endpoints.temporal.address, ctx.endpoints.temporal.namespace);
    if (missing.length > 0) {
      throw new Error(
        `Temporal started without the search attributes ${missing.join(', ')}; run \`sluice dev down\` and delete ${join(ctx.stateDir, 'temporal.db')}`,
      );
    }
  },
};

const mlflow: ServiceSpec = {
  name: 'mlflow',
  label: 'MLflow',
  ports: (p) => [{ port: p.mlflow, flag: '--mlflow-port', env: 'SLUICE_MLFLOW_PORT' }],
  command: (ctx) => ({
    bin: join(ctx.venvDir, 'bin', 'mlflow'),
    args: [
      'server',
      '--backend-store-uri',
      `sqlite:///${join(ctx.stateDir, 'mlflow.db')}`,
      '--artifacts-destination',
      `s3://${ctx.bucket}/mlflow-artifacts`,
      '--serve-artifacts',
      '--host',
      '127.0.0.1',
      '--port',
      String(ctx.ports.mlflow),
      // One worker: SQLite serialises writers (facts/mlflow.md §10).
      '--workers',
      '1',
    ],
    env: {
      // MLflow's job runner (GenAI jobs, unused by Sluice) spawns seven huey consumers that contend for the
      // SQLite file; leave it off unless the user asks for it.
      MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
      ...process.env,
      ...LOCAL_CREDS,
      MLFLOW_S3_ENDPOINT_URL: `http://127.0.0.1:${ctx.ports.s3}`,
    },
  }),
  config: (ctx) => JSON.stringify({ port: ctx.ports.mlflow, s3: ctx.ports.s3, bucket: ctx.bucket }),
  healthy: async (ctx) => httpOk(`${ctx.endpoints.mlflow.url}/health`),
};

/** In start order; all start in parallel, but the S3 bucket is created before start returns. */
export const SERVICES: readonly ServiceSpec[] = [s3, temporal, mlflow];

export async function s3BucketReady(ctx: ServiceContext): Promise<boolean> {
  return bucketExists(s3Target(ctx));
}
