import { Client } from 'cassandra-driver';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.js';
import { Storage } from '../../lib/storage/index.js';
import { parseManifest, type Manifest } from '../../lib/storage/repository/manifest.js';
import { NodeContext } from '../../agent/cli/context.js';
import { restoreFromEnvironment } from '../../agent/restore/k8s-restore.js';
import { verifyBackup } from '../../agent/verify/verify.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { artefacts, runDir } from '../bed/paths.js';
import { runningPid } from '../bed/proc.js';
import { localStorageDir, minio } from '../bed/stores.js';
import { agentCassandraSection, localStorageSection, runAgent, runTool } from '../support/agent-cli.js';
import { insertRows } from '../support/rows.js';

// Fault injection on the restore side (issue 14, R3 and R4), on a real Cassandra 5.0 node with
// local storage and MinIO: damaged backups (bytes flipped with the size kept, in a full and in a
// differential backup; a deleted object) and tampered manifests. verify names every bad file; no
// restore path (CLI restore-node with stop_cmd/start_cmd, the medusa-restore init container) lets
// anything reach the data directory, nothing outside it is created or removed, and Cassandra runs
// afterwards.

const cluster = new CassandraCluster({ name: 'faults-restore', hosts: [41] });
const node = cluster.nodes[0]!;
const fqdn = node.address;
const keyspace = 'faults_restore';
const workDir = join(runDir, `faults-restore-${process.pid}`);
const quiet = createLogger('test', { level: 'error' });
/** Beside the data directory: a tampered manifest aims at it. */
const victim = join(node.dataDir, '..', 'victim');

interface Kind {
  name: 'local' | 'minio';
  bucket: string;
  prefix: string;
  configFile: string;
  storage?: Storage;
}

const kinds: Kind[] = [
  {
    name: 'local',
    bucket: `faults-restore-${process.pid}`,
    prefix: 'fl',
    configFile: join(workDir, 'local.ini'),
  },
  {
    name: 'minio',
    bucket: `faults-restore-${process.pid}`,
    prefix: 'fm',
    configFile: join(workDir, 'minio.ini'),
  },
];

function openStorage(kind: Kind): Promise<Storage> {
  return kind.name === 'local'
    ? Storage.open({ provider: 'local', bucket: kind.bucket, basePath: localStorageDir })
    : Storage.open({
        provider: 's3_compatible',
        bucket: kind.bucket,
        endpoint: minio.endpoint,
        region: minio.region,
        addressingStyle: 'path',
        keyFile: join(workDir, 'credentials'),
      });
}

function minioSection(kind: Kind, keyFile: string): string {
  return `[storage]
storage_provider = s3_compatible
host = ${minio.host}
port = ${minio.port}
secure = False
region = ${minio.region}
s3_addressing_style = path
bucket_name = ${kind.bucket}
key_file = ${keyFile}
prefix = ${kind.prefix}
fqdn = ${fqdn}
use_sudo_for_restore = False
multi_part_upload_threshold = 1024
multipart_chunksize = 5MB
concurrent_transfers = 4
`;
}

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

/** Every file below a directory with its MD5: equal before and after means nothing was touched. */
function tree(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else files[relative(root, child)] = md5(readFileSync(child));
    }
  };
  if (existsSync(root)) walk(root);
  return files;
}

/** The user table's files (nothing writes to them while the node idles) and the victim's. */
const snapshot = () => ({ table: tree(join(node.dataDir, keyspace)), victim: tree(victim) });

const agent = (kind: Kind, ...args: string[]) => runAgent('--config-file', kind.configFile, ...args);
const meta = (kind: Kind, backup: string, file: string) => `${kind.prefix}/${fqdn}/${backup}/meta/${file}`;

async function manifestOf(kind: Kind, backup: string): Promise<Manifest> {
  return parseManifest(await kind.storage!.readText(meta(kind, backup, 'manifest.json')));
}

/** The objects of the user table in a backup's manifest. */
async function tableObjects(kind: Kind, backup: string) {
  const manifest = await manifestOf(kind, backup);
  return manifest.filter((s) => s.keyspace === keyspace).flatMap((s) => s.objects);
}

/** Flips 16 bytes in the middle of an object and writes it back: same key, same size. */
async function flipBytes(kind: Kind, key: string): Promise<void> {
  const data = await kind.storage!.readBytes(key);
  const at = Math.floor(data.length / 2);
  for (let i = at; i < at + 16; i++) data[i] = data[i]! ^ 0x5a;
  await kind.storage!.putBytes(key, data);
  expect((await kind.storage!.head(key))?.size).toBe(data.length);
}

/** A node context as the init container has it (Cassandra's lifecycle is the pod's). */
const initContext = (kind: Kind) => NodeContext.load(kind.configFile, {}, quiet);

async function expectRunning(pid?: number): Promise<void> {
  expect(node.isRunning()).toBe(true);
  if (pid !== undefined) expect(runningPid(node.service)).toBe(pid);
}

describe('faults on the restore side (R3, R4)', () => {
  beforeAll(async () => {
    mkdirSync(workDir, { recursive: true });
    writeFileSync(
      join(workDir, 'credentials'),
      `[default]\naws_access_key_id = ${minio.accessKeyId}\naws_secret_access_key = ${minio.secretAccessKey}\n`,
    );
    writeFileSync(
      join(workDir, 'wrong-credentials'),
      `[default]\naws_access_key_id = ${minio.accessKeyId}\naws_secret_access_key = not-the-secret\n`,
    );
    const [local, s3] = kinds as [Kind, Kind];
    mkdirSync(localStorageDir, { recursive: true });
    writeFileSync(
      local.configFile,
      `${agentCassandraSection(cluster, 0)}\n${localStorageSection({ bucket: local.bucket, fqdn, prefix: local.prefix })}`,
    );
    writeFileSync(
      s3.configFile,
      `${agentCassandraSection(cluster, 0)}\n${minioSection(s3, join(workDir, 'credentials'))}`,
    );
    writeFileSync(
      join(workDir, 'wrong-key.ini'),
      `${agentCassandraSection(cluster, 0)}\n${minioSection(s3, join(workDir, 'wrong-credentials'))}`,
    );
    for (const kind of kinds) {
      kind.storage = await openStorage(kind);
      await kind.storage.ensureBucket();
    }
    await cluster.start(); // a fresh node directory: the victim goes in afterwards
    mkdirSync(join(victim, 'dir'), { recursive: true });
    writeFileSync(join(victim, 'dir', 'precious'), 'not to be removed');
    const client = new Client({ contactPoints: [node.address], localDataCenter: cluster.datacenter });
    await client.connect();
    await client.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(`CREATE TABLE ${keyspace}.rows (id int PRIMARY KEY, value text)`);
    await insertRows(client, keyspace, 0, 200, { value: (id) => `${id}:`.padEnd(1000, 'x') });
    await client.shutdown();
    await node.nodetool('flush', keyspace);
  }, 300_000);

  afterAll(async () => {
    await cluster.stop();
    for (const kind of kinds) {
      const storage = kind.storage ?? (await openStorage(kind));
      for (const object of await storage.list('')) await storage.delete(object.key);
      await storage.removeBucket().catch(() => undefined);
      await storage.close();
    }
    rmSync(workDir, { recursive: true, force: true });
    rmSync(victim, { recursive: true, force: true });
  });

  describe.each(kinds)('R3 on $name storage: damaged backups', (kind) => {
    const full = `full-${kind.name}`;
    let diff = `diff2-${kind.name}`;
    let fullData = '';
    let diffData = '';
    let deleted = '';

    it('backs up full and differential; a clean backup verifies with md5 checks', async () => {
      expect((await agent(kind, 'backup', '--backup-name', full, '--mode', 'full')).code).toBe(0);
      expect(
        (await agent(kind, 'backup', '--backup-name', `diff1-${kind.name}`, '--mode', 'differential')).code,
      ).toBe(0);
      if (kind.name === 'local') {
        // cassandra-medusa itself writes the second differential: its reused pool entries have "MD5": null.
        diff = `py-${kind.name}`;
        const medusa = await runTool(artefacts.medusa, [
          '--config-file',
          kind.configFile,
          'backup',
          '--backup-name',
          diff,
          '--mode',
          'differential',
        ]);
        expect(medusa.code, medusa.stderr).toBe(0);
      } else {
        expect((await agent(kind, 'backup', '--backup-name', diff, '--mode', 'differential')).code).toBe(0);
      }
      const reused = await tableObjects(kind, diff);
      if (kind.name === 'local') expect(reused.filter((o) => o.MD5 === null).length).toBeGreaterThan(0);
      for (const name of [full, diff]) {
        const verified = await agent(kind, 'verify', '--backup-name', name, '--enable-md5-checks');
        expect(verified.stdout).toMatch(/- Completed: OK, \d+ files checked/);
        expect(verified.code).toBe(0);
      }
      const objects = await tableObjects(kind, full);
      fullData = objects.find((o) => o.path.endsWith('-Data.db'))!.path;
      deleted = objects.find((o) => o.path.endsWith('-Index.db') || o.path.endsWith('-Partitions.db'))!.path;
      diffData = reused.find((o) => o.path.endsWith('-Data.db'))!.path;
      expect(diffData).toContain(`${kind.prefix}/${fqdn}/data/`); // a pool object the differential reuses
    }, 300_000);

    it('16 bytes flipped in the full backup: restore-node stops Cassandra, refuses before touching the data, starts it again', async () => {
      await flipBytes(kind, fullData);
      const before = snapshot();
      const pid = runningPid(node.service);
      const restore = await agent(kind, 'restore-node', '--backup-name', full);
      expect(restore.code).toBe(1);
      expect(restore.stderr).toContain(`error: ${fullData}: checksum `);
      expect(restore.stderr).toContain('(nothing on the node was changed; Cassandra was started again)');
      expect(runningPid(node.service)).not.toBe(pid); // it was stopped, and runs again
      await expectRunning();
      expect(snapshot()).toEqual(before);
    }, 300_000);

    it('16 bytes flipped in a pool object the differential reuses: refused the same way', async () => {
      await flipBytes(kind, diffData);
      const before = snapshot();
      const restore = await agent(kind, 'restore-node', '--backup-name', diff);
      expect(restore.code).toBe(1);
      expect(restore.stderr).toContain(`error: ${diffData}: checksum `);
      expect(restore.stderr).toContain('Cassandra was started again');
      await expectRunning();
      expect(snapshot()).toEqual(before);
    }, 300_000);

    it('a deleted object: restore-node refuses before stopping Cassandra', async () => {
      await kind.storage!.delete(deleted);
      const before = snapshot();
      const pid = runningPid(node.service);
      const restore = await agent(kind, 'restore-node', '--backup-name', full);
      expect(restore.code).toBe(1);
      expect(restore.stderr).toContain(
        `error: ${meta(kind, full, 'manifest.json')}: 1 objects are missing from storage: ${deleted} (nothing on the node was changed)`,
      );
      // restore-cluster checks storage for every node before it stops any.
      const cluster = await agent(kind, 'restore-cluster', '--backup-name', full);
      expect(cluster.code).toBe(1);
      expect(cluster.stderr).toContain(
        `error: ${fqdn}: ${meta(kind, full, 'manifest.json')}: 1 objects are missing`,
      );
      expect(cluster.stderr).toContain('(no node was stopped)');
      await expectRunning(pid);
      expect(snapshot()).toEqual(before);
    }, 120_000);

    it('verify --enable-md5-checks names each bad file and fails', async () => {
      const fullVerify = await agent(kind, 'verify', '--backup-name', full, '--enable-md5-checks');
      expect(fullVerify.code).toBe(1);
      expect(fullVerify.stdout).toContain(`  - ${fullData}: content differs: checksum `);
      expect(fullVerify.stdout).toContain(`  - ${deleted}: missing from storage`);
      expect(fullVerify.stdout).toContain('- Manifest validation failed: 2 problems');
      const diffVerify = await agent(kind, 'verify', '--backup-name', diff, '--enable-md5-checks');
      expect(diffVerify.code).toBe(1);
      expect(diffVerify.stdout).toContain(`  - ${diffData}: content differs: checksum `);
      expect(diffVerify.stdout).toContain('- Manifest validation failed: 1 problems');
    }, 120_000);

    it('the medusa-restore init container refuses each damaged backup without touching the data', async () => {
      const ctx = await initContext(kind);
      try {
        const before = snapshot();
        const pid = runningPid(node.service);
        const env = (backup: string) => ({
          BACKUP_NAME: backup,
          RESTORE_KEY: `key-${backup}`,
          POD_NAME: 'p',
        });
        await expect(restoreFromEnvironment(ctx, env(full), quiet)).rejects.toThrow(
          `missing from storage: ${deleted}`,
        );
        await expect(restoreFromEnvironment(ctx, env(diff), quiet)).rejects.toThrow(
          new RegExp(
            `^${diffData}: checksum does not match the manifest: [0-9a-f]{32}(-\\d+)? where the backup recorded`,
          ),
        );
        expect(snapshot()).toEqual(before);
        expect(existsSync(join(node.dataDir, '..', '.last-restore'))).toBe(false);
        await expectRunning(pid);
      } finally {
        await ctx.close();
      }
    }, 120_000);
  });

  describe.each(kinds)('R4 on $name storage: tampered manifests', (kind) => {
    const source = `full-${kind.name}`;
    /** Each turns the real manifest of the full backup into a hostile one. */
    const tampered: [string, (manifest: Manifest, text: string) => string, RegExp][] = [
      [
        'keyspace ../ to a victim directory',
        (m) => JSON.stringify([...m, { keyspace: '../victim', columnfamily: 'dir', objects: [] }]),
        /keyspace "\.\.\/victim" is not a Cassandra keyspace name/,
      ],
      [
        'keyspace ..',
        (m) => JSON.stringify([{ keyspace: '..', columnfamily: 'victim', objects: [] }, ...m]),
        /keyspace "\.\."/,
      ],
      [
        'table directory ..',
        (m) => JSON.stringify([...m, { keyspace: keyspace, columnfamily: '..', objects: [] }]),
        /columnfamily "\.\." is not a Cassandra table directory name/,
      ],
      [
        'table directory ../../victim',
        (m) => JSON.stringify([...m, { keyspace: keyspace, columnfamily: '../../victim', objects: [] }]),
        /columnfamily "\.\.\/\.\.\/victim"/,
      ],
      [
        'object key with ../',
        (m) =>
          JSON.stringify(
            edit(m, (o) => ({ ...o, path: o.path.replace(/[^/]+$/, '../../../../victim/dir/x') })),
          ),
        /has an empty, '\.' or '\.\.' segment/,
      ],
      [
        'absolute object key',
        (m) => JSON.stringify(edit(m, (o) => ({ ...o, path: `${victim}/dir/precious` }))),
        /is absolute/,
      ],
      ['huge size', (m) => JSON.stringify(edit(m, (o) => ({ ...o, size: 2 ** 52 }))), /is not a byte count/],
      [
        'object without size',
        (m) => JSON.stringify(edit(m, (o) => ({ path: o.path, MD5: o.MD5 }))),
        /has no size/,
      ],
      ['null section', (m) => JSON.stringify([...m, null]), /is null, not an object/],
      ['invalid JSON', (_m, text) => text.slice(0, Math.floor(text.length / 2)), /not valid JSON/],
    ];

    /** The first object of the user table, changed. */
    function edit(manifest: Manifest, change: (o: Manifest[0]['objects'][0]) => unknown): unknown[] {
      const at = manifest.findIndex((s) => s.keyspace === keyspace);
      return manifest.map((section, i) =>
        i === at
          ? { ...section, objects: section.objects.map((o, j) => (j === 0 ? change(o) : o)) }
          : section,
      );
    }

    /** A listed backup whose manifest.json is the tampered one. */
    async function writeTampered(name: string, manifest: string): Promise<void> {
      const storage = kind.storage!;
      const index = (file: string) => `${kind.prefix}/index/backup_index/${name}/${file}`;
      const epoch = Math.floor(Date.now() / 1000);
      for (const file of ['schema.cql', 'tokenmap.json'])
        await storage.putBytes(meta(kind, name, file), await storage.readBytes(meta(kind, source, file)));
      await storage.putBytes(meta(kind, name, 'manifest.json'), manifest);
      await storage.putBytes(
        index(`tokenmap_${fqdn}.json`),
        await storage.readBytes(meta(kind, source, 'tokenmap.json')),
      );
      await storage.putBytes(index(`started_${fqdn}_${epoch}.timestamp`), String(epoch));
      await storage.putBytes(index(`finished_${fqdn}_${epoch}.timestamp`), String(epoch));
    }

    // Refusals change nothing, so the cases run side by side (each starts the CLI: a few seconds).
    it.concurrent.each(
      tampered.map(([what, change, message], i) => ({
        what,
        change,
        message,
        name: `t${i + 1}-${kind.name}`,
      })),
    )(
      '$what: refused with the file named by restore-node, the init container and verify; nothing touched',
      async ({ change, message, name }) => {
        const manifest = await manifestOf(kind, source);
        const text = await kind.storage!.readText(meta(kind, source, 'manifest.json'));
        await writeTampered(name, change(manifest, text));
        const file = meta(kind, name, 'manifest.json');
        const before = snapshot();
        const pid = runningPid(node.service);

        const restore = await agent(kind, 'restore-node', '--backup-name', name);
        expect(restore.code).toBe(1);
        expect(restore.stderr).toContain(`error: ${file}: `);
        expect(restore.stderr).toMatch(message);
        expect(restore.stderr).toContain('(nothing on the node was changed)');

        const ctx = await initContext(kind);
        try {
          const env = { BACKUP_NAME: name, RESTORE_KEY: `key-${name}`, POD_NAME: 'p' };
          await expect(restoreFromEnvironment(ctx, env, quiet)).rejects.toThrow(message);
          const verified = await verifyBackup(ctx.catalog(), name, true);
          expect(verified.ok).toBe(false);
          expect(verified.errors).toEqual([expect.stringMatching(new RegExp(`^${file}: `))]);
        } finally {
          await ctx.close();
        }
        expect(snapshot()).toEqual(before);
        expect(readFileSync(join(victim, 'dir', 'precious'), 'utf8')).toBe('not to be removed');
        await expectRunning(pid);
      },
      120_000,
    );
  });

  it('a wrong S3 secret on restore says what was refused, not UnknownError; Cassandra keeps running', async () => {
    const pid = runningPid(node.service);
    const restore = await runAgent(
      '--config-file',
      join(workDir, 'wrong-key.ini'),
      'restore-node',
      '--backup-name',
      'full-minio',
    );
    expect(restore.code).toBe(1);
    expect(restore.stderr).not.toContain('UnknownError');
    expect(restore.stderr).toMatch(
      /S3 HEAD of s3:\/\/faults-restore-\d+\/fm\/.* refused: HTTP 403.*check the access key and secret/,
    );
    await expectRunning(pid);
  }, 60_000);
});
