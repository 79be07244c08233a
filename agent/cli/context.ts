import { createLogger, type Level, type Logger } from '../../lib/log.js';
import { Catalog } from '../catalog/catalog.js';
import { readCassandraYaml, type CassandraYaml } from '../cassandra/cassandra-yaml.js';
import type { CassandraControl } from '../cassandra/control.js';
import { CqlSession } from '../cassandra/cql.js';
import { cassandraControlFor, cqlOptionsFor } from '../cassandra/factory.js';
import { effectiveConfig, type ConfigOverrides } from '../config/environment.js';
import { ConfigError, loadMedusaIni } from '../config/medusa-ini.js';
import type { MedusaConfig } from '../config/types.js';
import { LibStorageStore } from '../storage/lib-storage.js';
import { LocalObjectStore } from '../storage/local-store.js';
import type { ObjectStore } from '../storage/object-store.js';

/** Everything a command needs about one node, opened lazily (CQL only when asked for). */
export class NodeContext {
  private yamlCache?: CassandraYaml;
  private storeCache?: ObjectStore;
  private cqlCache?: CqlSession;
  private controlCache?: CassandraControl;

  constructor(
    readonly config: MedusaConfig,
    readonly configFile: string,
    readonly log: Logger,
  ) {}

  static async load(configFile: string, overrides: ConfigOverrides, log: Logger): Promise<NodeContext> {
    const { config, warnings } = await loadMedusaIni(configFile);
    for (const warning of warnings) log.warn(warning, { configFile });
    return new NodeContext(await effectiveConfig(config, overrides), configFile, log).open();
  }

  get fqdn(): string {
    return this.config.storage.fqdn!;
  }

  get prefix(): string | undefined {
    return this.config.storage.prefix;
  }

  async yaml(): Promise<CassandraYaml> {
    this.yamlCache ??= await readCassandraYaml(this.config.cassandra.configFile);
    return this.yamlCache;
  }

  /** The object store: opened by load()/open(); a `local` one is also made on demand. */
  store(): ObjectStore {
    if (!this.storeCache) {
      const { storage } = this.config;
      if (storage.storageProvider !== 'local')
        throw new Error('NodeContext.open() opens non-local storage first');
      this.storeCache = new LocalObjectStore(storage.basePath!, storage.bucketName);
    }
    return this.storeCache;
  }

  /** Opens the configured storage (cloud drivers need async set-up). */
  async open(): Promise<this> {
    this.storeCache ??= await openStore(this.config);
    return this;
  }

  catalog(): Catalog {
    return new Catalog(this.store(), this.prefix);
  }

  async cql(): Promise<CqlSession> {
    this.cqlCache ??= await CqlSession.connect(cqlOptionsFor(this.config, await this.yaml()));
    return this.cqlCache;
  }

  async control(): Promise<CassandraControl> {
    this.controlCache ??= cassandraControlFor(this.config, await this.yaml());
    return this.controlCache;
  }

  async close(): Promise<void> {
    await this.cqlCache?.close().catch(() => undefined);
    await this.controlCache?.close().catch(() => undefined);
    await this.storeCache?.close().catch(() => undefined);
  }
}

/**
 * The object store for [storage]: Medusa's `local` provider in the agent itself (it prunes emptied
 * folders), every other provider through lib/storage.
 */
export async function openStore(config: MedusaConfig): Promise<ObjectStore> {
  const { storage } = config;
  if (storage.storageProvider === 'local') return new LocalObjectStore(storage.basePath!, storage.bucketName);
  try {
    return await LibStorageStore.open(storage);
  } catch (error) {
    throw new ConfigError((error as Error).message, 'storage', 'storage_provider');
  }
}

export function cliLogger(verbose: number, quiet: boolean): Logger {
  const level: Level = quiet ? 'warn' : verbose > 0 ? 'debug' : 'info';
  return createLogger('medusa-agent', { level });
}
