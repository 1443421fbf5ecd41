// The embedded stack's buckets kept across restarts: moto holds objects in memory only, while Temporal's and MLflow's
// SQLite files persist, so without this a stopped and restarted stack has registered models whose artifacts are
// gone. `saveBuckets` writes every object of every bucket under <stateDir>/s3/<bucket>/ before moto stops;
// `restoreBuckets` puts them back into a freshly started moto. Content types are kept; user metadata is not (no
// Sluice or MLflow object carries any).
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { S3Snapshot } from '../../schemas/stack.js';
import { ensureBucket, s3Client, type S3Target } from './health.js';

function snapshotDir(stateDir: string): string {
  return join(stateDir, 's3');
}

// S3's own bucket-name rule (3–63 of a-z, 0-9, '.', '-'), which also makes the name a safe folder name; the
// folders of a copy being written or set aside end in `_saving` and `_old`, which no bucket name can.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function summary(objects: number, buckets: number, bytes: number): string {
  return `${objects} S3 objects in ${buckets} bucket${buckets === 1 ? '' : 's'} (${(bytes / 1e6).toFixed(1)} MB)`;
}

/**
 * Writes every object of every bucket under <stateDir>/s3/<bucket>/; a bucket's new copy replaces its old one only
 * once complete, so a failure leaves the old one in place. Returns a line saying what was saved.
 */
export async function saveBuckets(t: S3Target, stateDir: string): Promise<string> {
  const client = s3Client(t, 3);
  let objects = 0;
  let bytes = 0;
  try {
    const { Buckets = [] } = await client.send(new ListBucketsCommand({}));
    const names = Buckets.map((b) => b.Name ?? '').filter((n) => BUCKET_NAME.test(n));
    for (const bucket of names) {
      const saved = await saveBucket(client, bucket, join(snapshotDir(stateDir), bucket));
      objects += saved.objects.length;
      bytes += saved.objects.reduce((n, o) => n + o.size, 0);
    }
    return `saved ${summary(objects, names.length, bytes)} to ${snapshotDir(stateDir)}`;
  } finally {
    client.destroy();
  }
}

async function saveBucket(client: S3Client, bucket: string, dir: string): Promise<S3Snapshot> {
  const partial = `${dir}_saving`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(join(partial, 'objects'), { recursive: true });
  const objects: S3Snapshot['objects'] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const { Key } of page.Contents ?? []) {
      if (Key === undefined) continue;
      const file = String(objects.length).padStart(8, '0');
      const path = join(partial, 'objects', file);
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
      await pipeline(got.Body as Readable, createWriteStream(path));
      objects.push({ key: Key, file, size: statSync(path).size, contentType: got.ContentType });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const snapshot: S3Snapshot = { version: 1, bucket, savedAt: new Date().toISOString(), objects };
  await writeFile(join(partial, 'manifest.json'), `${JSON.stringify(snapshot, null, 1)}\n`);
  // Old copy aside, new one in, old one gone. A crash between the renames leaves only the old copy aside, which
  // `readable` falls back to and the next save puts back first.
  const old = `${dir}_old`;
  if (existsSync(dir)) {
    rmSync(old, { recursive: true, force: true });
    renameSync(dir, old);
  }
  renameSync(partial, dir);
  rmSync(old, { recursive: true, force: true });
  return snapshot;
}

/** The complete copy of a bucket: its folder, or the old copy a save interrupted between its renames left aside. */
function readable(dir: string): string | undefined {
  return [dir, `${dir}_old`].find((d) => existsSync(join(d, 'manifest.json')));
}

/**
 * Creates every saved bucket in the (empty, freshly started) moto and puts its objects back; undefined when nothing
 * was saved.
 */
export async function restoreBuckets(t: S3Target, stateDir: string): Promise<string | undefined> {
  const root = snapshotDir(stateDir);
  if (!existsSync(root)) return undefined;
  const buckets = new Set(readdirSync(root).map((n) => n.replace(/_old$/, '')));
  const copies = [...buckets]
    .filter((n) => BUCKET_NAME.test(n))
    .flatMap((bucket) => {
      const dir = readable(join(root, bucket));
      return dir ? [{ bucket, dir }] : [];
    });
  if (copies.length === 0) return undefined;
  const client = s3Client(t, 3);
  let objects = 0;
  let bytes = 0;
  try {
    for (const { bucket, dir } of copies) {
      const snapshot = readSnapshot(dir, bucket);
      await ensureBucket({ ...t, bucket });
      for (const o of snapshot.objects) {
        const file = join(dir, 'objects', o.file);
        if (!existsSync(file)) throw new Error(`${file} (object ${o.key} of bucket ${bucket}) is missing`);
        // The bytes, not a stream: a retried request must be able to send them again.
        const body = readFileSync(file);
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: o.key, Body: body, ContentType: o.contentType }));
        objects += 1;
        bytes += body.length;
      }
    }
  } catch (err) {
    throw new Error(
      `could not put back the S3 objects saved in ${root} (${(err as Error).message}); fix the cause and start again, or move ${root} aside to start with empty buckets`,
    );
  } finally {
    client.destroy();
  }
  return `restored ${summary(objects, copies.length, bytes)} from ${root}`;
}

function readSnapshot(dir: string, bucket: string): S3Snapshot {
  const file = join(dir, 'manifest.json');
  let parsed;
  try {
    parsed = S3Snapshot.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(`${file} is not JSON: ${(err as Error).message}`);
  }
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues[0]?.message ?? 'not a saved bucket'}`);
  if (parsed.data.bucket !== bucket) throw new Error(`${file} holds bucket ${parsed.data.bucket}, not ${bucket}`);
  return parsed.data;
}
