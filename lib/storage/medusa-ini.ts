import { readFile } from 'node:fs/promises';
import { storageProviders, type StorageConfig, type StorageProvider } from './config.js';
import { parseIni } from './credentials/aws-ini.js';

/** What a medusa.ini `[storage]` section says, mapped onto our config. */
export interface MedusaStorageSettings {
  config: StorageConfig;
  fqdn?: string;
  backupGracePeriodDays: number;
  maxBackupAgeDays: number;
  maxBackupCount: number;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

function bool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  const lower = value.toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return false;
  throw new Error(`'${value}' is not a boolean`);
}

function int(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new Error(`'${value}' is not an integer`);
  return parsed;
}

/**
 * Reads the `[storage]` section of a cassandra-medusa config, so a node already configured for
 * Medusa (e.g. by k8ssandra-operator) can be pointed at the same bucket unchanged. Legacy
 * provider names starting with `s3` map to `s3`.
 */
export function storageSettingsFromMedusaIni(text: string): MedusaStorageSettings {
  const section = parseIni(text).get('storage');
  if (!section) throw new Error('medusa.ini has no [storage] section');
  const get = (key: string): string | undefined => {
    const value = section.get(key);
    return value === undefined || value === '' || value === 'None' ? undefined : value;
  };
  const rawProvider = get('storage_provider');
  const bucket = get('bucket_name');
  if (!rawProvider || !bucket) throw new Error('medusa.ini [storage] needs storage_provider and bucket_name');
  const provider: StorageProvider = (storageProviders as readonly string[]).includes(rawProvider)
    ? (rawProvider as StorageProvider)
    : rawProvider.startsWith('s3')
      ? 's3'
      : (() => {
          throw new Error(`unknown storage_provider '${rawProvider}'`);
        })();
  const style = get('s3_addressing_style');
  const port = get('port');
  const config: StorageConfig = {
    provider,
    bucket,
    prefix: get('prefix'),
    basePath: get('base_path'),
    keyFile: get('key_file'),
    apiProfile: get('api_profile'),
    host: get('host'),
    port: port ? int(port, 0) : undefined,
    secure: bool(get('secure'), true),
    sslVerify: bool(get('ssl_verify'), false),
    region: get('region'),
    addressingStyle: style === 'path' || style === 'virtual' ? style : 'auto',
    storageClass: get('storage_class'),
    kmsId: get('kms_id'),
    sseCKey: get('sse_c_key'),
    concurrentTransfers: int(get('concurrent_transfers'), 1),
    multiPartUploadThreshold: get('multi_part_upload_threshold') ?? '20MB',
    multipartChunksize: get('multipart_chunksize') ?? '50MB',
    multipartMaxConcurrency: int(get('multipart_max_concurrency'), 4),
    transferMaxBandwidth: get('transfer_max_bandwidth') ?? '50MB/s',
    readTimeoutSeconds: get('read_timeout') ? int(get('read_timeout'), 0) : undefined,
  };
  // Drop undefined keys so spreading over defaults keeps the defaults.
  for (const key of Object.keys(config) as (keyof StorageConfig)[]) {
    if (config[key] === undefined) delete config[key];
  }
  return {
    config,
    fqdn: get('fqdn'),
    backupGracePeriodDays: int(get('backup_grace_period_in_days'), 10),
    maxBackupAgeDays: int(get('max_backup_age'), 0),
    maxBackupCount: int(get('max_backup_count'), 0),
  };
}

export async function readMedusaIni(path: string): Promise<MedusaStorageSettings> {
  return storageSettingsFromMedusaIni(await readFile(path, 'utf8'));
}
