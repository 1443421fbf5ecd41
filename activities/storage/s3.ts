import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import type { Endpoints } from '../../schemas/stack.js';
import type { Storage, WriteBody } from './types.js';
import { AccessDeniedError, NotFoundError } from './errors.js';
import { parseUri } from './uri.js';

/** S3 settings as configured; defaults (region, path style) may still be missing when built by hand. */
export type S3Settings = Omit<Endpoints['s3'], 'region' | 'forcePathStyle'> & {
  region?: string;
  forcePathStyle?: boolean;
};

const clients = new Map<string, S3Client>();

/** One client per distinct endpoint configuration: clients hold connection pools, so share them. */
export function s3Client(s3: S3Settings): S3Client {
  const key = JSON.stringify([s3.endpoint, s3.region, s3.accessKeyId, s3.secretAccessKey, s3.forcePathStyle]);
  let client = clients.get(key);
  if (!client) {
    const config: S3ClientConfig = {
      region: s3.region ?? 'us-east-1',
      forcePathStyle: s3.forcePathStyle ?? true,
    };
    if (s3.endpoint) {
      config.endpoint = s3.endpoint;
      // S3-compatible servers often reject or mishandle the SDK's default CRC32 checksums (facts/s3.md §5).
      config.requestChecksumCalculation = 'WHEN_REQUIRED';
      config.responseChecksumValidation = 'WHEN_REQUIRED';
    }
    if (s3.accessKeyId && s3.secretAccessKey)
      config.credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    client = new S3Client(config);
    clients.set(key, client);
  }
  return client;
}

function location(uri: string): { Bucket: string; Key: string } {
  const p = parseUri(uri);
  if (p.scheme !== 's3') throw new Error(`S3 storage got a non-s3 URI: ${uri}`);
  return { Bucket: p.bucket, Key: p.key };
}

/** Maps SDK errors to NotFoundError / AccessDeniedError; everything else passes through unchanged. */
function mapError(err: unknown, uri: string): unknown {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.name === 'NoSuchBucket' || status === 404)
    return new NotFoundError(uri, { cause: err });
  if (
    status === 403 ||
    ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden'].includes(e.name ?? '')
  )
    return new AccessDeniedError(uri, e.name ?? 'HTTP 403', { cause: err });
  return err;
}

export class S3Storage implements Storage {
  constructor(private readonly client: S3Client) {}

  async openRead(uri: string): Promise<Readable> {
    try {
      const res = await this.client.send(new GetObjectCommand(location(uri)));
      if (!(res.Body instanceof Readable)) throw new Error(`S3 returned no readable body for ${uri}`);
      return res.Body;
    } catch (err) {
      throw mapError(err, uri);
    }
  }

  async readText(uri: string): Promise<string> {
    const chunks: Buffer[] = [];
    const body = await this.openRead(uri);
    for await (const c of body) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async write(uri: string, body: WriteBody, opts: { contentType?: string } = {}): Promise<void> {
    const params = { ...location(uri), Body: body, ContentType: opts.contentType };
    try {
      if (body instanceof Readable) {
        // Multipart upload of a stream of unknown length, with bounded memory (queue × part size).
        await new Upload({ client: this.client, params, queueSize: 4, partSize: 8 * 1024 * 1024 }).done();
      } else {
        await this.client.send(new PutObjectCommand(params));
      }
    } catch (err) {
      throw mapError(err, uri);
    }
  }

  async exists(uri: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand(location(uri)));
      return true;
    } catch (err) {
      const mapped = mapError(err, uri);
      if (mapped instanceof NotFoundError) return false;
      throw mapped;
    }
  }

  async size(uri: string): Promise<number> {
    try {
      const res = await this.client.send(new HeadObjectCommand(location(uri)));
      return res.ContentLength ?? 0;
    } catch (err) {
      throw mapError(err, uri);
    }
  }

  async readRange(uri: string, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    try {
      // HTTP ranges are inclusive at both ends; S3 clamps a range past the end to the object's size.
      const res = await this.client.send(
        new GetObjectCommand({ ...location(uri), Range: `bytes=${start}-${end - 1}` }),
      );
      if (!res.Body) throw new Error(`S3 returned no body for ${uri} bytes ${start}-${end - 1}`);
      return Buffer.from(await res.Body.transformToByteArray());
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      // 416: the range starts at or past the end of the object.
      if (e.name === 'InvalidRange' || e.$metadata?.httpStatusCode === 416) return Buffer.alloc(0);
      throw mapError(err, uri);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const p = parseUri(
      prefix.endsWith('/') || /^s3:\/\/[^/]+$/.test(prefix) ? prefix.replace(/\/?$/, '/') + '_' : prefix,
    );
    if (p.scheme !== 's3') throw new Error(`S3 storage got a non-s3 URI: ${prefix}`);
    const keyPrefix = prefix.slice(`s3://${p.bucket}/`.length);
    const out: string[] = [];
    let token: string | undefined;
    try {
      do {
        const res = await this.client.send(
          new ListObjectsV2Command({ Bucket: p.bucket, Prefix: keyPrefix || undefined, ContinuationToken: token }),
        );
        for (const o of res.Contents ?? []) if (o.Key) out.push(`s3://${p.bucket}/${o.Key}`);
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw mapError(err, prefix);
    }
    return out.sort();
  }
}
