import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Storage, WriteBody } from './types.js';
import { NotFoundError } from './errors.js';
import { parseUri } from './uri.js';

const TMP_MARK = '.sluice-tmp-';

function filePath(uri: string): string {
  const p = parseUri(uri);
  if (p.scheme !== 'file') throw new Error(`file storage got a non-file URI: ${uri}`);
  return p.path;
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function statFile(uri: string): Promise<{ size: number }> {
  try {
    const s = await stat(filePath(uri));
    if (!s.isFile()) throw new NotFoundError(uri, { directory: s.isDirectory() });
    return s;
  } catch (err) {
    if (isMissing(err)) throw new NotFoundError(uri, { cause: err });
    throw err;
  }
}

/** Local files behind file:/// URIs. */
export class FileStorage implements Storage {
  async openRead(uri: string): Promise<Readable> {
    // Stat first so a missing file fails here, not later as a stream 'error' event.
    await statFile(uri);
    return createReadStream(filePath(uri));
  }

  async readText(uri: string): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of await this.openRead(uri)) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async write(uri: string, body: WriteBody): Promise<void> {
    const path = filePath(uri);
    // Until pipeline() takes over, keep an early stream error from becoming an uncaught exception;
    // pipeline still sees the stream as errored and rejects with that error.
    if (body instanceof Readable) body.on('error', () => undefined);
    await mkdir(dirname(path), { recursive: true });
    // Write beside the target and rename: rename is atomic on one filesystem, so readers see old or new, never half.
    const tmp = `${dirname(path)}${sep}${TMP_MARK}${randomBytes(6).toString('hex')}`;
    try {
      if (body instanceof Readable) await pipeline(body, createWriteStream(tmp));
      else await writeFile(tmp, body);
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  async exists(uri: string): Promise<boolean> {
    try {
      await statFile(uri);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  async size(uri: string): Promise<number> {
    return (await statFile(uri)).size;
  }

  async readRange(uri: string, start: number, end: number): Promise<Buffer> {
    const { size } = await statFile(uri);
    const to = Math.min(end, size);
    if (to <= start) return Buffer.alloc(0);
    const fh = await open(filePath(uri), 'r');
    try {
      const buf = Buffer.allocUnsafe(to - start);
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === buf.length ? buf : buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  }

  /** Files whose path starts with the prefix (S3 semantics: a string prefix, not only a folder), sorted. */
  async list(prefix: string): Promise<string[]> {
    const p = filePath(prefix.endsWith('/') ? prefix + 'x' : prefix);
    const base = prefix.endsWith('/') ? p.slice(0, -1) : p;
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) {
          if (full.startsWith(base) || base.startsWith(full + sep)) await walk(full);
        } else if (e.isFile() && full.startsWith(base) && !e.name.startsWith(TMP_MARK)) {
          out.push(pathToFileURL(full).href);
        }
      }
    };
    await walk(dirname(base));
    return out.sort();
  }
}
