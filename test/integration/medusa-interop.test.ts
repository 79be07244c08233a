import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackupRepository,
  Storage,
  snapshotTables,
  type StorageConfig,
  type TokenMap,
} from '../../lib/storage/index.js';
import { rings, type CassandraNode } from '../bed/cassandra.js';
import {
  cassandraSection,
  localStorageSection,
  medusa,
  medusaOk,
  minioStorageSection,
  writeMedusaIni,
  type MedusaIni,
} from '../bed/medusa.js';
import { localStorageDir, minio } from '../bed/stores.js';

const cluster = rings.single();
const fqdn = '127.0.0.4';
const prefix = 'itx';
const workDir = mkdtempSync(join(tmpdir(), 'medusa-interop-'));

/** Every regular file under `dir`, as relative path → bytes. */
function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return files;
}

async function withClient<T>(task: (client: cassandra.Client) => Promise<T>): Promise<T> {
  const client = new cassandra.Client({ contactPoints: [fqdn], localDataCenter: 'dc1' });
  try {
    await client.connect();
    return await task(client);
  } finally {
    await client.shutdown();
  }
}

/** What the node agent will gather: schema (server-side DESCRIBE), tokenmap, version. */
async function nodeFacts(): Promise<{ schema: string; tokenmap: TokenMap; release: string }> {
  return withClient(async (client) => {
    const described = await client.execute('DESCRIBE SCHEMA');
    const schema = described.rows.map((r) => String(r.create_statement)).join('\n\n');
    const local = (
      await client.execute('SELECT tokens, rack, data_center, release_version FROM system.local')
    ).rows[0]!;
    const tokens = [...(local.tokens as Set<string> | string[])].map((t) => BigInt(t));
    const tokenmap: TokenMap = new Map([
      [fqdn, { tokens, isUp: true, rack: local.rack, dc: local.data_center }],
    ]);
    return { schema, tokenmap, release: String(local.release_version) };
  });
}

async function rowsOf(keyspace: string): Promise<string[]> {
  return withClient(async (client) => {
    const result = await client.execute(`SELECT id, value FROM ${keyspace}.items`);
    return result.rows.map((r) => `${String(r.id)}=${String(r.value)}`).sort();
  });
}

interface Target {
  name: string;
  storage(bucket: string): StorageConfig;
  medusaStorage(bucket: string): MedusaIni[string];
}

const targets: Target[] = [
  {
    name: 'local',
    storage: (bucket) => ({ provider: 'local', basePath: localStorageDir, bucket, prefix }),
    medusaStorage: (bucket) => localStorageSection(localStorageDir, bucket, fqdn, prefix),
  },
  {
    name: 'minio',
    storage: (bucket) => {
      const keyFile = join(workDir, 'aws-credentials');
      writeFileSync(
        keyFile,
        `[default]\naws_access_key_id = ${minio.accessKeyId}\naws_secret_access_key = ${minio.secretAccessKey}\n`,
      );
      return {
        provider: 's3_compatible',
        host: minio.host,
        port: minio.port,
        secure: false,
        region: minio.region,
        keyFile,
        bucket,
        prefix,
        // The same multipart settings as medusa.ini, so ETags agree.
        multiPartUploadThreshold: '5MB',
        multipartChunksize: '5MB',
        concurrentTransfers: 2,
      };
    },
    medusaStorage: (bucket) => minioStorageSection(workDir, bucket, fqdn, prefix),
  },
];

let node: CassandraNode;
/** A node already running (another file's, or the bed's) is left running. */
let startedHere = false;

beforeAll(async () => {
  startedHere = !cluster.isRunning();
  await cluster.start();
  node = cluster.nodes[0]!;
});

afterAll(async () => {
  if (startedHere) await cluster.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe.each(targets)('cassandra-medusa interop on $name storage', (target) => {
  const tag = randomUUID().slice(0, 8);
  const bucket = `it-medusa-interop-${target.name}-${tag}`;
  const keyspace = `interop_${target.name}_${tag}`;
  const ours = `ours-${tag}`;
  const theirs = `theirs-${tag}`;
  let storage: Storage;
  let repo: BackupRepository;
  let ini: string;
  let backedUpRows: string[];

  beforeAll(async () => {
    storage = await Storage.open(target.storage(bucket));
    await storage.ensureBucket();
    repo = new BackupRepository(storage, { prefix });
    ini = writeMedusaIni(join(workDir, `${target.name}.ini`), {
      cassandra: cassandraSection(node, 'single'),
      storage: target.medusaStorage(bucket),
    });
    await withClient(async (client) => {
      await client.execute(
        `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      );
      await client.execute(`CREATE TABLE ${keyspace}.items (id int PRIMARY KEY, value text)`);
      await client.execute(`CREATE INDEX items_value_idx ON ${keyspace}.items (value)`);
      // Big enough (about 7 MiB of incompressible bytes) for a multipart upload at the 5MB threshold.
      await client.execute(`CREATE TABLE ${keyspace}.blobs (id int PRIMARY KEY, payload blob)`);
      for (let id = 0; id < 70; id += 1) {
        await client.execute(
          `INSERT INTO ${keyspace}.blobs (id, payload) VALUES (?, ?)`,
          [id, randomBytes(100_000)],
          {
            prepare: true,
          },
        );
      }
      for (let id = 0; id < 200; id += 1) {
        await client.execute(`INSERT INTO ${keyspace}.items (id, value) VALUES (?, ?)`, [id, `v${id % 7}`], {
          prepare: true,
        });
      }
    });
    backedUpRows = await rowsOf(keyspace);
  });

  afterAll(async () => {
    await withClient((client) => client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`)).catch(
      () => undefined,
    );
    const leftovers = await storage.list('');
    await storage.deleteMany(leftovers.map((o) => o.key));
    await storage.removeBucket();
    await storage.close();
  });

  it('writes a differential backup from real SSTables that medusa lists and verifies', async () => {
    const snapshot = `kubectl-medusa-${ours}`;
    await node.nodetool('snapshot', '-t', snapshot);
    const tables = await snapshotTables(node.dataDir, snapshot);
    const own = tables.find((t) => t.keyspace === keyspace && t.table.startsWith('items-'));
    expect(own?.files.some((f) => f.name.endsWith('-Data.db'))).toBe(true);
    expect(own?.files.some((f) => f.indexDir === '.items_value_idx')).toBe(true);

    const facts = await nodeFacts();
    const writer = await repo.startNodeBackup({
      fqdn,
      name: ours,
      mode: 'differential',
      schema: facts.schema,
      tokenmap: facts.tokenmap,
      serverVersion: { server_type: 'cassandra', release_version: facts.release },
    });
    // Started but unfinished: medusa must see it as incomplete, never as complete.
    const partial = JSON.parse(await medusaOk(ini, ['list-backups', '--output', 'json'])) as {
      name: string;
      finished: number | null;
    }[];
    expect(partial.find((b) => b.name === ours)?.finished).toBeNull();

    await writer.uploadTables(tables);
    await writer.finish();
    await node.nodetool('clearsnapshot', '-t', snapshot);

    const listed = JSON.parse(await medusaOk(ini, ['list-backups', '--output', 'json'])) as {
      name: string;
      finished: number | null;
      backup_type: string;
      completed_nodes: number;
      num_objects: number;
      missing_nodes: number;
    }[];
    const entry = listed.find((b) => b.name === ours);
    expect(entry).toMatchObject({ backup_type: 'differential', completed_nodes: 1, missing_nodes: 0 });
    expect(entry?.finished).toBeGreaterThan(0);
    expect(entry?.num_objects).toBe(tables.reduce((n, t) => n + t.files.length, 0));

    const verify = await medusa(ini, ['verify', '--backup-name', ours, '--enable-md5-checks']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);

    const big = (await repo.readManifest(fqdn, ours))
      .find((s) => s.keyspace === keyspace && s.columnfamily.startsWith('blobs-'))
      ?.objects.find((o) => o.path.endsWith('-Data.db'));
    expect(big?.size).toBeGreaterThan(5 * 1024 * 1024);
    if (target.name === 'minio') expect(big?.MD5).toMatch(/^[0-9a-f]{32}-2$/);
  });

  it('has its backup restored by medusa restore-node', async () => {
    await withClient(async (client) => {
      await client.execute(`INSERT INTO ${keyspace}.items (id, value) VALUES (9999, 'after-backup')`);
      await client.execute(`DELETE FROM ${keyspace}.items WHERE id = 1`);
    });
    await node.nodetool('flush', keyspace);
    expect(await rowsOf(keyspace)).not.toEqual(backedUpRows);

    const temp = mkdtempSync(join(workDir, 'restore-'));
    await medusaOk(
      ini,
      ['restore-node', '--backup-name', ours, '--temp-dir', temp, '--in-place', '--no-verify'],
      600_000,
    );
    await node.waitForCql();
    await cluster.waitForAllUp();
    expect(await rowsOf(keyspace)).toEqual(backedUpRows);
  });

  it('reads a backup taken by medusa: listed complete, verified, downloaded byte-identical', async () => {
    const ourObjects = (await repo.readManifest(fqdn, ours))
      .filter((s) => s.keyspace === keyspace)
      .flatMap((s) => s.objects);
    const before = await Promise.all(ourObjects.map((o) => storage.head(o.path)));
    // With md5 checks, medusa reuses our pool files only if our hashes (multipart ETags included) match its own.
    await medusaOk(
      ini,
      ['backup', '--backup-name', theirs, '--mode', 'differential', '--enable-md5-checks'],
      600_000,
    );
    const theirObjects = (await repo.readManifest(fqdn, theirs))
      .filter((s) => s.keyspace === keyspace)
      .flatMap((s) => s.objects);
    expect(theirObjects.map((o) => o.path).sort()).toEqual(ourObjects.map((o) => o.path).sort());
    const after = await Promise.all(ourObjects.map((o) => storage.head(o.path)));
    expect(after.map((o) => o?.lastModified.getTime())).toEqual(before.map((o) => o?.lastModified.getTime()));

    const backups = await repo.listClusterBackups();
    const backup = backups.find((b) => b.name === theirs);
    expect(backup).toMatchObject({ complete: true, backupType: 'differential', missingNodes: [] });
    expect(backups.find((b) => b.name === ours)?.complete).toBe(true);
    expect(backup?.tokenmap.get(fqdn)?.tokens).toEqual((await nodeFacts()).tokenmap.get(fqdn)?.tokens);
    expect(await repo.verifyNodeBackup(fqdn, theirs)).toEqual([]);

    const mine = join(workDir, `${target.name}-ours-download`);
    const reference = join(workDir, `${target.name}-medusa-download`);
    const manifest = await repo.downloadNodeBackup(fqdn, theirs, mine);
    mkdirSync(reference);
    await medusaOk(ini, ['download', '--backup-name', theirs, '--download-destination', reference]);
    const a = tree(mine);
    const b = tree(reference);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [path, bytes] of a) expect(bytes.equals(b.get(path)!), path).toBe(true);
    expect(a.size).toBe(manifest.flatMap((s) => s.objects).length + 3);
    expect([...a.keys()].some((p) => p.includes(`${keyspace}/`) && p.includes('.items_value_idx/'))).toBe(
      true,
    );
  });

  it('medusa purge keeps the pool files our differential backup references', async () => {
    const referenced = (await repo.readManifest(fqdn, ours)).flatMap((s) => s.objects.map((o) => o.path));
    const orphan = `${repo.layout.pool(fqdn)}${keyspace}/items-0/orphan-Data.db`;
    await storage.putBytes(orphan, 'nobody references this');
    // Grace is 0 days: medusa deletes every pool file no differential manifest references.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await medusaOk(ini, ['purge']);
    expect(await storage.exists(orphan)).toBe(false);
    for (const path of referenced) expect(await storage.exists(path), path).toBe(true);
    expect((await medusa(ini, ['verify', '--backup-name', ours])).code).toBe(0);
  });

  it('our purge keeps the pool files medusa backups reference', async () => {
    const referenced = (await repo.readManifest(fqdn, theirs)).flatMap((s) => s.objects.map((o) => o.path));
    const orphan = `${repo.layout.pool(fqdn)}${keyspace}/items-0/orphan-Index.db`;
    await storage.putBytes(orphan, 'nobody references this either');
    const young = await repo.purgeOrphans(fqdn, { graceDays: 1 });
    expect(young.deleted).toEqual([]);
    expect(young.spared.map((o) => o.key)).toEqual([orphan]);
    const result = await repo.purgeOrphans(fqdn, { graceDays: 0, now: new Date(Date.now() + 2000) });
    expect(result.deleted.map((o) => o.key)).toEqual([orphan]);
    for (const path of referenced) expect(await storage.exists(path), path).toBe(true);
    expect((await medusa(ini, ['verify', '--backup-name', theirs])).code).toBe(0);
  });

  it('deletes only the named backup, and medusa lists what remains', async () => {
    await repo.deleteNodeBackup(fqdn, ours);
    const listed = JSON.parse(await medusaOk(ini, ['list-backups', '--output', 'json'])) as {
      name: string;
    }[];
    expect(listed.map((b) => b.name)).toEqual([theirs]);
    expect((await medusa(ini, ['verify', '--backup-name', theirs])).code).toBe(0);
  });

  it('rebuilds a lost index that medusa then reads', async () => {
    const index = await storage.list(`${prefix}/index/`);
    await storage.deleteMany(index.map((o) => o.key));
    expect(JSON.parse(await medusaOk(ini, ['list-backups', '--output', 'json']))).toEqual([]);
    expect(await repo.rebuildIndex([fqdn])).toEqual([{ name: theirs, fqdn }]);
    const listed = JSON.parse(await medusaOk(ini, ['list-backups', '--output', 'json'])) as {
      name: string;
      backup_type: string;
      completed_nodes: number;
    }[];
    expect(listed).toMatchObject([{ name: theirs, backup_type: 'differential', completed_nodes: 1 }]);
    expect((await medusa(ini, ['verify', '--backup-name', theirs])).code).toBe(0);
  });
});
