import { readFileSync } from 'node:fs';
import type { types } from 'cassandra-driver';
import { auth, Client, policies } from 'cassandra-driver';
import { nodeName } from './hostnames.js';

export interface CqlOptions {
  /** This node's CQL address; every query is pinned to it (system.local is node-local). */
  address: string;
  port?: number;
  username?: string;
  password?: string;
  /** medusa.ini certfile: CA certificate (PEM) for the node's client certificate. */
  certfile?: string;
  /** medusa.ini usercert / userkey: client certificate and key for mutual TLS. */
  usercert?: string;
  userkey?: string;
  /** Name nodes by reverse DNS (Medusa's resolve_ip_addresses); default false = IP addresses. */
  resolveIpAddresses?: boolean;
  k8sMode?: boolean;
  timeoutMs?: number;
}

/** One host of tokenmap.json: tokens as decimal strings (they exceed JS number precision). */
export interface TokenMapEntry {
  tokens: string[];
  is_up: boolean;
  rack: string;
  dc: string;
}
export type TokenMap = Record<string, TokenMapEntry>;

export interface ServerVersion {
  server_type: 'cassandra' | 'dse';
  release_version: string;
}

/** Keyspaces left out of schema.cql, as Medusa leaves them out (and the virtual ones the driver never lists). */
const schemaExcluded = new Set(['system_traces', 'system_views', 'system_virtual_schema']);

interface PeerRow {
  address: string;
  dc: string;
  rack: string;
  tokens: string[];
}

/** A CQL session to one node: server version, token map, schema and table ids. */
export class CqlSession {
  private constructor(
    readonly client: Client,
    private readonly options: CqlOptions,
  ) {}

  static async connect(options: CqlOptions): Promise<CqlSession> {
    const port = options.port ?? 9042;
    const endpoint = `${options.address}:${port}`;
    const sslOptions = options.certfile
      ? {
          ca: [readFileSync(options.certfile)],
          cert: options.usercert ? readFileSync(options.usercert) : undefined,
          key: options.userkey ? readFileSync(options.userkey) : undefined,
          // Nodes are reached by IP: verify the chain, not the host name (as Medusa does).
          checkServerIdentity: () => undefined,
        }
      : undefined;
    const client = new Client({
      contactPoints: [endpoint],
      protocolOptions: { port },
      policies: {
        loadBalancing: new policies.loadBalancing.AllowListPolicy(
          new policies.loadBalancing.RoundRobinPolicy(),
          [endpoint],
        ),
      },
      authProvider:
        options.username !== undefined
          ? new auth.PlainTextAuthProvider(options.username, options.password ?? '')
          : undefined,
      sslOptions,
      socketOptions: { readTimeout: options.timeoutMs ?? 120_000, connectTimeout: 15_000 },
      // Schema comes from server-side DESCRIBE; the driver's own metadata is not needed.
      isMetadataSyncEnabled: false,
    });
    try {
      await client.connect();
    } catch (error) {
      await client.shutdown().catch(() => undefined);
      throw new Error(`cannot connect to CQL at ${endpoint}: ${connectFailure(error)}`);
    }
    return new CqlSession(client, options);
  }

  async execute(query: string, params: unknown[] = []): Promise<types.Row[]> {
    const result = await this.client.execute(query, params, { prepare: params.length > 0 });
    return result.rows;
  }

  /** server_version.json: `cassandra` unless system.local has a dse_version column. */
  async serverVersion(): Promise<ServerVersion> {
    const result = await this.client.execute('SELECT * FROM system.local');
    const row = result.first();
    const isDse = result.columns.some((column) => column.name === 'dse_version');
    return {
      server_type: isDse ? 'dse' : 'cassandra',
      release_version: String(row?.release_version ?? 'None'),
    };
  }

  private async hosts(): Promise<PeerRow[]> {
    const local = (
      await this.execute('SELECT data_center, rack, tokens, rpc_address, broadcast_address FROM system.local')
    )[0];
    if (!local) throw new Error('system.local is empty');
    const localAddress = this.options.address;
    const rows: PeerRow[] = [
      {
        address: localAddress,
        dc: String(local.data_center),
        rack: String(local.rack),
        tokens: (local.tokens as string[] | null) ?? [],
      },
    ];
    let peers: types.Row[];
    try {
      peers = await this.execute(
        'SELECT native_address, peer, data_center, rack, tokens FROM system.peers_v2',
      );
    } catch {
      peers = await this.execute(
        'SELECT rpc_address AS native_address, peer, data_center, rack, tokens FROM system.peers',
      );
    }
    for (const peer of peers) {
      const address = String(peer.native_address ?? peer.peer);
      rows.push({
        address: address === '0.0.0.0' ? String(peer.peer) : address,
        dc: String(peer.data_center),
        rack: String(peer.rack),
        tokens: (peer.tokens as string[] | null) ?? [],
      });
    }
    return rows;
  }

  /** This node's datacenter and rack. */
  async placement(): Promise<{ dc: string; rack: string }> {
    const local = (await this.execute('SELECT data_center, rack FROM system.local'))[0];
    return { dc: String(local?.data_center), rack: String(local?.rack) };
  }

  /**
   * tokenmap.json as Medusa writes it: hosts of this node's datacenter only, sorted by address,
   * each with its tokens (server order), is_up, rack and dc. `unreachable` (the node's failure
   * detector) decides is_up when given; the driver's view is used otherwise, and a driver that has
   * just connected takes every peer for up.
   */
  async tokenMap(unreachable?: ReadonlySet<string>): Promise<TokenMap> {
    const hosts = await this.hosts();
    const localDc = hosts[0]!.dc;
    const sameDc = hosts.filter((host) => host.dc === localDc && host.tokens.length > 0);
    sameDc.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    const map: TokenMap = {};
    for (const host of sameDc) {
      const name = await nodeName(
        host.address,
        this.options.resolveIpAddresses ?? false,
        this.options.k8sMode ?? false,
      );
      const driverHost = this.client.hosts.values().find((h) => h.address.split(':')[0] === host.address);
      map[name] = {
        tokens: host.tokens,
        is_up: unreachable ? !unreachable.has(host.address) : driverHost ? driverHost.isUp() : true,
        rack: host.rack,
        dc: host.dc,
      };
    }
    return map;
  }

  /**
   * schema.cql: the server's own `DESCRIBE FULL SCHEMA`, statements grouped per keyspace, one blank
   * line between statements, system_traces and virtual keyspaces left out (as Medusa leaves them out).
   */
  async schema(): Promise<string> {
    const rows = await this.execute('DESCRIBE FULL SCHEMA');
    const statements = rows
      .filter((row) => !schemaExcluded.has(String(row.keyspace_name)))
      .map((row) => String(row.create_statement).trim())
      .filter((statement) => statement !== '' && !statement.startsWith('/*'));
    return statements.join('\n\n');
  }

  /** Table (and materialized view) ids by `keyspace.table`, as 32 hex characters (the directory suffix). */
  async tableIds(): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const [table, column] of [
      ['tables', 'table_name'],
      ['views', 'view_name'],
    ] as const) {
      for (const row of await this.execute(
        `SELECT keyspace_name, ${column}, id FROM system_schema.${table}`,
      )) {
        ids.set(`${String(row.keyspace_name)}.${String(row[column])}`, String(row.id).replace(/-/g, ''));
      }
    }
    return ids;
  }

  async close(): Promise<void> {
    await this.client.shutdown();
  }
}

/**
 * One line for a failed connection: the driver's NoHostAvailableError spells each host's error out
 * (stack frames included), so the hosts' own messages are used instead.
 */
function connectFailure(error: unknown): string {
  const inner = (error as { innerErrors?: Record<string, unknown> }).innerErrors;
  const text =
    inner && Object.keys(inner).length
      ? Object.entries(inner)
          .map(([host, e]) => `${host}: ${e instanceof Error ? e.message : String(e)}`)
          .join('; ')
      : (error as Error).message;
  return (text.split('\n')[0] ?? '').trim();
}
