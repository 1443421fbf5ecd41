// The embedded stack's bucket kept across restarts: moto holds objects in memory only, while Temporal's and MLflow's
// SQLite files persist, so without this a stopped and restarted stack has registered models whose artifacts are
// gone. `saveBucket` writes every object under <stateDir>/s3 before moto stops; `restoreBucket` puts them back into
// a freshly started moto.
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3Snapshot } from '../../schemas/stack.js';
import { s3Client, type S3Target } from './health.js';

export function snapshotDir(stateDir: string): string {
  return join(stateDir, 's3');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Writes every object of the bucket under <stateDir>/s3, replacing the previous copy only once the new one is
 * complete (a failure leaves the old one in place). Returns a line saying what was saved.
 */
export async function saveBucket(t: S3Target, stateDir: string): Promise<string> {
  const dir = snapshotDir(stateDir);
  const partial = `${dir}.saving`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(join(partial, 'objects'), { recursive: true });
  const client = s3Client(t, 3);
  const objects: S3Snapshot['objects'] = [];
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: t.bucket, ContinuationToken: token }));
      for (const { Key } of page.Contents ?? []) {
        if (Key === undefined) continue;
        const file = String(objects.length).padStart(8, '0');
        const got = await client.send(new GetObjectCommand({ Bucket: t.bucket, Key }));
        await pipeline(got.Body as Readable, createWriteStream(join(partial, 'objects', file)));
        objects.push({ key: Key, file, size: got.ContentLength ?? 0, contentType: got.ContentType });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } finally {
    client.destroy();
  }
  const manifest: S3Snapshot = { version: 1, bucket: t.bucket, savedAt: new Date().toISOString(), objects };
  await writeFile(join(partial, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  // Old copy aside, new one in, old one gone: at every moment one complete copy exists.
  const old = `${dir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(partial, dir);
  rmSync(old, { recursive: true, force: true });
  const bytes = objects.reduce((n, o) => n + o.size, 0);
  return `saved ${objects.length} S3 objects (${megabytes(bytes)}) to ${dir}`;
}

/** Puts the saved objects back into the (empty, freshly started) bucket; undefined when nothing was saved. */
export async function restoreBucket(t: S3Target, stateDir: string): Promise<string | undefined> {
  const dir = snapshotDir(stateDir);
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) return undefined;
  const parsed = S3Snapshot.safeParse(JSON.parse(readFileSync(manifestFile, 'utf8')));
  if (!parsed.success) {
    throw new Error(
      `${manifestFile} is not a saved S3 bucket (${parsed.error.issues[0]?.message ?? 'invalid'}); move ${dir} aside to start with an empty bucket`,
    );
  }
  const client = s3Client(t, 3);
  try {
    for (const o of parsed.data.objects) {
      const file = join(dir, 'objects', o.file);
      if (!existsSync(file)) throw new Error(`${file} (object ${o.key}) is missing`);
      await client.send(
        new PutObjectCommand({
          Bucket: t.bucket,
          Key: o.key,
          Body: createReadStream(file),
          ContentLength: o.size,
          ContentType: o.contentType,
        }),
      );
    }
  } catch (err) {
    throw new Error(
      `could not put back the S3 objects saved in ${dir} (${(err as Error).message}); fix the cause and start again, or move ${dir} aside to start with an empty bucket`,
    );
  } finally {
    client.destroy();
  }
  const bytes = parsed.data.objects.reduce((n, o) => n + o.size, 0);
  return `restored ${parsed.data.objects.length} S3 objects (${megabytes(bytes)}) saved ${parsed.data.savedAt}`;
}
