import { execFile } from 'node:child_process';
import type { CassandraControl, NodeState } from './control.js';
import { CassandraControlError } from './control.js';

export interface NodetoolOptions {
  /** nodetool_executable (default `nodetool`, from PATH). */
  executable?: string;
  /** nodetool_flags: leading JVM flags such as -Dcom.sun.jndi.rmiURLParsing=legacy, space-separated. */
  flags?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  /** JMX password file (-pwf); preferred over a password, which shows in the process list. */
  passwordFile?: string;
  ssl?: boolean;
  timeoutMs?: number;
}

/** Parses `nodetool listsnapshots` output into the distinct snapshot names. */
export function parseListSnapshots(output: string): string[] {
  const tags = new Set<string>();
  let inTable = false;
  for (const line of output.split('\n')) {
    if (line.startsWith('Snapshot name')) {
      inTable = true;
      continue;
    }
    if (!inTable) continue;
    if (line.trim() === '' || line.startsWith('Total TrueDiskSpaceUsed')) {
      inTable = false;
      continue;
    }
    const name = line.split(/\s+/)[0];
    if (name) tags.add(name);
  }
  return [...tags].sort();
}

/** Addresses that `nodetool status` marks Down (DN, DL, DJ, DM), in every datacenter. */
export function parseDownNodes(output: string): string[] {
  return [...output.matchAll(/^D[NLJM]\s+(\S+)/gm)].map((match) => match[1]!).sort();
}

/** The `Token : <n>` lines of `nodetool info -T`. */
export function parseInfoTokens(output: string): string[] {
  return [...output.matchAll(/^Token\s*:\s*(-?\d+)\s*$/gm)].map((match) => match[1]!);
}

/**
 * What a failed nodetool run says, without its stack trace: the `error: ...` or `nodetool: ...` line
 * nodetool prints first, or else the first lines that are not stack frames.
 */
export function nodetoolFailureMessage(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
  const stated = lines.find((line) => /^(error|nodetool): /.test(line));
  if (stated) return stated.replace(/^(error|nodetool): /, '');
  const frames = /^\s+at |^-- StackTrace --$|^\s*\.\.\. \d+ more$/;
  return lines
    .filter((line) => !frames.test(line))
    .slice(0, 3)
    .join(' | ');
}

/** Node operations through the nodetool command, built exactly as Medusa builds it. */
export class NodetoolControl implements CassandraControl {
  readonly transport = 'nodetool';

  constructor(private readonly options: NodetoolOptions = {}) {}

  /** The argument list before the nodetool command: flags, --ssl, credentials, host and port. */
  baseArguments(): string[] {
    const o = this.options;
    const args = (o.flags ?? '').split(' ').filter((flag) => flag !== '');
    if (o.ssl) args.push('--ssl');
    if (o.username) args.push('-u', o.username);
    if (o.password) args.push('-pw', o.password);
    if (o.passwordFile) args.push('-pwf', o.passwordFile);
    if (o.host) args.push('-h', o.host);
    if (o.port !== undefined) args.push('-p', String(o.port));
    return args;
  }

  /** Runs one nodetool command; rejects with its stderr (password redacted) when it fails. */
  run(...command: string[]): Promise<string> {
    const executable = this.options.executable ?? 'nodetool';
    const args = [...this.baseArguments(), ...command];
    return new Promise((resolve, reject) => {
      execFile(
        executable,
        args,
        { maxBuffer: 64 * 1024 * 1024, timeout: this.options.timeoutMs ?? 30 * 60_000 },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const output = nodetoolFailureMessage(`${stderr}\n${stdout}`);
          const secret = this.options.password;
          const message = secret ? output.split(secret).join('***') : output;
          reject(new CassandraControlError(this.transport, command[0] ?? '', message || error.message));
        },
      );
    });
  }

  async takeSnapshot(tag: string, keyspaces: readonly string[] = []): Promise<void> {
    await this.run('snapshot', '-t', tag, ...(keyspaces.length ? ['--', ...keyspaces] : []));
  }

  async clearSnapshot(tag: string): Promise<void> {
    await this.run('clearsnapshot', '-t', tag);
  }

  async listSnapshots(): Promise<string[]> {
    return parseListSnapshots(await this.run('listsnapshots'));
  }

  async tokens(): Promise<string[]> {
    return parseInfoTokens(await this.run('info', '-T'));
  }

  async nodeState(): Promise<NodeState> {
    const mode = /^Mode:\s*(\S+)/m.exec(await this.run('netstats'))?.[1];
    if (!mode) throw new CassandraControlError(this.transport, 'netstats', 'no "Mode:" line');
    const binary = (await this.run('statusbinary')).trim();
    return { operationMode: mode, nativeTransportRunning: binary === 'running' };
  }

  async unreachableNodes(): Promise<string[]> {
    return parseDownNodes(await this.run('status'));
  }

  async flush(keyspaces: readonly string[] = []): Promise<void> {
    await this.run('flush', ...(keyspaces.length ? ['--', ...keyspaces] : []));
  }

  async close(): Promise<void> {}
}
