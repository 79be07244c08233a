import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagementApiControl, managementApiOrigin } from './management-api.js';

// The management API does not run on the test bed. This server answers the way the real one does
// (k8ssandra/management-api-for-apache-cassandra, NodeOpsResources, MetadataResources,
// KeyspaceOpsResources): JSON lists from NodeOps calls come as a serialised JAX-RS Entity
// (`{"entity": [...], "variant": ..., ...}`), the keyspace list bare, every failure inside
// Cassandra as HTTP 500 with the exception's message, and "Internal connection to Cassandra
// closed" while the API's CQL socket to a restarted Cassandra is down.

interface Seen {
  method: string;
  url: string;
  body: unknown;
}
const seen: Seen[] = [];
let server: Server;
let origin: string;

// The local node's own address in cassandra.yaml may be none of these (listen on 0.0.0.0, a pod IP
// that changed): the API marks the local entry with IS_LOCAL.
const endpoints = [
  {
    ENDPOINT_IP: '10.0.0.2',
    RPC_ADDRESS: '10.0.0.2',
    STATUS: 'LEAVING,1',
    TOKENS: '1',
    RPC_READY: 'false',
    IS_ALIVE: 'false',
    IS_LOCAL: 'false',
  },
  {
    ENDPOINT_IP: '10.0.0.1',
    RPC_ADDRESS: '10.0.0.1',
    STATUS: 'NORMAL,-9223372036854775808',
    TOKENS: '-9223372036854775808,3074457345618258602',
    RPC_READY: 'true',
    IS_ALIVE: 'true',
    IS_LOCAL: 'true',
  },
];

/** How Jackson writes `Response.ok(Entity.json(value))`: the Entity object itself. */
const jsonMediaType = {
  type: 'application',
  subtype: 'json',
  parameters: {},
  wildcardType: false,
  wildcardSubtype: false,
};
const entity = (value: unknown) => ({
  entity: value,
  variant: { language: null, mediaType: jsonMediaType, encoding: null, languageString: null },
  annotations: [],
  mediaType: jsonMediaType,
  language: null,
  encoding: null,
});

const keyspaces = ['system', 'ks'];
/** Answers 500 "Internal connection to Cassandra closed" to this many next requests (a restart). */
let closedFor = 0;

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      const path = (req.url ?? '').split('?')[0];
      const fail = (status: number, text: string) => {
        res.statusCode = status;
        res.setHeader('content-type', 'text/plain');
        res.end(text);
      };
      if (closedFor > 0) {
        closedFor--;
        return fail(500, 'Internal connection to Cassandra closed');
      }
      const requested = body as
        { snapshot_name?: string; keyspaces?: string[]; keyspace_name?: string } | undefined;
      const unknown = [
        ...(requested?.keyspaces ?? []),
        ...(requested?.keyspace_name ? [requested.keyspace_name] : []),
      ].find((k) => !keyspaces.includes(k));
      if (path === '/api/v0/ops/node/snapshots' && req.method === 'GET') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify(
            entity([
              { 'Snapshot name': 'medusa-a', 'Keyspace name': 'ks', 'Column family name': 't1' },
              { 'Snapshot name': 'medusa-a', 'Keyspace name': 'ks', 'Column family name': 't2' },
              { 'Snapshot name': 'other', 'Keyspace name': 'ks', 'Column family name': 't1' },
            ]),
          ),
        );
      } else if (path === '/api/v0/metadata/endpoints') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(entity(endpoints)));
      } else if (path === '/api/v0/ops/keyspace') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(keyspaces));
      } else if (unknown !== undefined) {
        // Cassandra's IllegalArgumentException, through NodeOpsResources.handle.
        fail(500, `Keyspace ${unknown} does not exist`);
      } else if (
        path === '/api/v0/ops/node/snapshots' &&
        req.method === 'POST' &&
        !requested?.snapshot_name
      ) {
        fail(500, 'You must supply a snapshot name.');
      } else {
        res.setHeader('content-type', 'text/plain');
        res.end('OK');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('ManagementApiControl', () => {
  const control = (attempts = 3) =>
    new ManagementApiControl({
      url: `${origin}/api/v0/ops/node/snapshots`,
      nodeAddress: '10.9.9.9',
      attempts,
      retryDelayMs: 5,
    });

  it('derives the origin from cassandra_url as k8ssandra-operator writes it', () => {
    expect(managementApiOrigin('http://127.0.0.1:8080/api/v0/ops/node/snapshots')).toBe(
      'http://127.0.0.1:8080',
    );
    expect(managementApiOrigin('https://127.0.0.1:8080')).toBe('https://127.0.0.1:8080');
  });

  it('takes, lists and clears snapshots with the documented requests', async () => {
    seen.length = 0;
    await control().takeSnapshot('medusa-a', ['ks']);
    await control().takeSnapshot('medusa-b');
    expect(await control().listSnapshots()).toEqual(['medusa-a', 'other']);
    await control().clearSnapshot('medusa-a');
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/api/v0/ops/node/snapshots',
        body: { snapshot_name: 'medusa-a', keyspaces: ['ks'] },
      },
      { method: 'POST', url: '/api/v0/ops/node/snapshots', body: { snapshot_name: 'medusa-b' } },
      { method: 'GET', url: '/api/v0/ops/node/snapshots', body: undefined },
      { method: 'DELETE', url: '/api/v0/ops/node/snapshots?snapshotNames=medusa-a', body: undefined },
    ]);
  });

  it("reads this node's tokens and state from the endpoint marked IS_LOCAL", async () => {
    expect(await control().tokens()).toEqual(['-9223372036854775808', '3074457345618258602']);
    expect(await control().nodeState()).toEqual({ operationMode: 'NORMAL', nativeTransportRunning: true });
  });

  it('falls back to the node address when the API does not mark the local endpoint', async () => {
    const saved = endpoints.map((e) => e.IS_LOCAL);
    for (const e of endpoints) delete (e as { IS_LOCAL?: string }).IS_LOCAL;
    try {
      const other = new ManagementApiControl({ url: origin, nodeAddress: '10.0.0.2' });
      expect(await other.nodeState()).toEqual({ operationMode: 'LEAVING', nativeTransportRunning: false });
      const missing = new ManagementApiControl({ url: origin, nodeAddress: '10.0.0.9' });
      await expect(missing.tokens()).rejects.toThrow('no endpoint with address 10.0.0.9');
    } finally {
      endpoints.forEach((e, i) => (e.IS_LOCAL = saved[i]!));
    }
  });

  it('retries the 500 the first calls after a Cassandra restart get, then succeeds', async () => {
    seen.length = 0;
    closedFor = 2;
    expect(await control().listSnapshots()).toEqual(['medusa-a', 'other']);
    expect(seen.map((s) => s.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it('gives up after its attempts with the server text', async () => {
    closedFor = 3;
    await expect(control().tokens()).rejects.toThrow(
      'management-api getEndpointStates: HTTP 500: Internal connection to Cassandra closed (after 3 attempts)',
    );
    expect(closedFor).toBe(0);
  });

  it('a snapshot taken before the connection closed is not an error on retry', async () => {
    closedFor = 3; // the POST and its retries fail; the snapshot exists (medusa-a is listed)
    await expect(control().takeSnapshot('medusa-a')).resolves.toBeUndefined();
    closedFor = 3;
    await expect(control().takeSnapshot('medusa-new')).rejects.toThrow(/HTTP 500: Internal connection/);
    closedFor = 0;
  });

  it('lists the endpoints the failure detector holds down (IS_ALIVE, as cass-operator reads it)', async () => {
    expect(await control().unreachableNodes()).toEqual(['10.0.0.2']);
  });

  it('flushes each keyspace (all of them when none is given)', async () => {
    seen.length = 0;
    await control().flush();
    expect(seen.filter((s) => s.method === 'POST')).toEqual([
      {
        method: 'POST',
        url: '/api/v0/ops/tables/flush',
        body: { keyspace_name: 'system', tables: [], jobs: 0 },
      },
      { method: 'POST', url: '/api/v0/ops/tables/flush', body: { keyspace_name: 'ks', tables: [], jobs: 0 } },
    ]);
  });

  it('reports HTTP errors with the operation and the server text (500 for an unknown keyspace)', async () => {
    seen.length = 0;
    await expect(control().flush(['nope'])).rejects.toThrow(
      'management-api flush: HTTP 500: Keyspace nope does not exist (after 3 attempts)',
    );
    await expect(control(1).takeSnapshot('x', ['nope'])).rejects.toThrow(
      'management-api takeSnapshot: HTTP 500: Keyspace nope does not exist',
    );
    const down = new ManagementApiControl({ url: 'http://127.0.0.1:1', nodeAddress: 'x' });
    await expect(down.clearSnapshot('t')).rejects.toThrow(
      /^management-api clearSnapshots: http:\/\/127\.0\.0\.1:1: /,
    );
  });
});
