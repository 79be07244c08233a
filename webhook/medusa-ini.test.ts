import { describe, expect, it } from 'vitest';
import { validateMedusaConfiguration, type Storage } from '../crds/index.js';
import { grpcPortOf, renderMedusaIni } from './medusa-ini.js';

/** storageProperties with the CRD defaults applied, as read back from the apiserver. */
function storage(fields: object): Storage {
  const checked = validateMedusaConfiguration({
    apiVersion: 'medusa.k8ssandra.io/v1alpha1',
    kind: 'MedusaConfiguration',
    metadata: { name: 'c' },
    spec: { storageProperties: fields },
  });
  if (!checked.ok || !checked.value.spec?.storageProperties) throw new Error(JSON.stringify(checked));
  return checked.value.spec.storageProperties;
}

describe('renderMedusaIni', () => {
  it('renders what k8ssandra-operator renders for an S3-compatible bucket', () => {
    const ini = renderMedusaIni({
      storage: storage({
        storageProvider: 's3_compatible',
        bucketName: 'k8ssandra-medusa',
        storageSecretRef: { name: 'medusa-bucket-key' },
        host: 'minio-service.minio.svc.cluster.local',
        port: 9000,
        secure: false,
      }),
      prefix: 'demo',
    });
    expect(ini).toBe(
      [
        '    [cassandra]',
        '    use_sudo = false',
        '',
        '    [storage]',
        '    use_sudo_for_restore = false',
        '    storage_provider = s3_compatible',
        '    bucket_name = k8ssandra-medusa',
        '    key_file = /etc/medusa-secrets/credentials',
        '    prefix = demo',
        '    max_backup_age = 0',
        '    max_backup_count = 0',
        '    host = minio-service.minio.svc.cluster.local',
        '    port = 9000',
        '    secure = False',
        '    ssl_verify = False',
        '    transfer_max_bandwidth = 50MB/s',
        '    concurrent_transfers = 1',
        '    multi_part_upload_threshold = 104857600',
        '',
        '    [grpc]',
        '    enabled = 1',
        '',
        '    [logging]',
        '    level = DEBUG',
        '',
        '    [kubernetes]',
        '    use_mgmt_api = 1',
        '    enabled = 1',
        '    cassandra_url = http://127.0.0.1:8080/api/v0/ops/node/snapshots',
        '',
      ].join('\n'),
    );
  });

  it('adds TLS paths for gRPC encryption, the management API and client certificates', () => {
    const ini = renderMedusaIni({
      storage: storage({
        storageProvider: 'google_storage',
        bucketName: 'b',
        credentialsType: 'role-based',
        concurrentTransfers: 4,
      }),
      prefix: 'p',
      serviceProperties: { grpcPort: 50055, encryption: { clientSecretName: 'c', serverSecretName: 's' } },
      certificatesSecretRef: { name: 'certs' },
      managementApiTls: true,
    });
    expect(ini).not.toContain('key_file');
    expect(ini).toContain('    concurrent_transfers = 4');
    expect(ini).toContain('    port = 50055');
    expect(ini).toContain('    tls_cert = /etc/certificates/grpc-server-certs/tls.crt');
    expect(ini).toContain('    certfile = /etc/certificates/rootca.crt');
    expect(ini).toContain('    cassandra_url = https://127.0.0.1:8080/api/v0/ops/node/snapshots');
    expect(ini).toContain('    ca_cert = /etc/encryption/mgmt/ca.crt');
  });

  it('maps clientEncryptionStores the way k8ssandra-operator does, one line per key set', () => {
    const ini = renderMedusaIni({
      storage: storage({ storageProvider: 's3', bucketName: 'bkt', credentialsType: 'role-based' }),
      prefix: 'p',
      clientEncryptionStores: {
        keystoreSecretRef: { name: 'ks', key: 'keystore.jks' },
        truststoreSecretRef: { name: 'ts', key: 'truststore.jks' },
      },
    });
    expect(ini).toContain('    certfile = /etc/certificates/certfile/keystore.jks');
    expect(ini).toContain('    usercert = /etc/certificates/usercert/truststore.jks');
    expect(ini).not.toContain('userkey');
  });

  it('refuses a value that would add lines to the file', () => {
    expect(() =>
      renderMedusaIni({
        storage: storage({ storageProvider: 's3', bucketName: 'b', credentialsType: 'role-based' }),
        prefix: 'a\nkey_file = /etc/passwd',
      }),
    ).toThrow(/\[storage\] prefix: value contains a line break/);
  });

  it('uses 50051 when grpcPort is 0 or unset', () => {
    expect(grpcPortOf(undefined)).toBe(50051);
    expect(grpcPortOf({ grpcPort: 0 })).toBe(50051);
    expect(grpcPortOf({ grpcPort: 6000 })).toBe(6000);
  });
});

describe('the agent reads what the webhook renders', () => {
  it('parses every section without warnings and sees the same storage settings', async () => {
    const { parseMedusaIni } = await import('../agent/config/medusa-ini.js');
    const ini = renderMedusaIni({
      storage: storage({
        storageProvider: 's3_compatible',
        bucketName: 'k8ssandra-medusa',
        storageSecretRef: { name: 'medusa-bucket-key' },
        host: 'minio.minio.svc',
        port: 9000,
        secure: true,
        sslVerify: true,
        maxBackupCount: 7,
        concurrentTransfers: 4,
        backupGracePeriodInDays: 3,
        region: 'us-east-1',
      }),
      prefix: 'demo',
      serviceProperties: { grpcPort: 50055, encryption: { clientSecretName: 'c', serverSecretName: 's' } },
    });
    const parsed = parseMedusaIni(ini, 'MEDUSA_INI');
    expect(parsed.warnings).toEqual([]);
    expect(parsed.config.storage).toMatchObject({
      storageProvider: 's3_compatible',
      bucketName: 'k8ssandra-medusa',
      keyFile: '/etc/medusa-secrets/credentials',
      prefix: 'demo',
      host: 'minio.minio.svc',
      port: 9000,
      secure: true,
      sslVerify: true,
      maxBackupCount: 7,
      concurrentTransfers: 4,
      backupGracePeriodInDays: 3,
      transferMaxBandwidth: 50 * 1024 * 1024,
      multiPartUploadThreshold: 104857600,
      region: 'us-east-1',
    });
  });
});
