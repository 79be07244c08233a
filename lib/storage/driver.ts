import type { Readable } from 'node:stream';
import type { StorageProvider } from './config.js';

/** One stored object as listed or inspected. */
export interface ObjectInfo {
  /** Full key inside the bucket (for local: path relative to basePath/bucket). */
  key: string;
  size: number;
  /**
   * The provider's native hash, as Medusa records it in manifests: hex MD5 (local), quote-stripped
   * ETag (S3, `<hex>-<parts>` for multipart), base64 md5Hash (GCS), base64 Content-MD5 or
   * `no-md5-hash` (Azure). Null when the provider reports none (local listings).
   */
  hash: string | null;
  lastModified: Date;
}

/** Inclusive byte range, as HTTP Range. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Opens the bytes to upload; called again for each retry attempt. */
export type SourceFactory = () => Readable;

/**
 * What a backend implements. Every method performs one logical operation with no retry, throttle
 * or concurrency limit: {@link Storage} adds those on top.
 */
export interface StorageBackend {
  readonly provider: StorageProvider;
  readonly bucket: string;
  /** Creates the bucket/container if it does not exist. */
  ensureBucket(): Promise<void>;
  /** Deletes the (empty) bucket/container; for tests and tooling. */
  removeBucket(): Promise<void>;
  /** Single-request upload of a small object (meta and index files). */
  putBytes(key: string, data: Buffer): Promise<ObjectInfo>;
  /**
   * Streams `size` bytes to `key`; objects of multiPartUploadThreshold bytes and more go multipart
   * (S3) / block list (Azure) / resumable (GCS) in multipartChunksize pieces.
   */
  putStream(key: string, source: Readable, size: number): Promise<ObjectInfo>;
  /** A stream of the object's bytes (or of a range); rejects with NotFoundError when absent. */
  getStream(key: string, range?: ByteRange): Promise<Readable>;
  /** Object metadata, or undefined when absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix` (plain string prefix, like Medusa's listings). */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deletes one object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/** What `head` says about an object just uploaded; its absence is an error. */
export async function headAfterUpload(
  backend: Pick<StorageBackend, 'head'>,
  key: string,
): Promise<ObjectInfo> {
  const info = await backend.head(key);
  if (!info) throw new Error(`object ${key} is missing right after its upload`);
  return info;
}

export class NotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
    this.name = 'NotFoundError';
  }
}
