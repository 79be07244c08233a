import * as k8s from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeTime } from '../../lib/medusa-api.js';
import { kubeconfigPath } from '../bed/kube.js';
import { artefacts, repoRoot } from '../bed/paths.js';
import { adminConfig, installCrds, testNamespace } from '../support/kube.js';

// The controller binary's /metrics on the bed's kube-apiserver: MedusaBackupJob, MedusaBackup and
// MedusaRestoreJob objects created with their status (no Cassandra), scraped as Prometheus would,
// and the values an operator's "no good backup for a day" alert reads. The controller runs as a
// follower (the Lease is held by someone else), so nothing reconciles the hand-made objects.

const host = '127.0.0.122';
const podIp = '127.0.0.123'; // the sidecar's
const kc = adminConfig();
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const group = 'medusa.k8ssandra.io';
const version = 'v1alpha1';
let ns: { name: string; remove: () => Promise<void> };
let controller: ChildProcess;
let output = '';
let port = 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** A scrape, parsed: `name{labels}` -> value, labels in the order the exposition writes them. */
async function scrape(
  url = `http://${host}:${port}/metrics`,
): Promise<{ contentType: string; samples: Map<string, number>; text: string }> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const text = await res.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { contentType: res.headers.get('content-type') ?? '', samples, text };
}

async function createWithStatus(plural: string, kind: string, name: string, spec: object, status: object) {
  await custom.createNamespacedCustomObject({
    group,
    version,
    plural,
    namespace: ns.name,
    body: { apiVersion: `${group}/${version}`, kind, metadata: { name }, spec },
  });
  await custom.patchNamespacedCustomObjectStatus(
    { group, version, plural, namespace: ns.name, name, body: { status } },
    mergePatch,
  );
}

const now = Date.now();
const at = (msAgo: number) => kubeTime(new Date(now - msAgo));
const hour = 3600_000;
const backupJob = (name: string, dc: string, status: object) =>
  createWithStatus('medusabackupjobs', 'MedusaBackupJob', name, { cassandraDatacenter: dc }, status);

beforeAll(async () => {
  await installCrds();
  ns = await testNamespace('metrics');
  // Someone else leads for a day: this controller only serves metrics.
  await coordination.createNamespacedLease({
    namespace: ns.name,
    body: {
      metadata: { name: 'kubectl-medusa-controller' },
      spec: {
        holderIdentity: 'another-controller',
        leaseDurationSeconds: 86_400,
        acquireTime: new k8s.V1MicroTime(),
        renewTime: new k8s.V1MicroTime(),
      },
    },
  });
  port = await freePort();
  controller = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'controller', 'main.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      KUBECONFIG: kubeconfigPath,
      WATCH_NAMESPACE: ns.name,
      LEASE_NAMESPACE: ns.name,
      POD_NAME: 'metrics-test',
      METRICS_HOST: host,
      METRICS_PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (c: Buffer) => void (output += c.toString());
  controller.stdout?.on('data', collect);
  controller.stderr?.on('data', collect);
  const started = Date.now();
  while (!output.includes('"metrics listening"')) {
    if (controller.exitCode !== null || Date.now() - started > 30_000)
      throw new Error(`the controller did not serve metrics:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  if (controller && controller.exitCode === null) {
    const exited = new Promise((r) => controller.once('exit', r));
    controller.kill('SIGTERM');
    await exited;
  }
  await ns?.remove();
});

describe('controller /metrics', () => {
  it('answers in the Prometheus text format 0.0.4, with no series before there are jobs', async () => {
    const { contentType, text, samples } = await scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toMatch(/# TYPE medusa_backup_last_success_timestamp_seconds gauge\n/);
    expect(text.endsWith('\n')).toBe(true);
    expect([...samples.keys()].filter((k) => k.includes(ns.name))).toEqual([]);
  });

  it('gives the last good backup per datacenter, counts, durations and sizes from the objects', async () => {
    // dc1: good 50 h ago (took 90 s), failed 26 h ago (took 40 s), one running now.
    await backupJob('dc1-good', 'dc1', {
      startTime: at(50 * hour + 90_000),
      finishTime: at(50 * hour),
      finished: ['dc1-rack1-sts-0', 'dc1-rack1-sts-1'],
    });
    await backupJob('dc1-bad', 'dc1', {
      startTime: at(26 * hour + 40_000),
      finishTime: at(26 * hour),
      finished: ['dc1-rack1-sts-0'],
      failed: ['dc1-rack1-sts-1'],
    });
    await backupJob('dc1-now', 'dc1', { startTime: at(60_000), inProgress: ['dc1-rack1-sts-0'] });
    // dc2: never a good backup.
    await backupJob('dc2-bad', 'dc2', {
      startTime: at(hour + 5000),
      finishTime: at(hour),
      failed: ['datacenter'],
    });
    // A plan is not a backup.
    await createWithStatus(
      'medusabackupjobs',
      'MedusaBackupJob',
      'dc3-plan',
      { cassandraDatacenter: 'dc3', dryRun: true },
      { startTime: at(hour), finishTime: at(hour), finished: ['dc3-sts-0'] },
    );
    await createWithStatus(
      'medusabackups',
      'MedusaBackup',
      'dc1-good',
      { cassandraDatacenter: 'dc1', backupType: 'differential' },
      {
        startTime: at(50 * hour + 90_000),
        finishTime: at(50 * hour),
        totalSize: '1.50 GB',
        status: 'SUCCESS',
      },
    );
    await createWithStatus(
      'medusarestorejobs',
      'MedusaRestoreJob',
      'dc1-restore',
      { backup: 'dc1-good', cassandraDatacenter: 'dc1' },
      { restoreKey: 'k', finishTime: at(hour), message: 'refused before stopping dc1: checksum' },
    );

    const { samples } = await scrape();
    const dc = (name: string) => `datacenter="${name}",namespace="${ns.name}"`;
    const lastSuccess = samples.get(`medusa_backup_last_success_timestamp_seconds{${dc('dc1')}}`);
    expect(lastSuccess).toBe(Math.floor((now - 50 * hour) / 1000));
    // The alert: time() - medusa_backup_last_success_timestamp_seconds > 86400 fires for both.
    expect(Date.now() / 1000 - lastSuccess!).toBeGreaterThan(86_400);
    expect(samples.get(`medusa_backup_last_success_timestamp_seconds{${dc('dc2')}}`)).toBe(0);
    expect(samples.get(`medusa_backups_total{${dc('dc1')},status="succeeded"}`)).toBe(1);
    expect(samples.get(`medusa_backups_total{${dc('dc1')},status="failed"}`)).toBe(1);
    expect(samples.get(`medusa_backups_total{${dc('dc1')},status="running"}`)).toBe(1);
    expect(samples.get(`medusa_backups_total{${dc('dc2')},status="failed"}`)).toBe(1);
    expect([...samples.keys()].some((k) => k.includes('"dc3"'))).toBe(false);
    expect(samples.get(`medusa_backup_duration_seconds{${dc('dc1')}}`)).toBe(40);
    expect(samples.get(`medusa_backup_last_failed{${dc('dc1')}}`)).toBe(1);
    expect(samples.get(`medusa_backup_bytes{backup="dc1-good",${dc('dc1')},status="SUCCESS"}`)).toBe(
      1.5 * 1024 ** 3,
    );
    expect(samples.get(`medusa_restores_total{${dc('dc1')},status="failed"}`)).toBe(1);
  });

  it('follows the objects at the next scrape: a new good backup clears the alert', async () => {
    await backupJob('dc1-fixed', 'dc1', {
      startTime: at(10 * 60_000 + 75_000),
      finishTime: at(10 * 60_000),
      finished: ['dc1-rack1-sts-0', 'dc1-rack1-sts-1'],
    });
    const { samples } = await scrape();
    const dc1 = `datacenter="dc1",namespace="${ns.name}"`;
    const lastSuccess = samples.get(`medusa_backup_last_success_timestamp_seconds{${dc1}}`)!;
    expect(lastSuccess).toBe(Math.floor((now - 10 * 60_000) / 1000));
    expect(Date.now() / 1000 - lastSuccess).toBeLessThan(86_400);
    expect(samples.get(`medusa_backups_total{${dc1},status="succeeded"}`)).toBe(2);
    expect(samples.get(`medusa_backup_duration_seconds{${dc1}}`)).toBe(75);
    expect(samples.get(`medusa_backup_last_failed{${dc1}}`)).toBe(0);
    expect(output).not.toMatch(/"level":"error"/);
  });
});

describe("the sidecar's /metrics after real operations", () => {
  const pod = 'metrics-dc1-sts-0';
  let sidecar: ChildProcess | undefined;
  let dir = '';
  let sidecarOutput = '';
  afterAll(async () => {
    if (sidecar && sidecar.exitCode === null) {
      const exited = new Promise((r) => sidecar!.once('exit', r));
      sidecar.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const task = (name: string, spec: object) =>
    createWithStatus(
      'medusatasks',
      'MedusaTask',
      name,
      { cassandraDatacenter: 'dc1', ...spec },
      {
        startTime: at(0),
        inProgress: [pod],
      },
    );
  const phaseOf = async (name: string) => {
    const t = (await custom.getNamespacedCustomObject({
      group,
      version,
      plural: 'medusatasks',
      namespace: ns.name,
      name,
    })) as {
      status?: { progress?: { node: string; phase: string }[] };
    };
    return t.status?.progress?.find((p) => p.node === pod)?.phase;
  };

  it('counts a purge that succeeded and a verify that failed, on local storage (no Cassandra needed)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'metrics-sidecar-'));
    mkdirSync(join(dir, 'metrics-bucket'));
    sidecar = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'agent', 'main.ts'), 'sidecar'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        KUBECONFIG: kubeconfigPath,
        POD_NAME: pod,
        POD_NAMESPACE: ns.name,
        POD_IP: podIp,
        MEDUSA_INI: `[storage]\nstorage_provider = local\nbase_path = ${dir}\nbucket_name = metrics-bucket\nfqdn = ${podIp}\n`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    sidecar.stderr?.on('data', (c: Buffer) => void (sidecarOutput += c.toString()));
    sidecar.stdout?.on('data', (c: Buffer) => void (sidecarOutput += c.toString()));
    await task('metrics-purge', { operation: 'purge' });
    await task('metrics-verify', { operation: 'verify', backupName: 'no-such-backup' });
    const deadline = Date.now() + 40_000;
    while (
      (await phaseOf('metrics-purge')) !== 'Succeeded' ||
      (await phaseOf('metrics-verify')) !== 'Failed'
    ) {
      if (Date.now() > deadline || sidecar.exitCode !== null)
        throw new Error(`the sidecar did not run both tasks:\n${sidecarOutput}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(sidecarOutput).toContain('"metrics listening"');
    const { contentType, samples } = await scrape(`http://${podIp}:9095/metrics`);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(samples.get('medusa_agent_operations_total{operation="purge",result="succeeded"}')).toBe(1);
    expect(samples.get('medusa_agent_operations_total{operation="verify",result="failed"}')).toBe(1);
    expect(samples.get('medusa_agent_last_success_timestamp_seconds{operation="purge"}')).toBeGreaterThan(
      now / 1000,
    );
    expect(samples.has('medusa_agent_last_success_timestamp_seconds{operation="verify"}')).toBe(false);
    expect(
      samples.get('medusa_agent_last_operation_duration_seconds{operation="verify"}'),
    ).toBeGreaterThanOrEqual(0);
    expect(samples.get('medusa_agent_operation_in_progress')).toBe(0);
  }, 60_000);
});

describe('the chart', () => {
  it('passes METRICS_PORT to the controller, names the port and annotates the pod for Prometheus', async () => {
    const { stdout } = await promisify(execFile)(artefacts.helm, [
      'template',
      'm',
      join(repoRoot, 'charts', 'kubectl-medusa'),
      '--set',
      'controller.metricsPort=9310',
    ]);
    type Deployment = {
      kind: string;
      spec: {
        template: {
          metadata: { annotations?: Record<string, string> };
          spec: {
            containers: {
              name: string;
              env?: { name: string; value?: string }[];
              ports?: { name: string; containerPort: number }[];
            }[];
          };
        };
      };
    };
    const docs = parseAllDocuments(stdout).map((d) => d.toJS() as Deployment);
    const deployment = docs.find((d) => d?.kind === 'Deployment')!;
    const controllerContainer = deployment.spec.template.spec.containers.find(
      (c) => c.name === 'controller',
    )!;
    expect(controllerContainer.env).toContainEqual({ name: 'METRICS_PORT', value: '9310' });
    expect(controllerContainer.ports).toContainEqual({
      name: 'metrics',
      containerPort: 9310,
      protocol: 'TCP',
    });
    expect(deployment.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9310',
      'prometheus.io/path': '/metrics',
    });
  });
});
