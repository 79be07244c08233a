import { Client } from 'cassandra-driver';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CassandraCluster } from '../bed/cassandra.js';
import { medusa } from '../bed/medusa.js';
import { artefacts, runDir } from '../bed/paths.js';
import { localStorageDir } from '../bed/stores.js';
import { agentCassandraSection, localStorageSection, runAgent, type ToolRun } from '../support/agent-cli.js';
import { entryArgs } from '../support/entry.js';

// Medusa's read, index and report commands (get-last-complete-cluster-backup, fetch-tokenmap,
// build-index, report-last-backup, download) and its listing rules, on a real node (127.0.0.141), each checked against the real cassandra-medusa
// 0.31 on the same bucket.
const cluster = new CassandraCluster({ name: 'cmds', hosts: [141] });
const node = cluster.nodes[0]!;
const bucket = `cmds-${process.pid}`;
const prefix = 'cmds';
const workDir = join(runDir, `cmds-${process.pid}`);
const indexDir = join(localStorageDir, bucket, prefix, 'index', 'backup_index');
let config = '';
/** The same node and bucket with `[monitoring] monitoring_provider = local`. */
let localMonitoringConfig = '';
/** Working directories of the commands whose metrics.json the last test compares. */
const oursMetricsDir = join(workDir, 'metrics-ours');
const medusaMetricsDir = join(workDir, 'metrics-medusa');

const agent = (...args: string[]) => runAgent('--config-file', config, ...args);
/** Runs a command in `cwd` (Medusa's local monitoring writes metrics.json there), never rejects. */
const inDir = (cwd: string, command: string, args: string[]) =>
  new Promise<ToolRun>((resolve) => {
    mkdirSync(cwd, { recursive: true });
    execFile(
      command,
      args,
      {
        cwd,
        timeout: 300_000,
        maxBuffer: 32 * 1024 * 1024,
        env: { ...process.env, PATH: `${dirname(artefacts.medusa)}:${process.env.PATH ?? ''}` },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
const agentIn = (cwd: string, configFile: string, ...args: string[]) =>
  inDir(cwd, process.execPath, [...entryArgs('agent'), '--quiet', '--config-file', configFile, ...args]);
const medusaIn = (cwd: string, configFile: string, ...args: string[]) =>
  inDir(cwd, artefacts.medusa, ['--config-file', configFile, ...args]);

/** Every file under `dir`: relative path and SHA-256, sorted. */
const tree = (dir: string): [string, string][] =>
  (readdirSync(dir, { recursive: true }) as string[])
    .filter((path) => statSync(join(dir, path)).isFile())
    .sort()
    .map((path) => [
      path,
      createHash('sha256')
        .update(readFileSync(join(dir, path)))
        .digest('hex'),
    ]);

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
    localMonitoringConfig = join(workDir, 'medusa-local-monitoring.ini');
    writeFileSync(
      localMonitoringConfig,
      readFileSync(config, 'utf8').replace('monitoring_provider = None', 'monitoring_provider = local'),
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
    // With `monitoring_provider = local`, in its own working directory: the backup's metrics.json.
    const backup = await agentIn(
      oursMetricsDir,
      localMonitoringConfig,
      'backup',
      '--backup-name',
      'cmds-a',
      '--mode',
      'full',
    );
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

  it('report-last-backup --push-metrics writes the metrics.json Medusa writes (monitoring_provider = local)', async () => {
    const oursDir = join(workDir, 'report-ours');
    const theirsDir = join(workDir, 'report-medusa');
    const t0 = Date.now();
    const ours = await agentIn(oursDir, localMonitoringConfig, 'report-last-backup', '--push-metrics');
    const theirs = await medusaIn(theirsDir, localMonitoringConfig, 'report-last-backup', '--push-metrics');
    const elapsed = (Date.now() - t0) / 1000;
    expect(ours.code, ours.stderr).toBe(0);
    expect(theirs.code, theirs.stderr.slice(-2000)).toBe(0);

    type Metric = { seq: number; tags: [string, string, string]; value: number };
    const raw = (dir: string) => readFileSync(join(dir, 'metrics.json'), 'utf8');
    const parse = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Metric);
    const mine = parse(raw(oursDir));
    const medusas = parse(raw(theirsDir));
    expect(mine.map((m) => [m.seq, ...m.tags])).toEqual([
      [0, 'medusa-node-backup', 'seconds-since-backup', 'cmds-a'],
      [1, 'medusa-cluster-backup', 'seconds-since-backup', 'cmds-a'],
      [2, 'medusa-cluster-backup', 'complete-backups-node-count', 'cmds-a'],
      [3, 'medusa-cluster-backup', 'incomplete-backups-node-count', 'cmds-a'],
      [4, 'medusa-cluster-backup', 'missing-backups-node-count', 'cmds-a'],
      [5, 'medusa-cluster-backup', 'backup-total-size', 'cmds-a'],
      [6, 'medusa-cluster-backup', 'backup-total-file-count', 'cmds-a'],
    ]);
    expect(mine.slice(2, 5).map((m) => m.value)).toEqual([1, 0, 0]);
    // The size our backup reported (its metrics.json) is the total both tools read back.
    expect(parse(raw(oursMetricsDir))[1]).toMatchObject({
      tags: ['medusa-node-backup', 'backup-size', 'cmds-a'],
      value: mine[5]!.value,
    });
    expect(mine[5]!.value).toBeGreaterThan(0);
    expect(mine[6]!.value).toBeGreaterThan(0);
    // Medusa ran after ours: its "seconds since" are ours plus at most the time between the runs.
    mine.forEach((metric, i) => {
      const theirsMetric = medusas[i]!;
      expect(theirsMetric.tags).toEqual(metric.tags);
      if (metric.tags[1] !== 'seconds-since-backup') expect(theirsMetric.value).toBe(metric.value);
      else {
        expect(metric.value).toBeGreaterThanOrEqual(0);
        expect(theirsMetric.value - metric.value).toBeGreaterThanOrEqual(0);
        expect(theirsMetric.value - metric.value).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);
      }
    });
    // Byte for byte the same file once the clock is taken out.
    const timeless = (text: string) =>
      text.replace(/("seconds-since-backup", "[^"]+"\], "value": )\d+/g, '$1N');
    expect(timeless(raw(oursDir))).toBe(timeless(raw(theirsDir)));

    // What Medusa logs at INFO, ours prints on stdout, line for line.
    const lines = ours.stdout.trimEnd().split('\n');
    expect(lines).toContain('- Name: cmds-a');
    expect(lines).toContain('- Total files: ' + String(mine[6]!.value));
    for (const line of lines) {
      const pattern = line
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/\d+ seconds ago/, '\\d+ seconds ago');
      expect(theirs.stderr, line).toMatch(new RegExp(`INFO: ${pattern}$`, 'm'));
    }

    // Without --push-metrics nothing is written.
    const quietDir = join(workDir, 'report-no-push');
    const noPush = await agentIn(quietDir, localMonitoringConfig, 'report-last-backup');
    expect(noPush.code, noPush.stderr).toBe(0);
    const clockless = (text: string) => text.replace(/\d+ seconds ago/g, 'N seconds ago');
    expect(clockless(noPush.stdout)).toBe(clockless(ours.stdout));
    expect(existsSync(join(quietDir, 'metrics.json'))).toBe(false);
  });

  it('download lays a node backup out as Medusa does, every file verified; Medusa downloads the same files', async () => {
    const dest = (name: string) => {
      const dir = join(workDir, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    };
    const ours = dest('dl-ours');
    const theirs = dest('dl-medusa');
    const mine = await agent('download', '--backup-name', 'cmds-a', '--download-destination', ours);
    expect(mine.code, mine.stderr).toBe(0);
    expect(mine.stdout).toMatch(
      new RegExp(`^Downloaded cmds-a of ${node.address.replace(/\./g, '\\.')} into ${ours}: \\d+ files, `),
    );
    const medusaRun = await medusa(config, [
      'download',
      '--backup-name',
      'cmds-a',
      '--download-destination',
      theirs,
    ]);
    expect(medusaRun.code, medusaRun.stderr.slice(-2000)).toBe(0);
    const files = tree(ours);
    expect(files).toEqual(tree(theirs));
    const paths = files.map(([path]) => path);
    expect(paths).toEqual(expect.arrayContaining(['manifest.json', 'schema.cql', 'tokenmap.json']));
    expect(paths.some((p) => /^cmds\/t-[0-9a-f]+\/[^/]+-Data\.db$/.test(p))).toBe(true);
    expect(paths.some((p) => p.startsWith('system_schema/'))).toBe(true);

    // A selection keeps the system keyspaces unless --ignore-system-keyspaces, in both tools.
    const selection = ['--keyspace', 'cmds', '--ignore-system-keyspaces'];
    const oursSelected = dest('dl-ours-cmds');
    const theirsSelected = dest('dl-medusa-cmds');
    const selected = await agent(
      'download',
      '--backup-name',
      'cmds-a',
      '--download-destination',
      oursSelected,
      ...selection,
    );
    expect(selected.code, selected.stderr).toBe(0);
    const medusaSelected = await medusa(config, [
      'download',
      '--backup-name',
      'cmds-a',
      '--download-destination',
      theirsSelected,
      ...selection,
    ]);
    expect(medusaSelected.code, medusaSelected.stderr.slice(-2000)).toBe(0);
    expect(tree(oursSelected)).toEqual(tree(theirsSelected));
    expect(tree(oursSelected).every(([p]) => p.startsWith('cmds/') || !p.includes('/'))).toBe(true);

    // A stored file whose bytes changed (same size) is refused by ours, naming it; Medusa copies it.
    const manifest = JSON.parse(readFileSync(join(ours, 'manifest.json'), 'utf8')) as {
      keyspace: string;
      objects: { path: string }[];
    }[];
    const key = manifest
      .find((s) => s.keyspace === 'cmds')!
      .objects.find((o) => o.path.endsWith('-Data.db'))!.path;
    const stored = [join(localStorageDir, bucket, key), join(localStorageDir, bucket, prefix, key)].find(
      (p) => existsSync(p),
    )!;
    const original = readFileSync(stored);
    const corrupted = Buffer.from(original);
    corrupted[corrupted.length - 1] = corrupted[corrupted.length - 1]! ^ 0xff;
    // Replaced by a rename, never written in place: a local bucket's file may share its inode
    // with the node's live SSTable (hard links).
    const replace = (bytes: Buffer) => {
      writeFileSync(`${stored}.swap`, bytes);
      renameSync(`${stored}.swap`, stored);
    };
    replace(corrupted);
    try {
      const refused = await agent(
        'download',
        '--backup-name',
        'cmds-a',
        '--download-destination',
        dest('dl-bad'),
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^error: [^\n]+\n$/);
      expect(refused.stderr).toContain(key.split('/').at(-1)!);
      const medusaBad = await medusa(config, [
        'download',
        '--backup-name',
        'cmds-a',
        '--download-destination',
        dest('dl-medusa-bad'),
      ]);
      expect(medusaBad.code).toBe(0);
    } finally {
      replace(original);
    }

    // Medusa's refusals: exit 1 both.
    const missingDir = join(workDir, 'dl-nowhere');
    expect(
      await agent('download', '--backup-name', 'cmds-a', '--download-destination', missingDir),
    ).toMatchObject({ code: 1, stderr: `error: ${missingDir} is not a directory\n` });
    expect(
      (await medusa(config, ['download', '--backup-name', 'cmds-a', '--download-destination', missingDir]))
        .code,
    ).toBe(1);
    expect(
      await agent('download', '--backup-name', 'cmds-nope', '--download-destination', ours),
    ).toMatchObject({ code: 1, stderr: 'error: No such backup\n' });
    expect(
      (await medusa(config, ['download', '--backup-name', 'cmds-nope', '--download-destination', ours])).code,
    ).toBe(1);
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
    const deleted = await agentIn(
      oursMetricsDir,
      localMonitoringConfig,
      'delete-backup',
      '--backup-name',
      'cmds-a',
    );
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await medusaList()).not.toContain('cmds-a');
    expect((await medusa(config, ['get-last-complete-cluster-backup'])).stdout).toBe(
      'Could not find any full backup for the cluster\n',
    );
    expect((await agent('get-last-complete-cluster-backup')).stdout).toBe(
      'Could not find any full backup for the cluster\n',
    );

    const theirs = await medusaIn(
      medusaMetricsDir,
      localMonitoringConfig,
      'backup',
      '--backup-name',
      'cmds-m',
      '--mode',
      'full',
    );
    expect(theirs.code, theirs.stderr.slice(-2000)).toBe(0);
    expect((await agent('list-backups')).stdout).toContain('cmds-m (started:');
    const medusaDelete = await medusaIn(
      medusaMetricsDir,
      localMonitoringConfig,
      'delete-backup',
      '--backup-name',
      'cmds-m',
    );
    expect(medusaDelete.code, medusaDelete.stderr.slice(-2000)).toBe(0);
    expect((await agent('list-backups')).stdout).toBe('');

    // The metrics a backup and a deletion send (monitoring_provider = local): same lines as Medusa's
    // once the backup name, its duration (a float) and its size are taken out.
    const generic = (text: string) =>
      text
        .replace(/"cmds-[am]"/g, '"B"')
        .replace(/("backup-duration", "B"\], "value": )\d+\.\d+/, '$1D')
        .replace(/("backup-size", "B"\], "value": )\d+/, '$1S');
    const ours = readFileSync(join(oursMetricsDir, 'metrics.json'), 'utf8');
    expect(generic(ours)).toBe(
      [
        '{"seq": 0, "tags": ["medusa-node-backup", "backup-duration", "B"], "value": D}',
        '{"seq": 1, "tags": ["medusa-node-backup", "backup-size", "B"], "value": S}',
        '{"seq": 2, "tags": ["medusa-node-backup", "backup-error", "B"], "value": 0}',
        '{"seq": 0, "tags": ["medusa-node-backup", "delete-error", "DELETE-ERROR"], "value": 0}',
        '',
      ].join('\n'),
    );
    expect(generic(readFileSync(join(medusaMetricsDir, 'metrics.json'), 'utf8'))).toBe(generic(ours));
  });
});
