import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCa, issueCert } from '../test/bed/pki.js';

// The medusa-webhook binary as an operator runs it: flags, certificate directory, SIGTERM.

const dir = mkdtempSync(join(tmpdir(), 'medusa-webhook-main-'));
const ca = createCa(join(dir, 'ca'), 'main-test-ca');
const pair = issueCert(ca, join(dir, 'issued'), 'tls', 'main', ['IP:127.0.0.1']);
const certDir = join(dir, 'tls');
const kubeconfig = join(dir, 'kubeconfig');

function run(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'main.ts'), ...args], {
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('medusa-webhook', { timeout: 60_000 }, () => {
  it('refuses a bad flag with exit code 2 and the usage', async () => {
    const child = run(['--port', 'abc']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain(
      'medusa-webhook: --port must be a port number (0-65535; 0 picks a free one), got "abc"',
    );
    expect(stderr).toContain('Usage: medusa-webhook');
  });

  it('serves with the certificates of --cert-dir and exits 0 on SIGTERM', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(certDir, { recursive: true });
    copyFileSync(pair.cert, join(certDir, 'tls.crt'));
    copyFileSync(pair.key, join(certDir, 'tls.key'));
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    const child = run([
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--cert-dir',
      certDir,
      '--kubeconfig',
      kubeconfig,
    ]);
    let stderr = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /"msg":"listening".*"port":(\d+)/.exec(stderr);
        if (match) resolve(Number(match[1]));
      });
      child.on('exit', () => reject(new Error(stderr)));
    });
    const health = await new Promise<string>((resolve, reject) =>
      request({ host: '127.0.0.1', port, path: '/healthz', ca: readFileSync(ca.cert) }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
        .on('error', reject)
        .end(),
    );
    expect(health).toBe('ok');
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stderr).toContain('"msg":"stopped"');
  });
});
