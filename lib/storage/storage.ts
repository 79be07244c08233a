import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  compareContent,
  ContentMismatchError,
  digestPassThrough,
  kindsToCheck,
  hashesMatch,
  md5PassThrough,
  type ExpectedContent,
} from './hashing.js';
import { isS3, resolveConfig, type ResolvedStorageConfig, type StorageConfig } from './config.js';
import type { ByteRange, ObjectInfo, SourceFactory, StorageBackend } from './driver.js';
import { AzureBackend } from './drivers/azure.js';
import { GcsBackend } from './drivers/gcs.js';
import { LocalBackend } from './drivers/local.js';
import { S3Backend } from './drivers/s3.js';
import { Limiter } from './transfer/limiter.js';
import { withRetry, type RetryPolicy } from './transfer/retry.js';
import { byteCounter, type TransferProgress } from './transfer/counter.js';
import { Bandwidth, throttled } from './transfer/throttle.js';

export async function createBackend(config: ResolvedStorageConfig): Promise<StorageBackend> {
  if (config.provider === 'local') return new LocalBackend(config);
  if (config.provider === 'azure_blobs') return AzureBackend.create(config);
  if (config.provider === 'google_storage') return GcsBackend.create(config);
  if (isS3(config.provider)) return S3Backend.create(config);
  throw new Error(`unsupported storage provider ${config.provider}`);
}

/** A downloaded file: its size and the hex MD5 of the bytes written ('' when the expected content
 * was checked with a multipart ETag, or had no checksum). */
export interface DownloadedFile {
  size: number;
  md5: string;
}

export interface StorageHooks {
  /** Called before each retry of a failed operation. */
  onRetry?: RetryPolicy['onRetry'];
}

/**
 * A storage driver: one backend plus what every provider shares — retries with back-off and
 * jitter, the concurrentTransfers limit, the bandwidth limit, and streaming file transfers.
 */
export class Storage {
  readonly config: ResolvedStorageConfig;
  private readonly transfers: Limiter;
  private readonly bandwidth: Bandwidth | undefined;
  private readonly retry: RetryPolicy;

  constructor(
    readonly backend: StorageBackend,
    config: ResolvedStorageConfig,
    hooks: StorageHooks = {},
  ) {
    this.config = config;
    this.transfers = new Limiter(config.concurrentTransfers);
    this.bandwidth = config.transferMaxBandwidth > 0 ? new Bandwidth(config.transferMaxBandwidth) : undefined;
    this.retry = {
      attempts: config.retryAttempts,
      baseDelayMs: config.retryBaseDelayMs,
      maxDelayMs: config.retryMaxDelayMs,
      onRetry: hooks.onRetry,
    };
  }

  static async open(config: StorageConfig, hooks: StorageHooks = {}): Promise<Storage> {
    const resolved = resolveConfig(config);
    return new Storage(await createBackend(resolved), resolved, hooks);
  }

  get provider(): StorageBackend['provider'] {
    return this.backend.provider;
  }

  private attempt<T>(operation: () => Promise<T>): Promise<T> {
    return withRetry(this.retry, operation);
  }

  ensureBucket(): Promise<void> {
    return this.attempt(() => this.backend.ensureBucket());
  }

  /** Small objects (meta and index files) in one request. */
  putBytes(key: string, data: Buffer | string): Promise<ObjectInfo> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return this.attempt(() => this.backend.putBytes(key, bytes));
  }

  /**
   * Streams `size` bytes from a fresh source per attempt; counts against concurrentTransfers.
   * `onProgress` hears the bytes read so far in the current attempt.
   */
  upload(key: string, open: SourceFactory, size: number, onProgress?: TransferProgress): Promise<ObjectInfo> {
    return this.transfers.run(() =>
      this.attempt(async () => {
        const { stream: hashing, md5 } = md5PassThrough();
        const source = this.throttle(open());
        // Errors surface on `hashing` (destroyed).
        pipeline(source, byteCounter(onProgress), hashing).catch(() => undefined);
        const info = await this.backend.putStream(key, hashing, size);
        this.checkStoredHash(info, md5.digest('hex'));
        return info;
      }),
    );
  }

  /**
   * Compares the provider's hash with the MD5 of the bytes sent, when the provider reports a plain
   * MD5 (not multipart, not encrypted): catches corruption in transit.
   */
  private checkStoredHash(info: ObjectInfo, sent: string): void {
    if (this.config.kmsId || this.config.sseCKey || info.hash === null || info.hash.includes('-')) return;
    if (hashesMatch(info.hash, sent) === false) {
      throw new Error(
        `upload of ${info.key}: stored hash ${info.hash} does not match the MD5 of the data sent (${sent})`,
      );
    }
  }

  /** Uploads a file; `onProgress` hears the bytes read so far (per attempt) while it streams. */
  async uploadFile(key: string, path: string, onProgress?: TransferProgress): Promise<ObjectInfo> {
    const { size } = await stat(path);
    return this.upload(key, () => createReadStream(path, { highWaterMark: 1024 * 1024 }), size, onProgress);
  }

  /** A throttled stream of the object (or a byte range). Only opening the stream is retried. */
  async download(key: string, range?: ByteRange): Promise<Readable> {
    const body = await this.attempt(() => this.backend.getStream(key, range));
    return this.throttle(body);
  }

  /**
   * Downloads to `path` through a temporary file; a failed attempt restarts from scratch so the
   * destination is never left truncated. Counts against concurrentTransfers. With `expected`, the
   * bytes are hashed as they stream and a file that is not what the backup recorded never reaches
   * `path`: ContentMismatchError (not retried).
   */
  downloadFile(
    key: string,
    path: string,
    onProgress?: TransferProgress,
    expected?: ExpectedContent,
  ): Promise<DownloadedFile> {
    return this.transfers.run(() =>
      this.attempt(async () => {
        await mkdir(dirname(path), { recursive: true });
        const temporary = `${path}.${randomUUID()}.download`;
        // Only the checksum the comparison needs (the MD5 of the bytes when nothing is expected).
        const { stream: hashing, digest } = digestPassThrough(
          expected?.partSize ?? this.config.multipartChunksize,
          expected ? kindsToCheck(expected) : { md5: true, multipart: false },
        );
        let md5: string;
        try {
          const body = this.throttle(await this.backend.getStream(key));
          const written = createWriteStream(temporary);
          await pipeline(body, byteCounter(onProgress), hashing, written);
          const digests = digest.digests();
          md5 = digests.md5;
          const comparison = expected ? compareContent(expected, digests) : undefined;
          if (comparison?.verdict === 'mismatch') throw new ContentMismatchError(key, comparison.reason);
          await rename(temporary, path);
        } catch (error) {
          await rm(temporary, { force: true });
          throw error;
        }
        return { size: (await stat(path)).size, md5 };
      }),
    );
  }

  /** The whole object in memory: for meta and index files only. */
  readBytes(key: string): Promise<Buffer> {
    return this.attempt(async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of await this.backend.getStream(key)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    });
  }

  async readText(key: string): Promise<string> {
    return (await this.readBytes(key)).toString('utf8');
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return this.attempt(() => this.backend.head(key));
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  /** Every object under a plain string prefix, collected; the listing restarts on transient errors. */
  list(prefix: string): Promise<ObjectInfo[]> {
    return this.attempt(async () => {
      const objects: ObjectInfo[] = [];
      for await (const object of this.backend.list(prefix)) objects.push(object);
      return objects;
    });
  }

  delete(key: string): Promise<void> {
    return this.attempt(() => this.backend.delete(key));
  }

  /** Deletes keys with concurrentTransfers requests in flight. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.transfers.run(() => this.delete(key))));
  }

  async removeBucket(): Promise<void> {
    await this.attempt(() => this.backend.removeBucket());
  }

  close(): Promise<void> {
    return this.backend.close();
  }

  private throttle(source: Readable): Readable {
    if (!this.bandwidth) return source;
    const limited = throttled(this.bandwidth);
    pipeline(source, limited).catch(() => undefined); // errors surface on `limited` (destroyed)
    return limited;
  }
}
