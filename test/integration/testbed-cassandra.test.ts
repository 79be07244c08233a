import { Client } from 'cassandra-driver';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rings } from '../bed/cassandra.js';

// Smoke tests proving the ring is three real Cassandra 5.0 nodes reachable by CQL, nodetool and Jolokia.
const ring = rings.three();
const keyspace = `smoke_${process.pid}`;
let client: Client;

describe('Cassandra 3-node ring', () => {
  beforeAll(async () => {
    client = new Client({ contactPoints: ring.contactPoints, localDataCenter: ring.datacenter });
    await client.connect();
    await client.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', '${ring.datacenter}': 3}`,
    );
    await client.execute(`CREATE TABLE ${keyspace}.rows (id int PRIMARY KEY, value text)`);
  });
  afterAll(async () => {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
    await client.shutdown();
  });

  it('shows three nodes Up/Normal in nodetool status', async () => {
    expect((await ring.upNormal()).sort()).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
  });

  it('writes and reads rows at QUORUM, served by Cassandra 5.0', async () => {
    const { consistencies } = await import('cassandra-driver').then((m) => m.types);
    for (let id = 0; id < 20; id++) {
      await client.execute(`INSERT INTO ${keyspace}.rows (id, value) VALUES (?, ?)`, [id, `row-${id}`], {
        prepare: true,
        consistency: consistencies.quorum,
      });
    }
    const result = await client.execute(`SELECT id, value FROM ${keyspace}.rows`, [], {
      consistency: consistencies.all,
    });
    expect(result.rows.map((r) => r.value as string).sort()).toEqual(
      Array.from({ length: 20 }, (_, id) => `row-${id}`).sort(),
    );
    const version = await client.execute('SELECT release_version FROM system.local');
    expect(String(version.first()?.release_version)).toMatch(/^5\.0\./);
    expect(
      client
        .getState()
        .getConnectedHosts()
        .map((h) => h.address.split(':')[0])
        .sort(),
    ).toEqual(ring.contactPoints);
  });

  it('snapshots with nodetool onto disk, and Jolokia takes, lists and clears them over HTTP', async () => {
    const node = ring.nodes[1]!;
    const tag = `smoke-${Date.now()}`;
    await node.nodetool('snapshot', '-t', tag, keyspace);

    const tableDir = readdirSync(join(node.dataDir, keyspace)).find((d) => d.startsWith('rows-'));
    expect(tableDir).toBeDefined();
    const snapshotDir = (name: string) => join(node.dataDir, keyspace, tableDir!, 'snapshots', name);
    expect(readdirSync(snapshotDir(tag)).some((f) => f.endsWith('-Data.db'))).toBe(true);

    expect(await node.nodetool('listsnapshots')).toContain(tag);
    expect(await jolokiaSnapshotTags(node.jolokiaUrl)).toContain(tag);

    // Take and clear a second snapshot through Jolokia alone, as the agent does in a pod.
    const viaJolokia = `${tag}-jolokia`;
    await jolokia(node.jolokiaUrl, {
      type: 'exec',
      mbean: 'org.apache.cassandra.db:type=StorageService',
      operation: 'takeSnapshot(java.lang.String,java.util.Map,[Ljava.lang.String;)',
      arguments: [viaJolokia, {}, [keyspace]],
    });
    expect(readdirSync(snapshotDir(viaJolokia)).some((f) => f.endsWith('-Data.db'))).toBe(true);
    expect(await node.nodetool('listsnapshots')).toContain(viaJolokia);
    expect(await jolokiaSnapshotTags(node.jolokiaUrl)).toContain(viaJolokia);
    await jolokia(node.jolokiaUrl, {
      type: 'exec',
      mbean: 'org.apache.cassandra.db:type=StorageService',
      operation: 'clearSnapshot(java.lang.String,[Ljava.lang.String;)',
      arguments: [viaJolokia, [keyspace]],
    });
    expect(existsSync(snapshotDir(viaJolokia))).toBe(false);
    expect(await jolokiaSnapshotTags(node.jolokiaUrl)).not.toContain(viaJolokia);

    await node.nodetool('clearsnapshot', '-t', tag, '--', keyspace);
    expect(existsSync(snapshotDir(tag))).toBe(false);
  });
});

/**
 * Snapshot tags listed by StorageService.getSnapshotDetails over Jolokia. maxDepth 1 keeps Jolokia
 * from descending into the TabularData, whose null expiration date it cannot write as JSON.
 */
async function jolokiaSnapshotTags(url: string): Promise<string[]> {
  const details = await jolokia(url, {
    type: 'exec',
    mbean: 'org.apache.cassandra.db:type=StorageService',
    operation: 'getSnapshotDetails(java.util.Map)',
    arguments: [{}],
    config: { maxDepth: 1 },
  });
  return Object.keys(details as Record<string, unknown>);
}

/** One Jolokia request; fails on a Jolokia-level error, resolves with its value. */
async function jolokia(url: string, request: Record<string, unknown>): Promise<unknown> {
  const response = await fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const body = (await response.json()) as { status: number; value?: unknown; error?: string };
  if (body.status !== 200)
    throw new Error(`jolokia ${String(request.operation ?? request.type)}: ${body.error}`);
  return body.value;
}
