import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { Client } from 'cassandra-driver';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Backend } from '../../lib/storage/drivers/s3.js';
import { Storage } from '../../lib/storage/index.js';
import { parseManifest } from '../../lib/storage/repository/manifest.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { artefacts, repoRoot, runDir } from '../bed/paths.js';
import { localStorageDir, minio } from '../bed/stores.js';
import { agentCassandraSection, localStorageSection, runTool, type ToolRun } from '../support/agent-cli.js';
import { entryArgs } from '../support/entry.js';

// Faults of the backup side (issue 14), on a real Cassandra 5.0 node, MinIO and local storage,
// through the medusa-agent CLI and checked by the real cassandra-medusa:
// - R1: SIGKILL of the agent (its whole process group, nodetool included) at seeded random points of
//   a backup, plus one kill right after the snapshot and one during a multipart upload;
// - R5: seeded random sequences of full/differential backups, killed backups and purges;
// - R8: two backups at once, and purge / delete-backup during a backup;
// - bad names and values.
// FAULTS_SEED=<n> replays a run; the seed and every kill are logged.
const cluster = new CassandraCluster({ name: 'faults-backup', hosts: [51] });
const node = cluster.nodes[0]!;
const keyspace = 'faults';
const workDir = join(runDir, `faults-backup-${process.pid}`);
/** The agent's tmpdir: its node lock is this test's own, not the one of other tests on the machine. */
const lockDir = join(workDir, 'tmp');
const lockFile = join(lockDir, 'medusa_backup_in_progress');
const s3Bucket = `faults-backup-${process.pid}`;
const localBucket = `faults-backup-local-${process.pid}`;
const s3Ini = join(workDir, 's3.ini');
const localIni = join(workDir, 'local.ini');
const prefix = 'faults';
const seed = Number(process.env.FAULTS_SEED ?? Date.now() % 1_000_000);
let client: Client | undefined;
let storage: Storage | undefined;

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function generator(start: number): () => number {
  let a = start >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const note = (line: string) => process.stdout.write(`[faults-backup seed=${seed}] ${line}\n`);

const agentArgs = (ini: string, args: string[]) => [
  ...entryArgs('agent'),
  '--quiet',
  '--config-file',
  ini,
  ...args,
];

/** A medusa-agent run in its own process group (so a kill takes its nodetool children too). */
function startAgent(ini: string, args: string[]) {
  const child = spawn(process.execPath, agentArgs(ini, args), {
    cwd: repoRoot,
    detached: true,
    env: { ...process.env, TMPDIR: lockDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<ToolRun & { signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr })),
  );
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return { child, done, kill };
}

const agent = (ini: string, ...args: string[]) => startAgent(ini, args).done;

async function agentOk(ini: string, ...args: string[]): Promise<string> {
  const result = await agent(ini, ...args);
  if (result.code !== 0)
    throw new Error(`medusa-agent ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

interface Listed {
  name: string;
  finished: number | null;
}

const ourListing = async (ini: string): Promise<Listed[]> =>
  JSON.parse(await agentOk(ini, 'list-backups', '-o', 'json')) as Listed[];

async function medusaListing(ini: string): Promise<Listed[]> {
  const result = await runTool(artefacts.medusa, ['--config-file', ini, 'list-backups', '--output', 'json']);
  if (result.code !== 0)
    throw new Error(`medusa list-backups exited ${result.code}: ${result.stderr.slice(-2000)}`);
  return JSON.parse(result.stdout) as Listed[];
}

const complete = (listing: Listed[]) => listing.filter((b) => b.finished !== null).map((b) => b.name);

/** The live SSTables of faults.rows (autocompaction is off, so a flushed file stays until a backup). */
function liveDataFiles(): string[] {
  const ksDir = join(node.dataDir, keyspace);
  const table = readdirSync(ksDir).find((d) => d.startsWith('rows-'))!;
  return readdirSync(join(ksDir, table)).filter((f) => f.endsWith('-Data.db'));
}

/** Data files of faults.rows that a node backup's manifest holds. */
async function manifestDataFiles(read: (key: string) => Promise<string>, name: string): Promise<string[]> {
  const manifest = parseManifest(await read(`${prefix}/${node.address}/${name}/meta/manifest.json`));
  return manifest
    .filter((s) => s.keyspace === keyspace && s.columnfamily.startsWith('rows-'))
    .flatMap((s) => s.objects.map((o) => o.path.split('/').at(-1)!))
    .filter((f) => f.endsWith('-Data.db'));
}

const readS3 = (key: string) => storage!.readText(key);

/**
 * Every entry of a node backup's manifest carries a checksum (today reused pool entries had
 * `"MD5": null`); on local storage each is the hex MD5 of the stored object's bytes.
 */
function expectLocalChecksums(name: string): number {
  const root = join(localStorageDir, localBucket);
  const manifest = parseManifest(
    readFileSync(join(root, prefix, node.address, name, 'meta', 'manifest.json'), 'utf8'),
  );
  const objects = manifest.flatMap((section) => section.objects);
  const missing = objects.filter((o) => o.MD5 === null).map((o) => o.path);
  expect(missing, `${name}: entries without a checksum`).toEqual([]);
  for (const object of objects)
    expect(
      createHash('md5')
        .update(readFileSync(join(root, object.path)))
        .digest('hex'),
      object.path,
    ).toBe(object.MD5);
  return objects.length;
}

let nextId = 0;
/** Writes `count` rows of incompressible 32 KiB values and flushes them into a new SSTable. */
async function writeAndFlush(count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const id = nextId++;
    await client!.execute(
      `INSERT INTO ${keyspace}.rows (id, value) VALUES (?, ?)`,
      [id, randomBytes(16384).toString('hex')],
      {
        prepare: true,
      },
    );
    ids.push(id);
  }
  await node.nodetool('flush', keyspace, 'rows');
  return ids;
}

/** medusa-* snapshots of the test keyspace, as on disk (what nodetool listsnapshots reads). */
function medusaSnapshots(): string[] {
  const ksDir = join(node.dataDir, keyspace);
  const tags = readdirSync(ksDir).flatMap((table) =>
    existsSync(join(ksDir, table, 'snapshots')) ? readdirSync(join(ksDir, table, 'snapshots')) : [],
  );
  return [...new Set(tags.filter((tag) => tag.startsWith('medusa-')))];
}

function snapshotOnDisk(name: string): boolean {
  const ksDir = join(node.dataDir, keyspace);
  return readdirSync(ksDir).some((table) => existsSync(join(ksDir, table, 'snapshots', `medusa-${name}`)));
}

async function openUploads(): Promise<number> {
  const backend = storage!.backend as S3Backend;
  // MinIO lists uploads under a folder prefix only without one: list the bucket, filter here.
  const page = await backend.client.send(new ListMultipartUploadsCommand({ Bucket: s3Bucket }));
  return (page.Uploads ?? []).filter((upload) => upload.Key?.startsWith(`${prefix}/`)).length;
}

/** The MinIO bucket, made on first use (R1, R8), so the local-storage tests can run alone. */
async function s3(): Promise<Storage> {
  if (!storage) {
    storage = await Storage.open({
      provider: 's3_compatible',
      bucket: s3Bucket,
      endpoint: minio.endpoint,
      region: minio.region,
      addressingStyle: 'path',
      keyFile: join(workDir, 'credentials'),
    });
    await storage.ensureBucket();
  }
  return storage;
}

describe('backup faults (issue 14)', () => {
  beforeAll(async () => {
    note('starting');
    mkdirSync(lockDir, { recursive: true });
    mkdirSync(localStorageDir, { recursive: true });
    const keyFile = join(workDir, 'credentials');
    writeFileSync(
      keyFile,
      `[default]\naws_access_key_id = ${minio.accessKeyId}\naws_secret_access_key = ${minio.secretAccessKey}\n`,
    );
    // Uploads are slowed to 4 MB/s, so that kills land inside them too; files above 1 MiB go multipart.
    writeFileSync(
      s3Ini,
      `${agentCassandraSection(cluster, 0)}
[storage]
storage_provider = s3_compatible
host = ${minio.host}
port = ${minio.port}
secure = False
region = ${minio.region}
s3_addressing_style = path
bucket_name = ${s3Bucket}
key_file = ${keyFile}
prefix = ${prefix}
fqdn = ${node.address}
use_sudo_for_restore = False
multi_part_upload_threshold = 1048576
multipart_chunksize = 5MB
concurrent_transfers = 2
transfer_max_bandwidth = 4MB/s
backup_grace_period_in_days = 0

[monitoring]
monitoring_provider = None
`,
    );
    writeFileSync(
      localIni,
      `${agentCassandraSection(cluster, 0)}
${localStorageSection({ bucket: localBucket, fqdn: node.address, prefix, extra: 'backup_grace_period_in_days = 0\nconcurrent_transfers = 2\n' })}
[monitoring]
monitoring_provider = None
`,
    );
    await cluster.start();
    client = new Client({ contactPoints: [node.address], localDataCenter: cluster.datacenter });
    await client.connect();
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(
      `CREATE TABLE ${keyspace}.rows (id int PRIMARY KEY, value text) WITH compression = {'enabled': false}`,
    );
    await node.nodetool('disableautocompaction', keyspace, 'rows');
    // Two SSTables of about 6 MB: each is a multipart upload of two parts.
    await writeAndFlush(180);
    await writeAndFlush(180);
  });

  afterAll(async () => {
    await client?.shutdown().catch(() => undefined);
    await cluster.stop();
    if (storage) {
      for await (const object of storage.backend.list('')) await storage.backend.delete(object.key);
      const backend = storage.backend as S3Backend;
      await backend.abortIncompleteUploads('', new Date(Date.now() + 60_000)).catch(() => undefined);
      await storage.backend.removeBucket().catch(() => undefined);
      await storage.close();
    }
    rmSync(join(localStorageDir, localBucket), { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  });

  /**
   * After a killed run `name`: never listed as complete unless it really finished (then it
   * verifies); rows flushed now must be in the next run, which clears the stale snapshot and lock.
   */
  async function afterKill(ini: string, name: string, mode: string, read: (key: string) => Promise<string>) {
    const ours = await ourListing(ini);
    const theirs = await medusaListing(ini);
    const finishedByUs = complete(ours).includes(name);
    // cassandra-medusa never sees as complete what we do not.
    expect(complete(theirs).filter((n) => !complete(ours).includes(n))).toEqual([]);
    if (finishedByUs) {
      // Killed after its manifest: it is a whole backup, and it verifies.
      await agentOk(ini, 'verify', '--backup-name', name, '--enable-md5-checks');
    }
    const leftovers = medusaSnapshots().length;
    const lockLeft = existsSync(lockFile);
    await writeAndFlush(3);
    const expected = liveDataFiles();
    const retryName = finishedByUs ? `${name}-again` : name;
    const retry = await agent(ini, 'backup', '--backup-name', retryName, '--mode', mode);
    expect(retry.stderr).not.toMatch(/already exists/);
    expect(retry, retry.stderr).toMatchObject({ code: 0 });
    // The retry took a fresh snapshot: every SSTable flushed after the crash is in it.
    expect((await manifestDataFiles(read, retryName)).sort()).toEqual(
      expect.arrayContaining(expected.sort()),
    );
    expect(medusaSnapshots()).toEqual([]);
    expect(existsSync(lockFile)).toBe(false);
    expect(complete(await medusaListing(ini))).toContain(retryName);
    return { finishedByUs, leftovers, lockLeft };
  }

  it('R1: SIGKILL at seeded random points of a backup (MinIO): never complete, the retry is whole', async () => {
    await s3();
    const started = Date.now();
    await agentOk(s3Ini, 'backup', '--backup-name', 'ref', '--mode', 'full');
    const reference = Date.now() - started;
    note(`R1: reference full backup took ${reference} ms`);
    const random = generator(seed);
    const kills: string[] = [];
    const record = (line: string) => {
      kills.push(line);
      note(`R1: ${line}`);
    };
    for (let i = 0; i < 10; i++) {
      const name = `k${i}`;
      const mode = random() < 0.5 ? 'full' : 'differential';
      const delay = Math.round(random() * reference);
      const run = startAgent(s3Ini, ['backup', '--backup-name', name, '--mode', mode]);
      await Promise.race([sleep(delay), run.done]);
      run.kill();
      const ended = await run.done;
      const outcome = await afterKill(s3Ini, name, mode, readS3);
      record(
        `${name} ${mode} killed at ${delay} ms (${ended.signal ?? `exit ${ended.code}`}): ` +
          `${outcome.finishedByUs ? 'had finished' : 'incomplete'}, ${outcome.leftovers} snapshot(s) and ` +
          `${outcome.lockLeft ? 'a' : 'no'} lock left`,
      );
    }

    // Right after the snapshot (before schema.cql): the retry must not back up that old snapshot.
    const early = startAgent(s3Ini, ['backup', '--backup-name', 'early', '--mode', 'differential']);
    let earlyEnded = false;
    void early.done.then(() => (earlyEnded = true));
    while (!snapshotOnDisk('early') && !earlyEnded) await sleep(10);
    expect(earlyEnded).toBe(false);
    early.kill();
    await early.done;
    expect(medusaSnapshots()).toContain('medusa-early');
    const earlyOutcome = await afterKill(s3Ini, 'early', 'differential', readS3);
    record(`early killed right after its snapshot: ${earlyOutcome.leftovers} snapshot(s) left`);

    // During a multipart upload: its parts stay in the bucket until purge aborts them.
    const multipart = startAgent(s3Ini, ['backup', '--backup-name', 'mp', '--mode', 'full']);
    let multipartEnded = false;
    void multipart.done.then(() => (multipartEnded = true));
    while ((await openUploads()) === 0 && !multipartEnded) await sleep(20);
    expect(multipartEnded).toBe(false);
    multipart.kill();
    await multipart.done;
    const open = await openUploads();
    expect(open).toBeGreaterThan(0);
    await afterKill(s3Ini, 'mp', 'full', readS3);
    record(`mp killed during a multipart upload: ${open} upload(s) open`);

    // purge (grace 0) aborts the uploads a killed process left; the complete backups are kept.
    const purge = await agentOk(s3Ini, '--backup-grace-period-in-days', '0', 'purge');
    expect(purge).toMatch(/aborted \d+ incomplete uploads/);
    expect(await openUploads()).toBe(0);
    note(`R1: ${kills.length} kills; purge: ${purge.trim()}`);
  }, 900_000);

  it('R5: random sequences of backups, kills and purges keep a verifiable complete backup', async () => {
    const random = generator(seed + 5);
    const sequences = 2;
    const steps = 8;
    let counter = 0;
    let checked = 0;
    const log: string[] = [];
    for (let sequence = 0; sequence < sequences; sequence++) {
      for (let step = 0; step < steps; step++) {
        const roll = random();
        const name = `s${sequence}x${counter++}`;
        if (roll < 0.35) {
          const mode = random() < 0.5 ? 'full' : 'differential';
          await writeAndFlush(2);
          await agentOk(localIni, 'backup', '--backup-name', name, '--mode', mode);
          log.push(`${name}: ${mode} backup`);
        } else if (roll < 0.6) {
          const mode = random() < 0.5 ? 'full' : 'differential';
          const delay = Math.round(random() * 5000);
          const run = startAgent(localIni, ['backup', '--backup-name', name, '--mode', mode]);
          await Promise.race([sleep(delay), run.done]);
          run.kill();
          await run.done;
          log.push(`${name}: ${mode} backup killed at ${delay} ms`);
        } else if (roll < 0.9) {
          const count = Math.floor(random() * 3) + 1;
          const grace = random() < 0.5 ? 0 : 10;
          const before = complete(await ourListing(localIni));
          writeFileSync(
            localIni,
            readFileSync(localIni, 'utf8').replace(
              /\nmax_backup_count = \d+\n|\n(?=\[monitoring\])/,
              `\nmax_backup_count = ${count}\n`,
            ),
          );
          const purge = await agentOk(localIni, '--backup-grace-period-in-days', String(grace), 'purge');
          const after = complete(await ourListing(localIni));
          log.push(`purge max_backup_count=${count} grace=${grace}: ${purge.trim()}`);
          // Only complete backups count: the newest `count` complete ones stay.
          expect(after).toEqual(before.slice(-count));
        } else {
          const listing = await ourListing(localIni);
          const victim = listing[Math.floor(random() * listing.length)];
          if (victim) {
            await agentOk(localIni, 'delete-backup', '--backup-name', victim.name);
            log.push(`delete-backup ${victim.name}`);
          }
        }
        // Invariants: every complete backup verifies (md5 checks), by us and by cassandra-medusa,
        // and nothing either tool lists as complete is incomplete for the other.
        const ours = complete(await ourListing(localIni));
        expect(complete(await medusaListing(localIni)).sort()).toEqual([...ours].sort());
        for (const kept of ours) {
          await agentOk(localIni, 'verify', '--backup-name', kept, '--enable-md5-checks');
          checked += expectLocalChecksums(kept);
        }
      }
      // Each sequence ends with a purge that would delete everything: the last complete backup stays.
      writeFileSync(localIni, readFileSync(localIni, 'utf8').replace(/\nmax_backup_count = \d+\n/, '\n'));
      const hadComplete = complete(await ourListing(localIni)).length > 0;
      writeFileSync(
        localIni,
        readFileSync(localIni, 'utf8').replace(/\n(?=\[monitoring\])/, '\nmax_backup_age = 1\n'),
      );
      // max_backup_age = 1 with every backup made "old": their started entries are moved back 2 days.
      const indexDir = join(localStorageDir, localBucket, prefix, 'index', 'backup_index');
      // A sequence whose backups were all killed before their index entry, or deleted, leaves no index.
      const indexed = existsSync(indexDir) ? readdirSync(indexDir) : [];
      expect(indexed.length > 0 || !hadComplete, 'complete backups are listed from the index').toBe(true);
      for (const backupDir of indexed) {
        for (const file of readdirSync(join(indexDir, backupDir))) {
          const match = /^started_(.*)_(\d+)\.timestamp$/.exec(file);
          if (!match) continue;
          const old = Number(match[2]) - 2 * 86400;
          rmSync(join(indexDir, backupDir, file));
          writeFileSync(join(indexDir, backupDir, `started_${match[1]}_${old}.timestamp`), String(old));
        }
      }
      const purge = await agentOk(localIni, 'purge');
      log.push(`purge max_backup_age=1 over old backups: ${purge.trim()}`);
      const left = complete(await ourListing(localIni));
      if (hadComplete) {
        expect(left).toHaveLength(1);
        expect(purge).toMatch(/kept \S+, the last complete backup of this node/);
        await agentOk(localIni, 'verify', '--backup-name', left[0]!, '--enable-md5-checks');
      }
      writeFileSync(localIni, readFileSync(localIni, 'utf8').replace(/\nmax_backup_age = 1\n/, '\n'));
    }
    for (const line of log) note(`R5: ${line}`);
    note(`R5: ${sequences} sequences of ${steps} steps; ${checked} manifest checksums checked`);
  }, 900_000);

  it('R8: a second backup, a purge and a delete-backup during a backup are refused; nothing is corrupted', async () => {
    // Two backups started together: exactly one runs.
    const runs = [
      startAgent(localIni, ['backup', '--backup-name', 'twin-a', '--mode', 'full']),
      startAgent(localIni, ['backup', '--backup-name', 'twin-b', '--mode', 'full']),
    ];
    const results = await Promise.all(runs.map((r) => r.done));
    const ok = results.filter((r) => r.code === 0);
    const refused = results.filter((r) => r.code !== 0);
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.stderr).toMatch(
      /^error: backup twin-[ab] is already running on this node \(pid \d+\)\n$/,
    );
    const winner = results[0]!.code === 0 ? 'twin-a' : 'twin-b';
    const loser = winner === 'twin-a' ? 'twin-b' : 'twin-a';
    const listed = await ourListing(localIni);
    expect(listed.map((b) => b.name)).not.toContain(loser);
    await agentOk(localIni, 'verify', '--backup-name', winner, '--enable-md5-checks');

    // A purge and a delete-backup while a backup runs (a full one to MinIO at 4 MB/s, so that it
    // lasts): refused, the backup finishes whole.
    await s3();
    await writeAndFlush(2);
    const running = startAgent(s3Ini, ['backup', '--backup-name', 'busy', '--mode', 'full']);
    let busyEnded = false;
    void running.done.then(() => (busyEnded = true));
    while (!existsSync(lockFile) && !busyEnded) await sleep(10);
    expect(busyEnded, (await Promise.race([running.done, sleep(0)]))?.stderr).toBe(false);
    const [purge, deletion] = await Promise.all([
      agent(s3Ini, '--backup-grace-period-in-days', '0', 'purge'),
      agent(s3Ini, 'delete-backup', '--backup-name', 'ref'),
    ]);
    expect(purge).toMatchObject({ code: 1, stdout: '' });
    expect(purge.stderr).toMatch(/^error: backup busy is already running on this node \(pid \d+\)\n$/);
    expect(deletion).toMatchObject({ code: 1 });
    expect(deletion.stderr).toMatch(/^error: backup busy is already running on this node/);
    expect(await running.done).toMatchObject({ code: 0 });
    await agentOk(s3Ini, 'verify', '--backup-name', 'busy', '--enable-md5-checks');
    expect(complete(await medusaListing(s3Ini))).toEqual(expect.arrayContaining(['ref', 'busy']));
  }, 600_000);

  it('refuses bad names and values with one line and exit 2, writing nothing', async () => {
    const bucketDir = join(localStorageDir, localBucket);
    const before = existsSync(bucketDir) ? readdirSync(bucketDir, { recursive: true }).length : 0;
    const refused = async (ini: string, args: string[], pattern: RegExp) => {
      const result = await agent(ini, ...args);
      expect(result, args.join(' ')).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr, args.join(' ')).toMatch(/^error: [^\n]+\n$/);
      expect(result.stderr).toMatch(pattern);
    };
    await refused(localIni, ['backup', '--backup-name', '.'], /backup name/);
    await refused(localIni, ['backup', '--backup-name', 'n'.repeat(300)], /backup name/);
    await refused(localIni, ['backup-cluster', '--backup-name', '..'], /backup name/);
    await refused(
      localIni,
      ['--backup-grace-period-in-days', 'abc', 'purge'],
      /'abc' is not a whole number of days/,
    );
    // localIni with `key = value` in [storage] (the last section before [monitoring]): replaced
    // where the key is, added otherwise.
    const bad = (line: string) => {
      const path = join(workDir, `bad-${randomBytes(4).toString('hex')}.ini`);
      const existing = new RegExp(`^${line.split(' = ')[0]!} = .*$`, 'm');
      const text = readFileSync(localIni, 'utf8');
      writeFileSync(
        path,
        existing.test(text)
          ? text.replace(existing, line)
          : text.replace('[monitoring]', `${line}\n\n[monitoring]`),
      );
      return path;
    };
    await refused(
      bad('concurrent_transfers = 99999999999'),
      ['list-backups'],
      /concurrent_transfers: '99999999999' is out of range/,
    );
    await refused(bad('max_backup_count = -3'), ['purge'], /max_backup_count: '-3' is out of range/);
    await refused(
      bad('backup_grace_period_in_days = NaN'),
      ['purge'],
      /backup_grace_period_in_days: 'NaN' is not an integer/,
    );
    // No snapshot was taken, nothing was written, no lock is left.
    expect(medusaSnapshots()).toEqual([]);
    expect(existsSync(bucketDir) ? readdirSync(bucketDir, { recursive: true }).length : 0).toBe(before);
    expect(existsSync(lockFile)).toBe(false);
  }, 300_000);
});
