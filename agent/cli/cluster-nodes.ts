import type { Logger } from '../../lib/log.js';
import type { TableFilter } from '../backup/snapshot-files.js';
import { snapshotTag } from '../backup/stale-snapshots.js';
import type { ConfigOverrides } from '../config/environment.js';
import { NodeContext } from './context.js';
import {
  backupSummary,
  CommandFailed,
  restoreSummary,
  runBackup,
  runRestoreNode,
  startCassandra,
  stopCassandra,
  type BackupArgs,
  type RestoreArgs,
} from './node-commands.js';
import { remoteFailure, runAgentOverSsh, type SshSettings } from './ssh.js';

/**
 * One node as the whole-cluster commands drive it: in this process through its own medusa.ini
 * (--node-config, or the node this command runs on), or on the node itself over SSH, as Medusa does.
 * Results come back as the summary line the node command prints.
 */
export interface ClusterNode {
  readonly host: string;
  readonly via: 'local' | 'ssh';
  takeSnapshot(backupName: string): Promise<void>;
  clearSnapshot(backupName: string): Promise<void>;
  backup(args: BackupArgs): Promise<string>;
  stopCassandra(): Promise<void>;
  /** Restores with Cassandra stopped (restore-cluster stops and starts the nodes itself). */
  restore(args: RestoreArgs): Promise<string>;
  startCassandra(): Promise<void>;
  /** The seeds in the node's cassandra.yaml, when it can be read from here. */
  seeds(): Promise<string[] | undefined>;
  close(): Promise<void>;
}

class LocalClusterNode implements ClusterNode {
  readonly via = 'local';

  constructor(
    readonly host: string,
    private readonly ctx: NodeContext,
    /** False for the context of the command itself, which its caller closes. */
    private readonly owned: boolean,
  ) {}

  async takeSnapshot(backupName: string): Promise<void> {
    await (await this.ctx.control()).takeSnapshot(snapshotTag(backupName));
  }

  async clearSnapshot(backupName: string): Promise<void> {
    await (await this.ctx.control()).clearSnapshot(snapshotTag(backupName));
  }

  async backup(args: BackupArgs): Promise<string> {
    return backupSummary(await runBackup(this.ctx, args));
  }

  stopCassandra(): Promise<void> {
    return stopCassandra(this.ctx);
  }

  async restore(args: RestoreArgs): Promise<string> {
    const result = await runRestoreNode(this.ctx, { ...args, manageCassandra: false });
    return restoreSummary(args.backupName, this.ctx.fqdn, result);
  }

  startCassandra(): Promise<void> {
    return startCassandra(this.ctx);
  }

  async seeds(): Promise<string[]> {
    return (await this.ctx.yaml()).seeds;
  }

  async close(): Promise<void> {
    if (this.owned) await this.ctx.close();
  }
}

/** The command-line words of a table filter. */
function filterWords(filter: TableFilter): string[] {
  return [
    ...(filter.include ?? []).flatMap((name) => [name.includes('.') ? '--table' : '--keyspace', name]),
    ...(filter.exclude ?? []).flatMap((name) => ['--exclude', name]),
  ];
}

class SshClusterNode implements ClusterNode {
  readonly via = 'ssh';

  /** Storage overrides given here apply on the node too; fqdn is the node's identity in storage. */
  private readonly globals: string[];

  constructor(
    readonly host: string,
    private readonly settings: SshSettings,
    overrides: ConfigOverrides,
    private readonly log: Logger,
  ) {
    this.globals = [
      '--quiet',
      ...(overrides.fqdn ? ['--fqdn', overrides.fqdn] : []),
      ...(overrides.bucketName ? ['--bucket-name', overrides.bucketName] : []),
      ...(overrides.prefix !== undefined ? ['--prefix', overrides.prefix] : []),
    ];
  }

  private async agent(...args: string[]): Promise<string> {
    this.log.debug('running on node over ssh', { node: this.host, command: args[0] });
    const result = await runAgentOverSsh(this.settings, this.host, [...this.globals, ...args]);
    if (result.code !== 0) {
      throw new CommandFailed(`${this.host} (ssh): ${args[0]}: ${remoteFailure(result)}`);
    }
    return result.stdout.trim();
  }

  async takeSnapshot(backupName: string): Promise<void> {
    await this.agent('snapshot', '--backup-name', backupName);
  }

  async clearSnapshot(backupName: string): Promise<void> {
    await this.agent('clear-snapshot', '--backup-name', backupName);
  }

  backup(args: BackupArgs): Promise<string> {
    return this.agent(
      'backup',
      '--backup-name',
      args.backupName,
      '--mode',
      args.mode,
      ...filterWords(args.filter),
      ...(args.keepSnapshot ? ['--keep-snapshot'] : []),
      ...(args.md5Checks ? ['--enable-md5-checks'] : []),
      ...(args.useExistingSnapshot ? ['--use-existing-snapshot'] : []),
    );
  }

  async stopCassandra(): Promise<void> {
    await this.agent('stop-cassandra');
  }

  restore(args: RestoreArgs): Promise<string> {
    return this.agent(
      'restore-node',
      '--backup-name',
      args.backupName,
      args.inPlace ? '--in-place' : '--remote',
      '--no-manage-cassandra',
      ...filterWords(args.filter),
      ...(args.keepAuth ? ['--keep-auth'] : []),
      ...(args.tempDir ? ['--temp-dir', args.tempDir] : []),
      ...(args.verifyChecksums ? [] : ['--no-verify']),
    );
  }

  async startCassandra(): Promise<void> {
    await this.agent('start-cassandra');
  }

  async seeds(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {}
}

export type NodeConfigs = Map<string, string>;

/** Where the cluster commands find the nodes: local medusa.ini files, this node, SSH for the rest. */
export interface NodeDirectory {
  /** The node this command runs on (its --config-file). */
  self: NodeContext;
  configs: NodeConfigs;
  ssh: SshSettings;
  overrides: ConfigOverrides;
  log: Logger;
}

/**
 * The nodes by host name. `fqdnOf` names each node's identity in storage: itself for backups, the
 * backup node it takes the place of for restores.
 */
export async function openClusterNodes(
  hosts: readonly string[],
  directory: NodeDirectory,
  fqdnOf: (host: string) => string,
): Promise<Map<string, ClusterNode>> {
  const nodes = new Map<string, ClusterNode>();
  try {
    for (const host of hosts) {
      const overrides = { ...directory.overrides, fqdn: fqdnOf(host) };
      const log = directory.log.child({ node: host });
      const { self } = directory;
      // This node is reached through its own config (already open when its identity is unchanged),
      // as are those given by --node-config.
      const config = directory.configs.get(host) ?? (host === self.fqdn ? self.configFile : undefined);
      if (config === self.configFile && overrides.fqdn === self.fqdn) {
        nodes.set(host, new LocalClusterNode(host, self, false));
      } else if (config !== undefined) {
        nodes.set(host, new LocalClusterNode(host, await NodeContext.load(config, overrides, log), true));
      } else {
        nodes.set(host, new SshClusterNode(host, directory.ssh, overrides, log));
      }
    }
  } catch (error) {
    await Promise.all([...nodes.values()].map((node) => node.close()));
    throw error;
  }
  return nodes;
}
