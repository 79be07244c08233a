import { exec } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { portAnswers } from '../../lib/tcp-port.js';
import { humanizeBytes } from '../../lib/units.js';
import { backupNode, type BackupMode, type BackupNodeResult } from '../backup/backup-node.js';
import { formatProgress, type Progress } from '../backup/progress.js';
import type { TableFilter } from '../backup/snapshot-files.js';
import { cqlAddress } from '../cassandra/cassandra-yaml.js';
import { purge, type PurgeStats } from '../purge/purge.js';
import {
  planRestore,
  restoreNode,
  RestoreRefused,
  type RestoreNodeOptions,
  type RestoreNodeResult,
} from '../restore/restore-node.js';
import { verifyBackup, type VerifyResult } from '../verify/verify.js';
import type { NodeContext } from './context.js';
import { backupJson, backupLine, statusText } from './report.js';

const sh = promisify(exec);

/** How a refused restore says that it changed nothing (restore-cluster reads it, also over SSH). */
export const NODE_UNCHANGED = 'nothing on the node was changed';

/** A failure the CLI reports with exit code 1 (the operation did not succeed). */
export class CommandFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailed';
  }
}

export interface BackupArgs {
  backupName: string;
  mode: BackupMode;
  filter: TableFilter;
  keepSnapshot: boolean;
  md5Checks: boolean;
  /** The snapshot medusa-<B> was taken for this backup (backup-cluster's first step): use it. */
  useExistingSnapshot?: boolean;
  /** Where progress goes besides the log (the sidecar reports it on the job). */
  onProgress?: (progress: Progress) => void;
}

/** Medusa's default backup name: local time as %Y%m%d%H%M. */
export function defaultBackupName(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}${pad(now.getHours())}${pad(now.getMinutes())}`;
}

export async function runBackup(ctx: NodeContext, args: BackupArgs): Promise<BackupNodeResult> {
  const yaml = await ctx.yaml();
  const { storage, checks } = ctx.config;
  return backupNode({
    backupName: args.backupName,
    mode: args.mode,
    fqdn: ctx.fqdn,
    prefix: ctx.prefix,
    dataDirectory: yaml.dataDirectory,
    store: ctx.store(),
    control: await ctx.control(),
    metadata: await ctx.cql(),
    filter: args.filter,
    md5Checks: args.md5Checks || checks.enableMd5Checks,
    multipartChunksize: storage.multipartChunksize,
    concurrency: storage.concurrentTransfers,
    keepSnapshot: args.keepSnapshot,
    useExistingSnapshot: args.useExistingSnapshot,
    localStorageDir: storage.storageProvider === 'local' ? storage.basePath : undefined,
    logger: ctx.log,
    onProgress: (progress) => {
      ctx.log.info(`progress: ${formatProgress(progress)}`, { ...progress });
      args.onProgress?.(progress);
    },
  });
}

export function backupSummary(result: BackupNodeResult): string {
  return (
    `Backup ${result.backupName} of ${result.fqdn} finished (${result.mode}): ${result.files} files, ` +
    `${humanizeBytes(result.bytes)}; uploaded ${result.filesUploaded} files (${humanizeBytes(result.bytesUploaded)}), ` +
    `${result.filesReused} unchanged, in ${(result.durationMs / 1000).toFixed(1)}s`
  );
}

export interface RestoreArgs {
  backupName: string;
  inPlace: boolean;
  keepAuth: boolean;
  filter: TableFilter;
  tempDir?: string;
  restoreKey?: string;
  verifyChecksums: boolean;
  /** Run stop_cmd / start_cmd around the restore (outside Kubernetes). */
  manageCassandra: boolean;
  /** Keep the node's schema: restore table data into the current table directories (flushes first). */
  intoCurrentSchema?: boolean;
}

async function waitForPort(host: string, port: number, open: boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while ((await portAnswers(host, port)) !== open) {
    if (Date.now() > deadline)
      throw new CommandFailed(`${what}: ${host}:${port} still ${open ? 'closed' : 'open'}`);
    await sleep(1000);
  }
}

async function runShell(command: string, what: string): Promise<void> {
  try {
    await sh(command, { timeout: 10 * 60_000 });
  } catch (error) {
    const failure = error as Error & { stderr?: string };
    throw new CommandFailed(`${what} (${command}) failed: ${(failure.stderr ?? failure.message).trim()}`);
  }
}

export async function stopCassandra(ctx: NodeContext): Promise<void> {
  const yaml = await ctx.yaml();
  const host = cqlAddress(yaml);
  if (!(await portAnswers(host, yaml.nativePort))) return;
  ctx.log.info('stopping Cassandra', { command: ctx.config.cassandra.stopCmd });
  await runShell(ctx.config.cassandra.stopCmd, 'stop_cmd');
  await waitForPort(host, yaml.nativePort, false, 5 * 60_000, 'Cassandra did not stop');
}

export async function startCassandra(ctx: NodeContext): Promise<void> {
  const yaml = await ctx.yaml();
  ctx.log.info('starting Cassandra', { command: ctx.config.cassandra.startCmd });
  await runShell(ctx.config.cassandra.startCmd, 'start_cmd');
  await waitForPort(cqlAddress(yaml), yaml.nativePort, true, 10 * 60_000, 'Cassandra did not start');
}

/**
 * restore-node: outside Kubernetes, stops Cassandra (stop_cmd), restores, starts it (start_cmd) and
 * waits for CQL, as Medusa does. In Kubernetes mode the container lifecycle does both.
 * Everything that can be checked while Cassandra runs is checked first (planRestore: manifest,
 * objects and sizes, checksums, paths, free space); a restore refused after the stop, before the node
 * was changed (a checksum that does not match, a failed download), starts Cassandra again.
 */
export async function runRestoreNode(ctx: NodeContext, args: RestoreArgs): Promise<RestoreNodeResult> {
  const yaml = await ctx.yaml();
  const manage = args.manageCassandra && !ctx.config.kubernetes.enabled;
  let currentTableIds: Map<string, string> | undefined;
  if (args.intoCurrentSchema) {
    // Read the schema while the node runs, and flush so that emptying the commit log loses nothing.
    currentTableIds = await (await ctx.cql()).tableIds();
  }
  const options: RestoreNodeOptions = {
    backupName: args.backupName,
    fqdn: ctx.fqdn,
    prefix: ctx.prefix,
    store: ctx.store(),
    dataDirectory: yaml.dataDirectory,
    commitlogDirectory: yaml.commitlogDirectory,
    cassandraYamlPath: ctx.config.cassandra.configFile,
    inPlace: args.inPlace,
    keepAuth: args.keepAuth,
    filter: args.filter,
    stagingRoot: args.tempDir,
    verifyChecksums: args.verifyChecksums,
    requireChecksums: args.verifyChecksums && ctx.config.checks.enableMd5Checks,
    multipartChunksize: ctx.config.storage.multipartChunksize,
    concurrency: ctx.config.storage.concurrentTransfers,
    restoreKey: args.restoreKey,
    currentTableIds,
    mustBeStopped: [{ host: cqlAddress(yaml), port: yaml.nativePort }],
    logger: ctx.log,
    onProgress: (progress) => ctx.log.info(`progress: ${formatProgress(progress)}`, { ...progress }),
  };
  let plan;
  try {
    plan = await planRestore(options);
  } catch (error) {
    throw new CommandFailed(`${(error as Error).message} (${NODE_UNCHANGED})`);
  }
  if (plan.skipReason) return restoreNode(options, plan);
  if (args.intoCurrentSchema) await (await ctx.control()).flush();
  const running = manage && (await portAnswers(cqlAddress(yaml), yaml.nativePort));
  if (manage) await stopCassandra(ctx);
  let result: RestoreNodeResult;
  try {
    result = await restoreNode(options, plan);
  } catch (error) {
    if (!(error instanceof RestoreRefused)) throw error;
    if (!running) throw new CommandFailed(`${error.message} (${NODE_UNCHANGED})`);
    await startCassandra(ctx);
    throw new CommandFailed(`${error.message} (${NODE_UNCHANGED}; Cassandra was started again)`);
  }
  if (manage) await startCassandra(ctx);
  return result;
}

export function restoreSummary(backupName: string, fqdn: string, result: RestoreNodeResult): string {
  if (result.skipped) return `Restore of ${backupName} skipped: ${result.reason}`;
  const tokens = result.tokens ? `; tokens set to ${result.tokens.join(',')}` : '';
  return (
    `Restored ${backupName} (node ${fqdn}): ${result.tables} tables, ${result.files} files, ` +
    `${humanizeBytes(result.bytes)} in ${(result.durationMs / 1000).toFixed(1)}s${tokens}`
  );
}

export async function listBackups(
  ctx: NodeContext,
  showAll: boolean,
  output: 'text' | 'json',
): Promise<string> {
  const catalog = ctx.catalog();
  const backups = (await catalog.clusterBackups()).filter(
    (backup) => showAll || backup.nodes.some((node) => node.fqdn === ctx.fqdn),
  );
  if (output === 'json') {
    return JSON.stringify(await Promise.all(backups.map((backup) => backupJson(catalog, backup))), null, 2);
  }
  const lines = backups.map(backupLine);
  if (backups.some((backup) => !backup.complete)) {
    lines.push(
      '',
      'Incomplete backups found. You can run "medusa-agent status --backup-name <name>" for more details',
    );
  }
  return lines.join('\n');
}

export async function backupStatus(
  ctx: NodeContext,
  backupName: string,
  output: 'text' | 'json',
): Promise<string> {
  const catalog = ctx.catalog();
  const backup = await catalog.clusterBackup(backupName);
  if (!backup) {
    if (output === 'json') return '{}';
    throw new CommandFailed(`No such backup: ${backupName}`);
  }
  return output === 'json'
    ? JSON.stringify(await backupJson(catalog, backup), null, 2)
    : statusText(catalog, backup);
}

export async function runVerify(
  ctx: NodeContext,
  backupName: string,
  md5Checks: boolean,
): Promise<VerifyResult> {
  return verifyBackup(ctx.catalog(), backupName, md5Checks || ctx.config.checks.enableMd5Checks, {
    partSize: ctx.config.storage.multipartChunksize,
    concurrency: ctx.config.storage.concurrentTransfers,
  });
}

export async function runPurge(ctx: NodeContext, allowNoCompleteBackup = false): Promise<PurgeStats> {
  const { storage } = ctx.config;
  return purge({
    allowNoCompleteBackup,
    catalog: ctx.catalog(),
    fqdn: ctx.fqdn,
    maxBackupAge: storage.maxBackupAge,
    maxBackupCount: storage.maxBackupCount,
    backupGracePeriodInDays: storage.backupGracePeriodInDays,
    logger: ctx.log,
  });
}
