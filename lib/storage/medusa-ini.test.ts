import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { storageSettingsFromMedusaIni } from './medusa-ini.js';

describe('medusa.ini [storage]', () => {
  it('maps an s3_compatible section with Medusa defaults', () => {
    const settings = storageSettingsFromMedusaIni(`[cassandra]
config_file = /etc/cassandra/cassandra.yaml

[storage]
storage_provider = s3_compatible
bucket_name = backups
key_file = /etc/medusa/credentials
host = minio.minio.svc
port = 9000
secure = False
region = default
s3_addressing_style = path
prefix = clusterA
fqdn = 10.0.0.1
multi_part_upload_threshold = 1024
concurrent_transfers = 4
max_backup_count = 7
`);
    expect(settings).toMatchObject({
      fqdn: '10.0.0.1',
      backupGracePeriodDays: 10,
      maxBackupCount: 7,
      maxBackupAgeDays: 0,
    });
    const config = resolveConfig(settings.config);
    expect(config).toMatchObject({
      provider: 's3_compatible',
      bucket: 'backups',
      host: 'minio.minio.svc',
      port: 9000,
      secure: false,
      addressingStyle: 'path',
      prefix: 'clusterA',
      multiPartUploadThreshold: 1024,
      multipartChunksize: 50 * 1024 * 1024,
      concurrentTransfers: 4,
      transferMaxBandwidth: 50 * 1024 * 1024,
    });
  });

  it('maps legacy s3 provider names and rejects unknown providers', () => {
    expect(
      storageSettingsFromMedusaIni('[storage]\nstorage_provider = s3_us_west_oregon\nbucket_name = b\n')
        .config.provider,
    ).toBe('s3');
    expect(() =>
      storageSettingsFromMedusaIni('[storage]\nstorage_provider = ftp\nbucket_name = b\n'),
    ).toThrow(/unknown/);
    expect(() => storageSettingsFromMedusaIni('[storage]\nbucket_name = b\n')).toThrow(/storage_provider/);
    expect(() =>
      storageSettingsFromMedusaIni('[storage]\nstorage_provider = local\nbucket_name = b\nsecure = maybe\n'),
    ).toThrow(/boolean/);
  });
});
