import type { CassandraControl, NodeState } from './control.js';
import { CassandraControlError } from './control.js';
import { httpRequestText, type HttpTls } from './http.js';

// cass-operator's management API (k8ssandra/management-api-for-apache-cassandra, OpenAPI
// management-api-server/doc/openapi.json). medusa.ini's cassandra_url is the full snapshots endpoint
// (http://127.0.0.1:8080/api/v0/ops/node/snapshots); the other endpoints hang off the same origin.

export interface ManagementApiOptions {
  /** medusa.ini [kubernetes] cassandra_url, or just the origin (http://127.0.0.1:8080). */
  url: string;
  /** The node's own address, to pick this node's entry from /api/v0/metadata/endpoints. */
  nodeAddress: string;
  tls?: HttpTls;
}

/** An entry of GET /api/v0/metadata/endpoints (values are strings). */
type EndpointState = Record<string, string>;

/** The origin of the management API from a cassandra_url (anything from /api/ on is dropped). */
export function managementApiOrigin(url: string): string {
  const parsed = new URL(url);
  const path = parsed.pathname.replace(/\/api\/.*$/, '').replace(/\/$/, '');
  return `${parsed.origin}${path}`;
}

/**
 * The management API's JSON answers: the OpenAPI examples wrap arrays as `{"entity": [...]}` (a
 * JAX-RS Response serialised by the doc generator); accept both that and the bare value.
 */
function unwrap(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value) && 'entity' in value) {
    return (value as { entity: unknown }).entity;
  }
  return value;
}

export class ManagementApiControl implements CassandraControl {
  readonly transport = 'management-api';
  private readonly origin: string;

  constructor(private readonly options: ManagementApiOptions) {
    this.origin = managementApiOrigin(options.url);
  }

  private async call(operation: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
    let result;
    try {
      result = await httpRequestText(`${this.origin}${path}`, { method, body, tls: this.options.tls });
    } catch (error) {
      throw new CassandraControlError(
        this.transport,
        operation,
        `${this.origin}: ${(error as Error).message}`,
      );
    }
    if (result.status < 200 || result.status >= 300) {
      throw new CassandraControlError(
        this.transport,
        operation,
        `HTTP ${result.status}: ${result.body.slice(0, 300)}`,
      );
    }
    return result.body;
  }

  private async json(operation: string, path: string): Promise<unknown> {
    const body = await this.call(operation, 'GET', path);
    try {
      return unwrap(JSON.parse(body));
    } catch {
      throw new CassandraControlError(this.transport, operation, `not JSON: ${body.slice(0, 200)}`);
    }
  }

  async takeSnapshot(tag: string, keyspaces: readonly string[] = []): Promise<void> {
    const body: Record<string, unknown> = { snapshot_name: tag };
    if (keyspaces.length) body.keyspaces = keyspaces;
    await this.call('takeSnapshot', 'POST', '/api/v0/ops/node/snapshots', body);
  }

  async clearSnapshot(tag: string): Promise<void> {
    await this.call(
      'clearSnapshots',
      'DELETE',
      `/api/v0/ops/node/snapshots?snapshotNames=${encodeURIComponent(tag)}`,
    );
  }

  async listSnapshots(): Promise<string[]> {
    const details = await this.json('getSnapshotDetails', '/api/v0/ops/node/snapshots');
    if (!Array.isArray(details))
      throw new CassandraControlError(this.transport, 'getSnapshotDetails', 'not a list');
    const tags = details.map((entry) => String((entry as Record<string, unknown>)['Snapshot name'] ?? ''));
    return [...new Set(tags.filter((tag) => tag !== ''))].sort();
  }

  private async ownEndpoint(): Promise<EndpointState> {
    const endpoints = await this.json('getEndpointStates', '/api/v0/metadata/endpoints');
    if (!Array.isArray(endpoints))
      throw new CassandraControlError(this.transport, 'getEndpointStates', 'not a list');
    const own = (endpoints as EndpointState[]).find(
      (entry) =>
        entry.ENDPOINT_IP === this.options.nodeAddress || entry.RPC_ADDRESS === this.options.nodeAddress,
    );
    if (!own) {
      throw new CassandraControlError(
        this.transport,
        'getEndpointStates',
        `no endpoint with address ${this.options.nodeAddress}`,
      );
    }
    return own;
  }

  async tokens(): Promise<string[]> {
    const own = await this.ownEndpoint();
    return (own.TOKENS ?? '').split(',').filter((token) => token !== '');
  }

  async nodeState(): Promise<NodeState> {
    const own = await this.ownEndpoint();
    // STATUS is "NORMAL,<token>", "BOOT,...", "LEAVING,...": the mode is the part before the comma.
    const operationMode = (own.STATUS_WITH_PORT ?? own.STATUS ?? 'UNKNOWN').split(',')[0]!;
    return { operationMode, nativeTransportRunning: own.RPC_READY === 'true' };
  }

  async unreachableNodes(): Promise<string[]> {
    const endpoints = await this.json('getEndpointStates', '/api/v0/metadata/endpoints');
    if (!Array.isArray(endpoints))
      throw new CassandraControlError(this.transport, 'getEndpointStates', 'not a list');
    return (endpoints as EndpointState[])
      .filter((entry) => entry.IS_ALIVE === 'false')
      .map((entry) => entry.ENDPOINT_IP ?? '')
      .filter((address) => address !== '')
      .sort();
  }

  async flush(keyspaces?: readonly string[]): Promise<void> {
    const names = keyspaces?.length
      ? keyspaces
      : ((await this.json('listKeyspaces', '/api/v0/ops/keyspace')) as string[]);
    for (const keyspace of names) {
      await this.call('flush', 'POST', '/api/v0/ops/tables/flush', {
        keyspace_name: keyspace,
        tables: [],
        jobs: 0,
      });
    }
  }

  async close(): Promise<void> {}
}
