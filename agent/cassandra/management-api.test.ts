import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagementApiControl, managementApiOrigin } from './management-api.js';

// The management API does not run on the test bed. This server answers the way its OpenAPI document
// (management-api-server/doc/openapi.json) says it does, so these tests check the requests the agent
// sends against that contract; they cannot prove the real server's behaviour.

interface Seen {
  method: string;
  url: string;
  body: unknown;
}
const seen: Seen[] = [];
let server: Server;
let origin: string;

const endpoints = [
  {
    ENDPOINT_IP: '10.0.0.1',
    RPC_ADDRESS: '10.0.0.1',
    STATUS: 'NORMAL,-9223372036854775808',
    TOKENS: '-9223372036854775808,3074457345618258602',
    RPC_READY: 'true',
    IS_ALIVE: 'true',
  },
  {
    ENDPOINT_IP: '10.0.0.2',
    RPC_ADDRESS: '10.0.0.2',
    STATUS: 'LEAVING,1',
    TOKENS: '1',
    RPC_READY: 'false',
    IS_ALIVE: 'false',
  },
];

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
      if (path === '/api/v0/ops/node/snapshots' && req.method === 'GET') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify([
            { 'Snapshot name': 'medusa-a', 'Keyspace name': 'ks', 'Column family name': 't1' },
            { 'Snapshot name': 'medusa-a', 'Keyspace name': 'ks', 'Column family name': 't2' },
            { 'Snapshot name': 'other', 'Keyspace name': 'ks', 'Column family name': 't1' },
          ]),
        );
      } else if (path === '/api/v0/metadata/endpoints') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ entity: endpoints }));
      } else if (path === '/api/v0/ops/keyspace') {
        res.end(JSON.stringify(['system', 'ks']));
      } else if (
        path === '/api/v0/ops/node/snapshots' &&
        req.method === 'POST' &&
        !(body as { snapshot_name?: string }).snapshot_name
      ) {
        res.statusCode = 400;
        res.end('Invalid snapshot request');
      } else res.end('OK');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('ManagementApiControl', () => {
  const control = () =>
    new ManagementApiControl({ url: `${origin}/api/v0/ops/node/snapshots`, nodeAddress: '10.0.0.1' });

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

  it("reads this node's tokens and state from the endpoint states", async () => {
    expect(await control().tokens()).toEqual(['-9223372036854775808', '3074457345618258602']);
    expect(await control().nodeState()).toEqual({ operationMode: 'NORMAL', nativeTransportRunning: true });
    const other = new ManagementApiControl({ url: origin, nodeAddress: '10.0.0.2' });
    expect(await other.nodeState()).toEqual({ operationMode: 'LEAVING', nativeTransportRunning: false });
    const missing = new ManagementApiControl({ url: origin, nodeAddress: '10.0.0.9' });
    await expect(missing.tokens()).rejects.toThrow('no endpoint with address 10.0.0.9');
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

  it('reports HTTP errors with the operation and the server text', async () => {
    await expect(control().takeSnapshot('')).rejects.toThrow(
      'management-api takeSnapshot: HTTP 400: Invalid snapshot request',
    );
    const down = new ManagementApiControl({ url: 'http://127.0.0.1:1', nodeAddress: 'x' });
    await expect(down.clearSnapshot('t')).rejects.toThrow(
      /^management-api clearSnapshots: http:\/\/127\.0\.0\.1:1: /,
    );
  });
});
