import { openClusterNodes, type ClusterNode, type NodeConfigs, type NodeDirectory } from './cluster-nodes.js';
import { inspectStoredBackup } from '../restore/restore-node.js';
import { CommandFailed, NODE_UNCHANGED, type BackupArgs, type RestoreArgs } from './node-commands.js';

// Whole-cluster commands run from one node. Each other node is reached through its own medusa.ini
// when --node-config names one (its data directory must be reachable from here: nodes sharing a
// host, or a shared mount), and otherwise over SSH, where the agent runs on the node itself.

export type { NodeConfigs } from './cluster-nodes.js';

/** Parses repeated `--node-config fqdn=path` values. */
export function parseNodeConfigs(values: readonly string[]): NodeConfigs {
  const configs: NodeConfigs = new Map();
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0 || at === value.length - 1)
      throw new Error(`--node-config '${value}' is not <fqdn>=<medusa.ini path>`);
    configs.set(value.slice(0, at), value.slice(at + 1));
  }
  return configs;
}

async function closeAll(nodes: Map<string, ClusterNode>): Promise<void> {
  await Promise.all([...nodes.values()].map((node) => node.close()));
}

/**
 * backup-cluster: every node of the datacenter (this node's token map), all of them Up. Snapshots
 * first on every node, so they are taken together, then uploads one node after the other. On
 * failure every snapshot is cleared. Resolves with each node's summary line.
 */
export async function runBackupCluster(directory: NodeDirectory, args: BackupArgs): Promise<string[]> {
  const { self, log } = directory;
  // A backup that some node finished exists; one no node finished is replaced node by node.
  const existing = await self.catalog().clusterBackup(args.backupName);
  if (existing && existing.completedNodes.length > 0) {
    throw new CommandFailed(
      existing.complete
        ? `backup ${args.backupName} already exists`
        : `backup ${args.backupName} already exists, incomplete (${existing.completedNodes.length} of ${Object.keys(existing.tokenMap).length} nodes finished); delete-backup --backup-name ${args.backupName} --all-nodes removes it`,
    );
  }
  const unreachable = new Set(await (await self.control()).unreachableNodes());
  const tokenMap = await (await self.cql()).tokenMap(unreachable);
  const down = Object.entries(tokenMap).filter(([, host]) => !host.is_up);
  if (down.length) {
    throw new CommandFailed(
      `not every node is up (down: ${down.map(([name]) => name).join(', ')}): refusing a cluster backup`,
    );
  }
  const nodes = await openClusterNodes(Object.keys(tokenMap), directory, (host) => host);
  try {
    log.info('snapshotting every node', {
      backup: args.backupName,
      nodes: [...nodes.values()].map((node) => `${node.host} (${node.via})`),
    });
    // Wait for every snapshot, failed or not, so that none is still being taken when they are cleared.
    const snapshots = await Promise.allSettled(
      [...nodes.values()].map((node) => node.takeSnapshot(args.backupName)),
    );
    const failed = snapshots.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const summaries: string[] = [];
    for (const node of nodes.values()) {
      log.info('backing up node', { node: node.host, via: node.via, backup: args.backupName });
      summaries.push(await node.backup({ ...args, useExistingSnapshot: true }));
    }
    return summaries;
  } catch (error) {
    await Promise.all(
      [...nodes.values()].map((node) => node.clearSnapshot(args.backupName).catch(() => undefined)),
    );
    throw error;
  } finally {
    await closeAll(nodes);
  }
}

const firstToken = (tokens: readonly string[]): bigint => BigInt(tokens[0] ?? '0');

/**
 * restore-cluster: maps backup nodes to target nodes (same names: in place; otherwise by token order,
 * with matching node counts), stops every target, restores each, then starts seeds first. Without
 * targets, the backup's own nodes are the targets (in place).
 */
export async function runRestoreCluster(
  directory: NodeDirectory,
  givenTargets: readonly string[],
  args: RestoreArgs & { forceRemote: boolean },
): Promise<{ mapping: [string, string][]; inPlace: boolean; summaries: string[] }> {
  const { self, log } = directory;
  const backup = await self.catalog().clusterBackup(args.backupName);
  if (!backup) throw new CommandFailed(`No such backup: ${args.backupName}`);
  if (!backup.complete) {
    throw new CommandFailed(
      `backup ${args.backupName} is incomplete (${backup.completedNodes.length} of ${Object.keys(backup.tokenMap).length} nodes finished): refusing to restore it`,
    );
  }
  const sources = Object.entries(backup.tokenMap).sort((a, b) =>
    firstToken(a[1].tokens) < firstToken(b[1].tokens) ? -1 : 1,
  );
  const targets = givenTargets.length ? givenTargets : sources.map(([source]) => source);
  if (targets.length !== sources.length) {
    throw new CommandFailed(
      `the backup has ${sources.length} nodes but ${targets.length} target nodes were given`,
    );
  }
  const inPlace = !args.forceRemote && sources.every(([source]) => targets.includes(source));
  const mapping: [string, string][] = inPlace
    ? sources.map(([source]) => [source, source])
    : sources.map(([source], i) => [source, [...targets].sort()[i]!]);
  const sourceOf = new Map(mapping.map(([source, target]) => [target, source]));
  // What storage holds is checked for every node before any node stops.
  for (const [source] of mapping) {
    const { storage, checks } = self.config;
    await inspectStoredBackup({
      ...{ store: self.store(), prefix: self.prefix, backupName: args.backupName, fqdn: source },
      ...{
        filter: args.filter,
        verifyChecksums: args.verifyChecksums,
        multipartChunksize: storage.multipartChunksize,
      },
      requireChecksums: args.verifyChecksums && checks.enableMd5Checks,
    }).catch((error: Error) => {
      throw new CommandFailed(`${source}: ${error.message} (no node was stopped)`);
    });
  }
  const nodes = await openClusterNodes(targets, directory, (host) => sourceOf.get(host)!);
  try {
    await Promise.all([...nodes.values()].map((node) => node.stopCassandra()));
    const summaries: string[] = [];
    const changed = new Set<string>();
    try {
      for (const [source, target] of mapping) {
        log.info('restoring node', { source, target, inPlace, via: nodes.get(target)!.via });
        changed.add(target);
        summaries.push(await nodes.get(target)!.restore({ ...args, inPlace }));
      }
    } catch (error) {
      // Nodes the restore has not changed run again on their own data; restored ones stay stopped.
      const failed = [...changed].at(-1)!;
      if ((error as Error).message.includes(NODE_UNCHANGED)) changed.delete(failed);
      const unchanged = [...nodes.values()].filter((node) => !changed.has(node.host));
      await Promise.all(unchanged.map((node) => node.startCassandra().catch(() => undefined)));
      throw new CommandFailed(
        `${failed}: ${(error as Error).message}; started again: ${unchanged.map((n) => n.host).join(', ') || 'none'}` +
          (changed.size ? `; left stopped (restored or partly restored): ${[...changed].join(', ')}` : ''),
      );
    }
    // Seeds first, so the others find them. A node reached over SSH is taken to list this node's seeds.
    const ownSeeds = (await self.yaml()).seeds;
    const seeds = new Set<string>();
    for (const node of nodes.values()) {
      for (const seed of (await node.seeds()) ?? ownSeeds) seeds.add(seed.split(':')[0]!);
    }
    const ordered = [...nodes.values()];
    for (const node of ordered.filter((n) => seeds.has(n.host))) await node.startCassandra();
    await Promise.all(ordered.filter((n) => !seeds.has(n.host)).map((n) => n.startCassandra()));
    return { mapping, inPlace, summaries };
  } finally {
    await closeAll(nodes);
  }
}
