import { readFile } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './medusa-ini.js';
import type { MedusaConfig } from './types.js';

// What cassandra-medusa applies on top of medusa.ini (medusa/config.py parse_config), in its order:
// command-line overrides, Kubernetes mode, environment variables, k8s secret files, fqdn resolution.

/** Global command-line options that override the keys of the same name. */
export interface ConfigOverrides {
  bucketName?: string;
  keyFile?: string;
  prefix?: string;
  fqdn?: string;
  backupGracePeriodInDays?: number;
}

export function applyOverrides(config: MedusaConfig, overrides: ConfigOverrides): MedusaConfig {
  const storage = { ...config.storage };
  if (overrides.bucketName !== undefined) storage.bucketName = overrides.bucketName;
  if (overrides.keyFile !== undefined) storage.keyFile = overrides.keyFile;
  if (overrides.prefix !== undefined) storage.prefix = overrides.prefix;
  if (overrides.fqdn !== undefined) storage.fqdn = overrides.fqdn;
  if (overrides.backupGracePeriodInDays !== undefined) {
    storage.backupGracePeriodInDays = overrides.backupGracePeriodInDays;
  }
  const ssh = overrides.keyFile !== undefined ? { ...config.ssh, keyFile: overrides.keyFile } : config.ssh;
  return { ...config, storage, ssh };
}

const envBoolean = (value: string, name: string): boolean => {
  if (['1', 'true', 'yes', 'on'].includes(value.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(value.toLowerCase())) return false;
  throw new ConfigError(`environment variable ${name}='${value}' is not a boolean`);
};

/**
 * Kubernetes mode and environment variables: in Kubernetes mode sudo is off and POD_IP becomes the
 * fqdn; MEDUSA_CQL_USERNAME (legacy CQL_USERNAME) and friends replace the file's credentials.
 */
export function applyEnvironment(config: MedusaConfig, env: NodeJS.ProcessEnv = process.env): MedusaConfig {
  const storage = { ...config.storage };
  const cassandra = { ...config.cassandra };
  if (config.kubernetes.enabled) {
    cassandra.useSudo = false;
    storage.useSudoForRestore = false;
    if (env.POD_IP) storage.fqdn = env.POD_IP;
  }
  for (const [prop, name] of [
    ['cqlUsername', 'CQL_USERNAME'],
    ['cqlPassword', 'CQL_PASSWORD'],
  ] as const) {
    const value = env[`MEDUSA_${name}`] ?? env[name];
    if (value !== undefined) cassandra[prop] = value;
  }
  for (const [prop, name] of [
    ['nodetoolUsername', 'MEDUSA_NODETOOL_USERNAME'],
    ['nodetoolPassword', 'MEDUSA_NODETOOL_PASSWORD'],
    ['sstableloaderTspw', 'MEDUSA_SSTABLELOADER_TSPW'],
    ['sstableloaderKspw', 'MEDUSA_SSTABLELOADER_KSPW'],
    ['cqlK8sSecretsPath', 'MEDUSA_CQL_K8S_SECRETS_PATH'],
    ['nodetoolK8sSecretsPath', 'MEDUSA_NODETOOL_K8S_SECRETS_PATH'],
  ] as const) {
    const value = env[name];
    if (value !== undefined) cassandra[prop] = value;
  }
  const resolve = env.MEDUSA_RESOLVE_IP_ADDRESSES;
  if (resolve !== undefined)
    cassandra.resolveIpAddresses = envBoolean(resolve, 'MEDUSA_RESOLVE_IP_ADDRESSES');
  return { ...config, storage, cassandra };
}

async function readSecretPair(dir: string, what: string): Promise<{ username: string; password: string }> {
  const read = async (name: string) => {
    try {
      return (await readFile(join(dir, name), 'utf8')).trim();
    } catch (error) {
      throw new ConfigError(`cannot read the ${what} ${name} from ${dir}: ${(error as Error).message}`);
    }
  };
  return { username: await read('username'), password: await read('password') };
}

/** Credentials from mounted Kubernetes secrets (files `username` and `password`), as Medusa reads them. */
export async function applyK8sSecrets(config: MedusaConfig): Promise<MedusaConfig> {
  const cassandra = { ...config.cassandra };
  if (cassandra.cqlK8sSecretsPath) {
    const { username, password } = await readSecretPair(cassandra.cqlK8sSecretsPath, 'CQL');
    cassandra.cqlUsername = username;
    cassandra.cqlPassword = password;
  }
  if (cassandra.nodetoolK8sSecretsPath) {
    const { username, password } = await readSecretPair(cassandra.nodetoolK8sSecretsPath, 'nodetool');
    cassandra.nodetoolUsername = username;
    cassandra.nodetoolPassword = password;
  }
  return { ...config, cassandra };
}

/**
 * The node identity in storage when medusa.ini sets none: the host name, or its IP address when
 * resolve_ip_addresses is off (Medusa's defaults outside Kubernetes).
 */
export async function resolveFqdn(config: MedusaConfig): Promise<MedusaConfig> {
  if (config.storage.fqdn) return config;
  const name = hostname();
  const fqdn = config.cassandra.resolveIpAddresses ? name : (await lookup(name, { family: 4 })).address;
  return { ...config, storage: { ...config.storage, fqdn } };
}

/** The full pipeline: overrides, Kubernetes mode, environment, secrets, fqdn. */
export async function effectiveConfig(
  config: MedusaConfig,
  overrides: ConfigOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<MedusaConfig> {
  return resolveFqdn(await applyK8sSecrets(applyEnvironment(applyOverrides(config, overrides), env)));
}
