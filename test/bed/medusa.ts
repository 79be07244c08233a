import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { CassandraCluster, CassandraNode } from './cassandra.js';
import { artefacts, bedDir, repoRoot } from './paths.js';
import { minio } from './stores.js';

const run = promisify(execFile);

/** `[section] key = value` content of a medusa.ini. */
export type MedusaIni = Record<string, Record<string, string | number | boolean>>;

export function renderIni(ini: MedusaIni): string {
  return Object.entries(ini)
    .map(
      ([section, keys]) =>
        `[${section}]\n${Object.entries(keys)
          .map(([k, v]) => `${k} = ${String(v)}`)
          .join('\n')}\n`,
    )
    .join('\n');
}

/**
 * The command medusa runs as start_cmd / stop_cmd for a test-bed node: the project's Node 22
 * running test/bed/node-cli.ts through tsx (absolute paths; medusa runs them without our PATH).
 * A standard ring is named alone; any other cluster comes with its hosts (and `secured`).
 */
export function nodeCommand(
  action: 'start' | 'stop',
  cluster: string | CassandraCluster,
  node: number,
): string {
  const where =
    typeof cluster === 'string'
      ? [cluster, String(node)]
      : [
          cluster.name,
          String(node),
          cluster.nodes.map((n) => n.host).join(','),
          ...(cluster.security ? ['secured'] : []),
        ];
  return [
    process.execPath,
    join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
    join(bedDir, 'node-cli.ts'),
    action,
    ...where,
  ].join(' ');
}

/** The `[cassandra]` section for a test-bed node: its yaml, nodetool wrapper and JMX port. */
export function cassandraSection(node: CassandraNode, cluster: string): MedusaIni[string] {
  return {
    config_file: node.configFile,
    nodetool_executable: artefacts.nodetool,
    nodetool_flags: '-Dcom.sun.jndi.rmiURLParsing=legacy',
    nodetool_host: '127.0.0.1',
    nodetool_port: node.jmxPort,
    use_sudo: 'False',
    resolve_ip_addresses: 'False',
    start_cmd: nodeCommand('start', cluster, node.index + 1),
    stop_cmd: nodeCommand('stop', cluster, node.index + 1),
    check_running: `${artefacts.nodetool} -h 127.0.0.1 -p ${node.jmxPort} version`,
  };
}

/** `[storage]` keys shared by every provider. */
function storageCommon(fqdn: string, bucket: string, prefix?: string): MedusaIni[string] {
  return {
    bucket_name: bucket,
    fqdn,
    ...(prefix ? { prefix } : {}),
    use_sudo_for_restore: 'False',
    backup_grace_period_in_days: 0,
    max_backup_count: 0,
    concurrent_transfers: 2,
  };
}

export function localStorageSection(
  basePath: string,
  bucket: string,
  fqdn: string,
  prefix?: string,
): MedusaIni[string] {
  return { storage_provider: 'local', base_path: basePath, ...storageCommon(fqdn, bucket, prefix) };
}

/** MinIO as s3_compatible; writes the AWS credentials file medusa reads as key_file. */
export function minioStorageSection(
  dir: string,
  bucket: string,
  fqdn: string,
  prefix?: string,
): MedusaIni[string] {
  const keyFile = join(dir, 'minio-credentials');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    keyFile,
    `[default]\naws_access_key_id = ${minio.accessKeyId}\naws_secret_access_key = ${minio.secretAccessKey}\n`,
  );
  return {
    storage_provider: 's3_compatible',
    host: minio.host,
    port: minio.port,
    secure: 'False',
    region: minio.region,
    s3_addressing_style: 'path',
    key_file: keyFile,
    multi_part_upload_threshold: '5MB',
    multipart_chunksize: '5MB',
    ...storageCommon(fqdn, bucket, prefix),
  };
}

/** Writes a medusa.ini and returns its path. */
export function writeMedusaIni(path: string, ini: MedusaIni): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderIni({ monitoring: { monitoring_provider: 'None' }, ...ini }));
  return path;
}

export interface MedusaResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the medusa CLI of the bed's venv; resolves with the exit code instead of throwing. */
export async function medusa(configFile: string, args: string[], timeoutMs = 300_000): Promise<MedusaResult> {
  try {
    const { stdout, stderr } = await run(artefacts.medusa, ['--config-file', configFile, ...args], {
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, PATH: `${dirname(artefacts.medusa)}:${process.env.PATH ?? ''}` },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failure.code === 'number' ? failure.code : 1,
      stdout: failure.stdout ?? '',
      stderr: failure.stderr ?? String(error),
    };
  }
}

/** Like {@link medusa} but throws with medusa's output when it fails. */
export async function medusaOk(configFile: string, args: string[], timeoutMs?: number): Promise<string> {
  const result = await medusa(configFile, args, timeoutMs);
  if (result.code !== 0) {
    throw new Error(
      `medusa ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr.slice(-4000)}`,
    );
  }
  return result.stdout;
}
