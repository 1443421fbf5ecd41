// The embedded stack as the test run's globalSetup started it (real moto, Temporal dev server and MLflow),
// plus the port check, reuse, a full start/stop cycle in a separate state folder, and endpoint resolution.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Connection } from '@temporalio/client';
import { resolveEndpoints } from '../../infra/local/endpoints.js';
import { restoreBuckets } from '../../infra/local/s3-snapshot.js';
import { startStack, stackStatus, stopStack, type StackOptions } from '../../infra/local/stack.js';
import { testStackOptions } from '../helpers/stack-options.js';

const endpoints = inject('endpoints');
const opts = testStackOptions();

function recordedPids(stateDir: string): Record<string, number> {
  const rec = JSON.parse(readFileSync(join(stateDir, 'stack.json'), 'utf8')) as {
    services: Record<string, { pid: number }>;
  };
  return Object.fromEntries(Object.entries(rec.services).map(([name, svc]) => [name, svc.pid]));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function portOf(server: Server): number {
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('not a TCP server');
  return addr.port;
}

/** Ports that were free a moment ago (held together so they differ, then released). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => listen()));
  const ports = servers.map(portOf);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

async function portFree(port: number): Promise<boolean> {
  try {
    const s = await listen(port);
    await new Promise((r) => s.close(r));
    return true;
  } catch {
    return false;
  }
}

// Only meaningful when globalSetup started the stack (not when SLUICE_TEST_ENDPOINTS points elsewhere).
describe.skipIf(Boolean(process.env.SLUICE_TEST_ENDPOINTS))('embedded stack', () => {
  it('reports every service up at the endpoints it handed out', async () => {
    const status = await stackStatus(opts.stateDir);
    expect(status).toEqual({
      temporal: { address: endpoints.temporal.address, ui: endpoints.temporal.ui, up: true },
      mlflow: { url: endpoints.mlflow.url, up: true },
      s3: { endpoint: endpoints.s3.endpoint, bucket: endpoints.s3.bucket, up: true },
    });
    expect(endpoints.temporal.address).toBe(`127.0.0.1:${opts.ports.temporal}`);
    expect(endpoints.jobsDir).toBe(join(opts.stateDir, 'jobs'));
  });

  it('reuses the running processes when started again with the same options', async () => {
    const before = recordedPids(opts.stateDir);
    const lines: string[] = [];
    const again = await startStack({ ...opts, onProgress: (l) => lines.push(l) });
    expect(again).toEqual(endpoints);
    expect(recordedPids(opts.stateDir)).toEqual(before);
    expect(lines.filter((l) => l.includes('already running'))).toHaveLength(3);
    for (const pid of Object.values(before)) expect(alive(pid)).toBe(true);
  });

  it('has created the S3 bucket', async () => {
    const s3 = new S3Client({
      endpoint: endpoints.s3.endpoint,
      region: endpoints.s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      const res = await s3.send(new HeadBucketCommand({ Bucket: endpoints.s3.bucket }));
      expect(res.$metadata.httpStatusCode).toBe(200);
    } finally {
      s3.destroy();
    }
  });

  it('serves MLflow /health', async () => {
    const res = await fetch(`${endpoints.mlflow.url}/health`);
    expect(res.status).toBe(200);
    expect((await res.text()).trim()).toBe('OK');
  });

  it("registers Sluice's search attributes in Temporal", async () => {
    const connection = await Connection.connect({ address: endpoints.temporal.address });
    try {
      const res = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      const custom = res.customAttributes ?? {};
      for (const name of ['SluiceModel', 'SluiceStage', 'SluiceOutcome']) expect(Object.keys(custom)).toContain(name);
    } finally {
      await connection.close();
    }
  });
});

describe('startStack port check', () => {
  it('refuses a taken port, naming it and the flag, before starting anything', async () => {
    const blocker = await listen();
    const taken = portOf(blocker);
    const [temporalUi, mlflow, s3] = (await freePorts(3)) as [number, number, number];
    const stateDir = mkdtempSync(join(tmpdir(), 'sluice-stack-taken-'));
    try {
      const attempt = startStack({ ...opts, stateDir, ports: { temporal: taken, temporalUi, mlflow, s3 } });
      await expect(attempt).rejects.toThrow(
        `port ${taken} (Temporal) is already in use; pick another with --temporal-port or SLUICE_TEMPORAL_PORT`,
      );
      expect(existsSync(join(stateDir, 'stack.json'))).toBe(false);
      expect(existsSync(join(stateDir, 'logs'))).toBe(false);
      for (const port of [temporalUi, mlflow, s3]) expect(await portFree(port)).toBe(true);
    } finally {
      await new Promise((r) => blocker.close(r));
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('rejects two services on one port', async () => {
    const stateDir = join(tmpdir(), 'sluice-stack-never-created');
    await expect(
      startStack({ ...opts, stateDir, ports: { temporal: 40001, temporalUi: 40002, mlflow: 40003, s3: 40003 } }),
    ).rejects.toThrow('ports.s3 and ports.mlflow are both 40003');
    expect(existsSync(stateDir)).toBe(false);
  });
});

describe('a separate stack through start, restart and stop', () => {
  let own: StackOptions | undefined;
  afterAll(async () => {
    if (!own) return;
    await stopStack(own.stateDir);
    rmSync(own.stateDir, { recursive: true, force: true });
  });

  it('stops exactly its processes and comes back on its persisted Temporal, MLflow and S3 state', async () => {
    const [temporal, temporalUi, mlflow, s3] = (await freePorts(4)) as [number, number, number, number];
    own = {
      ...opts,
      stateDir: mkdtempSync(join(tmpdir(), 'sluice-stack-cycle-')),
      ports: { temporal, temporalUi, mlflow, s3 },
      bucket: 'cycle-bucket',
    };
    await startStack(own);
    const pids = recordedPids(own.stateDir);
    expect(Object.keys(pids).sort()).toEqual(['mlflow', 's3', 'temporal']);
    await putObjects(own, OBJECTS);

    const said: string[] = [];
    await stopStack(own.stateDir, { onProgress: (l) => said.push(l) });
    expect(said).toEqual([expect.stringMatching(/^s3: saved 3 S3 objects in 1 bucket \(.* MB\) to .*\/s3$/)]);
    expect(existsSync(join(own.stateDir, 's3', 'cycle-bucket', 'manifest.json'))).toBe(true);
    for (const pid of Object.values(pids)) expect(alive(pid)).toBe(false);
    expect(existsSync(join(own.stateDir, 'stack.json'))).toBe(false);
    for (const port of Object.values(own.ports)) expect(await portFree(port)).toBe(true);
    const down = await stackStatus(own.stateDir, own);
    expect([down.temporal.up, down.mlflow.up, down.s3.up]).toEqual([false, false, false]);

    // Restart over the existing temporal.db (search attributes already registered) and mlflow.db; moto starts
    // empty and gets the saved objects back, bytes and content types.
    const lines: string[] = [];
    await startStack({ ...own, onProgress: (l) => lines.push(l) });
    const up = await stackStatus(own.stateDir);
    expect([up.temporal.up, up.mlflow.up, up.s3.up]).toEqual([true, true, true]);
    expect(lines).toContainEqual(expect.stringMatching(/^s3: restored 3 S3 objects in 1 bucket/));
    expect(await getObjects(own)).toEqual(OBJECTS);

    // Stopped without saving, the bucket comes back as the last saved copy: what was written since is gone.
    await putObjects(own, [{ key: 'after-the-save', body: Buffer.from('x'), contentType: 'text/plain' }]);
    await stopStack(own.stateDir, { save: false });
    await startStack(own);
    expect(await getObjects(own)).toEqual(OBJECTS);

    // Another bucket name reuses the running moto; a restart onto another S3 port then saves both buckets from the
    // old server and puts both into the new one.
    const other = { ...own, bucket: 'cycle-other' };
    await startStack(other);
    await putObjects(other, OBJECTS.slice(0, 1));
    const [movedS3] = (await freePorts(1)) as [number];
    own = { ...own, ports: { ...own.ports, s3: movedS3 } };
    await startStack(own);
    expect(await getObjects(own)).toEqual(OBJECTS);
    expect(await getObjects({ ...own, bucket: 'cycle-other' })).toEqual(OBJECTS.slice(0, 1));

    // A moto that runs but does not answer cannot be saved: the stop stops nothing and says how to go on.
    const running = recordedPids(own.stateDir);
    process.kill(running.s3 as number, 'SIGSTOP');
    try {
      await expect(stopStack(own.stateDir)).rejects.toThrow(
        /S3 \(moto\).*not answering.*nothing was stopped.*--discard-s3/,
      );
      for (const pid of Object.values(running)) expect(alive(pid)).toBe(true);
    } finally {
      process.kill(running.s3 as number, 'SIGCONT');
    }
  });
});

interface TestObject {
  key: string;
  body: Buffer;
  contentType: string;
}

// A binary object of every byte value, an empty one, and a key that is no safe file name.
const OBJECTS: TestObject[] = [
  {
    key: 'bin/all-bytes',
    body: Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256)),
    contentType: 'application/octet-stream',
  },
  { key: 'empty', body: Buffer.alloc(0), contentType: 'text/plain' },
  { key: 'mlflow-artifacts/1/../a b/ü?#%.json', body: Buffer.from('{"a":1}'), contentType: 'application/json' },
];

function bucketClient(o: StackOptions): S3Client {
  return new S3Client({
    endpoint: `http://127.0.0.1:${o.ports.s3}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

async function putObjects(o: StackOptions, objects: TestObject[]): Promise<void> {
  const s3 = bucketClient(o);
  try {
    for (const { key, body, contentType } of objects)
      await s3.send(new PutObjectCommand({ Bucket: o.bucket, Key: key, Body: body, ContentType: contentType }));
  } finally {
    s3.destroy();
  }
}

/** Every object of the bucket, in key order. */
async function getObjects(o: StackOptions): Promise<TestObject[]> {
  const s3 = bucketClient(o);
  try {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: o.bucket }));
    const out: TestObject[] = [];
    for (const { Key } of listed.Contents ?? []) {
      const got = await s3.send(new GetObjectCommand({ Bucket: o.bucket, Key }));
      const body = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
      out.push({ key: Key ?? '', body, contentType: got.ContentType ?? '' });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : 1));
  } finally {
    s3.destroy();
  }
}

describe('restoring saved buckets', () => {
  const target = {
    endpoint: endpoints.s3.endpoint ?? '',
    region: 'us-east-1',
    bucket: endpoints.s3.bucket,
    accessKeyId: 'test',
    secretAccessKey: 'test',
  };

  it('refuses a damaged or misplaced copy, naming the file and how to start without it', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sluice-s3-copy-'));
    try {
      mkdirSync(join(stateDir, 's3', 'restore-bad'), { recursive: true });
      writeFileSync(join(stateDir, 's3', 'restore-bad', 'manifest.json'), '{"version": 1, "buck');
      await expect(restoreBuckets(target, stateDir)).rejects.toThrow(
        /restore-bad\/manifest\.json is not JSON.*move .*\/s3 aside to start with empty buckets/,
      );
      const copy = { version: 1, bucket: 'elsewhere', savedAt: '2026-11-30T00:00:00Z', objects: [] };
      writeFileSync(join(stateDir, 's3', 'restore-bad', 'manifest.json'), JSON.stringify(copy));
      await expect(restoreBuckets(target, stateDir)).rejects.toThrow(/holds bucket elsewhere, not restore-bad/);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('falls back to the copy a save set aside when it stopped between its renames', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sluice-s3-copy-'));
    try {
      const dir = join(stateDir, 's3', 'restore-aside_old');
      mkdirSync(join(dir, 'objects'), { recursive: true });
      writeFileSync(join(dir, 'objects', '00000000'), 'kept');
      const objects = [{ key: 'k', file: '00000000', size: 4, contentType: 'text/plain' }];
      const copy = { version: 1, bucket: 'restore-aside', savedAt: '2026-11-30T00:00:00Z', objects };
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(copy));
      expect(await restoreBuckets(target, stateDir)).toMatch(/^restored 1 S3 objects in 1 bucket/);
      const [got] = await getObjects({
        ...opts,
        ports: { ...opts.ports, s3: Number(new URL(target.endpoint).port) },
        bucket: 'restore-aside',
      });
      expect(got?.body.toString()).toBe('kept');
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe('resolveEndpoints', () => {
  it.skipIf(Boolean(process.env.SLUICE_TEST_ENDPOINTS))('reads the stack record', () => {
    expect(resolveEndpoints({ env: {}, stateDir: opts.stateDir })).toEqual(endpoints);
  });

  it('lets environment variables override each field', () => {
    const env = {
      SLUICE_TEMPORAL_ADDRESS: 'temporal.example:7233',
      SLUICE_TEMPORAL_NAMESPACE: 'prod',
      SLUICE_TASK_QUEUE: 'q',
      SLUICE_MLFLOW_URL: 'https://mlflow.example',
      SLUICE_S3_BUCKET: 'models',
      SLUICE_S3_REGION: 'eu-west-1',
      SLUICE_JOBS_DIR: '/var/jobs',
    };
    const e = resolveEndpoints({ env, stateDir: join(tmpdir(), 'sluice-no-stack') });
    expect(e).toEqual({
      temporal: { address: 'temporal.example:7233', namespace: 'prod' },
      taskQueue: 'q',
      mlflow: { url: 'https://mlflow.example' },
      s3: { region: 'eu-west-1', bucket: 'models', forcePathStyle: true },
      jobsDir: '/var/jobs',
    });
  });

  it('says how to get an endpoint when there is neither a stack nor a variable', () => {
    const stateDir = join(tmpdir(), 'sluice-no-stack');
    expect(() => resolveEndpoints({ env: {}, stateDir })).toThrow(
      'Temporal address is not configured: run `npx sluice dev up` to start the local stack, or set SLUICE_TEMPORAL_ADDRESS',
    );
  });
});
