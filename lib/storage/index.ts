/**
 * Storage for kubectl-medusa: drivers for every cassandra-medusa provider and the repository that
 * reads and writes Medusa's bucket layout.
 */
export * from './config.js';
export * from './driver.js';
export * from './sizes.js';
export * from './hashing.js';
export { Storage, createBackend, type StorageHooks } from './storage.js';
export { LocalBackend } from './drivers/local.js';
export {
  S3Backend,
  s3ClientConfig,
  s3Encryption,
  s3Endpoint,
  s3Region,
  type S3Encryption,
} from './drivers/s3.js';
export { AzureBackend, azureAccountUrl } from './drivers/azure.js';
export { GcsBackend } from './drivers/gcs.js';
export { awsKeyPairFromIni, parseIni, readAwsKeyFile, type AwsKeyPair } from './credentials/aws-ini.js';
export { parseAzureKeyFile, readAzureKeyFile, type AzureAccountKey } from './credentials/azure-json.js';
export { parseGcsKeyFile, readGcsKeyFile, type GcsServiceAccount } from './credentials/gcs-json.js';
export { Bandwidth, throttled } from './transfer/throttle.js';
export { backoffDelay, isTransient, withRetry, type RetryPolicy } from './transfer/retry.js';
export { Limiter, mapLimited } from './transfer/limiter.js';
