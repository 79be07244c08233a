import { lstat, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../../lib/log.js';
import {
  parseRestoreEnvironment,
  restoreSource,
  type RestoreFilter,
  type RestoreRequest,
} from '../../lib/restore-contract.js';
import type { Progress } from '../backup/progress.js';
import type { ManifestSection } from '../../lib/storage/repository/manifest.js';
import { selected, tableNameOf } from '../backup/snapshot-files.js';
import type { NodeContext } from '../cli/context.js';
import {
  restoreNode,
  sectionsToRestore,
  type RestoreNodeOptions,
  type RestoreNodeResult,
} from './restore-node.js';
import { preparedDir, readPrepared, stagedFits } from './staging.js';

// The `medusa-restore` init container (MEDUSA_MODE=RESTORE), as cassandra-medusa's image runs it
// (k8s/docker-entrypoint.sh + medusa/service/grpc/restore.py): BACKUP_NAME, RESTORE_KEY,
// RESTORE_MAPPING and POD_NAME from k8ssandra-operator's MedusaRestoreJob, plus our RESTORE_FILTER
// (lib/restore-contract.ts owns the names and formats).

export interface K8sRestoreOutcome {
  restored: boolean;
  /** The files came from a prepared staging (moved, not downloaded). */
  staged?: boolean;
  message: string;
  result?: RestoreNodeResult;
}

/** The manifest of a finished node backup; throws when the backup has no finished backup of the node. */
export async function nodeBackupManifest(
  ctx: NodeContext,
  backupName: string,
  fqdn: string,
): Promise<ManifestSection[]> {
  const catalog = ctx.catalog();
  const backup = await catalog.clusterBackup(backupName);
  const node = backup?.nodes.find((n) => n.fqdn === fqdn && n.finished !== undefined);
  if (!node) throw new Error(`backup ${backupName} has no finished backup of node ${fqdn}`);
  return catalog.manifestOf(node);
}

const describeEntries = (entries: string[]) => entries.map((e) => `"${e}"`).join(', ');

/**
 * Why a filter cannot be honoured on a node backup (undefined: it can): entries that name no
 * keyspace or table of the backup (a typo would otherwise restore, or keep, the wrong data),
 * excludes of keyspaces restored whatever the filter says (as Medusa does), or a selection that
 * keeps no table at all.
 */
export function filterProblem(
  filter: RestoreFilter,
  sections: readonly ManifestSection[],
  backupName: string,
): string | undefined {
  const tables = sections.map((s) => ({ keyspace: s.keyspace, table: tableNameOf(s.columnfamily) }));
  const names = (entry: string) =>
    tables.some((t) => entry === t.keyspace || entry === `${t.keyspace}.${t.table}`);
  const entries = [...(filter.include ?? []), ...(filter.exclude ?? [])];
  const missing = entries.filter((entry) => !names(entry));
  if (missing.length) {
    return `the filter names what is not in backup ${backupName}: ${describeEntries(missing)} (keyspaces in it: ${[...new Set(tables.map((t) => t.keyspace))].sort().join(', ')})`;
  }
  const restored = sectionsToRestore(sections, filter);
  const alwaysRestored = (filter.exclude ?? []).filter((entry) =>
    restored.some((s) => entry === s.keyspace || entry === `${s.keyspace}.${tableNameOf(s.columnfamily)}`),
  );
  if (alwaysRestored.length) {
    return `${describeEntries(alwaysRestored)} cannot be excluded: the system keyspaces are always restored, as Medusa does`;
  }
  if (!tables.some((t) => selected(filter, t.keyspace, t.table))) {
    return `the filter selects no table of backup ${backupName}`;
  }
  return undefined;
}

const filterWords = (filter: RestoreFilter) =>
  [
    filter.include ? `only ${filter.include.join(', ')}` : '',
    filter.exclude ? `without ${filter.exclude.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(', ');

/** The node restore of a k8s restore request for one source node (the init container's and a prepare's). */
export async function nodeRestoreOptions(
  ctx: NodeContext,
  request: RestoreRequest,
  source: { fqdn: string; inPlace: boolean },
  stagingRoot: string | undefined,
  log: Logger,
): Promise<RestoreNodeOptions> {
  const yaml = await ctx.yaml();
  return {
    backupName: request.backup,
    fqdn: source.fqdn,
    prefix: ctx.prefix,
    store: ctx.store(),
    dataDirectory: yaml.dataDirectory,
    commitlogDirectory: yaml.commitlogDirectory,
    cassandraYamlPath: ctx.config.cassandra.configFile,
    inPlace: source.inPlace,
    keepAuth: !source.inPlace,
    ...(request.filter ? { filter: request.filter } : {}),
    stagingRoot: stagingRoot ?? dirname(yaml.dataDirectory),
    // Every object is checked against its recorded checksum; strict checks refuse unverifiable ones.
    requireChecksums: ctx.config.checks.enableMd5Checks,
    multipartChunksize: ctx.config.storage.multipartChunksize,
    concurrency: ctx.config.storage.concurrentTransfers,
    restoreKey: request.key,
    logger: log,
  };
}

/** The prepared staging of this restore key, when it is complete and fits the restore; else undefined. */
async function usableStaging(
  options: RestoreNodeOptions,
  request: RestoreRequest,
  log: Logger,
): Promise<string | undefined> {
  let dir: string;
  try {
    dir = preparedDir(options.stagingRoot!, request.key);
  } catch {
    return undefined; // a key that names no folder (k8ssandra's are UUIDs) was never prepared
  }
  const marker = await readPrepared(dir);
  const want = {
    backup: request.backup,
    fqdn: options.fqdn,
    inPlace: options.inPlace,
    filter: request.filter,
  };
  if (stagedFits(marker, want)) return dir;
  // An incomplete staging (a prepare that failed or never finished) or one for another restore is
  // not used (a table folder could hold files of another backup, and a rename moves all of it);
  // removed, it gives its room back to the download.
  if (marker || (await lstat(dir).catch(() => undefined))?.isDirectory()) {
    log.warn('the prepared staging is incomplete or for another restore: downloading instead', {
      marker,
      want,
    });
    await rm(dir, { recursive: true, force: true });
  }
  return undefined;
}

/**
 * Runs the init-container restore. Nothing to do without BACKUP_NAME/RESTORE_KEY; a key already in
 * <data volume>/.last-restore is not restored again (a restarted init container, a scaled-up pod).
 * When a prepare_restore of the same key staged and verified the backup, its files are moved into
 * place (no download); otherwise the node downloads it as k8ssandra's restore does.
 */
export async function restoreFromEnvironment(
  ctx: NodeContext,
  env: NodeJS.ProcessEnv,
  log: Logger,
  onProgress?: (progress: Progress) => void,
): Promise<K8sRestoreOutcome> {
  const request = parseRestoreEnvironment(env);
  if (!request) return { restored: false, message: 'no BACKUP_NAME or RESTORE_KEY: nothing to restore' };
  const { backup: backupName, filter } = request;
  const source = restoreSource(request.mapping, env.POD_NAME ?? '', ctx.fqdn);
  if ('skip' in source) return { restored: false, message: source.skip };
  const sections = await nodeBackupManifest(ctx, backupName, source.fqdn);
  // The controller had the sidecars check this before stopping the datacenter; checked again here
  // because nothing must be touched on a filter that does not fit.
  const problem = filter ? filterProblem(filter, sections, backupName) : undefined;
  if (problem) throw new Error(problem);
  const options = await nodeRestoreOptions(ctx, request, source, env.MEDUSA_TMP_DIR, log);
  const staged = await usableStaging(options, request, log);
  const result = await restoreNode({
    ...options,
    ...(staged ? { stagingDir: staged, trustStaged: true } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  const how = result.skipped
    ? ''
    : staged
      ? `; moved ${result.files - result.filesDownloaded} staged files into place, downloaded ${result.filesDownloaded}`
      : `; downloaded ${result.filesDownloaded} files`;
  return {
    restored: !result.skipped,
    staged: Boolean(staged) && !result.skipped,
    message: result.skipped
      ? (result.reason ?? 'skipped')
      : `restored ${backupName} from ${source.fqdn} (${source.inPlace ? 'in place' : 'remote'}${filter ? `; ${filterWords(filter)}, and the system keyspaces` : ''}${how})`,
    result,
  };
}
