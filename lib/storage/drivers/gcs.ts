import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { Storage, type Bucket, type File, type StorageOptions } from '@google-cloud/storage';
import type { ResolvedStorageConfig } from '../config.js';
import { readGcsKeyFile } from '../credentials/gcs-json.js';
import { headAfterUpload, NotFoundError } from '../driver.js';
import type { ByteRange, ObjectInfo, StorageBackend } from '../driver.js';

interface GcsMetadata {
  size?: string | number;
  md5Hash?: string;
  updated?: string;
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** Google Cloud Storage (and fake-gcs-server). Hashes are GCS's base64 md5Hash, as Medusa records. */
export class GcsBackend implements StorageBackend {
  readonly provider = 'google_storage' as const;
  readonly bucket: string;
  private readonly handle: Bucket;

  private constructor(
    private readonly storage: Storage,
    private readonly config: ResolvedStorageConfig,
  ) {
    this.bucket = config.bucket;
    this.handle = storage.bucket(config.bucket);
  }

  static async create(config: ResolvedStorageConfig): Promise<GcsBackend> {
    const options: StorageOptions = {
      // Retries are ours (Storage), with jitter and stream re-opening.
      retryOptions: { autoRetry: false, maxRetries: 0 },
    };
    if (config.endpoint) options.apiEndpoint = config.endpoint;
    if (config.keyFile) {
      const account = await readGcsKeyFile(config.keyFile);
      options.credentials = account;
      options.projectId = account.project_id;
    }
    // Without a key file: the attached service account (ADC / workload identity).
    if (config.projectId) options.projectId = config.projectId;
    if (config.readTimeoutSeconds) options.timeout = config.readTimeoutSeconds * 1000;
    return new GcsBackend(new Storage(options), config);
  }

  private file(key: string): File {
    return this.handle.file(key);
  }

  async ensureBucket(): Promise<void> {
    const [exists] = await this.handle.exists();
    if (!exists) await this.storage.createBucket(this.bucket);
  }

  async removeBucket(): Promise<void> {
    await this.handle.delete({ ignoreNotFound: true });
  }

  async putBytes(key: string, data: Buffer): Promise<ObjectInfo> {
    await this.file(key).save(data, { resumable: false, validation: false });
    return headAfterUpload(this, key);
  }

  /**
   * A resumable upload at and above the threshold, else a simple one. The resumable session gets
   * the whole object in one streamed request: with a chunkSize the library buffers each chunk in
   * memory (multipartChunksize per transfer) for its own chunk retries, which are off here (retries
   * are Storage's, from a reopened source). The stored md5Hash does not depend on the chunking.
   */
  async putStream(key: string, source: Readable, size: number): Promise<ObjectInfo> {
    const resumable = size >= this.config.multiPartUploadThreshold;
    const sink = this.file(key).createWriteStream({
      resumable,
      validation: false,
    });
    await pipeline(source, sink);
    const info = await headAfterUpload(this, key);
    if (info.size !== size) throw new Error(`upload of ${key}: expected ${size} bytes, stored ${info.size}`);
    return info;
  }

  async getStream(key: string, range?: ByteRange): Promise<Readable> {
    // The read stream reports a missing object only once read; check first, as Medusa does.
    if (!(await this.head(key))) throw new NotFoundError(key);
    return this.file(key).createReadStream({
      validation: false,
      ...(range ? { start: range.start, end: range.end } : {}),
    });
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const [metadata] = await this.file(key).getMetadata();
      return this.info(key, metadata as GcsMetadata);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  private info(key: string, metadata: GcsMetadata): ObjectInfo {
    return {
      key,
      size: Number(metadata.size ?? 0),
      hash: metadata.md5Hash ?? null,
      lastModified: metadata.updated ? new Date(metadata.updated) : new Date(0),
    };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let pageToken: string | undefined;
    do {
      const [files, next] = await this.handle.getFiles({
        prefix,
        autoPaginate: false,
        maxResults: 1000,
        ...(pageToken ? { pageToken } : {}),
      });
      for (const file of files) yield this.info(file.name, file.metadata as GcsMetadata);
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
  }

  async delete(key: string): Promise<void> {
    await this.file(key).delete({ ignoreNotFound: true });
  }

  async close(): Promise<void> {}
}
