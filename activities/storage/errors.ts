// Plain errors only: the CLI imports this file, and @temporalio/common would add ~40 ms to its start-up (failure.ts).
import { UriError } from './uri.js';

/** The object or file does not exist (or, for a local path, is a directory, not a file). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(
    readonly uri: string,
    options?: { cause?: unknown; directory?: boolean },
  ) {
    super(options?.directory ? `${uri} is a directory, not a file` : `not found: ${uri}`, options);
    this.directory = options?.directory ?? false;
  }

  readonly directory: boolean;

  /** `<what> not found: <uri>`, or that the path is a directory. */
  describe(what: string): string {
    return this.directory ? `${what} ${this.uri} is a directory; give a data file` : `${what} not found: ${this.uri}`;
  }
}

/** The credentials in use may not read or write the object. */
export class AccessDeniedError extends Error {
  override name = 'AccessDeniedError';
  constructor(
    readonly uri: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`access denied to ${uri}: ${detail}; check the S3 credentials and bucket policy`, options);
  }
}

/** Storage is not configured for a URI (e.g. an s3:// URI with no S3 endpoint settings). */
export class StorageConfigError extends Error {
  override name = 'StorageConfigError';
}

/** Errors that the same call cannot fix by trying again. */
export function isPermanentStorageError(err: unknown): boolean {
  return (
    err instanceof NotFoundError ||
    err instanceof AccessDeniedError ||
    err instanceof UriError ||
    err instanceof StorageConfigError
  );
}

/** Whether a storage error is worth retrying: network failures, throttling and 5xx are; the rest are not. */
export function isRetryableStorageError(err: unknown): boolean {
  if (isPermanentStorageError(err)) return false;
  const status = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429 || status === 408;
  // No HTTP status: a connection reset, DNS failure or timeout; or an fs error that may pass (EMFILE, EBUSY).
  const code = (err as { code?: string } | null)?.code;
  if (code && ['EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EROFS', 'EINVAL'].includes(code)) return false;
  return true;
}
