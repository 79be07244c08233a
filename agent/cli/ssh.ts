import { spawn } from 'node:child_process';
import type { SshSection } from '../config/types.js';

/** How backup-cluster and restore-cluster reach a node that has no --node-config: OpenSSH's client. */
export interface SshSettings {
  /** medusa.ini [ssh]: username, key_file, port, cert_file, use_pty, keepalive_seconds, login_shell. */
  ssh: SshSection;
  /** An OpenSSH client config (ssh -F): host keys, jump hosts and whatever the ini cannot say. */
  configFile?: string;
  /** The agent's command on the nodes, a shell command prefix (default `medusa-agent`). */
  remoteAgent: string;
  /** medusa.ini path on the nodes (default: the path given to --config-file here). */
  remoteConfig: string;
}

/** One word for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The ssh argument list that runs `remoteAgent --config-file remoteConfig <args>` on host. */
export function sshArguments(settings: SshSettings, host: string, args: readonly string[]): string[] {
  const { ssh } = settings;
  const options = settings.configFile ? ['-F', settings.configFile] : [];
  // Never prompt: a password or passphrase question would hang a scheduled backup.
  options.push('-o', 'BatchMode=yes', '-o', `ServerAliveInterval=${ssh.keepaliveSeconds}`);
  // The ini's port only when it says something other than the default, so ssh_config's Port applies.
  if (ssh.port !== 22) options.push('-p', String(ssh.port));
  if (ssh.username) options.push('-l', ssh.username);
  if (ssh.keyFile) options.push('-i', ssh.keyFile);
  if (ssh.certFile) options.push('-o', `CertificateFile=${ssh.certFile}`);
  options.push(ssh.usePty ? '-tt' : '-T');
  const words = ['--config-file', settings.remoteConfig, ...args].map(shellQuote).join(' ');
  const command = `${settings.remoteAgent} ${words}`;
  return [...options, host, ssh.loginShell ? `bash -lc ${shellQuote(command)}` : command];
}

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the agent on host over SSH; resolves with its exit code and output (255: ssh itself failed). */
export function runAgentOverSsh(
  settings: SshSettings,
  host: string,
  args: readonly string[],
): Promise<SshResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', sshArguments(settings, host, args), { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new Error(`cannot run ssh: ${error.message}`)));
    child.on('close', (code) =>
      resolve({
        code: code ?? 255,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/**
 * Why a remote run failed, in one line: the agent's own `error:` line when it got to run, else what
 * ssh said (host key, authentication, connection).
 */
export function remoteFailure(result: SshResult): string {
  const lines = result.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const stated = lines.find((line) => line.startsWith('error: '));
  if (stated) return stated.slice('error: '.length);
  const last = lines.filter((line) => !line.startsWith('{')).at(-1);
  return last ?? `exit code ${result.code}`;
}
