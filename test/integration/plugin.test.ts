import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configurationAnnotation, prefixAnnotation } from '../../crds/binding.js';
import { customPath, kubeRequest } from '../../lib/kube-request.js';
import { apiserverUrl, controlPlaneCa, kubeconfigPath } from '../bed/kube.js';
import { repoRoot } from '../bed/paths.js';
import { pemBase64 } from '../bed/pki.js';
import { adminConfig, cassandraStatefulSet, installCrds, testNamespace } from '../support/kube.js';
import { runPlugin, type PluginRun } from '../support/plugin.js';

// `kubectl medusa` run as users run it (a separate process, kubeconfig from the environment)
// against the real kube-apiserver with the medusa.k8ssandra.io CRDs installed.

const medusa = (args: string[], env: Record<string, string> = {}): Promise<PluginRun> =>
  runPlugin(args, { env });

const group = 'medusa.k8ssandra.io';
const version = 'v1alpha1';
const kc = adminConfig();
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const apps = kc.makeApiClient(k8s.AppsV1Api);
let ns: { name: string; remove: () => Promise<void> };

async function createBackup(
  name: string,
  status: Record<string, unknown>,
  spec = { cassandraDatacenter: 'dc1', backupType: 'full' },
) {
  await custom.createNamespacedCustomObject({
    group,
    version,
    namespace: ns.name,
    plural: 'medusabackups',
    body: { apiVersion: `${group}/${version}`, kind: 'MedusaBackup', metadata: { name }, spec },
  });
  await setStatus('medusabackups', name, status);
}

/** Writes status through the status subresource, as the controller does. */
async function setStatus(plural: string, name: string, status: Record<string, unknown>) {
  await kubeRequest(kc, 'PATCH', customPath(group, version, plural, ns.name, name, 'status'), { status });
}

beforeAll(async () => {
  await installCrds();
  ns = await testNamespace('plugin');
  await apps.createNamespacedStatefulSet({
    namespace: ns.name,
    body: cassandraStatefulSet('dc1', {
      annotations: { [configurationAnnotation]: 'minio', [prefixAnnotation]: 'demo' },
    }),
  });
  await apps.createNamespacedStatefulSet({ namespace: ns.name, body: cassandraStatefulSet('unbound') });
  await createBackup('dc1-full-1', {
    startTime: '2026-11-20T02:00:00Z',
    finishTime: '2026-11-20T02:05:00Z',
    totalNodes: 3,
    finishedNodes: 3,
    totalFiles: 120,
    totalSize: '241.61 KB',
    status: 'SUCCESS',
    nodes: [
      { host: '127.0.0.1', datacenter: 'dc1', rack: 'rack1', tokens: [-9223372036854775807n] },
      { host: '127.0.0.2', datacenter: 'dc1', rack: 'rack1', tokens: [-3074457345618258603n] },
      { host: '127.0.0.3', datacenter: 'dc1', rack: 'rack1', tokens: [3074457345618258602n] },
    ],
  });
  await createBackup('dc1-diff-2', {
    startTime: '2026-11-21T02:00:00Z',
    finishTime: '2026-11-21T02:01:00Z',
    totalNodes: 3,
    finishedNodes: 2,
    status: 'FAILED',
  });
});

afterAll(async () => {
  await ns?.remove();
});

describe('kubectl medusa backups', () => {
  it('lists backups newest first as a kubectl-style table', async () => {
    const { code, stdout } = await medusa(['backups', '-n', ns.name]);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+DATACENTER\s+TYPE\s+STATUS\s+NODES\s+FILES\s+SIZE\s+AGE$/);
    expect(lines[1]).toMatch(/^dc1-diff-2\s+dc1\s+full\s+FAILED\s+2\/3\s+-\s+-\s+\d+[smhd]/);
    expect(lines[2]).toMatch(/^dc1-full-1\s+dc1\s+full\s+SUCCESS\s+3\/3\s+120\s+241\.61 KB\s+\d+[smhd]/);
  });

  it('prints -o wide, json, yaml and name, and --no-headers', async () => {
    const wide = await medusa(['backups', '-n', ns.name, '-o', 'wide']);
    expect(wide.stdout.split('\n')[0]).toMatch(/STARTED\s+FINISHED\s+DURATION$/);
    expect(wide.stdout).toMatch(/dc1-full-1 .*2026-11-20T02:00:00Z\s+2026-11-20T02:05:00Z\s+5m/);

    const json = JSON.parse((await medusa(['backups', '-n', ns.name, '-o', 'json'])).stdout);
    expect(json.kind).toBe('List');
    expect(json.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual([
      'dc1-diff-2',
      'dc1-full-1',
    ]);
    expect(json.items[0].metadata.managedFields).toBeUndefined();

    const one = parse((await medusa(['backups', 'get', 'dc1-full-1', '-n', ns.name, '-o', 'yaml'])).stdout);
    expect(one.kind).toBe('MedusaBackup');
    expect(one.status.totalFiles).toBe(120);

    const names = await medusa(['backups', '-n', ns.name, '-o', 'name']);
    expect(names.stdout.trim().split('\n')).toEqual([
      'medusabackup.medusa.k8ssandra.io/dc1-diff-2',
      'medusabackup.medusa.k8ssandra.io/dc1-full-1',
    ]);
    const bare = await medusa(['backups', '-n', ns.name, '--no-headers']);
    expect(bare.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('lists across namespaces with -A, adding a NAMESPACE column', async () => {
    const { stdout } = await medusa(['backups', '-A']);
    expect(stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+/);
    // Column widths follow the longest namespace of the whole cluster (other tests' included).
    expect(stdout).toMatch(new RegExp(`^${ns.name}\\s+dc1-full-1\\s`, 'm'));
  });

  it('describes a backup with its nodes, racks and tokens', async () => {
    const { code, stdout, stderr } = await medusa(['backups', 'describe', 'dc1-full-1', '-n', ns.name]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Status:\s+SUCCESS/);
    expect(stdout).toMatch(/Nodes:\s+3 of 3 finished/);
    expect(stdout).toMatch(/Size:\s+241\.61 KB/);
    // Tokens are int64: shown exactly, not rounded to a double.
    expect(stdout).toMatch(/127\.0\.0\.1\s+dc1\s+rack1\s+-9223372036854775807$/m);
    expect(stdout).toMatch(/127\.0\.0\.2\s+dc1\s+rack1\s+-3074457345618258603$/m);
    expect(stderr).toContain('kubectl medusa restore --backup dc1-full-1');
  });

  it('says clearly when a backup does not exist', async () => {
    const { code, stderr } = await medusa(['backups', 'describe', 'nope', '-n', ns.name]);
    expect(code).toBe(1);
    expect(stderr).toContain(`"nope" not found in namespace "${ns.name}"`);
  });
});

describe('kubectl medusa backups --watch', () => {
  it('prints the table, then a row for each new or changed backup, until Ctrl-C', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'plugin', 'main.ts'), 'backups', '-n', ns.name, '-w'],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          KUBECONFIG: kubeconfigPath,
          NO_COLOR: '1',
          MEDUSA_PLUGIN_WATCH_INTERVAL_MS: '300',
        },
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until(async () => out.includes('dc1-full-1'));
    await createBackup('watched', {
      startTime: new Date().toISOString(),
      status: 'IN_PROGRESS',
      totalNodes: 3,
      finishedNodes: 0,
    });
    await until(async () => /watched\s+dc1\s+full\s+IN_PROGRESS\s+0\/3/.test(out));
    await setStatus('medusabackups', 'watched', { status: 'SUCCESS', finishedNodes: 3 });
    await until(async () => /watched\s+dc1\s+full\s+SUCCESS\s+3\/3/.test(out));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out.match(/^NAME /gm)).toHaveLength(1); // headers once, as kubectl get -w
    await kubeRequest(kc, 'DELETE', customPath(group, version, 'medusabackups', ns.name, 'watched'));
  });
});

describe('kubectl medusa backup', () => {
  it('creates a MedusaBackupJob for a bound datacenter', async () => {
    const { code, stdout } = await medusa([
      'backup',
      'dc1',
      '-n',
      ns.name,
      '--name',
      'manual-1',
      '--type',
      'full',
      '--keyspaces',
      'ks1,ks2.t',
    ]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('medusabackupjob.medusa.k8ssandra.io/manual-1 created');
    const job = (await custom.getNamespacedCustomObject({
      group,
      version,
      namespace: ns.name,
      plural: 'medusabackupjobs',
      name: 'manual-1',
    })) as {
      spec: Record<string, unknown>;
    };
    expect(job.spec).toEqual({
      cassandraDatacenter: 'dc1',
      backupType: 'full',
      filter: { include: ['ks1', 'ks2.t'] },
    });
  });

  it('names the job after the datacenter and the UTC time when --name is not given', async () => {
    const { stdout } = await medusa(['backup', 'dc1', '-n', ns.name]);
    expect(stdout.trim()).toMatch(/^medusabackupjob\.medusa\.k8ssandra\.io\/dc1-\d{14} created$/);
  });

  it('prints the manifest and creates nothing with --dry-run', async () => {
    const { stdout } = await medusa(['backup', 'dc1', '-n', ns.name, '--name', 'dry', '--dry-run']);
    expect(parse(stdout)).toMatchObject({
      kind: 'MedusaBackupJob',
      metadata: { name: 'dry' },
      spec: { backupType: 'differential' },
    });
    await expect(
      custom.getNamespacedCustomObject({
        group,
        version,
        namespace: ns.name,
        plural: 'medusabackupjobs',
        name: 'dry',
      }),
    ).rejects.toMatchObject({ code: 404 });
  });

  it('refuses a datacenter that does not exist or is not bound, saying what to do', async () => {
    const missing = await medusa(['backup', 'dc9', '-n', ns.name]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('datacenter "dc9" not found');
    const unbound = await medusa(['backup', 'unbound', '-n', ns.name]);
    expect(unbound.code).toBe(1);
    expect(unbound.stderr).toContain('StatefulSet "unbound" is not bound to a MedusaConfiguration');
    expect(unbound.stderr).toContain(`kubectl annotate statefulset unbound ${configurationAnnotation}=`);
  });

  it('--wait follows per-node progress and exits 0 when the backup succeeds', async () => {
    const waiting = medusa([
      'backup',
      'dc1',
      '-n',
      ns.name,
      '--name',
      'waited',
      '--wait',
      '--timeout',
      '60s',
    ]);
    await until(() => exists('medusabackupjobs', 'waited'));
    const started = new Date().toISOString();
    const progress = (phase: string, done: number) =>
      ['dc1-0', 'dc1-1', 'dc1-2'].map((node) => ({
        node,
        phase,
        bytesDone: done,
        bytesTotal: 1000,
        filesDone: done / 100,
        filesTotal: 10,
      }));
    await setStatus('medusabackupjobs', 'waited', {
      startTime: started,
      inProgress: ['dc1-0', 'dc1-1', 'dc1-2'],
      progress: progress('Running', 400),
    });
    await new Promise((r) => setTimeout(r, 1500));
    await createBackup('waited', {
      startTime: started,
      finishTime: new Date().toISOString(),
      totalNodes: 3,
      finishedNodes: 3,
      totalFiles: 30,
      totalSize: '2.93 KB',
      status: 'SUCCESS',
    });
    await setStatus('medusabackupjobs', 'waited', {
      finishTime: new Date().toISOString(),
      inProgress: [],
      finished: ['dc1-0', 'dc1-1', 'dc1-2'],
      progress: progress('Succeeded', 1000),
    });
    const { code, stdout, stderr } = await waiting;
    expect(code).toBe(0);
    expect(stderr).toContain('Ctrl-C stops waiting, not the operation');
    expect(stderr).toMatch(/backup waited: Running \(dc1-0 Running 40%/);
    expect(stdout).toContain('Backup waited: SUCCESS, 2.93 KB in 30 files from 3/3 nodes');
  });

  it('--wait exits 1 and names the failed nodes when the backup fails', async () => {
    const waiting = medusa(['backup', 'dc1', '-n', ns.name, '--name', 'doomed', '--wait']);
    await until(() => exists('medusabackupjobs', 'doomed'));
    await setStatus('medusabackupjobs', 'doomed', {
      startTime: new Date().toISOString(),
      finishTime: new Date().toISOString(),
      finished: ['dc1-0', 'dc1-1'],
      failed: ['dc1-2'],
      progress: [{ node: 'dc1-2', phase: 'Failed', lastError: 'agent stopped reporting' }],
    });
    const { code, stderr } = await waiting;
    expect(code).toBe(1);
    expect(stderr).toContain('Failed on: dc1-2');
    expect(stderr).toContain('agent stopped reporting');
  });

  it('--wait gives up with exit code 124 when --timeout expires', async () => {
    const { code, stderr } = await medusa([
      'backup',
      'dc1',
      '-n',
      ns.name,
      '--name',
      'slow',
      '--wait',
      '--timeout',
      '2s',
    ]);
    expect(code).toBe(124);
    expect(stderr).toContain('timed out after 2s waiting for backup slow');
  });
});

describe('kubectl medusa restore', () => {
  it("creates a MedusaRestoreJob for a successful backup, into the backup's datacenter by default", async () => {
    const { code, stdout, stderr } = await medusa([
      'restore',
      '--backup',
      'dc1-full-1',
      '-n',
      ns.name,
      '--name',
      'r1',
    ]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('medusarestorejob.medusa.k8ssandra.io/r1 created');
    expect(stderr).toContain('Datacenter dc1 will be stopped');
    const list = await medusa(['restores', '-n', ns.name]);
    expect(list.stdout).toMatch(/^NAME\s+BACKUP\s+DATACENTER\s+PHASE\s+AGE/);
    expect(list.stdout).toMatch(/r1\s+dc1-full-1\s+dc1\s+Pending/);
  });

  it('refuses to restore a failed backup', async () => {
    const { code, stderr } = await medusa(['restore', '--backup', 'dc1-diff-2', '-n', ns.name]);
    expect(code).toBe(1);
    expect(stderr).toContain('backup "dc1-diff-2" is FAILED: only a complete backup can be restored');
  });
});

describe('kubectl medusa schedule', () => {
  it('creates, lists, describes with next runs, suspends, resumes and deletes a schedule', async () => {
    const created = await medusa([
      'schedule',
      'create',
      'nightly',
      '--dc',
      'dc1',
      '--cron',
      '0 2 * * *',
      '--timezone',
      'Europe/Paris',
      '-n',
      ns.name,
    ]);
    expect(created.code).toBe(0);
    expect(created.stderr).toMatch(/Next runs: \d{4}-\d\d-\d\d 01:00:00 UTC/);

    const listed = await medusa(['schedule', 'list', '-n', ns.name]);
    expect(listed.stdout).toMatch(
      /^NAME\s+DATACENTER\s+SCHEDULE\s+OPERATION\s+TYPE\s+SUSPENDED\s+LAST RUN\s+NEXT RUN/,
    );
    expect(listed.stdout).toMatch(
      /nightly\s+dc1\s+0 2 \* \* \* \(Europe\/Paris\)\s+backup\s+differential\s+False\s+-\s+in \d+/,
    );

    const described = await medusa(['schedule', 'describe', 'nightly', '-n', ns.name]);
    expect(described.stdout.match(/^ {2}\d{4}-\d\d-\d\d 01:00:00 UTC/gm)).toHaveLength(5);

    expect((await medusa(['schedule', 'suspend', 'nightly', '-n', ns.name])).stdout).toContain('suspended');
    expect((await medusa(['schedule', 'list', '-n', ns.name])).stdout).toMatch(/nightly\s+.*True\s+-\s+-$/m);
    expect((await medusa(['schedule', 'resume', 'nightly', '-n', ns.name])).stdout).toContain('resumed');
    expect((await medusa(['schedule', 'delete', 'nightly', '-n', ns.name])).stdout).toContain('deleted');
    expect((await medusa(['schedule', 'list', '-n', ns.name])).stderr).toContain('No schedules found');
  });

  it('refuses a bad cron expression as a usage error', async () => {
    const { code, stderr } = await medusa([
      'schedule',
      'create',
      'bad',
      '--dc',
      'dc1',
      '--cron',
      '0 25 * * *',
      '-n',
      ns.name,
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('--cron "0 25 * * *" is not a valid schedule');
  });
});

describe('kubectl medusa sync, purge, verify and tasks', () => {
  it('creates sync, purge and verify tasks and lists them', async () => {
    expect((await medusa(['sync', 'dc1', '-n', ns.name, '--name', 'sync-1'])).stdout).toContain(
      'medusatask.medusa.k8ssandra.io/sync-1 created',
    );
    expect((await medusa(['purge', 'dc1', '-n', ns.name, '--name', 'purge-1'])).stdout).toContain(
      'purge-1 created',
    );
    expect((await medusa(['verify', 'dc1-full-1', '-n', ns.name, '--name', 'verify-1'])).stdout).toContain(
      'verify-1 created',
    );
    const verify = (await custom.getNamespacedCustomObject({
      group,
      version,
      namespace: ns.name,
      plural: 'medusatasks',
      name: 'verify-1',
    })) as {
      spec: Record<string, unknown>;
    };
    expect(verify.spec).toEqual({
      operation: 'verify',
      cassandraDatacenter: 'dc1',
      backupName: 'dc1-full-1',
    });
    const { stdout } = await medusa(['tasks', '-n', ns.name]);
    expect(stdout).toMatch(/purge-1\s+purge\s+dc1\s+-\s+Pending/);
    expect(stdout).toMatch(/verify-1\s+verify\s+dc1\s+dc1-full-1\s+Pending/);
  });

  it('purge --wait prints the per-node purge statistics', async () => {
    const waiting = medusa(['purge', 'dc1', '-n', ns.name, '--name', 'purge-2', '--wait']);
    await until(() => exists('medusatasks', 'purge-2'));
    await setStatus('medusatasks', 'purge-2', {
      startTime: new Date().toISOString(),
      finishTime: new Date().toISOString(),
      finished: [
        {
          podName: 'dc1-0',
          nbBackupsPurged: 2,
          nbObjectsPurged: 40,
          totalPurgedSize: 2048,
          totalObjectsWithinGcGrace: 3,
        },
      ],
    });
    const { code, stdout } = await waiting;
    expect(code).toBe(0);
    expect(stdout).toMatch(/dc1-0\s+2\s+40\s+2\.00 KB\s+3/);
  });
});

describe('kubectl medusa status', () => {
  it("gathers the datacenter's binding, backups, schedules and running jobs", async () => {
    const { code, stdout } = await medusa(['status', 'dc1', '-n', ns.name]);
    expect(code).toBe(0);
    expect(stdout).toContain(`Datacenter ${ns.name}/dc1 (StatefulSet)`);
    expect(stdout).toMatch(/Configuration:\s+minio/);
    expect(stdout).toMatch(/Last good backup:\s+(waited|dc1-full-1)/);
    expect(stdout).toMatch(/Last failed backup:\s+dc1-diff-2/);
    const json = JSON.parse((await medusa(['status', 'dc1', '-n', ns.name, '-o', 'json'])).stdout);
    expect(json).toMatchObject({
      name: 'dc1',
      configuration: 'minio',
      prefix: 'demo',
      lastFailedBackup: { name: 'dc1-diff-2' },
    });
    expect(json.running.map((r: { name: string }) => r.name)).toContain('manual-1');
  });
});

describe('errors a user can act on', () => {
  it('explains a missing permission', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: 'nobody' } } });
    const token = await core.createNamespacedServiceAccountToken({
      name: 'nobody',
      namespace: ns.name,
      body: { spec: { audiences: [] } },
    });
    const dir = mkdtempSync(join(tmpdir(), 'medusa-plugin-'));
    const config = join(dir, 'kubeconfig');
    writeFileSync(
      config,
      `apiVersion: v1
kind: Config
clusters: [{name: bed, cluster: {server: ${apiserverUrl}, certificate-authority-data: ${pemBase64(controlPlaneCa().cert)}}}]
users: [{name: nobody, user: {token: ${token.status?.token}}}]
contexts: [{name: bed, context: {cluster: bed, user: nobody, namespace: ${ns.name}}}]
current-context: bed
`,
    );
    const { code, stderr } = await medusa(['backups'], { KUBECONFIG: config });
    expect(code).toBe(1);
    expect(stderr).toContain(`permission denied: you need "list" on medusabackups in namespace "${ns.name}"`);
  });

  it('explains an unreachable API server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medusa-plugin-'));
    const config = join(dir, 'kubeconfig');
    writeFileSync(
      config,
      `apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: gone, context: {cluster: gone, user: u}}]
current-context: gone
`,
    );
    const { code, stderr } = await medusa(['backups'], { KUBECONFIG: config });
    expect(code).toBe(1);
    expect(stderr).toContain('cannot reach the Kubernetes API server');
  });

  it('explains a usage error with exit code 2', async () => {
    const { code, stderr } = await medusa(['backup']);
    expect(code).toBe(2);
    expect(stderr).toContain('Not enough non-option arguments');
  });
});

async function exists(plural: string, name: string): Promise<boolean> {
  return custom
    .getNamespacedCustomObject({ group, version, namespace: ns.name, plural, name })
    .then(() => true)
    .catch(() => false);
}

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
