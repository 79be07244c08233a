import { parseSize } from './sizes.js';

export const storageProviders = [
  'local',
  's3',
  's3_compatible',
  's3_rgw',
  'ibm_storage',
  'azure_blobs',
  'google_storage',
] as const;
export type StorageProvider = (typeof storageProviders)[number];

/**
 * Storage settings, named after medusa.ini's `[storage]` keys in camelCase. Sizes accept Medusa's
 * strings (`50MB`) or byte counts.
 */
export interface StorageConfig {
  provider: StorageProvider;
  /** Bucket, container, or (local) sub-directory of basePath. */
  bucket: string;
  /** Multi-tenancy folder prepended to every key (no `/`, not one character). */
  prefix?: string;
  /** local: root directory holding the bucket directory. */
  basePath?: string;
  /** Credentials file in Medusa's format for the provider (AWS INI, GCS service account, Azure JSON). */
  keyFile?: string;
  /** AWS profile inside keyFile. */
  apiProfile?: string;
  /** s3_compatible / s3_rgw / ibm_storage endpoint host (Azure: blob.core.<host> suffix). */
  host?: string;
  port?: number;
  /** https when true (default true). */
  secure?: boolean;
  /** Verify TLS certificates (Medusa's default is false). */
  sslVerify?: boolean;
  region?: string;
  /** S3 addressing: 'auto' (default), 'path' or 'virtual'. */
  addressingStyle?: 'auto' | 'path' | 'virtual';
  /** Full endpoint URL; overrides host/port/secure (emulators, Azurite, fake-gcs-server). */
  endpoint?: string;
  storageClass?: string;
  kmsId?: string;
  /** SSE-C key: base64 of 32 bytes. */
  sseCKey?: string;
  concurrentTransfers?: number;
  multiPartUploadThreshold?: string | number;
  multipartChunksize?: string | number;
  multipartMaxConcurrency?: number;
  /** Limit on the driver's aggregate transfer rate, e.g. `50MB/s`; 0 or absent = unlimited. */
  transferMaxBandwidth?: string | number;
  /** Attempts per operation for transient failures (default 5). */
  retryAttempts?: number;
  /** First back-off delay in ms (default 500); doubles per attempt, with full jitter. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  readTimeoutSeconds?: number;
  /** Google Cloud project (fake-gcs-server needs one; real GCS takes it from the key file). */
  projectId?: string;
}

/** Config with defaults applied and sizes in bytes. */
export interface ResolvedStorageConfig extends StorageConfig {
  secure: boolean;
  sslVerify: boolean;
  concurrentTransfers: number;
  multiPartUploadThreshold: number;
  multipartChunksize: number;
  multipartMaxConcurrency: number;
  transferMaxBandwidth: number;
  retryAttempts: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
}

/** Medusa's defaults (medusa/config.py). transferMaxBandwidth defaults to unlimited here. */
export function resolveConfig(config: StorageConfig): ResolvedStorageConfig {
  if (!storageProviders.includes(config.provider)) {
    throw new Error(`unknown storage provider '${String(config.provider)}'`);
  }
  if (!config.bucket || config.bucket.includes('/')) {
    throw new Error(`bucket name '${config.bucket}' must be non-empty and contain no '/'`);
  }
  const resolved: ResolvedStorageConfig = {
    ...config,
    secure: config.secure ?? true,
    sslVerify: config.sslVerify ?? false,
    concurrentTransfers: config.concurrentTransfers ?? 1,
    multiPartUploadThreshold: parseSize(config.multiPartUploadThreshold ?? '20MB'),
    multipartChunksize: parseSize(config.multipartChunksize ?? '50MB'),
    multipartMaxConcurrency: config.multipartMaxConcurrency ?? 4,
    transferMaxBandwidth: parseSize(config.transferMaxBandwidth ?? 0),
    retryAttempts: config.retryAttempts ?? 5,
    retryBaseDelayMs: config.retryBaseDelayMs ?? 500,
    retryMaxDelayMs: config.retryMaxDelayMs ?? 30_000,
  };
  if (resolved.concurrentTransfers < 1) throw new Error('concurrentTransfers must be at least 1');
  if (resolved.multipartChunksize < 5 * 1024 * 1024 && isS3(resolved.provider)) {
    throw new Error('multipartChunksize must be at least 5MB on S3 (the minimum part size)');
  }
  if (resolved.provider === 'local' && !resolved.basePath) throw new Error('local storage needs basePath');
  return resolved;
}

export function isS3(provider: StorageProvider): boolean {
  return provider.startsWith('s3') || provider === 'ibm_storage';
}
