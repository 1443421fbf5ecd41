import type { Readable } from 'node:stream';

export type WriteBody = string | Buffer | Uint8Array | Readable;

/** Streaming access to objects behind s3:// and file:/// URIs. */
export interface Storage {
  /** A stream of the object's bytes; throws NotFoundError if it does not exist. */
  openRead(uri: string): Promise<Readable>;
  /** The whole object as UTF-8; for small objects (reports, manifests). */
  readText(uri: string): Promise<string>;
  /** Writes (or replaces) the object; readers never see a partly written object. */
  write(uri: string, body: WriteBody, opts?: { contentType?: string }): Promise<void>;
  exists(uri: string): Promise<boolean>;
  /** Size in bytes; throws NotFoundError if it does not exist. */
  size(uri: string): Promise<number>;
  /**
   * Bytes [start, end) of the object (end exclusive, clamped to the size): random access for formats such as
   * Parquet that read a footer first and then only the column chunks they need.
   */
  readRange(uri: string, start: number, end: number): Promise<Buffer>;
  /** URIs of all objects whose URI starts with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
}
