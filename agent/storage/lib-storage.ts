import {
  Storage,
  storageProviders,
  type StorageConfig,
  type StorageProvider,
} from '../../lib/storage/index.js';
import type { Readable } from 'node:stream';
import type { ExpectedContent } from '../../lib/storage/hashing.js';
import type { TransferProgress } from '../../lib/storage/transfer/counter.js';
import type { StorageSection } from '../config/types.js';
import type { ObjectStore, StoredObject } from './object-store.js';

/**
 * lib/storage's settings from medusa.ini's [storage]. Legacy provider names such as
 * `s3_us_west_oregon` run as `s3`; `region = default` lets the driver derive the region as Medusa does.
 */
export function storageConfigFor(storage: StorageSection): StorageConfig {
  const name = storage.storageProvider;
  const provider: StorageProvider = (storageProviders as readonly string[]).includes(name)
    ? (name as StorageProvider)
    : 's3';
  return {
    provider,
    bucket: storage.bucketName,
    prefix: storage.prefix,
    basePath: storage.basePath,
    keyFile: storage.keyFile,
    apiProfile: storage.apiProfile || undefined,
    host: storage.host,
    port: storage.port,
    secure: storage.secure,
    sslVerify: storage.sslVerify,
    region: storage.region === 'default' ? undefined : storage.region,
    addressingStyle: storage.s3AddressingStyle as StorageConfig['addressingStyle'],
    storageClass: storage.storageClass,
    kmsId: storage.kmsId,
    sseCKey: storage.sseCKey,
    concurrentTransfers: storage.concurrentTransfers,
    multiPartUploadThreshold: storage.multiPartUploadThreshold,
    multipartChunksize: storage.multipartChunksize,
    multipartMaxConcurrency: storage.multipartMaxConcurrency,
    transferMaxBandwidth: storage.transferMaxBandwidth,
    readTimeoutSeconds: storage.readTimeout,
  };
}

/** lib/storage's Storage as the agent's ObjectStore (downloadFile resolves with the byte count). */
export class LibStorageStore implements ObjectStore {
  constructor(readonly storage: Storage) {}

  static async open(storage: StorageSection): Promise<LibStorageStore> {
    return new LibStorageStore(await Storage.open(storageConfigFor(storage)));
  }

  get provider(): string {
    return this.storage.provider;
  }

  putBytes(key: string, data: Buffer | string): Promise<StoredObject> {
    return this.storage.putBytes(key, data);
  }

  uploadFile(key: string, path: string, onProgress?: TransferProgress): Promise<StoredObject> {
    return this.storage.uploadFile(key, path, onProgress);
  }

  async downloadFile(
    key: string,
    path: string,
    onProgress?: TransferProgress,
    expected?: ExpectedContent,
  ): Promise<number> {
    return (await this.storage.downloadFile(key, path, onProgress, expected)).size;
  }

  readBytes(key: string): Promise<Buffer> {
    return this.storage.readBytes(key);
  }

  openRead(key: string): Promise<Readable> {
    return this.storage.download(key);
  }

  head(key: string): Promise<StoredObject | undefined> {
    return this.storage.head(key);
  }

  list(prefix: string): Promise<StoredObject[]> {
    return this.storage.list(prefix);
  }

  delete(key: string): Promise<void> {
    return this.storage.delete(key);
  }

  close(): Promise<void> {
    return this.storage.close();
  }
}
