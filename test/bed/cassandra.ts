import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createSecurity,
  securedJvmFlags,
  securedYaml,
  type CassandraSecurity,
} from './cassandra-security.js';
import { artefacts, bedDir, runDir } from './paths.js';
import { portOpen, refuseUntracked, runningPid, startService, stopService, waitUntil } from './proc.js';

const run = promisify(execFile);

export const javaBin = process.env.JAVA17 ?? '/usr/lib/jvm/java-17-openjdk-amd64/bin/java';

export interface CassandraClusterOptions {
  /** Cluster name; also names the folder under .testbed/cassandra. */
  name: string;
  /** Last octets of the 127.0.0.x addresses, one per node; the first node is the seed. */
  hosts: number[];
  datacenter?: string;
  rack?: string;
  heap?: string;
  /** Password authentication, client TLS with client certificates, JMX and Jolokia logins. */
  secured?: boolean;
}

/** One node of a test cluster: address, ports and the absolute paths Medusa reads from its yaml. */
export class CassandraNode {
  readonly address: string;
  readonly jmxPort: number;
  readonly jolokiaPort = 8778;
  readonly cqlPort = 9042;
  readonly dir: string;
  readonly configFile: string;
  readonly dataDir: string;
  readonly service: string;

  constructor(
    readonly cluster: CassandraCluster,
    readonly index: number,
    readonly host: number,
  ) {
    this.address = `127.0.0.${host}`;
    // JMX always binds 127.0.0.1, so each node needs its own port: 7199, 7299, 7399, ...
    this.jmxPort = 7099 + host * 100;
    this.dir = join(cluster.dir, `node${index + 1}`);
    this.configFile = join(this.dir, 'conf', 'cassandra.yaml');
    this.dataDir = join(this.dir, 'data', 'data');
    this.service = `cassandra-${cluster.name}-node${index + 1}`;
  }

  get jolokiaUrl(): string {
    const scheme = this.cluster.security ? 'https' : 'http';
    return `${scheme}://${this.address}:${this.jolokiaPort}/jolokia`;
  }

  /** Runs nodetool against this node; resolves with stdout. */
  async nodetool(...args: string[]): Promise<string> {
    const { stdout } = await run(
      artefacts.nodetool,
      ['-h', '127.0.0.1', '-p', String(this.jmxPort), ...this.jmxLogin(), ...args],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return stdout;
  }

  private jmxLogin(): string[] {
    const security = this.cluster.security;
    return security ? ['-u', security.jmx.username, '-pw', security.jmx.password] : [];
  }

  isRunning(): boolean {
    return runningPid(this.service) !== undefined;
  }

  /** Writes conf/ (yaml, rackdc, logback). Keeps the data unless wipe is set. */
  configure(wipe: boolean): void {
    if (wipe) rmSync(this.dir, { recursive: true, force: true });
    const data = join(this.dir, 'data');
    for (const sub of ['data', 'commitlog', 'saved_caches', 'hints', 'cdc_raw']) {
      mkdirSync(join(data, sub), { recursive: true });
    }
    mkdirSync(join(this.dir, 'conf'), { recursive: true });
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    const { cluster } = this;
    writeFileSync(
      this.configFile,
      `cluster_name: '${cluster.name}'
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: GossipingPropertyFileSnitch
num_tokens: 1
initial_token: ${cluster.initialToken(this.index)}
auto_bootstrap: false
listen_address: ${this.address}
rpc_address: ${this.address}
storage_port: 7000
native_transport_port: ${this.cqlPort}
start_native_transport: true
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "${cluster.nodes[0]?.address ?? this.address}"
data_file_directories:
  - ${this.dataDir}
commitlog_directory: ${join(data, 'commitlog')}
saved_caches_directory: ${join(data, 'saved_caches')}
hints_directory: ${join(data, 'hints')}
cdc_raw_directory: ${join(data, 'cdc_raw')}
cdc_enabled: false
commitlog_sync: periodic
commitlog_sync_period: 10000ms
memtable_allocation_type: heap_buffers
disk_access_mode: standard
auto_snapshot: false
incremental_backups: false
concurrent_reads: 4
concurrent_writes: 4
concurrent_counter_writes: 4
compaction_throughput: 0MiB/s
${this.cluster.security ? securedYaml(this.cluster.security, this.address) : 'authenticator: AllowAllAuthenticator\nauthorizer: AllowAllAuthorizer\n'}`,
    );
    writeFileSync(
      join(this.dir, 'conf', 'cassandra-rackdc.properties'),
      `dc=${cluster.datacenter}\nrack=${cluster.rack}\n`,
    );
    copyFileSync(join(bedDir, 'cassandra', 'logback.xml'), join(this.dir, 'conf', 'logback.xml'));
  }

  /** Starts the JVM in the background (returns at once). */
  start(): void {
    if (this.isRunning()) return;
    const home = artefacts.cassandraHome;
    const jamm = readdirSync(join(home, 'lib')).find((f) => /^jamm-.*\.jar$/.test(f));
    if (!jamm) throw new Error(`no jamm jar in ${home}/lib: run npm run provision`);
    const security = this.cluster.security && securedJvmFlags(this.cluster.security, this.address);
    const jolokiaOptions = `host=${this.address},port=${this.jolokiaPort},discoveryEnabled=false`;
    startService({
      name: this.service,
      command: javaBin,
      env: { MALLOC_ARENA_MAX: '4' },
      args: [
        `@${join(bedDir, 'cassandra', 'jvm17.args')}`,
        `-Xms${this.cluster.heap}`,
        `-Xmx${this.cluster.heap}`,
        `-javaagent:${join(home, 'lib', jamm)}`,
        `-javaagent:${join(home, 'jolokia-agent.jar')}=${jolokiaOptions}${security ? `,${security.jolokiaOptions}` : ''}`,
        '-Dcassandra-foreground=yes',
        `-Dcassandra.config=file://${this.configFile}`,
        `-Dcassandra.storagedir=${join(this.dir, 'data')}`,
        `-Dcassandra.logdir=${join(this.dir, 'logs')}`,
        `-Dlogback.configurationFile=${join(this.dir, 'conf', 'logback.xml')}`,
        `-Dcassandra.jmx.local.port=${this.jmxPort}`,
        ...(security?.jmx ?? ['-Dcom.sun.management.jmxremote.authenticate=false']),
        '-Dcassandra.skip_wait_for_gossip_to_settle=0',
        '-Dcassandra.ring_delay_ms=1000',
        '-Dcassandra.superuser_setup_delay_ms=0',
        `-Djava.io.tmpdir=${join(this.dir, 'tmp')}`,
        '-cp',
        `${join(this.dir, 'conf')}:${join(home, 'lib', '*')}`,
        'org.apache.cassandra.service.CassandraDaemon',
      ],
    });
    mkdirSync(join(this.dir, 'tmp'), { recursive: true });
  }

  /** Waits until the node serves CQL. */
  async waitForCql(timeoutMs = 300_000): Promise<void> {
    await waitUntil(this.service, () => portOpen(this.address, this.cqlPort), timeoutMs, 1000);
  }

  /** Graceful stop: SIGTERM lets Cassandra flush and drain. */
  async stop(): Promise<void> {
    await stopService(this.service, 60_000);
  }
}

/** A Cassandra cluster of real JVMs on 127.0.0.x, one token per node so nodes may start together. */
export class CassandraCluster {
  readonly name: string;
  readonly datacenter: string;
  readonly rack: string;
  readonly heap: string;
  readonly dir: string;
  readonly nodes: CassandraNode[];
  private readonly secured: boolean;
  private securityFiles?: CassandraSecurity;

  constructor(options: CassandraClusterOptions) {
    this.name = options.name;
    this.datacenter = options.datacenter ?? 'dc1';
    this.rack = options.rack ?? 'rack1';
    this.heap = options.heap ?? '768m';
    this.dir = join(runDir, 'cassandra', options.name);
    this.nodes = options.hosts.map((host, index) => new CassandraNode(this, index, host));
    this.secured = options.secured ?? false;
  }

  /** Logins and certificates of a secured cluster (created on first use); undefined otherwise. */
  get security(): CassandraSecurity | undefined {
    if (!this.secured) return undefined;
    this.securityFiles ??= createSecurity(
      join(this.dir, 'pki'),
      this.nodes.map((node) => node.address),
    );
    return this.securityFiles;
  }

  /** Evenly spaced Murmur3 tokens. */
  initialToken(index: number): string {
    const span = 2n ** 64n / BigInt(this.nodes.length);
    return String(-(2n ** 63n) + BigInt(index) * span);
  }

  get contactPoints(): string[] {
    return this.nodes.map((n) => n.address);
  }

  isRunning(): boolean {
    return this.nodes.every((n) => n.isRunning());
  }

  /**
   * Starts every node (fresh data unless keepData) and waits until `nodetool status` shows all UN.
   * The seed goes first; the others join in parallel (auto_bootstrap off, fixed tokens).
   */
  async start(options: { keepData?: boolean } = {}): Promise<void> {
    if (this.isRunning()) return;
    const [seed, ...others] = this.nodes;
    if (!seed) throw new Error('a cluster needs at least one node');
    for (const node of this.nodes) {
      if (node.isRunning()) continue;
      // configure() may wipe the node's folder: never under a JVM that serves it untracked.
      await refuseUntracked(node.service, node.cqlPort, node.address);
      await refuseUntracked(node.service, 7000, node.address);
    }
    for (const node of this.nodes) {
      if (!node.isRunning()) node.configure(!options.keepData || !existsSync(node.configFile));
    }
    seed.start();
    await seed.waitForCql();
    for (const node of others) node.start();
    await Promise.all(others.map((n) => n.waitForCql()));
    await this.waitForAllUp();
  }

  /**
   * Polls until every node sees every node Up/Normal. The seed's view alone is not enough: a node
   * that has not heard of its peers yet coordinates queries as if they were down.
   */
  async waitForAllUp(timeoutMs = 180_000): Promise<void> {
    const seed = this.nodes[0]!;
    await waitUntil(
      seed.service,
      async () => {
        const views = await Promise.all(this.nodes.map((n) => this.upNormal(n)));
        return views.every((up) => up.length === this.nodes.length);
      },
      timeoutMs,
      2000,
    );
  }

  /** Addresses that `nodetool status` on `from` (the seed by default) reports as UN. */
  async upNormal(from: CassandraNode = this.nodes[0]!): Promise<string[]> {
    const status = await from.nodetool('status');
    return status
      .split('\n')
      .filter((line) => line.startsWith('UN '))
      .map((line) => line.split(/\s+/)[1] ?? '');
  }

  /**
   * Waits until every node reports one schema version shared by all nodes (`nodetool
   * describecluster`): a table created through one node is known to the others. The driver's own
   * wait gives up after 10 s, which a loaded machine exceeds; a prepared statement then fails on a
   * node that does not know the table yet ("table ... does not exist").
   */
  async waitForSchemaAgreement(timeoutMs = 120_000): Promise<void> {
    const seed = this.nodes[0]!;
    const agreed = async (node: CassandraNode) => {
      const versions = (await node.nodetool('describecluster'))
        .split('\n')
        .map((line) => /^\s*([0-9a-f-]{36}|UNREACHABLE): \[(.*)\]/.exec(line))
        .filter((m) => m !== null);
      const hosts = versions[0]?.[2]?.split(',').map((h) => h.trim()) ?? [];
      return versions.length === 1 && this.nodes.every((n) => hosts.includes(n.address));
    };
    await waitUntil(
      seed.service,
      async () => (await Promise.all(this.nodes.map(agreed))).every(Boolean),
      timeoutMs,
      1000,
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}

/** The standard rings of the test bed. */
export const rings = {
  /** Three nodes on 127.0.0.1-3, datacenter dc1. */
  three: () => new CassandraCluster({ name: 'ring3', hosts: [1, 2, 3] }),
  /** One node on 127.0.0.4, its own cluster. */
  single: () => new CassandraCluster({ name: 'single', hosts: [4] }),
};
