import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { portAnswers } from '../../lib/tcp-port.js';
import { artefacts, runDir } from './paths.js';
import { startService, stopService, waitUntil } from './proc.js';

/**
 * A real OpenSSH sshd on some 127.0.0.x addresses, taking one client key for the current user: the
 * remote side of backup-cluster's SSH fan-out. Clients use `clientConfig` (ssh -F): it names the key
 * and pins the host key, so nothing in ~/.ssh is read or written.
 */
export class SshServer {
  readonly dir: string;
  readonly service: string;
  readonly clientKey: string;
  readonly clientConfig: string;

  constructor(
    readonly name: string,
    readonly addresses: string[],
    readonly port = 2222,
  ) {
    this.dir = join(runDir, 'ssh', name);
    this.service = `sshd-${name}`;
    this.clientKey = join(this.dir, 'client_ed25519');
    this.clientConfig = join(this.dir, 'ssh_config');
  }

  private keyPair(file: string): void {
    if (!existsSync(file))
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', this.name, '-f', file]);
    chmodSync(file, 0o600);
  }

  private configure(): string {
    mkdirSync(this.dir, { recursive: true });
    const hostKey = join(this.dir, 'host_ed25519');
    this.keyPair(hostKey);
    this.keyPair(this.clientKey);
    const authorizedKeys = join(this.dir, 'authorized_keys');
    writeFileSync(authorizedKeys, readFileSync(`${this.clientKey}.pub`));
    const sshdConfig = join(this.dir, 'sshd_config');
    writeFileSync(
      sshdConfig,
      [
        ...this.addresses.map((address) => `ListenAddress ${address}:${this.port}`),
        `HostKey ${hostKey}`,
        `AuthorizedKeysFile ${authorizedKeys}`,
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        // The key files live in the repository's .testbed, whose parents sshd does not vet.
        'StrictModes no',
        'UsePAM no',
        'PidFile none',
        '',
      ].join('\n'),
    );
    const hostPublicKey = readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const knownHosts = join(this.dir, 'known_hosts');
    writeFileSync(
      knownHosts,
      `${this.addresses.map((address) => `[${address}]:${this.port}`).join(',')} ${hostPublicKey}\n`,
    );
    writeFileSync(
      this.clientConfig,
      [
        `Host ${this.addresses.join(' ')}`,
        `  Port ${this.port}`,
        `  IdentityFile ${this.clientKey}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${knownHosts}`,
        '  StrictHostKeyChecking yes',
        '',
      ].join('\n'),
    );
    return sshdConfig;
  }

  async start(): Promise<void> {
    const config = this.configure();
    // Privilege separation directory, wanted when sshd runs as root (tmpfs: recreated after boot).
    if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    startService({
      name: this.service,
      // sshd re-executes itself, so its path must be absolute.
      command: join(artefacts.sshdRoot, 'usr', 'sbin', 'sshd'),
      args: ['-D', '-e', '-f', config],
      env: { LD_LIBRARY_PATH: join(artefacts.sshdRoot, 'usr', 'lib', 'x86_64-linux-gnu') },
    });
    await Promise.all(
      this.addresses.map((address) =>
        waitUntil(this.service, () => portAnswers(address, this.port), 15_000, 200),
      ),
    );
  }

  async stop(): Promise<void> {
    await stopService(this.service, 5_000);
  }
}
