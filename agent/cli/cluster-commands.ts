import type { Logger } from '../../lib/log.js';
import type { BackupNodeResult } from '../backup/backup-node.js';
import { snapshotTag } from '../backup/stale-snapshots.js';
import type { ConfigOverrides } from '../config/environment.js';
import type { RestoreNodeResult } from '../restore/restore-node.js';
import { NodeContext } from './context.js';
import {
  CommandFailed,
  runBackup,
  runRestoreNode,
  startCassandra,
  stopCassandra,
  type BackupArgs,
  type RestoreArgs,
} from './node-commands.js';

// Whole-cluster commands run from one machine. Each node is reached through its own medusa.ini
// (--node-config <fqdn>=<path>): its data directory must be reachable from here (nodes sharing a
// host, or a shared mount). Medusa fans out over SSH instead; that transport is not implemented.

export type NodeConfigs = Map<string, string>;

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

async function contextsFor(
  hosts: readonly string[],
  configs: NodeConfigs,
  overrides: (host: string) => ConfigOverrides,
  log: Logger,
): Promise<Map<string, NodeContext>> {
  const missing = hosts.filter((host) => !configs.has(host));
  if (missing.length) {
    throw new CommandFailed(
      `no --node-config for ${missing.join(', ')} (remote execution over SSH is not supported)`,
    );
  }
  const contexts = new Map<string, NodeContext>();
  for (const host of hosts) {
    contexts.set(
      host,
      await NodeContext.load(configs.get(host)!, overrides(host), log.child({ node: host })),
    );
  }
  return contexts;
}

/**
 * backup-cluster: every node of the seed's datacenter (its token map), snapshots first on all nodes
 * so they are taken together, then uploads one node after the other. On failure every snapshot is cleared.
 */
export async function runBackupCluster(
  seed: NodeContext,
  configs: NodeConfigs,
  overrides: ConfigOverrides,
  args: BackupArgs,
): Promise<BackupNodeResult[]> {
  if (await seed.catalog().clusterBackup(args.backupName)) {
    throw new CommandFailed(`backup ${args.backupName} already exists`);
  }
  const hosts = Object.keys(await (await seed.cql()).tokenMap());
  const contexts = await contextsFor(hosts, configs, (host) => ({ ...overrides, fqdn: host }), seed.log);
  const tag = snapshotTag(args.backupName);
  const results: BackupNodeResult[] = [];
  try {
    await Promise.all([...contexts.values()].map(async (ctx) => (await ctx.control()).takeSnapshot(tag)));
    for (const [host, ctx] of contexts) {
      seed.log.info('backing up node', { node: host, backup: args.backupName });
      results.push(await runBackup(ctx, args));
    }
    return results;
  } catch (error) {
    await Promise.all(
      [...contexts.values()].map(async (ctx) =>
        (await ctx.control()).clearSnapshot(tag).catch(() => undefined),
      ),
    );
    throw error;
  } finally {
    await Promise.all([...contexts.values()].map((ctx) => ctx.close()));
  }
}

const firstToken = (tokens: readonly string[]): bigint => BigInt(tokens[0] ?? '0');

/**
 * restore-cluster: maps backup nodes to target nodes (same names: in place; otherwise by token order,
 * with matching node and token counts), stops every target, restores each, then starts seeds first.
 */
export async function runRestoreCluster(
  seed: NodeContext,
  configs: NodeConfigs,
  overrides: ConfigOverrides,
  args: RestoreArgs & { forceRemote: boolean },
): Promise<{ mapping: [string, string][]; inPlace: boolean; results: RestoreNodeResult[] }> {
  const backup = await seed.catalog().clusterBackup(args.backupName);
  if (!backup) throw new CommandFailed(`No such backup: ${args.backupName}`);
  if (!backup.complete) {
    throw new CommandFailed(
      `backup ${args.backupName} is incomplete (${backup.completedNodes.length} of ${Object.keys(backup.tokenMap).length} nodes finished): refusing to restore it`,
    );
  }
  const sources = Object.entries(backup.tokenMap).sort((a, b) =>
    firstToken(a[1].tokens) < firstToken(b[1].tokens) ? -1 : 1,
  );
  const targets = [...configs.keys()];
  if (targets.length !== sources.length) {
    throw new CommandFailed(
      `the backup has ${sources.length} nodes but ${targets.length} target nodes were given`,
    );
  }
  const inPlace = !args.forceRemote && sources.every(([source]) => configs.has(source));
  const mapping: [string, string][] = inPlace
    ? sources.map(([source]) => [source, source])
    : sources.map(([source], i) => [source, [...targets].sort()[i]!]);
  const sourceOf = new Map(mapping.map(([source, target]) => [target, source]));
  const contexts = await contextsFor(
    targets,
    configs,
    (host) => ({ ...overrides, fqdn: sourceOf.get(host) }),
    seed.log,
  );
  try {
    await Promise.all([...contexts.values()].map((ctx) => stopCassandra(ctx)));
    const results: RestoreNodeResult[] = [];
    for (const [source, target] of mapping) {
      seed.log.info('restoring node', { source, target, inPlace });
      results.push(
        await runRestoreNode(contexts.get(target)!, { ...args, inPlace, manageCassandra: false }, false),
      );
    }
    // Seeds first, so the others find them.
    const seeds = new Set<string>();
    for (const ctx of contexts.values())
      for (const s of (await ctx.yaml()).seeds) seeds.add(s.split(':')[0]!);
    const ordered = [...contexts.entries()].sort(([a], [b]) => Number(seeds.has(b)) - Number(seeds.has(a)));
    for (const [, ctx] of ordered.filter(([host]) => seeds.has(host))) await startCassandra(ctx);
    await Promise.all(ordered.filter(([host]) => !seeds.has(host)).map(([, ctx]) => startCassandra(ctx)));
    return { mapping, inPlace, results };
  } finally {
    await Promise.all([...contexts.values()].map((ctx) => ctx.close()));
  }
}
