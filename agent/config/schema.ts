// medusa.ini keys, their types and cassandra-medusa's defaults (medusa/config.py, release 0.30).
// One table per section is the single source for both the parser and the writer.

export type KeyType = 'string' | 'int' | 'bool' | 'size' | 'bandwidth';

export interface KeySpec {
  /** Property name in the typed config (camelCase). */
  prop: string;
  /** Key name in medusa.ini. */
  key: string;
  type: KeyType;
  /** Medusa's default; undefined means "not set". Sizes are given as Medusa writes them. */
  default?: string;
  required?: boolean;
  /** Inclusive bounds of an int, size or bandwidth value; anything outside is refused. */
  min?: number;
  max?: number;
}

const s = (prop: string, key: string, def?: string): KeySpec => ({ prop, key, type: 'string', default: def });
const i = (prop: string, key: string, def?: string): KeySpec => ({ prop, key, type: 'int', default: def });
/** An int within [min, max]. */
const n = (prop: string, key: string, def: string | undefined, min: number, max: number): KeySpec => ({
  ...i(prop, key, def),
  min,
  max,
});
const port = (prop: string, key: string, def?: string) => n(prop, key, def, 1, 65535);
const DAYS = 36500;
/** Files or requests in flight: beyond this a value is a typo, and would exhaust sockets and memory. */
const IN_FLIGHT = 512;
const b = (prop: string, key: string, def?: string): KeySpec => ({ prop, key, type: 'bool', default: def });

export const sectionSpecs = {
  storage: [
    { ...s('storageProvider', 'storage_provider'), required: true },
    { ...s('bucketName', 'bucket_name'), required: true },
    s('keyFile', 'key_file'),
    s('prefix', 'prefix'),
    s('fqdn', 'fqdn'),
    s('hostFileSeparator', 'host_file_separator', ','),
    s('storageClass', 'storage_class'),
    s('basePath', 'base_path'),
    n('maxBackupAge', 'max_backup_age', '0', 0, DAYS),
    n('maxBackupCount', 'max_backup_count', '0', 0, 1_000_000),
    s('apiProfile', 'api_profile', ''),
    {
      prop: 'transferMaxBandwidth',
      key: 'transfer_max_bandwidth',
      type: 'bandwidth',
      default: '50MB/s',
      min: 0,
    },
    n('concurrentTransfers', 'concurrent_transfers', '1', 1, IN_FLIGHT),
    {
      prop: 'multiPartUploadThreshold',
      key: 'multi_part_upload_threshold',
      type: 'size',
      default: '20MB',
      min: 0,
    },
    // S3 parts are at most 5 GiB.
    {
      prop: 'multipartChunksize',
      key: 'multipart_chunksize',
      type: 'size',
      default: '50MB',
      min: 1,
      max: 5 * 1024 ** 3,
    },
    n('multipartMaxConcurrency', 'multipart_max_concurrency', '4', 1, IN_FLIGHT),
    s('host', 'host'),
    port('port', 'port'),
    s('region', 'region', 'default'),
    b('secure', 'secure', 'True'),
    b('sslVerify', 'ssl_verify', 'False'),
    s('s3AddressingStyle', 's3_addressing_style', 'auto'),
    s('kmsId', 'kms_id'),
    s('sseCKey', 'sse_c_key'),
    n('readTimeout', 'read_timeout', undefined, 1, 86400),
    n('backupGracePeriodInDays', 'backup_grace_period_in_days', '10', 0, DAYS),
    b('useSudoForRestore', 'use_sudo_for_restore', 'True'),
    s('awsCliPath', 'aws_cli_path', 'aws'),
  ],
  cassandra: [
    s('configFile', 'config_file', '/etc/cassandra/cassandra.yaml'),
    s('startCmd', 'start_cmd', 'sudo service cassandra start'),
    s('stopCmd', 'stop_cmd', 'sudo service cassandra stop'),
    s('checkRunning', 'check_running', 'nodetool version'),
    b('isCcm', 'is_ccm', '0'),
    s('cqlUsername', 'cql_username'),
    s('cqlPassword', 'cql_password'),
    s('cqlK8sSecretsPath', 'cql_k8s_secrets_path'),
    s('certfile', 'certfile'),
    s('usercert', 'usercert'),
    s('userkey', 'userkey'),
    s('nodetoolExecutable', 'nodetool_executable', 'nodetool'),
    s('nodetoolFlags', 'nodetool_flags', '-Dcom.sun.jndi.rmiURLParsing=legacy'),
    s('nodetoolUsername', 'nodetool_username'),
    s('nodetoolPassword', 'nodetool_password'),
    s('nodetoolPasswordFilePath', 'nodetool_password_file_path'),
    s('nodetoolHost', 'nodetool_host'),
    port('nodetoolPort', 'nodetool_port'),
    b('nodetoolSsl', 'nodetool_ssl', 'false'),
    s('nodetoolK8sSecretsPath', 'nodetool_k8s_secrets_path'),
    s('sstableloaderBin', 'sstableloader_bin', 'sstableloader'),
    s('sstableloaderTs', 'sstableloader_ts'),
    s('sstableloaderTspw', 'sstableloader_tspw'),
    s('sstableloaderKs', 'sstableloader_ks'),
    s('sstableloaderKspw', 'sstableloader_kspw'),
    b('resolveIpAddresses', 'resolve_ip_addresses', 'True'),
    b('useSudo', 'use_sudo', 'True'),
  ],
  checks: [
    s('healthCheck', 'health_check', 'cql'),
    s('query', 'query', ''),
    n('expectedRows', 'expected_rows', '0', 0, Number.MAX_SAFE_INTEGER),
    s('expectedResult', 'expected_result', ''),
    b('enableMd5Checks', 'enable_md5_checks', 'false'),
    n('md5CheckConcurrency', 'md5_check_concurrency', '1', 1, IN_FLIGHT),
  ],
  monitoring: [
    s('monitoringProvider', 'monitoring_provider', 'None'),
    b('sendBackupNameTag', 'send_backup_name_tag', 'False'),
  ],
  logging: [
    b('enabled', 'enabled', 'false'),
    s('file', 'file', 'medusa.log'),
    s('level', 'level', 'INFO'),
    s('format', 'format', '[%(asctime)s] %(levelname)s: %(message)s'),
    n('maxBytes', 'maxbytes', '20000000', 0, Number.MAX_SAFE_INTEGER),
    n('backupCount', 'backupcount', '50', 0, 1_000_000),
  ],
  grpc: [
    b('enabled', 'enabled', 'False'),
    n('maxSendMessageLength', 'max_send_message_length', '536870912', 1, 2 ** 31 - 1),
    n('maxReceiveMessageLength', 'max_receive_message_length', '134217728', 1, 2 ** 31 - 1),
    port('port', 'port', '50051'),
    s('caCert', 'ca_cert'),
    s('tlsCert', 'tls_cert'),
    s('tlsKey', 'tls_key'),
  ],
  kubernetes: [
    b('enabled', 'enabled', 'False'),
    s('cassandraUrl', 'cassandra_url'),
    b('useMgmtApi', 'use_mgmt_api', 'False'),
    s('caCert', 'ca_cert'),
    s('tlsCert', 'tls_cert'),
    s('tlsKey', 'tls_key'),
  ],
  ssh: [
    s('username', 'username'),
    s('keyFile', 'key_file', ''),
    port('port', 'port', '22'),
    s('certFile', 'cert_file', ''),
    b('usePty', 'use_pty', 'False'),
    n('keepaliveSeconds', 'keepalive_seconds', '60', 0, 86400),
    b('loginShell', 'login_shell', 'False'),
  ],
} as const satisfies Record<string, readonly KeySpec[]>;

export type SectionName = keyof typeof sectionSpecs;
export const sectionNames = Object.keys(sectionSpecs) as SectionName[];
