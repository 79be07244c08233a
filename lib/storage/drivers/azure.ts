import type { Readable } from 'node:stream';
// Type only (erased): the package is a dependency of @azure/storage-blob.
import type { TokenCredential } from '@azure/core-auth';
import {
  BlobServiceClient,
  StorageSharedKeyCredential,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import type { ResolvedStorageConfig } from '../config.js';
import { readAzureKeyFile } from '../credentials/azure-json.js';
import { headAfterUpload, NotFoundError } from '../driver.js';
import type { ByteRange, ObjectInfo, StorageBackend } from '../driver.js';
import { md5PassThrough } from '../hashing.js';
import { ByteWindows, sendBody } from '../transfer/windows.js';

/** Medusa's fixed URL shape: https://<account>.blob.core.<host or windows.net>[:port]/ */
export function azureAccountUrl(config: ResolvedStorageConfig, account: string): string {
  if (config.endpoint) return config.endpoint;
  const port = config.port ? `:${config.port}` : '';
  return `https://${account}.blob.core.${config.host ?? 'windows.net'}${port}/`;
}

/** Content-MD5 in base64, or Medusa's `no-md5-hash` for blobs without one. */
function hashOf(md5: Uint8Array | undefined): string {
  return md5 && md5.length > 0 ? Buffer.from(md5).toString('base64') : 'no-md5-hash';
}

const TIERS: Record<string, 'Hot' | 'Cool' | 'Cold' | 'Archive'> = {
  HOT: 'Hot',
  COOL: 'Cool',
  COLD: 'Cold',
  ARCHIVE: 'Archive',
};

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/** Azure Blob Storage (and Azurite). */
export class AzureBackend implements StorageBackend {
  readonly provider = 'azure_blobs' as const;
  readonly bucket: string;

  private constructor(
    private readonly container: ContainerClient,
    private readonly config: ResolvedStorageConfig,
  ) {
    this.bucket = config.bucket;
  }

  static async create(config: ResolvedStorageConfig): Promise<AzureBackend> {
    // Retries are ours (Storage), with jitter and stream re-opening.
    const options: StoragePipelineOptions = { retryOptions: { maxTries: 1 } };
    let service: BlobServiceClient;
    if (config.keyFile) {
      const { storageAccount, key } = await readAzureKeyFile(config.keyFile);
      const credential = new StorageSharedKeyCredential(storageAccount, key);
      service = new BlobServiceClient(azureAccountUrl(config, storageAccount), credential, options);
    } else {
      const account = process.env.AZURE_STORAGE_ACCOUNT;
      if (!account)
        throw new Error('azure_blobs without keyFile needs AZURE_STORAGE_ACCOUNT (and a managed identity)');
      service = new BlobServiceClient(
        azureAccountUrl(config, account),
        await defaultAzureCredential(),
        options,
      );
    }
    return new AzureBackend(service.getContainerClient(config.bucket), config);
  }

  private get tier(): 'Hot' | 'Cool' | 'Cold' | 'Archive' | undefined {
    return this.config.storageClass ? TIERS[this.config.storageClass.toUpperCase()] : undefined;
  }

  async ensureBucket(): Promise<void> {
    await this.container.createIfNotExists();
  }

  async removeBucket(): Promise<void> {
    await this.container.deleteIfExists();
  }

  async putBytes(key: string, data: Buffer): Promise<ObjectInfo> {
    await this.container.getBlockBlobClient(key).upload(data, data.length, { tier: this.tier });
    return headAfterUpload(this, key);
  }

  /**
   * Below the threshold one Put Blob (the service records Content-MD5, as for Medusa's single-shot
   * uploads). Above it, blocks of multipartChunksize, each streamed as a window of the source with
   * its length (nothing buffered), one after another; the MD5 computed while streaming is set as
   * Content-MD5 when the block list is committed, so the blob carries a real hash instead of
   * `no-md5-hash`. A failed attempt leaves only uncommitted blocks, which the service discards.
   */
  async putStream(key: string, source: Readable, size: number): Promise<ObjectInfo> {
    const blob = this.container.getBlockBlobClient(key);
    const single = size < this.config.multiPartUploadThreshold;
    // Put Blob records Content-MD5 itself; blocks need the MD5 computed here.
    const { stream: hashing, md5 } = md5PassThrough();
    if (!single) source.on('error', (error) => hashing.destroy(error));
    const windows = new ByteWindows(single ? source : source.pipe(hashing));
    try {
      if (single) {
        const body = windows.take(size);
        await sendBody(body, (abortSignal) =>
          blob.upload(() => body, size, { tier: this.tier, abortSignal }),
        );
        await windows.end();
      } else {
        const ids: string[] = [];
        for (let offset = 0; offset < size; offset += this.config.multipartChunksize) {
          const length = Math.min(this.config.multipartChunksize, size - offset);
          // Every block id of a blob has the same length.
          const id = Buffer.from(`block-${String(ids.length).padStart(6, '0')}`).toString('base64');
          const body = windows.take(length);
          await sendBody(body, (abortSignal) => blob.stageBlock(id, () => body, length, { abortSignal }));
          ids.push(id);
        }
        await windows.end();
        await blob.commitBlockList(ids, {
          tier: this.tier,
          blobHTTPHeaders: { blobContentMD5: md5.digest() },
        });
      }
    } catch (error) {
      windows.destroy();
      source.destroy();
      throw error;
    }
    const info = await headAfterUpload(this, key);
    if (info.size !== size) throw new Error(`upload of ${key}: expected ${size} bytes, stored ${info.size}`);
    return info;
  }

  async getStream(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const response = await this.container
        .getBlobClient(key)
        .download(range?.start ?? 0, range ? range.end - range.start + 1 : undefined);
      const body = response.readableStreamBody;
      if (!body) throw new Error(`no body for ${key}`);
      return body as Readable;
    } catch (error) {
      if (statusOf(error) === 404) throw new NotFoundError(key);
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const properties = await this.container.getBlobClient(key).getProperties();
      return {
        key,
        size: properties.contentLength ?? 0,
        hash: hashOf(properties.contentMD5),
        lastModified: properties.lastModified ?? new Date(0),
      };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for await (const item of this.container.listBlobsFlat({ prefix, includeMetadata: true })) {
      // Directory placeholders of hierarchical-namespace accounts are not objects.
      if (item.metadata?.hdi_isfolder === 'true') continue;
      yield {
        key: item.name,
        size: item.properties.contentLength ?? 0,
        hash: hashOf(item.properties.contentMD5),
        lastModified: item.properties.lastModified,
      };
    }
  }

  async delete(key: string): Promise<void> {
    await this.container.getBlobClient(key).deleteIfExists();
  }

  async close(): Promise<void> {}
}

/**
 * Managed identity / workload identity via @azure/identity, loaded only when needed: it is not a
 * declared dependency of this package yet (see docs/storage.md).
 */
async function defaultAzureCredential(): Promise<TokenCredential> {
  const name = '@azure/identity';
  try {
    const identity = (await import(name)) as { DefaultAzureCredential: new () => TokenCredential };
    return new identity.DefaultAzureCredential();
  } catch (error) {
    throw new Error(
      `azure_blobs without keyFile needs the @azure/identity package: ${(error as Error).message}`,
    );
  }
}
