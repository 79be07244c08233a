// Running medusa-agent (and other tools) from integration tests, and the medusa.ini they read.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { artefacts, repoRoot } from '../bed/paths.js';

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

/** Runs medusa-agent (the TypeScript entry, through tsx) with --quiet. */
export const runAgent = (...args: string[]): Promise<ToolRun> =>
  runTool(process.execPath, ['--import', 'tsx', join(repoRoot, 'agent', 'main.ts'), '--quiet', ...args]);

/**
 * medusa.ini's [cassandra] section for a test-bed node; stop_cmd and start_cmd run `ctl stop` and
 * `ctl start`. Ends with a newline; the [storage] section follows after a blank line.
 */
export function agentCassandraSection(node: { configFile: string; jmxPort: number }, ctl: string): string {
  return `[cassandra]
config_file = ${node.configFile}
nodetool_executable = ${artefacts.nodetool}
nodetool_host = 127.0.0.1
nodetool_port = ${node.jmxPort}
resolve_ip_addresses = False
use_sudo = False
stop_cmd = ${ctl} stop
start_cmd = ${ctl} start
`;
}
