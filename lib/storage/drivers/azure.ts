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
   * uploads). Above it, blocks of multipartChunksize; the MD5 computed while streaming is then set
   * as Content-MD5 so the blob carries a real hash instead of `no-md5-hash`.
   */
  async putStream(key: string, source: Readable, size: number): Promise<ObjectInfo> {
    const blob = this.container.getBlockBlobClient(key);
    if (size < this.config.multiPartUploadThreshold) {
      await blob.upload(() => source, size, { tier: this.tier });
    } else {
      const { stream: hashing, md5 } = md5PassThrough();
      source.on('error', (error) => hashing.destroy(error));
      await blob.uploadStream(
        source.pipe(hashing),
        this.config.multipartChunksize,
        this.config.multipartMaxConcurrency,
        { tier: this.tier },
      );
      await blob.setHTTPHeaders({ blobContentMD5: md5.digest() });
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
