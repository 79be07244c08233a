/**
 * Storage for kubectl-medusa: drivers for every cassandra-medusa provider and the repository that
 * reads and writes Medusa's bucket layout.
 */
export * from './config.js';
export * from './driver.js';
export * from './sizes.js';
export * from './hashing.js';
export { Storage, createBackend, type DownloadedFile, type StorageHooks } from './storage.js';
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
export {
  BackupRepository,
  type RepositoryOptions,
  type StartNodeBackup,
  type VerifyProblem,
  type OrphanCleanup,
} from './repository/repository.js';
export {
  NodeBackupWriter,
  type BackupMode,
  type NodeBackupSpec,
  type UploadSummary,
} from './repository/writer.js';
export { BucketLayout, type MetaFile } from './repository/layout.js';
export { clusterBackupFrom, type ClusterBackup } from './repository/cluster.js';
export {
  nodeBackupsFromIndex,
  parseIndexKey,
  type IndexedNodeBackup,
  type IndexFileKind,
} from './repository/index-listing.js';
export {
  parseManifest,
  serializeManifest,
  serializeServerVersion,
  manifestTotals,
  type Manifest,
  type ManifestObject,
  type ManifestSection,
  type ServerVersion,
} from './repository/manifest.js';
export { parseTokenMap, serializeTokenMap, type TokenMap, type TokenMapHost } from './repository/tokenmap.js';
export { dumpsPython, parseExact, type PyJson } from './repository/pyjson.js';
export {
  INDEX_WORDS,
  InvalidNameError,
  assertNoPrefixCollision,
  validateBackupName,
  validateFqdn,
  validatePrefix,
} from './repository/names.js';
export { snapshotTables, type SnapshotFile, type SnapshotTable } from './repository/snapshot-files.js';
export { readMedusaIni, storageSettingsFromMedusaIni, type MedusaStorageSettings } from './medusa-ini.js';
