// Running medusa-agent (and other tools) from integration tests, and the medusa.ini they read.
import { execFile } from 'node:child_process';
import type { CassandraCluster } from '../bed/cassandra.js';
import { nodeCommand } from '../bed/medusa.js';
import { artefacts, repoRoot } from '../bed/paths.js';
import { localStorageDir } from '../bed/stores.js';
import { entryArgs } from './entry.js';

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command from the repository root and resolves with its exit code and output (never rejects). */
export function runTool(command: string, args: string[]): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: repoRoot, timeout: 600_000, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs medusa-agent (bundled from the sources: test/support/entry.ts) with --quiet. */
export const runAgent = (...args: string[]): Promise<ToolRun> =>
  runTool(process.execPath, [...entryArgs('agent'), '--quiet', ...args]);

/**
 * medusa.ini's [cassandra] section for node `index` of a test-bed cluster; stop_cmd and start_cmd
 * drive that node's JVM (test/bed/node-cli.ts). Ends with a newline; [storage] follows after a blank line.
 */
export function agentCassandraSection(cluster: CassandraCluster, index: number): string {
  const node = cluster.nodes[index]!;
  return `[cassandra]
config_file = ${node.configFile}
nodetool_executable = ${artefacts.nodetool}
nodetool_host = 127.0.0.1
nodetool_port = ${node.jmxPort}
resolve_ip_addresses = False
use_sudo = False
stop_cmd = ${nodeCommand('stop', cluster, index + 1)}
start_cmd = ${nodeCommand('start', cluster, index + 1)}
`;
}

/** medusa.ini's [storage] section for the test bed's local storage; `extra` lines are appended. */
export function localStorageSection(options: {
  bucket: string;
  fqdn: string;
  prefix?: string;
  extra?: string;
}): string {
  return `[storage]
storage_provider = local
base_path = ${localStorageDir}
bucket_name = ${options.bucket}
${options.prefix !== undefined ? `prefix = ${options.prefix}\n` : ''}fqdn = ${options.fqdn}
use_sudo_for_restore = False
${options.extra ?? ''}`;
}
