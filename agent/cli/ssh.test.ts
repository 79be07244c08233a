import { describe, expect, it } from 'vitest';
import { medusaConfig } from '../config/index.js';
import { remoteFailure, shellQuote, sshArguments, type SshSettings } from './ssh.js';

const settings = (ssh: Record<string, unknown> = {}, extra: Partial<SshSettings> = {}): SshSettings => ({
  ssh: medusaConfig({ storage: { storageProvider: 'local', bucketName: 'b', basePath: '/backups' }, ssh })
    .ssh,
  remoteAgent: 'medusa-agent',
  remoteConfig: '/etc/medusa/medusa.ini',
  ...extra,
});

describe('ssh fan-out', () => {
  it('quotes words for the remote shell only where needed', () => {
    expect(shellQuote('backup-cluster')).toBe('backup-cluster');
    expect(shellQuote('/etc/medusa/medusa.ini')).toBe('/etc/medusa/medusa.ini');
    expect(shellQuote("it's; rm -rf /")).toBe(`'it'\\''s; rm -rf /'`);
    expect(shellQuote('')).toBe("''");
  });

  it('runs the agent with the node config in batch mode, with the defaults of medusa.ini', () => {
    expect(sshArguments(settings(), 'db2', ['backup', '--backup-name', 'b 1'])).toEqual([
      '-o',
      'BatchMode=yes',
      '-o',
      'ServerAliveInterval=60',
      '-T',
      'db2',
      "medusa-agent --config-file /etc/medusa/medusa.ini backup --backup-name 'b 1'",
    ]);
  });

  it('maps the [ssh] keys of medusa.ini and an OpenSSH config file', () => {
    const args = sshArguments(
      settings(
        {
          username: 'cassandra',
          keyFile: '/home/c/.ssh/id_ed25519',
          port: 2222,
          certFile: '/home/c/.ssh/id-cert.pub',
          usePty: true,
          loginShell: true,
          keepaliveSeconds: 15,
        },
        { configFile: '/etc/medusa/ssh_config' },
      ),
      'db3',
      ['snapshot', '--backup-name', 'nightly'],
    );
    expect(args).toEqual([
      '-F',
      '/etc/medusa/ssh_config',
      '-o',
      'BatchMode=yes',
      '-o',
      'ServerAliveInterval=15',
      '-p',
      '2222',
      '-l',
      'cassandra',
      '-i',
      '/home/c/.ssh/id_ed25519',
      '-o',
      'CertificateFile=/home/c/.ssh/id-cert.pub',
      '-tt',
      'db3',
      "bash -lc 'medusa-agent --config-file /etc/medusa/medusa.ini snapshot --backup-name nightly'",
    ]);
  });

  it("reports the agent's own error line, else what ssh said", () => {
    const agentFailed = {
      code: 1,
      stdout: '',
      stderr: '{"level":"warn","msg":"x"}\nerror: backup b already exists\n',
    };
    expect(remoteFailure(agentFailed)).toBe('backup b already exists');
    const sshFailed = {
      code: 255,
      stdout: '',
      stderr: 'ssh: connect to host db2 port 22: Connection refused\n',
    };
    expect(remoteFailure(sshFailed)).toBe('ssh: connect to host db2 port 22: Connection refused');
    expect(remoteFailure({ code: 3, stdout: '', stderr: '' })).toBe('exit code 3');
  });
});
