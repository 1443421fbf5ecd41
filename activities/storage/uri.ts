import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A storage location Sluice can read and write. */
export type ParsedUri =
  { scheme: 's3'; uri: string; bucket: string; key: string } | { scheme: 'file'; uri: string; path: string };

/** A URI that is malformed or uses a scheme Sluice does not support; never worth retrying. */
export class UriError extends Error {
  override name = 'UriError';
}

const USAGE = 'use s3://bucket/key or file:///absolute/path';

/**
 * Parses and validates a storage URI. `field` names where the URI came from (e.g. `data.train`)
 * so the message can point the user at the right line of their spec.
 */
export function parseUri(uri: string, field = 'uri'): ParsedUri {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri);
  if (!m) throw new UriError(`'${uri}' in ${field} is not a URI; ${USAGE}`);
  const scheme = (m[1] as string).toLowerCase();
  if (scheme === 's3') {
    const s3 = /^s3:\/\/([^/]+)\/(.+)$/i.exec(uri);
    if (!s3) throw new UriError(`'${uri}' in ${field} needs a bucket and a key; ${USAGE}`);
    const bucket = s3[1] as string;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
      throw new UriError(`invalid S3 bucket name '${bucket}' in ${field}: 3-63 lowercase letters, digits, '.' or '-'`);
    return { scheme: 's3', uri, bucket, key: s3[2] as string };
  }
  if (scheme === 'file') {
    if (!uri.startsWith('file:///')) throw new UriError(`'${uri}' in ${field} is not an absolute file URI; ${USAGE}`);
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch (err) {
      throw new UriError(`'${uri}' in ${field} is not a valid file URI (${(err as Error).message}); ${USAGE}`);
    }
    return { scheme: 'file', uri, path };
  }
  throw new UriError(`unsupported URI scheme '${scheme}:' in ${field}; ${USAGE}`);
}

/**
 * Turns what a person typed on the command line into a URI: URIs pass through unchanged, plain paths
 * (relative to `cwd` or absolute) become file:// URIs.
 */
export function toUri(pathOrUri: string, cwd = process.cwd()): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(pathOrUri)) return pathOrUri;
  return pathToFileURL(isAbsolute(pathOrUri) ? pathOrUri : resolve(cwd, pathOrUri)).href;
}

/** Appends path segments to a URI prefix with exactly one '/' between them. */
export function joinUri(prefix: string, ...parts: string[]): string {
  return [prefix.replace(/\/+$/, ''), ...parts.map((p) => p.replace(/^\/+|\/+$/g, ''))].filter(Boolean).join('/');
}
