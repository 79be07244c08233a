// The typed medusa.ini. Property names are Medusa's key names in camelCase; sizes are bytes and
// bandwidths bytes per second. Optional properties are keys Medusa leaves unset by default.

export interface StorageSection {
  storageProvider: string;
  bucketName: string;
  keyFile?: string;
  prefix?: string;
  fqdn?: string;
  hostFileSeparator: string;
  storageClass?: string;
  basePath?: string;
  /** Days; 0 = no age limit. */
  maxBackupAge: number;
  /** 0 = no count limit. */
  maxBackupCount: number;
  apiProfile: string;
  transferMaxBandwidth: number;
  concurrentTransfers: number;
  multiPartUploadThreshold: number;
  multipartChunksize: number;
  multipartMaxConcurrency: number;
  host?: string;
  port?: number;
  region: string;
  secure: boolean;
  sslVerify: boolean;
  s3AddressingStyle: string;
  kmsId?: string;
  sseCKey?: string;
  /** Seconds. */
  readTimeout?: number;
  backupGracePeriodInDays: number;
  useSudoForRestore: boolean;
  awsCliPath: string;
}

export interface CassandraSection {
  configFile: string;
  startCmd: string;
  stopCmd: string;
  checkRunning: string;
  isCcm: boolean;
  cqlUsername?: string;
  cqlPassword?: string;
  cqlK8sSecretsPath?: string;
  /** CA certificate (PEM) that signs Cassandra's client-facing certificate. */
  certfile?: string;
  /** Client certificate (PEM) for mutual TLS. */
  usercert?: string;
  /** Client key (PEM) for mutual TLS. */
  userkey?: string;
  nodetoolExecutable: string;
  nodetoolFlags: string;
  nodetoolUsername?: string;
  nodetoolPassword?: string;
  nodetoolPasswordFilePath?: string;
  nodetoolHost?: string;
  nodetoolPort?: number;
  nodetoolSsl: boolean;
  nodetoolK8sSecretsPath?: string;
  sstableloaderBin: string;
  sstableloaderTs?: string;
  sstableloaderTspw?: string;
  sstableloaderKs?: string;
  sstableloaderKspw?: string;
  resolveIpAddresses: boolean;
  useSudo: boolean;
}

export interface ChecksSection {
  healthCheck: string;
  query: string;
  expectedRows: number;
  expectedResult: string;
  enableMd5Checks: boolean;
  md5CheckConcurrency: number;
}

export interface MonitoringSection {
  monitoringProvider: string;
  sendBackupNameTag: boolean;
}

export interface LoggingSection {
  enabled: boolean;
  file: string;
  level: string;
  format: string;
  maxBytes: number;
  backupCount: number;
}

export interface GrpcSection {
  enabled: boolean;
  maxSendMessageLength: number;
  maxReceiveMessageLength: number;
  port: number;
  caCert?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export interface KubernetesSection {
  enabled: boolean;
  /** Management API snapshot endpoint, or the Jolokia URL. */
  cassandraUrl?: string;
  useMgmtApi: boolean;
  caCert?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export interface SshSection {
  username?: string;
  keyFile: string;
  port: number;
  certFile: string;
  usePty: boolean;
  keepaliveSeconds: number;
  loginShell: boolean;
}

export interface MedusaConfig {
  storage: StorageSection;
  cassandra: CassandraSection;
  checks: ChecksSection;
  monitoring: MonitoringSection;
  logging: LoggingSection;
  grpc: GrpcSection;
  kubernetes: KubernetesSection;
  ssh: SshSection;
}

/** A config as the user may write it: required storage keys, anything else partial. */
export type MedusaConfigInput = {
  storage: Partial<StorageSection> & Pick<StorageSection, 'storageProvider' | 'bucketName'>;
} & { [K in Exclude<keyof MedusaConfig, 'storage'>]?: Partial<MedusaConfig[K]> };
