import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImages, podmanRunFlags } from '../../scripts/images.js';
import { kubeconfigPath } from '../bed/kube.js';
import { createCa, issueCert } from '../bed/pki.js';

// The product image as a user runs it (issue 15): built by `npm run images` from ./Containerfile,
// run by podman on this machine: non-root, read-only root filesystem, production dependencies
// only, the entry points on PATH, and a clean exit on SIGTERM.
const webhookPort = 19_443;
let ref: string;
const certDir = mkdtempSync(join(tmpdir(), 'image-test-'));
const containers: string[] = [];

function podman(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync('podman', args, { encoding: 'utf8', timeout: 120_000 });
  return { code: result.status ?? 1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

const runInImage = (...command: string[]) =>
  podman(...podmanRunFlags('run'), '--rm', '--read-only', ref, ...command);

function healthz(): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: webhookPort,
        path: '/healthz',
        ca: createCa(join(certDir, 'ca'), 'image-test').cert,
        rejectUnauthorized: false,
        timeout: 2000,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the product image (podman, this machine)', () => {
  beforeAll(() => {
    ref = buildImages().ref;
  }, 900_000);

  afterAll(() => {
    for (const name of containers) podman('rm', '-f', name);
    rmSync(certDir, { recursive: true, force: true });
  });

  it('runs as uid 1000 on a read-only root filesystem, with the agent on PATH', () => {
    const result = runInImage(
      'sh',
      '-c',
      'id -u; medusa-agent --help | head -1; touch /app/probe || echo read-only',
    );
    expect(result.stderr).toContain('Read-only file system');
    expect(result.stdout.split('\n').slice(0, 3)).toEqual([
      '1000',
      'medusa-agent <command> [options]',
      'read-only',
    ]);
  });

  it('holds production dependencies only', () => {
    const result = runInImage('ls', '/app/node_modules', '/app/node_modules/@aws-sdk');
    expect(result.code).toBe(0);
    const listed = result.stdout.split(/\s+/);
    expect(listed).toEqual(expect.arrayContaining(['cassandra-driver', 'client-s3', 'zod']));
    for (const dev of ['typescript', 'vitest', 'eslint', 'azurite', 'tsx', 'node', 'fast-check'])
      expect(listed).not.toContain(dev);
  });

  it('serves the webhook over TLS and exits 0 on SIGTERM within its shutdown grace', async () => {
    const ca = createCa(join(certDir, 'ca'), 'image-test');
    const pair = issueCert(ca, join(certDir, 'issued'), 'webhook', 'webhook', ['IP:127.0.0.1']);
    const tls = join(certDir, 'tls');
    mkdirSync(tls);
    copyFileSync(pair.cert, join(tls, 'tls.crt'));
    copyFileSync(pair.key, join(tls, 'tls.key'));
    // The container's user (1000) reads what a Secret volume would give it.
    const kubeconfig = join(certDir, 'kubeconfig');
    copyFileSync(kubeconfigPath, kubeconfig);
    spawnSync('chmod', ['-R', 'a+rX', certDir]);
    const name = `image-test-webhook-${process.pid}`;
    containers.push(name);
    const started = podman(
      ...podmanRunFlags('run'),
      '--detach',
      '--read-only',
      '--name',
      name,
      '--network=host',
      '--volume',
      `${tls}:/certs:ro`,
      '--volume',
      `${kubeconfig}:/kubeconfig:ro`,
      ref,
      'medusa-webhook',
      '--port',
      String(webhookPort),
      '--host',
      '127.0.0.1',
      '--cert-dir',
      '/certs',
      '--kubeconfig',
      '/kubeconfig',
      '--shutdown-grace',
      '5',
    );
    expect(started.stderr).toBe('');
    let answer = '';
    for (let i = 0; i < 60 && !answer; i++) {
      answer = await healthz().catch(() => '');
      if (!answer) await new Promise((r) => setTimeout(r, 500));
    }
    expect(answer).toBe('200 ok');

    const stopAt = Date.now();
    podman('kill', '--signal', 'TERM', name);
    const waited = podman('wait', name);
    expect(waited.stdout.trim()).toBe('0');
    expect(Date.now() - stopAt).toBeLessThan(8_000);
    expect(podman('logs', name).stdout + podman('logs', name).stderr).toContain('"msg":"stopped"');
  }, 120_000);
});
