import { Client } from 'cassandra-driver';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CassandraCluster } from '../bed/cassandra.js';
import { medusa } from '../bed/medusa.js';
import { runDir } from '../bed/paths.js';
import { localStorageDir } from '../bed/stores.js';
import { agentCassandraSection, localStorageSection, runAgent } from '../support/agent-cli.js';

// Medusa's read and index commands (get-last-complete-cluster-backup, fetch-tokenmap, build-index)
// and its listing rules, on a real node (127.0.0.141), each checked against the real cassandra-medusa
// 0.31 on the same bucket.
const cluster = new CassandraCluster({ name: 'cmds', hosts: [141] });
const node = cluster.nodes[0]!;
const bucket = `cmds-${process.pid}`;
const prefix = 'cmds';
const workDir = join(runDir, `cmds-${process.pid}`);
const indexDir = join(localStorageDir, bucket, prefix, 'index', 'backup_index');
let config = '';

const agent = (...args: string[]) => runAgent('--config-file', config, ...args);
const medusaList = async () => {
  const result = await medusa(config, ['list-backups']);
  expect(result.code).toBe(0);
  return result.stdout;
};

describe('Medusa read and index commands on a real node', () => {
  beforeAll(async () => {
    // The node lock (<tmp>/medusa_backup_in_progress) of this test's node only: other tests run
    // backups on their own nodes of this machine at the same time.
    process.env.TMPDIR = join(workDir, 'tmp');
    mkdirSync(process.env.TMPDIR, { recursive: true });
    mkdirSync(localStorageDir, { recursive: true });
    config = join(workDir, 'medusa.ini');
    writeFileSync(
      config,
      `${agentCassandraSection(cluster, 0)}
${localStorageSection({ bucket, fqdn: node.address, prefix, extra: 'concurrent_transfers = 2\n' })}
[monitoring]
monitoring_provider = None
`,
    );
    await cluster.start();
    const client = new Client({ contactPoints: cluster.contactPoints, localDataCenter: cluster.datacenter });
    await client.connect();
    try {
      await client.execute(
        "CREATE KEYSPACE IF NOT EXISTS cmds WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
      );
      await client.execute('CREATE TABLE IF NOT EXISTS cmds.t (id int PRIMARY KEY, v text)');
      for (let i = 0; i < 20; i++)
        await client.execute('INSERT INTO cmds.t (id, v) VALUES (?, ?)', [i, `v${i}`], { prepare: true });
    } finally {
      await client.shutdown();
    }
    const backup = await agent('backup', '--backup-name', 'cmds-a', '--mode', 'full');
    expect(backup.code, backup.stderr).toBe(0);
  });

  afterAll(async () => {
    await cluster.stop();
    rmSync(join(localStorageDir, bucket), { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  });

  it('refuses a Medusa flag we do not implement yet, in one line, exit 2', async () => {
    const refused = await agent('restore-node', '--backup-name', 'cmds-a', '--use-sstableloader');
    expect(refused).toMatchObject({
      code: 2,
      stderr: 'error: --use-sstableloader is not supported yet by medusa-agent (see docs/agent.md)\n',
    });
  });

  it('get-last-complete-cluster-backup and fetch-tokenmap print what Medusa prints', async () => {
    const ours = await agent('get-last-complete-cluster-backup');
    const theirs = await medusa(config, ['get-last-complete-cluster-backup']);
    expect(ours).toMatchObject({ code: 0, stdout: 'cmds-a\n' });
    expect(theirs.code).toBe(0);
    expect(theirs.stdout).toBe(ours.stdout);

    const tokens = await agent('fetch-tokenmap', '--backup-name', 'cmds-a');
    const medusaTokens = await medusa(config, ['fetch-tokenmap', '--backup-name', 'cmds-a']);
    expect(tokens.code).toBe(0);
    expect(tokens.stdout).toMatch(/^127\.0\.0\.141\n\[-?\d+(, -?\d+)*\]\n$/);
    expect(medusaTokens.stdout).toBe(tokens.stdout);

    const unknown = await agent('fetch-tokenmap', '--backup-name', 'cmds-nope');
    expect(unknown).toMatchObject({ code: 1, stderr: 'error: No such backup\n' });
    expect((await medusa(config, ['fetch-tokenmap', '--backup-name', 'cmds-nope'])).code).toBe(1);
  });

  it('index entries whose node folder is gone are ignored; entries without timestamps are listed', async () => {
    // A second backup's index entries, its node folder deleted (as after a manual cleanup).
    const gone = join(indexDir, 'cmds-gone');
    mkdirSync(gone, { recursive: true });
    for (const file of readdirSync(join(indexDir, 'cmds-a')))
      writeFileSync(
        join(
          gone,
          file.replace(/_(\d+)\.timestamp$/, (_, e: string) => `_${Number(e) + 10}.timestamp`),
        ),
        '1',
      );
    const json = await agent('list-backups', '-o', 'json');
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { name: string }[]).map((b) => b.name)).toEqual(['cmds-a']);
    // cassandra-medusa 0.31 does not list it either; it exits 1 on this bucket state in some runs
    // (CI, 2026-12-02) and 0 in others, so only its output is compared, not its exit code.
    expect((await medusa(config, ['list-backups'])).stdout).not.toContain('cmds-gone');
    rmSync(gone, { recursive: true, force: true });

    // cmds-a without its started_/finished_ entries: still listed, complete, by both.
    const moved = join(workDir, 'timestamps');
    mkdirSync(moved, { recursive: true });
    for (const file of readdirSync(join(indexDir, 'cmds-a')).filter((f) => f.endsWith('.timestamp')))
      renameSync(join(indexDir, 'cmds-a', file), join(moved, file));
    const listed = await agent('list-backups');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^cmds-a \(started: [\d-]+ [\d:]+, finished: [\d-]+ [\d:]+\)\n$/);
    // Not cross-checked: the real cassandra-medusa 0.31 list-backups exited 1 on this bucket state
    // (first run, 2026-12-02); its cause is not investigated yet.
    for (const file of readdirSync(moved)) renameSync(join(moved, file), join(indexDir, 'cmds-a', file));
  });

  it('build-index rebuilds a lost index that both tools then list', async () => {
    rmSync(join(localStorageDir, bucket, prefix, 'index'), { recursive: true, force: true });
    expect((await agent('list-backups')).stdout).toBe('');
    const noop = await agent('build-index', '--noop');
    expect(noop).toMatchObject({ code: 0, stdout: `Would index cmds-a of ${node.address}\n` });
    expect((await agent('list-backups')).stdout).toBe('');

    const built = await agent('build-index');
    expect(built).toMatchObject({ code: 0, stdout: `Indexed cmds-a of ${node.address}\n` });
    expect((await agent('list-backups')).stdout).toMatch(
      /^cmds-a \(started: .*, finished: [\d-]+ [\d:]+\)\n$/,
    );
    expect(await medusaList()).toMatch(/cmds-a \(started: .*, finished: [\d-]+ [\d:]+\)/);
    const verify = await medusa(config, ['verify', '--backup-name', 'cmds-a']);
    expect(verify.code, verify.stderr.slice(-2000)).toBe(0);
    expect((await agent('get-last-complete-cluster-backup')).stdout).toBe('cmds-a\n');
  });

  it('delete-backup: ours deletes and Medusa agrees, Medusa deletes and ours agrees', async () => {
    const deleted = await agent('delete-backup', '--backup-name', 'cmds-a');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await medusaList()).not.toContain('cmds-a');
    expect((await medusa(config, ['get-last-complete-cluster-backup'])).stdout).toBe(
      'Could not find any full backup for the cluster\n',
    );
    expect((await agent('get-last-complete-cluster-backup')).stdout).toBe(
      'Could not find any full backup for the cluster\n',
    );

    const theirs = await medusa(config, ['backup', '--backup-name', 'cmds-m', '--mode', 'full']);
    expect(theirs.code, theirs.stderr.slice(-2000)).toBe(0);
    expect((await agent('list-backups')).stdout).toContain('cmds-m (started:');
    const medusaDelete = await medusa(config, ['delete-backup', '--backup-name', 'cmds-m']);
    expect(medusaDelete.code, medusaDelete.stderr.slice(-2000)).toBe(0);
    expect((await agent('list-backups')).stdout).toBe('');
  });
});
