// How the agent drives Cassandra's node operations. Three transports implement it: Jolokia (HTTP to
// the JMX agent), nodetool (a subprocess) and cass-operator's management API (HTTP).

/** A node's state as far as backup and restore care. */
export interface NodeState {
  /** StorageService operation mode: STARTING, NORMAL, JOINING, LEAVING, DECOMMISSIONED, DRAINED, ... */
  operationMode: string;
  /** Whether the node serves CQL clients. */
  nativeTransportRunning?: boolean;
}

export interface CassandraControl {
  /** 'jolokia' | 'nodetool' | 'management-api', for logs and messages. */
  readonly transport: string;
  /** Flushes memtables and hard-links every table's SSTables under snapshots/<tag>; all keyspaces when none given. */
  takeSnapshot(tag: string, keyspaces?: readonly string[]): Promise<void>;
  /** Removes snapshots/<tag> from every table; no error when it does not exist. */
  clearSnapshot(tag: string): Promise<void>;
  /** Tags of the snapshots present on the node. */
  listSnapshots(): Promise<string[]>;
  /** This node's tokens, as decimal strings (Murmur3 tokens do not fit a JS number). */
  tokens(): Promise<string[]>;
  nodeState(): Promise<NodeState>;
  /** Addresses of the nodes this node's failure detector holds down (gossip), any datacenter. */
  unreachableNodes(): Promise<string[]>;
  /** Flushes memtables to SSTables; all keyspaces when none given. */
  flush(keyspaces?: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** A Cassandra operation that failed, with the transport that carried it. */
export class CassandraControlError extends Error {
  constructor(
    readonly transport: string,
    readonly operation: string,
    message: string,
  ) {
    super(`${transport} ${operation}: ${message}`);
    this.name = 'CassandraControlError';
  }
}
