import type { MedusaConfigurationSpec, Storage } from '../crds/index.js';

// medusa.ini as k8ssandra-operator renders it (k8ssandra-medusa-api.md §4.6), as a pure function so
// that the webhook (which injects it) and the agent (which reads it) share one definition.

export const medusaSecretsPath = '/etc/medusa-secrets';
export const grpcServerCertsPath = '/etc/certificates/grpc-server-certs';
export const certificatesPath = '/etc/certificates';
export const managementApiCertsPath = '/etc/encryption/mgmt';
export const defaultGrpcPort = 50051;
/** Where the shared volume of storageProvider `local` is mounted; Medusa's base_path. */
export const localBackupsPath = '/mnt/backups';

export interface MedusaIniInput {
  /** storageProperties with the CRD defaults applied. */
  storage: Storage;
  /** The bucket folder the datacenter writes to (binding annotation, else storageProperties.prefix). */
  prefix: string;
  serviceProperties?: MedusaConfigurationSpec['serviceProperties'];
  certificatesSecretRef?: MedusaConfigurationSpec['certificatesSecretRef'];
  clientEncryptionStores?: MedusaConfigurationSpec['clientEncryptionStores'];
  /** The datacenter's management API uses manual TLS (certificates under /etc/encryption/mgmt). */
  managementApiTls?: boolean;
  /** How the agent reaches Cassandra: the management API (default) or Jolokia. */
  cassandraApi?: 'management-api' | 'jolokia';
}

/** Where a Jolokia JVM agent in the Cassandra container answers, seen from inside the pod. */
export const jolokiaUrl = 'http://127.0.0.1:8778/jolokia/';

type Line = [key: string, value: string | number];

const pyBool = (b: boolean | undefined): string => (b ? 'True' : 'False');

/** Refuses values that would break out of their line (a newline in a bucket name would add keys). */
function checked(section: string, [key, value]: Line): string {
  const text = String(value);
  if (/[\r\n\0]/.test(text)) throw new Error(`medusa.ini [${section}] ${key}: value contains a line break`);
  return `    ${key} = ${text}`;
}

function section(name: string, lines: (Line | undefined)[]): string {
  const body = lines.filter((l): l is Line => l !== undefined).map((l) => checked(name, l));
  return [`    [${name}]`, ...body].join('\n');
}

const when = (condition: unknown, line: Line): Line | undefined => (condition ? line : undefined);

function cassandraLines(input: MedusaIniInput): (Line | undefined)[] {
  const lines: (Line | undefined)[] = [['use_sudo', 'false']];
  if (input.certificatesSecretRef?.name) {
    lines.push(
      ['certfile', `${certificatesPath}/rootca.crt`],
      ['usercert', `${certificatesPath}/client.crt_signed`],
      ['userkey', `${certificatesPath}/client.key`],
    );
  } else if (input.clientEncryptionStores) {
    // k8ssandra's mapping, unusual as it is: keystore -> certfile, truststore -> usercert,
    // truststore password -> userkey.
    const stores = input.clientEncryptionStores;
    lines.push(
      when(stores.keystoreSecretRef.key, [
        'certfile',
        `${certificatesPath}/certfile/${stores.keystoreSecretRef.key}`,
      ]),
      when(stores.truststoreSecretRef.key, [
        'usercert',
        `${certificatesPath}/usercert/${stores.truststoreSecretRef.key}`,
      ]),
      when(stores.truststorePasswordSecretRef?.key, [
        'userkey',
        `${certificatesPath}/userkey/${stores.truststorePasswordSecretRef?.key}`,
      ]),
    );
  }
  return lines;
}

function storageLines(s: Storage, prefix: string): (Line | undefined)[] {
  return [
    ['use_sudo_for_restore', 'false'],
    ['storage_provider', s.storageProvider ?? ''],
    ['bucket_name', s.bucketName ?? ''],
    when(s.storageProvider === 'local', ['base_path', localBackupsPath]),
    when(s.storageSecretRef?.name, ['key_file', `${medusaSecretsPath}/credentials`]),
    ['prefix', prefix],
    ['max_backup_age', s.maxBackupAge],
    ['max_backup_count', s.maxBackupCount],
    when(s.region, ['region', s.region ?? '']),
    when(s.host, ['host', s.host ?? '']),
    when(s.port, ['port', s.port ?? 0]),
    ['secure', pyBool(s.secure)],
    ['ssl_verify', pyBool(s.sslVerify)],
    when(s.backupGracePeriodInDays, ['backup_grace_period_in_days', s.backupGracePeriodInDays ?? 0]),
    when(s.apiProfile, ['api_profile', s.apiProfile ?? '']),
    when(s.transferMaxBandwidth, ['transfer_max_bandwidth', s.transferMaxBandwidth]),
    ['concurrent_transfers', s.concurrentTransfers === 0 ? 1 : s.concurrentTransfers],
    when(s.multiPartUploadThreshold, ['multi_part_upload_threshold', s.multiPartUploadThreshold]),
  ];
}

function grpcLines(service: MedusaIniInput['serviceProperties']): (Line | undefined)[] {
  const tls = service?.encryption !== undefined;
  return [
    ['enabled', 1],
    when(service?.grpcPort, ['port', service?.grpcPort ?? 0]),
    when(tls, ['ca_cert', `${grpcServerCertsPath}/ca.crt`]),
    when(tls, ['tls_cert', `${grpcServerCertsPath}/tls.crt`]),
    when(tls, ['tls_key', `${grpcServerCertsPath}/tls.key`]),
  ];
}

function kubernetesLines(
  managementApiTls: boolean,
  cassandraApi: MedusaIniInput['cassandraApi'],
): (Line | undefined)[] {
  if (cassandraApi === 'jolokia') {
    return [
      ['use_mgmt_api', 0],
      ['enabled', 1],
      ['cassandra_url', jolokiaUrl],
    ];
  }
  const scheme = managementApiTls ? 'https' : 'http';
  return [
    ['use_mgmt_api', 1],
    ['enabled', 1],
    ['cassandra_url', `${scheme}://127.0.0.1:8080/api/v0/ops/node/snapshots`],
    when(managementApiTls, ['ca_cert', `${managementApiCertsPath}/ca.crt`]),
    when(managementApiTls, ['tls_cert', `${managementApiCertsPath}/tls.crt`]),
    when(managementApiTls, ['tls_key', `${managementApiCertsPath}/tls.key`]),
  ];
}

/** The medusa.ini text for one datacenter. Throws when a value would span several lines. */
export function renderMedusaIni(input: MedusaIniInput): string {
  return (
    [
      section('cassandra', cassandraLines(input)),
      section('storage', storageLines(input.storage, input.prefix)),
      section('grpc', grpcLines(input.serviceProperties)),
      section('logging', [['level', 'DEBUG']]),
      section('kubernetes', kubernetesLines(input.managementApiTls ?? false, input.cassandraApi)),
    ].join('\n\n') + '\n'
  );
}

/** The gRPC port the sidecar listens on: serviceProperties.grpcPort, 0 or unset meaning 50051. */
export function grpcPortOf(service: MedusaIniInput['serviceProperties']): number {
  return service?.grpcPort ? service.grpcPort : defaultGrpcPort;
}
