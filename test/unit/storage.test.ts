import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import {
  createStorage,
  isRetryableStorageError,
  NotFoundError,
  parseUri,
  storageFailure,
  toUri,
  UriError,
  type Storage,
} from '../../activities/storage/index.js';
import { testS3 } from '../helpers/s3.js';

const MB = 1024 * 1024;

/** Deterministic bytes, produced in 1 MB chunks so the body is never held whole by the writer. */
function body(bytes: number): Readable {
  return Readable.from(
    (function* () {
      for (let off = 0; off < bytes; off += MB) {
        const chunk = Buffer.alloc(Math.min(MB, bytes - off));
        for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE(((off + i) * 2654435761) >>> 0, i);
        yield chunk;
      }
    })(),
  );
}

async function sha256(stream: AsyncIterable<Buffer>): Promise<{ hash: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const c of stream) {
    h.update(c);
    bytes += c.length;
  }
  return { hash: h.digest('hex'), bytes };
}

/** The same contract, run against each backend. */
function roundTrip(name: string, setup: () => Promise<{ storage: Storage; prefix: string }>): void {
  describe(name, () => {
    let storage: Storage;
    let prefix: string;
    beforeAll(async () => {
      ({ storage, prefix } = await setup());
    });

    it('writes, reads, checks existence and size, lists by prefix', async () => {
      const uri = `${prefix}/a/report.json`;
      expect(await storage.exists(uri)).toBe(false);
      await storage.write(uri, '{"ok":true}', { contentType: 'application/json' });
      await storage.write(`${prefix}/a/other.txt`, Buffer.from('héllo'));
      await storage.write(`${prefix}/b/x.txt`, 'x');
      expect(await storage.exists(uri)).toBe(true);
      expect(await storage.readText(uri)).toBe('{"ok":true}');
      expect(await storage.readText(`${prefix}/a/other.txt`)).toBe('héllo');
      expect(await storage.size(`${prefix}/a/other.txt`)).toBe(6);
      expect(await storage.list(`${prefix}/a/`)).toEqual([`${prefix}/a/other.txt`, uri]);
      expect(await storage.list(`${prefix}/`)).toEqual([`${prefix}/a/other.txt`, uri, `${prefix}/b/x.txt`]);
      expect(await storage.list(`${prefix}/a/rep`)).toEqual([uri]);
      expect(await storage.list(`${prefix}/nothing/`)).toEqual([]);
      // Overwrite replaces the whole object.
      await storage.write(uri, 'v2');
      expect(await storage.readText(uri)).toBe('v2');
    });

    it('streams a 20 MB body in and out intact', async () => {
      const uri = `${prefix}/big/blob.bin`;
      const expected = await sha256(body(20 * MB));
      await storage.write(uri, body(20 * MB));
      expect(await storage.size(uri)).toBe(20 * MB);
      expect(await sha256(await storage.openRead(uri))).toEqual(expected);
    });

    it('throws NotFoundError naming the URI for a missing object', async () => {
      const uri = `${prefix}/missing/nothing.csv`;
      await expect(storage.openRead(uri)).rejects.toBeInstanceOf(NotFoundError);
      await expect(storage.readText(uri)).rejects.toThrow(uri);
      await expect(storage.size(uri)).rejects.toBeInstanceOf(NotFoundError);
      const failure = storageFailure(await storage.openRead(uri).catch((e: unknown) => e));
      expect(failure.nonRetryable).toBe(true);
      expect(failure.type).toBe('NotFound');
    });
  });
}

roundTrip('s3 storage (moto)', async () => {
  const { s3 } = await testS3();
  return { storage: createStorage(s3), prefix: `s3://${s3.bucket}/storage-test/${randomUUID()}` };
});

let dir: string;
roundTrip('file storage', async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-storage-'));
  return { storage: createStorage(), prefix: pathToFileURL(dir).href };
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('file storage specifics', () => {
  it('never shows a half-written file: readers see the old content until the write completes', async () => {
    const d = await mkdtemp(join(tmpdir(), 'sluice-atomic-'));
    try {
      const storage = createStorage();
      const uri = pathToFileURL(join(d, 'deep', 'er', 'data.csv')).href; // parents are created
      await storage.write(uri, 'old\n');
      const src = new PassThrough();
      const writing = storage.write(uri, src);
      src.write('new line 1\n');
      await new Promise((r) => setImmediate(r));
      expect(await storage.readText(uri)).toBe('old\n');
      expect(await storage.list(pathToFileURL(d).href + '/')).toEqual([uri]); // the temp file is not listed
      src.end('new line 2\n');
      await writing;
      expect(await storage.readText(uri)).toBe('new line 1\nnew line 2\n');
      expect(await readdir(join(d, 'deep', 'er'))).toEqual(['data.csv']);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  it('removes the temp file when the body stream fails', async () => {
    const d = await mkdtemp(join(tmpdir(), 'sluice-atomic-'));
    try {
      const storage = createStorage();
      const uri = pathToFileURL(join(d, 'x.csv')).href;
      const src = new PassThrough();
      const writing = storage.write(uri, src);
      src.write('partial');
      src.destroy(new Error('upstream broke'));
      await expect(writing).rejects.toThrow('upstream broke');
      expect(await readdir(d)).toEqual([]);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  it('s3:// without S3 settings fails with a message saying what to configure', async () => {
    await expect(createStorage().readText('s3://bucket/key')).rejects.toThrow(/no S3 endpoint configured/);
  });
});

describe('URIs', () => {
  it('rejects unsupported schemes naming the field and the fix', () => {
    expect(() => parseUri('http://example.com/x.csv', 'data.train')).toThrow(
      "unsupported URI scheme 'http:' in data.train; use s3://bucket/key or file:///absolute/path",
    );
    expect(() => parseUri('s3://bucket', 'data.train')).toThrow(UriError);
    expect(() => parseUri('s3://Bad_Bucket/k')).toThrow(/invalid S3 bucket name/);
    expect(() => parseUri('file://relative/x')).toThrow(/not an absolute file URI/);
    expect(parseUri('s3://my-bucket/a/b.csv')).toMatchObject({ scheme: 's3', bucket: 'my-bucket', key: 'a/b.csv' });
    expect(parseUri('file:///tmp/a%20b.csv')).toMatchObject({ scheme: 'file', path: '/tmp/a b.csv' });
  });

  it('turns plain paths into file URIs and leaves URIs alone', () => {
    expect(toUri('data/x.csv', '/work')).toBe('file:///work/data/x.csv');
    expect(toUri('/abs/x.csv')).toBe('file:///abs/x.csv');
    expect(toUri('s3://b-1/x.csv')).toBe('s3://b-1/x.csv');
  });

  it('classifies a refused connection as retryable', async () => {
    const storage = createStorage({
      endpoint: 'http://127.0.0.1:9',
      bucket: 'nobucket',
      accessKeyId: 'a',
      secretAccessKey: 'b',
    });
    const err = await storage.readText('s3://nobucket/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(isRetryableStorageError(err)).toBe(true);
    expect(storageFailure(err).nonRetryable).toBe(false);
  });
});
