import { Client } from 'cassandra-driver';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Storage } from '../../lib/storage/index.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { runDir } from '../bed/paths.js';
import { minio } from '../bed/stores.js';
import { agentCassandraSection } from '../support/agent-cli.js';
import { complete, medusaListing, OwnMinio, ourListing, startAgent } from '../support/faults.js';

// R2 of issue 14: the storage is unreachable for 30 s in the middle of a backup's upload. The
// MinIO here is this test's own (127.0.0.113:19113), so stopping it touches no other test.
const cluster = new CassandraCluster({ name: 'faults-r2', hosts: [111] });
const node = cluster.nodes[0]!;
const keyspace = 'faults_r2';
const workDir = join(runDir, `faults-r2-${process.pid}`);
const bucket = `faults-r2-${process.pid}`;
const prefix = 'faults-r2';
const ini = join(workDir, 'medusa.ini');
const env = { TMPDIR: join(workDir, 'tmp') };
const store = new OwnMinio(join(workDir, 'minio'), '127.0.0.113', 19113);
const OUTAGE_MS = 30_000;
// The stated deadline (docs/agent.md, "Storage outages"): 5 attempts per request with backoff, each
// attempt failing fast when the storage refuses connections; about 35 s measured here under load.
const GIVE_UP_WITHIN_MS = 60_000;
let client: Client | undefined;

const note = (line: string) => process.stdout.write(`[faults-r2] ${line}\n`);

describe('storage outage during a backup (issue 14, R2)', () => {
  beforeAll(async () => {
    mkdirSync(env.TMPDIR, { recursive: true });
    const keyFile = join(workDir, 'credentials');
    writeFileSync(
      keyFile,
      `[default]\naws_access_key_id = ${minio.accessKeyId}\naws_secret_access_key = ${minio.secretAccessKey}\n`,
    );
    // 2 MB/s over ~12 MB of SSTables: the upload lasts about 6 s.
    writeFileSync(
      ini,
      `${agentCassandraSection(cluster, 0)}
[storage]
storage_provider = s3_compatible
host = ${store.host}
port = ${store.port}
secure = False
region = ${minio.region}
s3_addressing_style = path
bucket_name = ${bucket}
key_file = ${keyFile}
prefix = ${prefix}
fqdn = ${node.address}
use_sudo_for_restore = False
multi_part_upload_threshold = 1048576
multipart_chunksize = 5MB
concurrent_transfers = 1
transfer_max_bandwidth = 2MB/s

[monitoring]
monitoring_provider = None
`,
    );
    await Promise.all([store.start(), cluster.start()]);
    const storage = await Storage.open({
      provider: 's3_compatible',
      bucket,
      endpoint: store.endpoint,
      region: minio.region,
      addressingStyle: 'path',
      keyFile,
    });
    await storage.ensureBucket();
    await storage.close();
    client = new Client({ contactPoints: [node.address], localDataCenter: cluster.datacenter });
    await client.connect();
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(
      `CREATE TABLE ${keyspace}.rows (id int PRIMARY KEY, value text) WITH compression = {'enabled': false}`,
    );
    for (let i = 0; i < 360; i++) {
      await client.execute(
        `INSERT INTO ${keyspace}.rows (id, value) VALUES (?, ?)`,
        [i, randomBytes(16384).toString('hex')],
        { prepare: true },
      );
    }
    await node.nodetool('flush', keyspace, 'rows');
  });

  afterAll(async () => {
    await client?.shutdown().catch(() => undefined);
    await cluster.stop();
    await store.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('a 30 s outage mid-upload: a one-line failure within the retry deadline, nothing partial listed, the retry is whole', async () => {
    const run = startAgent(ini, ['backup', '--backup-name', 'outage', '--mode', 'full'], env);
    const nodeFolder = join(store.dir, bucket, prefix, node.address);
    const waitStart = Date.now();
    while (!existsSync(nodeFolder)) {
      if (Date.now() - waitStart > 90_000) throw new Error('the upload never started');
      if (run.child.exitCode !== null)
        throw new Error(`the backup ended before the outage: ${(await run.done).stderr}`);
      await sleep(100);
    }
    await sleep(1_000);
    const stoppedAt = Date.now();
    await store.stop();
    note('MinIO stopped mid-upload');
    let endedAt = 0;
    const finished = run.done.then((r) => {
      endedAt = Date.now();
      return r;
    });
    const outcome = await Promise.race([finished, sleep(OUTAGE_MS).then(() => undefined)]);
    await store.start();
    note(`MinIO back after ${Date.now() - stoppedAt} ms`);
    const result = outcome ?? (await finished);
    note(
      `backup exited ${result.code} after ${endedAt - stoppedAt} ms after the outage began; stderr: ${result.stderr.trim()}`,
    );

    const ours = complete(await ourListing(ini, env));
    const theirs = complete(await medusaListing(ini));
    // cassandra-medusa never lists as complete what we do not.
    expect(theirs.filter((name) => !ours.includes(name))).toEqual([]);
    if (result.code === 0) {
      // Survived through retries: a whole backup that verifies.
      expect(ours).toContain('outage');
      const verify = await startAgent(ini, ['verify', '--backup-name', 'outage', '--enable-md5-checks'], env)
        .done;
      expect(verify, verify.stderr).toMatchObject({ code: 0 });
    } else {
      expect(endedAt - stoppedAt, 'the failure came within the stated deadline').toBeLessThan(
        GIVE_UP_WITHIN_MS,
      );
      const errorLines = result.stderr
        .trim()
        .split('\n')
        .filter((line) => !/retrying in \d+ ms/.test(line));
      expect(errorLines, result.stderr).toHaveLength(1);
      expect(errorLines[0]).not.toMatch(/^\s+at /);
      expect(ours).not.toContain('outage');
      expect(theirs).not.toContain('outage');
      // The same name is retried once the storage is back, and that run is whole.
      const again = await startAgent(ini, ['backup', '--backup-name', 'outage', '--mode', 'full'], env).done;
      expect(again, again.stderr).toMatchObject({ code: 0 });
      expect(complete(await medusaListing(ini))).toContain('outage');
      const verify = await startAgent(ini, ['verify', '--backup-name', 'outage', '--enable-md5-checks'], env)
        .done;
      expect(verify, verify.stderr).toMatchObject({ code: 0 });
    }
    note('outages: 1');
  }, 240_000);
});
