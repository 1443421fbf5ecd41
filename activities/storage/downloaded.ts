// One object served from a copy already downloaded to a local file. The native engine reads s3:// objects from such
// a copy; a file it hands back is then read by the TypeScript and DuckDB paths from the same copy instead of being
// fetched from S3 a second time (DuckDB cannot fetch s3:// here at all, so without it they took hyparquet's ranged
// reads). Every other URI, and every write, goes to the inner storage.
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FileStorage } from './file.js';
import type { Storage, WriteBody } from './types.js';

export class DownloadedStorage implements Storage {
  private readonly file = new FileStorage();
  private readonly copy: string;

  constructor(
    private readonly inner: Storage,
    readonly uri: string,
    readonly path: string,
  ) {
    this.copy = pathToFileURL(path).href;
  }

  private route(uri: string): [Storage, string] {
    return uri === this.uri ? [this.file, this.copy] : [this.inner, uri];
  }

  openRead(uri: string): Promise<Readable> {
    const [s, u] = this.route(uri);
    return s.openRead(u);
  }

  readText(uri: string): Promise<string> {
    const [s, u] = this.route(uri);
    return s.readText(u);
  }

  exists(uri: string): Promise<boolean> {
    const [s, u] = this.route(uri);
    return s.exists(u);
  }

  size(uri: string): Promise<number> {
    const [s, u] = this.route(uri);
    return s.size(u);
  }

  readRange(uri: string, start: number, end: number): Promise<Buffer> {
    const [s, u] = this.route(uri);
    return s.readRange(u, start, end);
  }

  write(uri: string, body: WriteBody, opts?: { contentType?: string }): Promise<void> {
    return this.inner.write(uri, body, opts);
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
}

/** `storage` with the object at `uri` read from the local file at `path` (a file:// URI is its own copy). */
export function servedFrom(storage: Storage, uri: string, path: string): Storage {
  return uri.startsWith('file:') ? storage : new DownloadedStorage(storage, uri, path);
}

/** The local file holding the bytes of `uri` through `storage`, if there is one: a file:// path or a download. */
export function localPath(storage: Storage, uri: string): string | null {
  if (uri.startsWith('file:')) return fileURLToPath(uri);
  return storage instanceof DownloadedStorage && storage.uri === uri ? storage.path : null;
}
