// The embedded local stack: Temporal dev server, MLflow and moto S3 as detached processes under a state folder.
// startStack is idempotent (healthy processes it recorded are reused), stopStack stops exactly what it recorded.
// moto keeps S3 in memory: stopStack saves the bucket's objects under the state folder and a fresh start puts them
// back (s3-snapshot.ts), so they persist like Temporal's and MLflow's SQLite files.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Endpoints, StackStatus } from '../../schemas/stack.js';
import { portFree } from './health.js';
import { isOurs, spawnDetached, stopGroup, tailFile } from './process.js';
import { s3BucketReady, SERVICES, type ServiceContext, type ServiceSpec, type StackPorts } from './services.js';
import {
  readStackRecord,
  removeStackRecord,
  writeStackRecord,
  type ServiceName,
  type ServiceRecord,
  type StackRecord,
} from './state.js';

export interface StackOptions {
  /** Repository root; the virtualenv defaults to <root>/.sluice/venv. */
  root: string;
  /** Holds stack.json, the SQLite files, logs/ and jobs/. */
  stateDir: string;
  ports: StackPorts;
  bucket: string;
  venvDir?: string;
  /** Overall start-up deadline; default 120 s. */
  timeoutMs?: number;
  onProgress?: (line: string) => void;
}

export function stackEndpoints(stateDir: string, ports: StackPorts, bucket: string): Endpoints {
  return {
    temporal: {
      address: `127.0.0.1:${ports.temporal}`,
      namespace: 'default',
      ui: `http://127.0.0.1:${ports.temporalUi}`,
    },
    taskQueue: 'sluice',
    mlflow: { url: `http://127.0.0.1:${ports.mlflow}` },
    s3: {
      endpoint: `http://127.0.0.1:${ports.s3}`,
      region: 'us-east-1',
      bucket,
      accessKeyId: 'test',
      secretAccessKey: 'test',
      forcePathStyle: true,
    },
    jobsDir: join(stateDir, 'jobs'),
  };
}

type Records = Partial<Record<ServiceName, ServiceRecord>>;

export async function startStack(opts: StackOptions): Promise<Endpoints> {
  const venvDir = opts.venvDir ?? join(opts.root, '.sluice', 'venv');
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const progress = opts.onProgress ?? (() => {});
  const endpoints = stackEndpoints(opts.stateDir, opts.ports, opts.bucket);
  const ctx: ServiceContext = { stateDir: opts.stateDir, venvDir, ports: opts.ports, bucket: opts.bucket, endpoints };

  checkDistinctPorts(opts.ports);
  const previous = readStackRecord(opts.stateDir);

  // 1. Reuse what we started before if it is alive, healthy and configured the same; stop our stale leftovers.
  const reused: Records = {};
  const stale: ServiceRecord[] = [];
  const stalePorts = new Set<number>();
  for (const spec of SERVICES) {
    const rec = previous?.services[spec.name];
    if (!previous || !rec) continue;
    if (isOurs(rec) && rec.config === spec.config(ctx) && (await spec.healthy(ctx))) {
      reused[spec.name] = rec;
    } else {
      stale.push(rec);
      for (const { port } of spec.ports(previous.ports)) stalePorts.add(port);
    }
  }
  const toStart = SERVICES.filter((spec) => !reused[spec.name]);

  // 2. Everything that could fail cheaply is checked before anything is stopped or started. A port held by one of
  // our own stale processes counts as free: it is stopped below.
  for (const spec of toStart) {
    const { bin } = spec.command(ctx);
    if (!existsSync(bin))
      throw new Error(`${spec.label}: ${bin} not found; run \`npm run setup\` to create the Python virtualenv`);
    for (const { port, flag, env } of spec.ports(opts.ports)) {
      if (!stalePorts.has(port) && !(await portFree(port))) {
        throw new Error(`port ${port} (${spec.label}) is already in use; pick another with ${flag} or ${env}`);
      }
    }
  }
  // A stale S3 still holding objects (started with other ports) has them saved first, for the new one to restore.
  if (previous && stale.length > 0) {
    const retry = 'run `sluice dev up` again, or `sluice dev down --discard-s3` and then `sluice dev up`';
    await saveState(opts.stateDir, previous, progress, retry, (name) => !reused[name]);
  }
  await Promise.all(stale.map((rec) => stopGroup(rec)));
  for (const spec of toStart) {
    for (const { port, flag, env } of spec.ports(opts.ports)) {
      if (stalePorts.has(port) && !(await portFree(port))) {
        throw new Error(
          `port ${port} (${spec.label}) is still in use after stopping the old stack process; free it or pick another with ${flag} or ${env}`,
        );
      }
    }
  }
  for (const dir of [opts.stateDir, join(opts.stateDir, 'logs'), endpoints.jobsDir])
    mkdirSync(dir, { recursive: true });

  // 3. Start the missing services in parallel; on any failure stop the ones this call started.
  const started: Records = {};
  const abort = new AbortController();
  const results = await Promise.allSettled([
    ...toStart.map(async (spec) => {
      try {
        progress(
          `${spec.name}: starting ${spec.label} on ${spec
            .ports(opts.ports)
            .map((p) => `127.0.0.1:${p.port}`)
            .join(', ')}`,
        );
        const { bin, args, env } = spec.command(ctx);
        const logFile = join(opts.stateDir, 'logs', `${spec.name}.log`);
        const child = spawnDetached(bin, args, env, logFile, opts.stateDir);
        started[spec.name] = {
          pid: child.pid,
          pgid: child.pgid,
          startTicks: child.startTicks,
          config: spec.config(ctx),
          logFile,
        };
        await waitUntilReady(spec, ctx, child.exited, logFile, deadline, abort.signal);
        const restored = await spec.restore?.(ctx);
        if (restored) progress(`${spec.name}: ${restored}`);
        progress(`${spec.name}: up`);
      } catch (err) {
        abort.abort();
        throw err;
      }
    }),
    ...SERVICES.filter((spec) => reused[spec.name]).map(async (spec) => {
      await spec.ready?.(ctx);
      progress(`${spec.name}: already running (pid ${reused[spec.name]?.pid})`);
    }),
  ]);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');

  if (failure) {
    await Promise.all(Object.values(started).map((rec) => stopGroup(rec)));
    saveRecord(opts, previous, endpoints, reused, false);
    throw failure.reason;
  }
  saveRecord(opts, previous, endpoints, { ...reused, ...started }, toStart.length > 0);
  return endpoints;
}

function checkDistinctPorts(ports: StackPorts): void {
  const seen = new Map<number, string>();
  for (const [name, port] of Object.entries(ports)) {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`ports.${name} must be an integer from 1 to 65535, got ${port}`);
    const other = seen.get(port);
    if (other) throw new Error(`ports.${name} and ports.${other} are both ${port}; give each service its own port`);
    seen.set(port, name);
  }
}

function saveRecord(
  opts: StackOptions,
  previous: StackRecord | undefined,
  endpoints: Endpoints,
  services: Records,
  fresh: boolean,
): void {
  if (Object.keys(services).length === 0) {
    removeStackRecord(opts.stateDir);
    return;
  }
  writeStackRecord(opts.stateDir, {
    version: 1,
    startedAt: !fresh && previous ? previous.startedAt : new Date().toISOString(),
    ports: opts.ports,
    bucket: opts.bucket,
    endpoints,
    services,
  });
}

/** Polls the health check, then the readiness step, failing fast if the process exits. */
async function waitUntilReady(
  spec: ServiceSpec,
  ctx: ServiceContext,
  exited: Promise<string>,
  logFile: string,
  deadline: number,
  signal: AbortSignal,
): Promise<void> {
  let exit: string | undefined;
  void exited.then((how) => (exit = how));
  const fail = (what: string): Error =>
    new Error(`${spec.label} ${what}; log: ${logFile}\n--- last lines of ${logFile} ---\n${tailFile(logFile)}`);

  let lastError: unknown;
  let healthy = false;
  while (!signal.aborted) {
    if (exit) throw fail(`${exit} during start-up`);
    if (!healthy) healthy = await spec.healthy(ctx);
    if (healthy) {
      try {
        await spec.ready?.(ctx);
        return;
      } catch (err) {
        lastError = err; // e.g. the namespace is not registered yet right after the frontend answers
      }
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw fail(`did not become ready within the start-up timeout${why}`);
    }
    await sleep(250);
  }
  throw new Error(`${spec.label}: start-up cancelled because another service failed`);
}

export interface StopOptions {
  /** Save what services keep only in memory (the S3 bucket) for the next start; default true. */
  save?: boolean;
  onProgress?: (line: string) => void;
}

export async function stopStack(stateDir: string, opts: StopOptions = {}): Promise<void> {
  const rec = readStackRecord(stateDir);
  if (!rec) return;
  if (opts.save ?? true) {
    const retry =
      'run `sluice dev down` again, or `sluice dev down --discard-s3` to stop without saving (the next start then ' +
      'restores the copy saved before)';
    await saveState(stateDir, rec, opts.onProgress ?? (() => {}), retry);
  }
  const entries = Object.entries(rec.services);
  const stopped = await Promise.all(entries.map(([, svc]) => stopGroup(svc)));
  const survivors = entries.filter((_, i) => !stopped[i]).map(([name, svc]) => `${name} (process group ${svc.pgid})`);
  if (survivors.length > 0) {
    throw new Error(
      `could not stop ${survivors.join(', ')}; kill them by hand, then delete ${join(stateDir, 'stack.json')}`,
    );
  }
  removeStackRecord(stateDir);
}

/**
 * Saves the in-memory state of every recorded service that has some and is still running. One that died has nothing
 * left to save (its last saved copy stays); one that runs but does not answer, or whose save fails, stops the whole
 * operation before anything is stopped, with `retry` saying how to go on.
 */
async function saveState(
  stateDir: string,
  rec: StackRecord,
  progress: (line: string) => void,
  retry: string,
  which: (name: ServiceName) => boolean = () => true,
): Promise<void> {
  const ctx = recordContext(stateDir, rec);
  for (const spec of SERVICES) {
    const svc = rec.services[spec.name];
    if (!spec.save || !which(spec.name) || !svc || !isOurs(svc)) continue;
    if (!(await spec.healthy(ctx))) {
      throw new Error(
        `${spec.label} (pid ${svc.pid}) is running but not answering, so its data cannot be saved; nothing was stopped. Wait a moment and ${retry}`,
      );
    }
    try {
      progress(`${spec.name}: ${await spec.save(ctx)}`);
    } catch (err) {
      throw new Error(
        `could not save ${spec.label}'s data (${(err as Error).message}); nothing was stopped. Fix the cause and ${retry}`,
      );
    }
  }
}

/** The service context of a recorded stack (for probes and saves; it starts nothing, so no virtualenv). */
function recordContext(stateDir: string, rec: StackRecord): ServiceContext {
  const endpoints = stackEndpoints(stateDir, rec.ports, rec.bucket);
  return { stateDir, venvDir: '', ports: rec.ports, bucket: rec.bucket, endpoints };
}

/**
 * Whether each recorded service is running and healthy. With no record (never started or stopped), every service
 * is down and the addresses come from `fallback` when given.
 */
export async function stackStatus(
  stateDir: string,
  fallback?: { ports: StackPorts; bucket: string },
): Promise<StackStatus> {
  const rec = readStackRecord(stateDir);
  const ports = rec?.ports ?? fallback?.ports;
  const endpoints = ports ? stackEndpoints(stateDir, ports, rec?.bucket ?? fallback?.bucket ?? '') : undefined;
  const up = { s3: false, temporal: false, mlflow: false };
  if (rec && endpoints) {
    const ctx = recordContext(stateDir, rec);
    await Promise.all(
      SERVICES.map(async (spec) => {
        const svc = rec.services[spec.name];
        up[spec.name] = Boolean(svc && isOurs(svc) && (await spec.healthy(ctx)));
      }),
    );
    // S3 counts as up only with the bucket in place (moto loses it if restarted behind our back).
    if (up.s3) up.s3 = await s3BucketReady(ctx);
  }
  return {
    temporal: { address: endpoints?.temporal.address ?? '', ui: endpoints?.temporal.ui ?? '', up: up.temporal },
    mlflow: { url: endpoints?.mlflow.url ?? '', up: up.mlflow },
    s3: { endpoint: endpoints?.s3.endpoint ?? '', bucket: endpoints?.s3.bucket ?? '', up: up.s3 },
  };
}
