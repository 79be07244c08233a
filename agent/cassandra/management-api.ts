import type { CassandraControl, NodeState } from './control.js';
import { CassandraControlError } from './control.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpRequestText, type HttpTls } from './http.js';

// cass-operator's management API (k8ssandra/management-api-for-apache-cassandra, OpenAPI
// management-api-server/doc/openapi.json). medusa.ini's cassandra_url is the full snapshots endpoint
// (http://127.0.0.1:8080/api/v0/ops/node/snapshots); the other endpoints hang off the same origin.

export interface ManagementApiOptions {
  /** medusa.ini [kubernetes] cassandra_url, or just the origin (http://127.0.0.1:8080). */
  url: string;
  /**
   * The node's own address: picks this node's entry from /api/v0/metadata/endpoints only when the
   * API does not mark it with IS_LOCAL.
   */
  nodeAddress: string;
  tls?: HttpTls;
  /** Attempts for an answer 5xx (the first call after a Cassandra restart gets one); default 5. */
  attempts?: number;
  /** Wait before the second attempt, doubled for each further one; default 500 ms. */
  retryDelayMs?: number;
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
 * The management API's JSON answers: its resources return `Response.ok(Entity.json(value))`, which
 * Jackson serialises as the Entity object, `{"entity": [...], "variant": ..., "mediaType": ...}`;
 * accept both that and the bare value.
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
    const attempts = Math.max(1, this.options.attempts ?? 5);
    let delay = this.options.retryDelayMs ?? 500;
    for (let attempt = 1; ; attempt++) {
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
      if (result.status >= 200 && result.status < 300) return result.body;
      // 5xx: the API could not reach Cassandra ("Internal connection to Cassandra closed" right after
      // a restart, while its CQL socket reconnects). Retried with backoff; 4xx are final.
      if (result.status >= 500 && attempt < attempts) {
        await sleep(delay);
        delay *= 2;
        continue;
      }
      const tried = attempt > 1 ? ` (after ${attempt} attempts)` : '';
      throw new CassandraControlError(
        this.transport,
        operation,
        `HTTP ${result.status}: ${result.body.slice(0, 300).replace(/\s+/g, ' ').trim()}${tried}`,
      );
    }
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
    try {
      await this.call('takeSnapshot', 'POST', '/api/v0/ops/node/snapshots', body);
    } catch (error) {
      // A 5xx may come after Cassandra took the snapshot; its retry then finds the tag taken.
      if (/after \d+ attempts/.test((error as Error).message) && (await this.listSnapshots()).includes(tag))
        return;
      throw error;
    }
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

  /** This node's entry: the one marked IS_LOCAL, else (APIs without the key) the one of its address. */
  private async ownEndpoint(): Promise<EndpointState> {
    const endpoints = await this.json('getEndpointStates', '/api/v0/metadata/endpoints');
    if (!Array.isArray(endpoints))
      throw new CassandraControlError(this.transport, 'getEndpointStates', 'not a list');
    const states = endpoints as EndpointState[];
    const marked = states.some((entry) => entry.IS_LOCAL !== undefined);
    const own = marked
      ? states.find((entry) => entry.IS_LOCAL === 'true')
      : states.find(
          (entry) =>
            entry.ENDPOINT_IP === this.options.nodeAddress || entry.RPC_ADDRESS === this.options.nodeAddress,
        );
    if (!own) {
      throw new CassandraControlError(
        this.transport,
        'getEndpointStates',
        marked ? 'no endpoint marked IS_LOCAL' : `no endpoint with address ${this.options.nodeAddress}`,
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
