// Readiness and liveness probes for the stack's services, plus the port check done before anything starts.
import { createServer, connect } from 'node:net';
import { Connection } from '@temporalio/client';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';

export const SEARCH_ATTRIBUTES = ['SluiceModel', 'SluiceStage', 'SluiceOutcome'] as const;

/** True when nothing is listening on 127.0.0.1:port (we can bind it ourselves). */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export function tcpOpen(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function httpOk(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

export interface S3Target {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A client for the local S3 server; probes try once, bulk copies (s3-snapshot.ts) a few times. */
export function s3Client(t: S3Target, maxAttempts = 1): S3Client {
  return new S3Client({
    endpoint: t.endpoint,
    region: t.region,
    forcePathStyle: true,
    credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey },
    // Local S3 servers do not all speak the SDK's default CRC32 checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts,
  });
}

export async function ensureBucket(t: S3Target): Promise<void> {
  const client = s3Client(t);
  try {
    await client.send(new CreateBucketCommand({ Bucket: t.bucket }));
  } catch (err) {
    const name = (err as Error).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
  } finally {
    client.destroy();
  }
}

export async function bucketExists(t: S3Target): Promise<boolean> {
  const client = s3Client(t);
  try {
    await client.send(new HeadBucketCommand({ Bucket: t.bucket }), { abortSignal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

async function withTemporal<T>(address: string, fn: (c: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address, connectTimeout: '3s' });
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}

/** The frontend answers its gRPC health check. */
export async function temporalServing(address: string, port: number): Promise<boolean> {
  // A plain TCP probe first: Connection.connect on a closed port waits out its whole timeout.
  if (!(await tcpOpen(port))) return false;
  try {
    return await withTemporal(address, async (c) => {
      const res = await c.healthService.check({});
      return res.status === 1; // SERVING
    });
  } catch {
    return false;
  }
}

/** Which of Sluice's search attributes the namespace lacks (empty when all are registered). */
export async function missingSearchAttributes(address: string, namespace: string): Promise<string[]> {
  return withTemporal(address, async (c) => {
    const res = await c.operatorService.listSearchAttributes({ namespace });
    const have = new Set(Object.keys(res.customAttributes ?? {}));
    return SEARCH_ATTRIBUTES.filter((name) => !have.has(name));
  });
}
