import type { CassandraControl, NodeState } from './control.js';
import { CassandraControlError } from './control.js';
import { httpRequestText, type HttpTls } from './http.js';

const storageService = 'org.apache.cassandra.db:type=StorageService';

export interface JolokiaOptions {
  /** e.g. http://127.0.0.1:8778/jolokia */
  url: string;
  username?: string;
  password?: string;
  tls?: HttpTls;
}

interface JolokiaReply {
  status: number;
  value?: unknown;
  error?: string;
  error_type?: string;
}

/** Cassandra's StorageService MBean over Jolokia's HTTP/JSON bridge (POST /jolokia). */
export class JolokiaControl implements CassandraControl {
  readonly transport = 'jolokia';

  constructor(private readonly options: JolokiaOptions) {}

  private async call(operation: string, request: Record<string, unknown>): Promise<unknown> {
    const url = this.options.url.endsWith('/') ? this.options.url : `${this.options.url}/`;
    let reply: JolokiaReply;
    try {
      const { status, body } = await httpRequestText(url, {
        method: 'POST',
        body: { mbean: storageService, ...request },
        tls: this.options.tls,
        username: this.options.username,
        password: this.options.password,
      });
      if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 300)}`);
      reply = JSON.parse(body) as JolokiaReply;
    } catch (error) {
      throw new CassandraControlError(
        this.transport,
        operation,
        `${this.options.url}: ${(error as Error).message}`,
      );
    }
    if (reply.status !== 200) {
      throw new CassandraControlError(this.transport, operation, reply.error ?? `status ${reply.status}`);
    }
    return reply.value;
  }

  private exec(operation: string, signature: string, args: unknown[]): Promise<unknown> {
    return this.call(operation, { type: 'exec', operation: `${operation}(${signature})`, arguments: args });
  }

  private read(attribute: string): Promise<unknown> {
    return this.call(`read ${attribute}`, { type: 'read', attribute });
  }

  async takeSnapshot(tag: string, keyspaces: readonly string[] = []): Promise<void> {
    await this.exec('takeSnapshot', 'java.lang.String,java.util.Map,[Ljava.lang.String;', [
      tag,
      {},
      keyspaces,
    ]);
  }

  async clearSnapshot(tag: string): Promise<void> {
    await this.exec('clearSnapshot', 'java.lang.String,[Ljava.lang.String;', [tag, []]);
  }

  /**
   * Snapshot tags from StorageService.getSnapshotDetails. Jolokia cannot write the whole reply: the
   * TabularData index spans every column, Jolokia nests one object per index value and its JSON
   * breaks at the first null (a snapshot without TTL has no expiration date). Cut at depth 1, the
   * reply is the tags as keys with each table list as a string, which is all a listing needs.
   */
  async listSnapshots(): Promise<string[]> {
    const value = await this.call('getSnapshotDetails', {
      type: 'exec',
      operation: 'getSnapshotDetails(java.util.Map)',
      arguments: [{}],
      config: { maxDepth: 1 },
    });
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new CassandraControlError(this.transport, 'getSnapshotDetails', 'not a map of snapshots');
    }
    return Object.keys(value).sort();
  }

  async tokens(): Promise<string[]> {
    const value = await this.read('Tokens');
    if (!Array.isArray(value)) throw new CassandraControlError(this.transport, 'read Tokens', 'not a list');
    return value.map(String);
  }

  async nodeState(): Promise<NodeState> {
    const operationMode = String(await this.read('OperationMode'));
    const nativeTransportRunning = Boolean(await this.read('NativeTransportRunning'));
    return { operationMode, nativeTransportRunning };
  }

  async unreachableNodes(): Promise<string[]> {
    const value = await this.read('UnreachableNodes');
    if (!Array.isArray(value))
      throw new CassandraControlError(this.transport, 'read UnreachableNodes', 'not a list');
    return value.map(String).sort();
  }

  async flush(keyspaces?: readonly string[]): Promise<void> {
    const names = keyspaces?.length ? keyspaces : ((await this.read('Keyspaces')) as string[]);
    for (const keyspace of names) {
      await this.exec('forceKeyspaceFlush', 'java.lang.String,[Ljava.lang.String;', [keyspace, []]);
    }
  }

  async close(): Promise<void> {}
}
