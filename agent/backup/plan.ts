// A backup plan (MedusaBackupJob.spec.dryRun): what one node's backup would upload, computed the
// way the backup computes it (the same snapshot discovery and the same reuse decision,
// backup-node.ts planUploads), without writing anything to storage but a probe object it deletes.
import { randomBytes } from 'node:crypto';
import { createLogger } from '../../lib/log.js';
import { Catalog } from '../catalog/catalog.js';
import { planUploads, type BackupNodeOptions } from './backup-node.js';
import { freeBytes } from './free-space.js';
import { MedusaLayout, validateBackupName, validateFqdn } from './layout.js';
import { NodeBackupLock } from './node-lock.js';
import { discoverSnapshotFiles, totalsOf } from './snapshot-files.js';
import { snapshotTag } from './stale-snapshots.js';

/** At most this many uploads are listed one by one (status objects have a size limit). */
export const listedUploadsLimit = 500;

export interface NodeBackupPlan {
  backupName: string;
  fqdn: string;
  mode: BackupNodeOptions['mode'];
  tables: number;
  snapshotFiles: number;
  /** What the snapshot pins on the data disk (hard links: up to this much more if compaction runs). */
  snapshotBytes: number;
  uploadFiles: number;
  uploadBytes: number;
  /** Pool files of another size (or hash) that would be uploaded again. */
  reuploadFiles: number;
  reusedFiles: number;
  reusedBytes: number;
  /** The uploads, `<keyspace>/<table dir>/<file>`, in discovery order (the first listedUploadsLimit). */
  uploads: { path: string; size: number }[];
  uploadsOmitted: number;
  dataFreeBytes?: number;
  /** Local storage: free bytes where the upload would go. */
  storageFreeBytes?: number;
  storageReachable: boolean;
  storageWritable: boolean;
  /** What would make the real backup fail; empty when it would run. */
  problems: string[];
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

/** Writes, reads back and deletes a small object under the prefix; undefined when that works. */
async function probeWrite(options: BackupNodeOptions, layout: MedusaLayout): Promise<string | undefined> {
  const key = `${layout.p}kubectl-medusa-probe-${options.fqdn}-${randomBytes(6).toString('hex')}`;
  let written = false;
  try {
    await options.store.putBytes(key, 'kubectl-medusa dryRun probe: safe to delete');
    written = true;
    if (!(await options.store.head(key)))
      return `the probe object ${key} was written but cannot be read back`;
    await options.store.delete(key);
    written = false;
    if (await options.store.head(key)) return `the probe object ${key} could not be deleted`;
    return undefined;
  } catch (error) {
    return `cannot write to storage: ${message(error)}`;
  } finally {
    if (written) await options.store.delete(key).catch(() => undefined);
  }
}

/**
 * Plans the node's backup: takes the snapshot the backup would take, lists its files, decides
 * reuse against the differential pool exactly as the backup does, measures the disks and probes
 * storage; then clears the snapshot. Writes nothing to storage but the deleted probe.
 */
export async function planNodeBackup(options: BackupNodeOptions): Promise<NodeBackupPlan> {
  const { backupName, fqdn, store, control, mode } = options;
  const log = options.logger ?? createLogger('backup-plan');
  validateBackupName(backupName);
  validateFqdn(fqdn);
  const layout = new MedusaLayout(options.prefix);
  const catalog = new Catalog(store, options.prefix);
  const problems: string[] = [];

  let storageReachable = true;
  try {
    const state = await catalog.nodeBackupState(fqdn, backupName);
    if (state === 'complete' || state === 'unindexed')
      problems.push(`backup ${backupName} already exists for node ${fqdn}`);
  } catch (error) {
    storageReachable = false;
    problems.push(`storage is not reachable: ${message(error)}`);
  }
  const writeProblem = storageReachable ? await probeWrite(options, layout) : 'storage is not reachable';
  if (writeProblem && storageReachable) problems.push(writeProblem);

  const tag = snapshotTag(backupName);
  const lock = await NodeBackupLock.acquire(backupName, options.lockPath);
  let snapshotTaken = false;
  try {
    // A snapshot of this name is a leftover of a run that crashed: plan on a fresh one.
    if ((await control.listSnapshots()).includes(tag)) await control.clearSnapshot(tag);
    await control.takeSnapshot(tag);
    snapshotTaken = true;
    const tables = await discoverSnapshotFiles(options.dataDirectory, tag, options.filter ?? {});
    const totals = totalsOf(tables);
    // Without storage nothing can be reused: every file would be uploaded.
    const planned = storageReachable
      ? await planUploads(tables, options, layout, catalog)
      : tables.flatMap((table) =>
          table.files.map((file) => ({ table, file, reupload: false, reuse: undefined })),
        );
    const uploads = planned.filter((p) => !p.reuse);
    const uploadBytes = uploads.reduce((sum, p) => sum + p.file.size, 0);
    const dataFreeBytes = await freeBytes(options.dataDirectory).catch(() => undefined);
    const storageFreeBytes = options.localStorageDir
      ? await freeBytes(options.localStorageDir).catch(() => undefined)
      : undefined;
    if (storageFreeBytes !== undefined && storageFreeBytes < uploadBytes)
      problems.push(
        `local storage has ${storageFreeBytes} bytes free in ${options.localStorageDir}; the backup uploads ${uploadBytes}`,
      );
    const plan: NodeBackupPlan = {
      backupName,
      fqdn,
      mode,
      tables: tables.length,
      snapshotFiles: totals.files,
      snapshotBytes: totals.bytes,
      uploadFiles: uploads.length,
      uploadBytes,
      reuploadFiles: uploads.filter((p) => p.reupload).length,
      reusedFiles: planned.length - uploads.length,
      reusedBytes: totals.bytes - uploadBytes,
      uploads: uploads.slice(0, listedUploadsLimit).map((p) => ({
        path: `${p.table.keyspace}/${p.table.tableDir}/${p.file.relativePath}`,
        size: p.file.size,
      })),
      uploadsOmitted: Math.max(0, uploads.length - listedUploadsLimit),
      ...(dataFreeBytes !== undefined ? { dataFreeBytes } : {}),
      ...(storageFreeBytes !== undefined ? { storageFreeBytes } : {}),
      storageReachable,
      storageWritable: writeProblem === undefined,
      problems,
    };
    log.info('backup plan', { ...plan, uploads: plan.uploads.length });
    return plan;
  } finally {
    if (snapshotTaken) {
      await control.clearSnapshot(tag).catch((error: unknown) => {
        log.error('could not clear the plan snapshot', { tag, error: message(error) });
      });
    }
    await lock.release();
  }
}
