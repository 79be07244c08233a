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
}

const s = (prop: string, key: string, def?: string): KeySpec => ({ prop, key, type: 'string', default: def });
const i = (prop: string, key: string, def?: string): KeySpec => ({ prop, key, type: 'int', default: def });
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
    i('maxBackupAge', 'max_backup_age', '0'),
    i('maxBackupCount', 'max_backup_count', '0'),
    s('apiProfile', 'api_profile', ''),
    { prop: 'transferMaxBandwidth', key: 'transfer_max_bandwidth', type: 'bandwidth', default: '50MB/s' },
    i('concurrentTransfers', 'concurrent_transfers', '1'),
    { prop: 'multiPartUploadThreshold', key: 'multi_part_upload_threshold', type: 'size', default: '20MB' },
    { prop: 'multipartChunksize', key: 'multipart_chunksize', type: 'size', default: '50MB' },
    i('multipartMaxConcurrency', 'multipart_max_concurrency', '4'),
    s('host', 'host'),
    i('port', 'port'),
    s('region', 'region', 'default'),
    b('secure', 'secure', 'True'),
    b('sslVerify', 'ssl_verify', 'False'),
    s('s3AddressingStyle', 's3_addressing_style', 'auto'),
    s('kmsId', 'kms_id'),
    s('sseCKey', 'sse_c_key'),
    i('readTimeout', 'read_timeout'),
    i('backupGracePeriodInDays', 'backup_grace_period_in_days', '10'),
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
    i('nodetoolPort', 'nodetool_port'),
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
    i('expectedRows', 'expected_rows', '0'),
    s('expectedResult', 'expected_result', ''),
    b('enableMd5Checks', 'enable_md5_checks', 'false'),
    i('md5CheckConcurrency', 'md5_check_concurrency', '1'),
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
    i('maxBytes', 'maxbytes', '20000000'),
    i('backupCount', 'backupcount', '50'),
  ],
  grpc: [
    b('enabled', 'enabled', 'False'),
    i('maxSendMessageLength', 'max_send_message_length', '536870912'),
    i('maxReceiveMessageLength', 'max_receive_message_length', '134217728'),
    i('port', 'port', '50051'),
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
    i('port', 'port', '22'),
    s('certFile', 'cert_file', ''),
    b('usePty', 'use_pty', 'False'),
    i('keepaliveSeconds', 'keepalive_seconds', '60'),
    b('loginShell', 'login_shell', 'False'),
  ],
} as const satisfies Record<string, readonly KeySpec[]>;

export type SectionName = keyof typeof sectionSpecs;
export const sectionNames = Object.keys(sectionSpecs) as SectionName[];
