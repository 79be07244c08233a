import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/** What the agent needs from cassandra.yaml; defaults are Cassandra's and Medusa's (/var/lib/cassandra/...). */
export interface CassandraYaml {
  clusterName?: string;
  /** The one data directory (Medusa supports exactly one). */
  dataDirectory: string;
  commitlogDirectory: string;
  savedCachesDirectory: string;
  hintsDirectory: string;
  listenAddress?: string;
  rpcAddress?: string;
  broadcastRpcAddress?: string;
  /** The CQL port to use: native_transport_port_ssl when client encryption is on and it is set. */
  nativePort: number;
  storagePort: number;
  sslStoragePort: number;
  rpcPort: number;
  clientEncryption: boolean;
  seeds: string[];
  numTokens?: number;
  initialToken?: string;
  authenticator?: string;
}

export class CassandraYamlError extends Error {
  constructor(message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'CassandraYamlError';
  }
}

type Doc = Record<string, unknown>;

const text = (doc: Doc, key: string): string | undefined => {
  const value = doc[key];
  return value === undefined || value === null || value === '' ? undefined : String(value);
};

const port = (doc: Doc, key: string, fallback: number, file?: string): number => {
  const value = text(doc, key);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new CassandraYamlError(`${key} '${value}' is not a port`, file);
  return Number(value);
};

function seedsOf(doc: Doc): string[] {
  const providers = doc.seed_provider;
  if (!Array.isArray(providers)) return [];
  const parameters = (providers[0] as Doc | undefined)?.parameters;
  const seeds = Array.isArray(parameters) ? (parameters[0] as Doc | undefined)?.seeds : undefined;
  if (typeof seeds !== 'string') return [];
  // Cassandra 4+ seeds may carry a port ("10.0.0.1:7000"); the host is what identifies the node.
  return seeds
    .split(',')
    .map((seed) => seed.trim())
    .filter((seed) => seed !== '');
}

/** Parses cassandra.yaml text. Refuses zero or several data_file_directories, as Medusa does. */
export function parseCassandraYaml(source: string, file?: string): CassandraYaml {
  let doc: Doc;
  try {
    doc = (parse(source) ?? {}) as Doc;
  } catch (error) {
    throw new CassandraYamlError(`not valid YAML: ${(error as Error).message}`, file);
  }
  const dirs = doc.data_file_directories ?? ['/var/lib/cassandra/data'];
  if (!Array.isArray(dirs) || dirs.length === 0) {
    throw new CassandraYamlError('data_file_directories must list one directory', file);
  }
  if (dirs.length > 1) {
    throw new CassandraYamlError(
      `data_file_directories lists ${dirs.length} directories; Medusa and this agent support exactly one`,
      file,
    );
  }
  const encryption = (doc.client_encryption_options ?? {}) as Doc;
  const clientEncryption = String(encryption.enabled ?? 'false') === 'true';
  const plainNative = port(doc, 'native_transport_port', 9042, file);
  const sslNative = text(doc, 'native_transport_port_ssl');
  const numTokens = text(doc, 'num_tokens');
  return {
    clusterName: text(doc, 'cluster_name'),
    dataDirectory: String(dirs[0]),
    commitlogDirectory: text(doc, 'commitlog_directory') ?? '/var/lib/cassandra/commitlog',
    savedCachesDirectory: text(doc, 'saved_caches_directory') ?? '/var/lib/cassandra/saved_caches',
    hintsDirectory: text(doc, 'hints_directory') ?? '/var/lib/cassandra/hints',
    listenAddress: text(doc, 'listen_address'),
    rpcAddress: text(doc, 'rpc_address'),
    broadcastRpcAddress: text(doc, 'broadcast_rpc_address'),
    nativePort:
      clientEncryption && sslNative ? port(doc, 'native_transport_port_ssl', 9142, file) : plainNative,
    storagePort: port(doc, 'storage_port', 7000, file),
    sslStoragePort: port(doc, 'ssl_storage_port', 7001, file),
    rpcPort: port(doc, 'rpc_port', 9160, file),
    clientEncryption,
    seeds: seedsOf(doc),
    numTokens: numTokens === undefined ? undefined : Number(numTokens),
    initialToken: text(doc, 'initial_token'),
    authenticator: text(doc, 'authenticator'),
  };
}

export async function readCassandraYaml(file: string): Promise<CassandraYaml> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    throw new CassandraYamlError(`cannot read: ${(error as Error).message}`, file);
  }
  return parseCassandraYaml(source, file);
}

/** The address the agent reaches this node's CQL on: rpc_address, else listen_address, else localhost. */
export function cqlAddress(yaml: CassandraYaml): string {
  const address = yaml.rpcAddress ?? yaml.listenAddress;
  return !address || address === '0.0.0.0' ? (yaml.broadcastRpcAddress ?? '127.0.0.1') : address;
}

/**
 * cassandra.yaml text with the token settings of a restore into another cluster: initial_token,
 * num_tokens and auto_bootstrap: false, each replacing its existing top-level line or appended
 * (Medusa's edit). Everything else, comments included, is kept.
 */
export function withTokenSettings(source: string, tokens: readonly string[]): string {
  if (tokens.length === 0) throw new Error('no tokens to write');
  const settings: [string, string][] = [
    ['initial_token', tokens.join(',')],
    ['num_tokens', String(tokens.length)],
    ['auto_bootstrap', 'false'],
  ];
  let lines = source.split('\n');
  for (const [key, value] of settings) {
    const pattern = new RegExp(`^#?\\s*${key}\\s*:`);
    const at = lines.findIndex((line) => pattern.test(line) && !line.startsWith('#'));
    if (at >= 0) lines[at] = `${key}: ${value}`;
    else {
      if (lines.at(-1) === '') lines = lines.slice(0, -1);
      lines.push(`${key}: ${value}`, '');
    }
  }
  return lines.join('\n');
}
