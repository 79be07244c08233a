// The storage operations the agent needs. lib/storage's `Storage` class has exactly these methods
// (same names and shapes), so it can be passed wherever an ObjectStore is expected; the agent keeps
// this narrow interface so that it depends on nothing else of that module.

import type { Readable } from 'node:stream';
import type { ExpectedContent } from '../../lib/storage/hashing.js';
import type { TransferProgress } from '../../lib/storage/transfer/counter.js';

export interface StoredObject {
  /** Full key inside the bucket. */
  key: string;
  size: number;
  /** The provider's native hash as Medusa records it (hex MD5, ETag, base64 md5Hash...), or null. */
  hash: string | null;
  lastModified: Date;
}

export interface ObjectStore {
  /** Medusa's storage_provider name (local, s3_compatible, ...). */
  readonly provider: string;
  /** Small objects (meta and index files) in one request. */
  putBytes(key: string, data: Buffer | string): Promise<StoredObject>;
  /** `onProgress` hears the running byte count of the current attempt while the file streams. */
  uploadFile(key: string, path: string, onProgress?: TransferProgress): Promise<StoredObject>;
  /**
   * Downloads to `path` (never leaving it truncated); resolves with the byte count. With `expected`
   * the bytes are hashed while they stream, and a file of another size or checksum is refused
   * (ContentMismatchError) before it reaches `path`.
   */
  downloadFile(
    key: string,
    path: string,
    onProgress?: TransferProgress,
    expected?: ExpectedContent,
  ): Promise<number>;
  readBytes(key: string): Promise<Buffer>;
  /** The object's bytes as a stream (verify reads and hashes them without writing anything). */
  openRead(key: string): Promise<Readable>;
  head(key: string): Promise<StoredObject | undefined>;
  /** Every object whose key starts with `prefix` (a plain string prefix). */
  list(prefix: string): Promise<StoredObject[]>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
