import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEnvironment, applyK8sSecrets, applyOverrides, resolveFqdn } from './environment.js';
import { IniSyntaxError, parseIni } from './ini.js';
import { ConfigError, formatMedusaIni, loadMedusaIni, medusaConfig, parseMedusaIni } from './medusa-ini.js';

// What k8ssandra-operator renders into the <cluster>-medusa ConfigMap: every line indented by 4 spaces.
const k8ssandraIni = `
    [cassandra]
    use_sudo = false

    [storage]
    use_sudo_for_restore = false
    storage_provider = s3_compatible
    bucket_name = k8ssandra-medusa
    key_file = /etc/medusa-secrets/credentials
    prefix = demo
    max_backup_age = 0
    max_backup_count = 0
    host = minio.minio.svc.cluster.local
    port = 9000
    secure = False
    ssl_verify = False
    transfer_max_bandwidth = 50MB/s
    concurrent_transfers = 1
    multi_part_upload_threshold = 104857600

    [grpc]
    enabled = 1

    [logging]
    level = DEBUG

    [kubernetes]
    use_mgmt_api = 1
    enabled = 1
    cassandra_url = http://127.0.0.1:8080/api/v0/ops/node/snapshots
`;

describe('parseMedusaIni', () => {
  it("reads k8ssandra-operator's indented medusa.ini into typed values", () => {
    const { config, warnings } = parseMedusaIni(k8ssandraIni);
    expect(warnings).toEqual([]);
    expect(config.storage).toMatchObject({
      storageProvider: 's3_compatible',
      bucketName: 'k8ssandra-medusa',
      keyFile: '/etc/medusa-secrets/credentials',
      prefix: 'demo',
      host: 'minio.minio.svc.cluster.local',
      port: 9000,
      secure: false,
      sslVerify: false,
      transferMaxBandwidth: 50 * 1024 * 1024,
      concurrentTransfers: 1,
      multiPartUploadThreshold: 104857600,
      useSudoForRestore: false,
    });
    expect(config.cassandra.useSudo).toBe(false);
    expect(config.grpc).toMatchObject({ enabled: true, port: 50051 });
    expect(config.logging.level).toBe('DEBUG');
    expect(config.kubernetes).toEqual({
      enabled: true,
      useMgmtApi: true,
      cassandraUrl: 'http://127.0.0.1:8080/api/v0/ops/node/snapshots',
    });
  });

  it("applies cassandra-medusa's defaults for keys the file leaves out", () => {
    const { config } = parseMedusaIni(
      '[storage]\nstorage_provider = local\nbucket_name = b\nbase_path = /mnt\n',
    );
    expect(config.storage).toMatchObject({
      maxBackupAge: 0,
      maxBackupCount: 0,
      concurrentTransfers: 1,
      multiPartUploadThreshold: 20 * 1024 * 1024,
      multipartChunksize: 50 * 1024 * 1024,
      multipartMaxConcurrency: 4,
      backupGracePeriodInDays: 10,
      secure: true,
      sslVerify: false,
      region: 'default',
      hostFileSeparator: ',',
      useSudoForRestore: true,
    });
    expect(config.storage.prefix).toBeUndefined();
    expect(config.cassandra).toMatchObject({
      configFile: '/etc/cassandra/cassandra.yaml',
      nodetoolExecutable: 'nodetool',
      nodetoolFlags: '-Dcom.sun.jndi.rmiURLParsing=legacy',
      resolveIpAddresses: true,
      useSudo: true,
      nodetoolSsl: false,
    });
    expect(config.checks).toMatchObject({
      enableMd5Checks: false,
      md5CheckConcurrency: 1,
      healthCheck: 'cql',
    });
    expect(config.grpc).toMatchObject({ enabled: false, port: 50051, maxSendMessageLength: 536870912 });
    expect(config.kubernetes).toEqual({ enabled: false, useMgmtApi: false });
    expect(config.monitoring).toEqual({ monitoringProvider: 'None', sendBackupNameTag: false });
  });

  it('accepts every boolean spelling configparser accepts, and "key: value"', () => {
    const { config } = parseMedusaIni(
      '[storage]\nstorage_provider: s3\nbucket_name: b\nsecure: off\nssl_verify = YES\n[checks]\nenable_md5_checks = on\n',
    );
    expect(config.storage.secure).toBe(false);
    expect(config.storage.sslVerify).toBe(true);
    expect(config.checks.enableMd5Checks).toBe(true);
  });

  it('names section and key in type errors', () => {
    const base = '[storage]\nstorage_provider = s3\nbucket_name = b\n';
    expect(() => parseMedusaIni(base + 'concurrent_transfers = four\n')).toThrow(
      "[storage] concurrent_transfers: 'four' is not an integer",
    );
    expect(() => parseMedusaIni(base + 'secure = maybe\n')).toThrow(
      "[storage] secure: 'maybe' is not a boolean",
    );
    expect(() => parseMedusaIni(base + 'multipart_chunksize = lots\n')).toThrow(
      "[storage] multipart_chunksize: 'lots' is not a size",
    );
    expect(() => parseMedusaIni(base + '[cassandra]\nnodetool_port = x\n')).toThrow(
      "[cassandra] nodetool_port: 'x' is not an integer",
    );
  });

  it('rejects what cassandra-medusa rejects or mishandles', () => {
    expect(() => parseMedusaIni('[storage]\nbucket_name = b\n')).toThrow(
      '[storage] storage_provider: is required',
    );
    expect(() => parseMedusaIni('[storage]\nstorage_provider = s3\n')).toThrow(
      '[storage] bucket_name: is required',
    );
    expect(() => parseMedusaIni('[cassandra]\nuse_sudo = false\n')).toThrow('[storage] section is missing');
    const s3 = '[storage]\nstorage_provider = s3\n';
    expect(() => parseMedusaIni(s3 + 'bucket_name = a/b\n')).toThrow("[storage] bucket_name: 'a/b' must not");
    expect(() => parseMedusaIni(s3 + 'bucket_name = b\nprefix = x/y\n')).toThrow('[storage] prefix');
    expect(() => parseMedusaIni(s3 + 'bucket_name = b\nprefix = x\n')).toThrow('one character');
    expect(() => parseMedusaIni('[storage]\nstorage_provider = local\nbucket_name = b\n')).toThrow(
      '[storage] base_path: is required for storage_provider = local',
    );
    expect(() => parseMedusaIni('[storage]\nstorage_provider = dropbox\nbucket_name = b\n')).toThrow(
      "[storage] storage_provider: 'dropbox' is not a storage provider",
    );
  });

  it('warns about unknown sections and keys instead of failing, as Medusa ignores them', () => {
    const { warnings } = parseMedusaIni(
      '[storage]\nstorage_provider = s3\nbucket_name = b\nbukcet = x\n[extras]\na = 1\n',
    );
    expect(warnings).toEqual([
      'unknown key [storage] bukcet is ignored',
      'unknown section [extras] is ignored',
    ]);
  });

  it('treats empty values as unset, and accepts legacy provider names starting with s3', () => {
    const { config } = parseMedusaIni(
      '[storage]\nstorage_provider = s3_us_west_oregon\nbucket_name = b\nprefix =\nport =\n[kubernetes]\ncassandra_url = None\n',
    );
    expect(config.storage.prefix).toBeUndefined();
    expect(config.storage.port).toBeUndefined();
    expect(config.kubernetes.cassandraUrl).toBeUndefined();
  });

  it('reads a file and reports a missing one with its path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medusa-ini-'));
    const path = join(dir, 'medusa.ini');
    writeFileSync(path, k8ssandraIni);
    expect((await loadMedusaIni(path)).config.storage.prefix).toBe('demo');
    await expect(loadMedusaIni(join(dir, 'nope.ini'))).rejects.toThrow(
      `cannot read config file ${dir}/nope.ini`,
    );
  });
});

describe('formatMedusaIni', () => {
  it('writes only non-default keys that parse back to the same config', () => {
    const config = medusaConfig({
      storage: {
        storageProvider: 's3_compatible',
        bucketName: 'bucket',
        prefix: 'team',
        host: '127.0.0.1',
        port: 19000,
        secure: false,
        multipartChunksize: 64 * 1024 * 1024,
        transferMaxBandwidth: 100 * 1024 * 1024,
        concurrentTransfers: 4,
      },
      cassandra: { configFile: '/opt/cassandra/conf/cassandra.yaml', cqlUsername: 'medusa' },
      kubernetes: {
        enabled: true,
        useMgmtApi: true,
        cassandraUrl: 'http://127.0.0.1:8080/api/v0/ops/node/snapshots',
      },
    });
    const text = formatMedusaIni(config);
    expect(text).toContain('multipart_chunksize = 64MB\n');
    expect(text).toContain('transfer_max_bandwidth = 100MB/s\n');
    expect(text).toContain('secure = False\n');
    expect(text).not.toContain('max_backup_age');
    expect(text).not.toContain('[grpc]');
    expect(parseMedusaIni(text).config).toEqual(config);
    expect(parseMedusaIni(formatMedusaIni(config, { complete: true })).config).toEqual(config);
  });
});

describe('parseIni', () => {
  it('joins deeper-indented continuation lines and rejects duplicates like configparser (strict)', () => {
    const sections = parseIni('[a]\nkey = one\n  two\nother = 3\n');
    expect(sections.get('a')?.get('key')).toBe('one\ntwo');
    expect(sections.get('a')?.get('other')).toBe('3');
    expect(() => parseIni('[a]\nk = 1\nK = 2\n')).toThrow(IniSyntaxError);
    expect(() => parseIni('[a]\n[a]\n')).toThrow('section [a] appears twice');
    expect(() => parseIni('k = 1\n', 'medusa.ini')).toThrow(
      "medusa.ini:1: 'k = 1' comes before any [section]",
    );
  });

  it('inherits [DEFAULT] values and skips comment lines but keeps # inside values', () => {
    const sections = parseIni('[DEFAULT]\nshared = x\n# comment\n[s]\n; note\nv = a#b\n');
    expect(sections.get('s')?.get('shared')).toBe('x');
    expect(sections.get('s')?.get('v')).toBe('a#b');
  });
});

describe('environment', () => {
  const base = () => parseMedusaIni(k8ssandraIni).config;

  it('gives POD_IP as the fqdn in Kubernetes mode and takes credentials from the environment', () => {
    const config = applyEnvironment(base(), {
      POD_IP: '10.1.2.3',
      CQL_USERNAME: 'legacy',
      MEDUSA_CQL_USERNAME: 'new',
      MEDUSA_CQL_PASSWORD: 'pw',
      MEDUSA_NODETOOL_USERNAME: 'jmx',
    });
    expect(config.storage.fqdn).toBe('10.1.2.3');
    expect(config.cassandra).toMatchObject({
      cqlUsername: 'new',
      cqlPassword: 'pw',
      nodetoolUsername: 'jmx',
    });
  });

  it('forces sudo off in Kubernetes mode, whatever the file says', () => {
    const { config } = parseMedusaIni(
      '[storage]\nstorage_provider = s3\nbucket_name = b\nuse_sudo_for_restore = true\n[cassandra]\nuse_sudo = true\n[kubernetes]\nenabled = true\n',
    );
    const effective = applyEnvironment(config, {});
    expect(effective.cassandra.useSudo).toBe(false);
    expect(effective.storage.useSudoForRestore).toBe(false);
  });

  it('reads credentials from mounted secret files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medusa-secret-'));
    writeFileSync(join(dir, 'username'), 'cql-user\n');
    writeFileSync(join(dir, 'password'), 's3cret\n');
    const config = await applyK8sSecrets(applyEnvironment(base(), { MEDUSA_CQL_K8S_SECRETS_PATH: dir }));
    expect(config.cassandra).toMatchObject({ cqlUsername: 'cql-user', cqlPassword: 's3cret' });
  });

  it('lets command-line overrides win and falls back to the host name for the fqdn', async () => {
    const config = applyOverrides(base(), { prefix: 'other', bucketName: 'b2', backupGracePeriodInDays: 3 });
    expect(config.storage).toMatchObject({ prefix: 'other', bucketName: 'b2', backupGracePeriodInDays: 3 });
    expect((await resolveFqdn(config)).storage.fqdn).toMatch(/\S/);
    expect(() => applyEnvironment(base(), { MEDUSA_RESOLVE_IP_ADDRESSES: 'perhaps' })).toThrow(ConfigError);
  });
});
