// `report-last-backup [--push-metrics]` (medusa/report_latest.py): how long ago this node's last
// backup and the cluster's last complete backup finished, and where the latest cluster backup
// stands; with --push-metrics, the same figures sent to `[monitoring]` with Medusa's tags.
import type { ClusterBackupEntry } from '../catalog/catalog.js';
import type { NodeContext } from './context.js';
import { buildIndex, latestComplete } from './index-commands.js';
import type { Monitoring } from './monitoring.js';
import { CommandFailed } from './node-commands.js';

/** Medusa's value for 'seconds-since-backup' when the report itself failed (~10 years: alerts fire). */
export const trackingErrorSeconds = 315365400;

/** Medusa's human_readable_size: `{:.2f} {unit}B` with binary units. */
export function humanReadableSize(bytes: number): string {
  let num = bytes;
  for (const unit of ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi']) {
    if (Math.abs(num) < 1024) return `${num.toFixed(2)} ${unit}B`;
    num /= 1024;
  }
  return `${num.toFixed(2)} YiB`;
}

/**
 * This node's latest backup as Medusa finds it: the `index/latest_backup/<fqdn>/backup_name.txt`
 * marker, the backup's `meta/schema.cql` still there, finished at its manifest's last-modified.
 */
async function latestNodeBackup(ctx: NodeContext): Promise<{ name: string; finished: number } | undefined> {
  const { store, layout } = ctx.catalog();
  const marker = layout.latest(ctx.fqdn, 'backup_name.txt');
  if (!(await store.head(marker))) return undefined;
  const name = (await store.readBytes(marker)).toString('utf8').trim();
  if (!name || !(await store.head(layout.meta(ctx.fqdn, name, 'schema.cql')))) return undefined;
  const manifest = await store.head(layout.meta(ctx.fqdn, name, 'manifest.json'));
  if (!manifest) throw new CommandFailed(`the latest backup ${name} of ${ctx.fqdn} has no manifest.json`);
  return { name, finished: Math.floor(manifest.lastModified.getTime() / 1000) };
}

/** The cluster backup started last, complete or not (Medusa's latest_cluster_backup: the first maximum). */
function latestStarted(backups: ClusterBackupEntry[]): ClusterBackupEntry | undefined {
  let latest: ClusterBackupEntry | undefined;
  for (const backup of backups) if (!latest || backup.started > latest.started) latest = backup;
  return latest;
}

async function report(
  ctx: NodeContext,
  push: (tags: [string, string, string], value: number) => Promise<void>,
  say: (...lines: string[]) => void,
  now: () => number,
): Promise<void> {
  const secondsAgo = (epoch: number) => Math.floor(now() / 1000 - epoch);
  let node = await latestNodeBackup(ctx);
  if (!node) {
    // As Medusa: a node without a latest-backup marker gets its index rebuilt, then is asked again.
    ctx.log.info('Did not find the latest node backup. Will try rebuild the index');
    await buildIndex(ctx, false);
    node = await latestNodeBackup(ctx);
  }
  if (!node) say('This node has not been backed up yet');
  else {
    const ago = secondsAgo(node.finished);
    say(`Latest node backup finished ${ago} seconds ago`);
    await push(['medusa-node-backup', 'seconds-since-backup', node.name], ago);
  }

  const catalog = ctx.catalog();
  const backups = await catalog.clusterBackups();
  const complete = latestComplete(backups);
  if (!complete) say('The cluster this node belongs to has no complete backup yet');
  else {
    const ago = secondsAgo(complete.finished!);
    say('Latest complete backup:', `- Name: ${complete.name}`, `- Finished: ${ago} seconds ago`);
    await push(['medusa-cluster-backup', 'seconds-since-backup', complete.name], ago);
  }

  const latest = latestStarted(backups);
  if (!latest) {
    say('The cluster this node belongs to has not started a backup yet');
    return;
  }
  const { size, objects } = await catalog.totals(latest);
  say(
    'Latest backup:',
    `- Name: ${latest.name}`,
    `- Finished: ${latest.complete ? 'True' : 'False'}`,
    '- Details - Node counts',
    `- Complete backup: ${latest.completedNodes.length} nodes have completed the backup`,
  );
  if (latest.incompleteNodes.length)
    say(
      `- Incomplete backup: ${latest.incompleteNodes.length} nodes have not completed the backup yet`,
      '  These nodes are:',
      ...latest.incompleteNodes.map((fqdn) => `     ${fqdn}`),
    );
  if (latest.missingNodes.length)
    say(
      `- Missing backup: ${latest.missingNodes.length} nodes are not running backups`,
      '  These nodes are:',
      ...latest.missingNodes.map((fqdn) => `     ${fqdn}`),
    );
  say(`- Total size: ${humanReadableSize(size)}`, `- Total files: ${objects}`);
  const tag = (what: string): [string, string, string] => ['medusa-cluster-backup', what, latest.name];
  await push(tag('complete-backups-node-count'), latest.completedNodes.length);
  await push(tag('incomplete-backups-node-count'), latest.incompleteNodes.length);
  await push(tag('missing-backups-node-count'), latest.missingNodes.length);
  await push(tag('backup-total-size'), size);
  await push(tag('backup-total-file-count'), objects);
}

/**
 * Runs the report, giving each line to `say`. With pushMetrics every figure also goes to
 * `monitoring`, in Medusa's order and with its tags. When the report fails, Medusa's alarm value
 * (`seconds-since-backup` = ~10 years, backup name `TRACKING-ERROR`) is pushed and the command fails.
 */
export async function reportLastBackup(
  ctx: NodeContext,
  options: { pushMetrics: boolean; monitoring: Monitoring; say: (line: string) => void; now?: () => number },
): Promise<void> {
  const { pushMetrics, monitoring } = options;
  const push = async (tags: [string, string, string], value: number) => {
    if (pushMetrics) await monitoring.send(tags, value);
  };
  try {
    await report(ctx, push, (...lines) => lines.forEach((l) => options.say(l)), options.now ?? Date.now);
  } catch (error) {
    await push(['medusa-cluster-backup', 'seconds-since-backup', 'TRACKING-ERROR'], trackingErrorSeconds);
    throw error instanceof CommandFailed
      ? error
      : new CommandFailed(`This error happened during the check: ${(error as Error).message}`);
  }
}
