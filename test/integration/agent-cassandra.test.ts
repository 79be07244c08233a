import { Client } from 'cassandra-driver';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCassandraYaml } from '../../agent/cassandra/cassandra-yaml.js';
import type { CassandraControl } from '../../agent/cassandra/control.js';
import { CqlSession } from '../../agent/cassandra/cql.js';
import { JolokiaControl } from '../../agent/cassandra/jolokia.js';
import { NodetoolControl } from '../../agent/cassandra/nodetool.js';
import { rings } from '../bed/cassandra.js';
import { artefacts } from '../bed/paths.js';

// The agent's Cassandra access against the shared 3-node ring: read-only apart from snapshots with
// unique tags on a keyspace of its own.
const ring = rings.three();
const node = ring.nodes[1]!; // 127.0.0.2
const keyspace = `agent_cass_${process.pid}`;
let client: Client;
let cql: CqlSession;

describe('agent Cassandra access on the 3-node ring', () => {
  beforeAll(async () => {
    client = new Client({ contactPoints: ring.contactPoints, localDataCenter: ring.datacenter });
    await client.connect();
    await client.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}`,
    );
    await client.execute(`CREATE TABLE ${keyspace}.items (id int PRIMARY KEY, label text)`);
    await client.execute(`CREATE INDEX items_label_idx ON ${keyspace}.items (label)`);
    for (let id = 0; id < 10; id++) {
      await client.execute(`INSERT INTO ${keyspace}.items (id, label) VALUES (?, ?)`, [id, `l${id % 3}`], {
        prepare: true,
      });
    }
    cql = await CqlSession.connect({ address: node.address });
  });

  afterAll(async () => {
    await cql?.close();
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
    await client.shutdown();
  });

  it('reads the data directory, ports and seeds from the node cassandra.yaml', async () => {
    const yaml = await readCassandraYaml(node.configFile);
    expect(yaml.dataDirectory).toBe(node.dataDir);
    expect(yaml.listenAddress).toBe('127.0.0.2');
    expect(yaml.nativePort).toBe(9042);
    expect(yaml.seeds).toEqual(['127.0.0.1']);
    expect(yaml.commitlogDirectory).toBe(join(node.dir, 'data', 'commitlog'));
  });

  it('builds tokenmap.json for the datacenter with every node, its token, rack and dc', async () => {
    const map = await cql.tokenMap();
    expect(Object.keys(map)).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
    expect(map['127.0.0.1']).toEqual({
      tokens: ['-9223372036854775808'],
      is_up: true,
      rack: 'rack1',
      dc: 'dc1',
    });
    expect(map['127.0.0.2']?.tokens).toEqual([ring.initialToken(1)]);
  });

  it('reads the server version and the schema by server-side DESCRIBE', async () => {
    expect(await cql.serverVersion()).toEqual({
      server_type: 'cassandra',
      release_version: expect.stringMatching(/^5\.0\./),
    });
    const schema = await cql.schema();
    expect(schema).toContain(`CREATE KEYSPACE ${keyspace} WITH replication`);
    expect(schema).toContain(`CREATE TABLE ${keyspace}.items (`);
    expect(schema).toContain(`CREATE INDEX items_label_idx ON ${keyspace}.items (label);`);
    expect(schema).toContain('CREATE KEYSPACE system_auth');
    expect(schema).not.toContain('system_traces');
    expect(schema).not.toContain('system_views');
    // Keyspace first, then its objects; every statement terminated (Medusa's schema parser splits on ';').
    expect(schema.indexOf(`CREATE KEYSPACE ${keyspace}`)).toBeLessThan(
      schema.indexOf(`CREATE TABLE ${keyspace}.`),
    );
    for (const statement of schema.split('\n\n')) expect(statement.trimEnd()).toMatch(/;$/);
  });

  it('reports table ids that match the table directories on disk', async () => {
    const ids = await cql.tableIds();
    const id = ids.get(`${keyspace}.items`);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(readdirSync(join(node.dataDir, keyspace))).toContain(`items-${id}`);
  });

  const transports: [string, () => CassandraControl][] = [
    ['jolokia', () => new JolokiaControl({ url: node.jolokiaUrl })],
    [
      'nodetool',
      () =>
        new NodetoolControl({
          executable: artefacts.nodetool,
          flags: '-Dcom.sun.jndi.rmiURLParsing=legacy',
          host: '127.0.0.1',
          port: node.jmxPort,
        }),
    ],
  ];

  for (const [name, make] of transports) {
    it(`${name}: snapshots a keyspace (with its index), lists and clears it; reads tokens and state, no node down`, async () => {
      const control = make();
      const tag = `agent-test-${name}-${Date.now()}`;
      const tableDir = readdirSync(join(node.dataDir, keyspace)).find((dir) => dir.startsWith('items-'))!;
      const snapshotDir = join(node.dataDir, keyspace, tableDir, 'snapshots', tag);

      await control.flush([keyspace]);
      await control.takeSnapshot(tag, [keyspace]);
      expect(readdirSync(snapshotDir).some((file) => file.endsWith('-Data.db'))).toBe(true);
      expect(readdirSync(join(snapshotDir, '.items_label_idx')).some((f) => f.endsWith('-Data.db'))).toBe(
        true,
      );
      expect(await control.listSnapshots()).toContain(tag);

      await control.clearSnapshot(tag);
      expect(existsSync(snapshotDir)).toBe(false);
      expect(await control.listSnapshots()).not.toContain(tag);
      // Clearing what is not there is not an error (a crashed run's cleanup may repeat).
      await control.clearSnapshot(tag);

      expect(await control.tokens()).toEqual([ring.initialToken(1)]);
      expect(await control.nodeState()).toEqual({ operationMode: 'NORMAL', nativeTransportRunning: true });
      expect(await control.unreachableNodes()).toEqual([]);
      await control.close();
    });
  }

  it('nodetool failures carry the command and the reason', async () => {
    const control = new NodetoolControl({ executable: artefacts.nodetool, host: '127.0.0.1', port: 7999 });
    await expect(control.listSnapshots()).rejects.toThrow(
      /^nodetool listsnapshots: .*(refused|Failed to connect)/i,
    );
  });

  it('jolokia failures name the operation', async () => {
    const control = new JolokiaControl({ url: node.jolokiaUrl });
    await expect(control.takeSnapshot(`bad-${Date.now()}`, ['no_such_keyspace_here'])).rejects.toThrow(
      /^jolokia takeSnapshot: /,
    );
  });
});
