import type { Readable } from 'node:stream';
import type { Storage, WriteBody } from './types.js';
import { FileStorage } from './file.js';
import { S3Storage, s3Client, type S3Settings } from './s3.js';
import { StorageConfigError } from './errors.js';
import { parseUri } from './uri.js';

export type { Storage, WriteBody } from './types.js';
export type { S3Settings } from './s3.js';
export { FileStorage } from './file.js';
export { S3Storage, s3Client } from './s3.js';
export * from './errors.js';
export * from './failure.js';
export * from './uri.js';

/**
 * Storage that dispatches on each URI's scheme: s3:// to the configured S3 endpoint, file:/// to the local
 * filesystem. Without S3 settings, s3:// URIs fail with a StorageConfigError that says what to configure.
 */
export function createStorage(s3?: S3Settings): Storage {
  const file = new FileStorage();
  let s3Storage: S3Storage | undefined;
  const pick = (uri: string): Storage => {
    if (parseUri(uri).scheme === 'file') return file;
    if (!s3)
      throw new StorageConfigError(
        `no S3 endpoint configured for ${uri}; start the stack with \`sluice dev up\` or set the S3 endpoint settings`,
      );
    return (s3Storage ??= new S3Storage(s3Client(s3)));
  };
  return {
    // async so a bad URI rejects the promise instead of throwing synchronously.
    openRead: async (uri: string): Promise<Readable> => pick(uri).openRead(uri),
    readText: async (uri: string) => pick(uri).readText(uri),
    write: async (uri: string, body: WriteBody, opts?: { contentType?: string }) => pick(uri).write(uri, body, opts),
    exists: async (uri: string) => pick(uri).exists(uri),
    size: async (uri: string) => pick(uri).size(uri),
    readRange: async (uri: string, start: number, end: number) => pick(uri).readRange(uri, start, end),
    list: async (prefix: string) => pick(prefix.replace(/^(s3:\/\/[^/]+)\/?$/, '$1/_')).list(prefix),
  };
}
