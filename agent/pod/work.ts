// What the sidecar does for one job or task on its node, reporting as it goes.
import type { KubeConfig } from '@kubernetes/client-node';
import {
  createObject,
  deleteObject,
  listObjects,
  medusaPath,
  patchStatus,
  type MedusaObject,
} from '../../lib/medusa-api.js';
import type { NodeProgressReport } from '../../lib/node-report.js';
import { apiVersion } from '../../crds/common.js';
import { kubeRequest } from '../../lib/kube-request.js';
import { humanizeBytes } from '../../lib/units.js';
import { planNodeBackup, type NodeBackupPlan } from '../backup/plan.js';
import type { NodeContext } from '../cli/context.js';
import { runBackup } from '../cli/node-commands.js';
import { purge } from '../purge/purge.js';
import { verifyBackup } from '../verify/verify.js';
import { podIdentity, podKubeConfig } from './context.js';
import { agentMetrics } from './health.js';
import { runningReport, type Reporter } from './reporter.js';

type Final = Omit<NodeProgressReport, 'node'>;

/** The node's entry in status.plan, applied with its own field manager (agents never collide). */
async function reportPlan(job: MedusaObject, node: string, plan: NodeBackupPlan): Promise<void> {
  const { namespace = '', name } = job.metadata;
  const entry = {
    node,
    host: plan.fqdn,
    snapshotFiles: plan.snapshotFiles,
    snapshotBytes: plan.snapshotBytes,
    uploadFiles: plan.uploadFiles,
    uploadBytes: plan.uploadBytes,
    reuploadFiles: plan.reuploadFiles,
    reusedFiles: plan.reusedFiles,
    reusedBytes: plan.reusedBytes,
    uploads: plan.uploads,
    uploadsOmitted: plan.uploadsOmitted,
    ...(plan.dataFreeBytes !== undefined ? { dataFreeBytes: plan.dataFreeBytes } : {}),
    ...(plan.storageFreeBytes !== undefined ? { storageFreeBytes: plan.storageFreeBytes } : {}),
    storageReachable: plan.storageReachable,
    storageWritable: plan.storageWritable,
    problems: plan.problems.map((p) => p.slice(0, 1024)).slice(0, 32),
  };
  await kubeRequest(
    podKubeConfig(),
    'PATCH',
    medusaPath('medusabackupjobs', namespace, name, 'status'),
    { apiVersion, kind: 'MedusaBackupJob', metadata: { name, namespace }, status: { plan: [entry] } },
    { patchType: 'apply', query: { fieldManager: `medusa-agent-plan-${node}`.slice(0, 128), force: 'true' } },
  );
}

/** dryRun: plans this node's backup (nothing is written to storage), reports it in status.plan. */
async function planWork(
  ctx: NodeContext,
  job: MedusaObject,
  filter: { include?: string[]; exclude?: string[] },
) {
  const yaml = await ctx.yaml();
  const { storage, checks } = ctx.config;
  const plan = await planNodeBackup({
    backupName: job.metadata.name,
    mode: job.spec?.backupType === 'full' ? 'full' : 'differential',
    fqdn: ctx.fqdn,
    prefix: ctx.prefix,
    dataDirectory: yaml.dataDirectory,
    store: ctx.store(),
    control: await ctx.control(),
    metadata: await ctx.cql(),
    filter,
    md5Checks: checks.enableMd5Checks,
    multipartChunksize: storage.multipartChunksize,
    localStorageDir: storage.storageProvider === 'local' ? storage.basePath : undefined,
    logger: ctx.log,
  });
  await reportPlan(job, podIdentity().pod, plan);
  return {
    phase: 'Succeeded' as const,
    filesTotal: plan.uploadFiles,
    bytesTotal: plan.uploadBytes,
    host: ctx.fqdn,
  };
}

/** Backs this node up as the job asks; resolves with the final report (node identity included). */
export async function backupWork(ctx: NodeContext, job: MedusaObject, reporter: Reporter): Promise<Final> {
  const filter = job.spec?.filter as { include?: string[]; exclude?: string[] } | undefined;
  if (job.spec?.dryRun === true) return planWork(ctx, job, filter ?? {});
  const result = await runBackup(ctx, {
    backupName: job.metadata.name,
    mode: job.spec?.backupType === 'full' ? 'full' : 'differential',
    filter: filter ?? {},
    keepSnapshot: false,
    md5Checks: false,
    onProgress: (p) => reporter.update(runningReport(p)),
  });
  agentMetrics.families.bytesUploaded.inc({}, result.bytesUploaded);
  const tokenMap = await (await ctx.cql()).tokenMap();
  const me = tokenMap[ctx.fqdn];
  return {
    phase: 'Succeeded',
    bytesDone: result.bytes,
    bytesTotal: result.bytes,
    filesDone: result.files,
    filesTotal: result.files,
    host: ctx.fqdn,
    ...(me ? { datacenter: me.dc, rack: me.rack, tokens: me.tokens.map((t) => BigInt(t)) } : {}),
  };
}

export async function purgeWork(ctx: NodeContext): Promise<Final> {
  const { storage } = ctx.config;
  const stats = await purge({
    catalog: ctx.catalog(),
    fqdn: ctx.fqdn,
    maxBackupAge: storage.maxBackupAge ?? 0,
    maxBackupCount: storage.maxBackupCount ?? 0,
    backupGracePeriodInDays: storage.backupGracePeriodInDays ?? 10,
    logger: ctx.log,
  });
  return {
    phase: 'Succeeded',
    nbBackupsPurged: stats.backupsPurged.length,
    nbObjectsPurged: stats.objectsPurged,
    totalPurgedSize: stats.bytesPurged,
    totalObjectsWithinGcGrace: stats.objectsWithinGracePeriod,
  };
}

/** Verifies the named backup (or every backup); a problem fails the node with the list of them. */
export async function verifyWork(ctx: NodeContext, task: MedusaObject): Promise<Final> {
  const catalog = ctx.catalog();
  const names = task.spec?.backupName
    ? [String(task.spec.backupName)]
    : (await catalog.clusterBackups()).map((b) => b.name);
  const errors: string[] = [];
  let checked = 0;
  for (const name of names) {
    const result = await verifyBackup(catalog, name, ctx.config.checks.enableMd5Checks, {
      partSize: ctx.config.storage.multipartChunksize,
      concurrency: ctx.config.storage.concurrentTransfers,
    });
    checked += result.objectsChecked;
    errors.push(...result.errors.map((e) => `${name}: ${e}`));
  }
  if (errors.length) {
    return {
      phase: 'Failed',
      filesDone: checked,
      lastError: `${errors.length} problem(s): ${errors.slice(0, 20).join('; ')}`.slice(0, 4000),
    };
  }
  return { phase: 'Succeeded', filesDone: checked, filesTotal: checked };
}

/**
 * Makes the MedusaBackups of the task's datacenter match the complete backups in storage: creates
 * the missing ones, deletes those whose backup is gone.
 */
export async function syncWork(ctx: NodeContext, kc: KubeConfig, task: MedusaObject): Promise<Final> {
  const namespace = task.metadata.namespace ?? '';
  const datacenter = String(task.spec?.cassandraDatacenter ?? '');
  const catalog = ctx.catalog();
  const remote = (await catalog.clusterBackups()).filter((b) => b.complete);
  const local = (await listObjects(kc, 'medusabackups', namespace)).filter(
    (b) => b.spec?.cassandraDatacenter === datacenter,
  );
  const remoteNames = new Set(remote.map((b) => b.name));
  let created = 0;
  let deleted = 0;
  for (const backup of remote) {
    if (local.some((b) => b.metadata.name === backup.name)) continue;
    const totals = await catalog.totals(backup);
    await createObject(kc, 'medusabackups', namespace, {
      apiVersion: 'medusa.k8ssandra.io/v1alpha1',
      kind: 'MedusaBackup',
      metadata: { name: backup.name, namespace, labels: { 'medusa.k8ssandra.io/synced': 'true' } },
      spec: { cassandraDatacenter: datacenter, backupType: backup.differential ? 'differential' : 'full' },
    });
    const iso = (epoch: number | undefined) =>
      epoch ? new Date(epoch * 1000).toISOString().replace(/\.\d+Z$/, 'Z') : undefined;
    await patchStatus(kc, 'medusabackups', namespace, backup.name, {
      startTime: iso(backup.started),
      finishTime: iso(backup.finished),
      totalNodes: Object.keys(backup.tokenMap).length,
      finishedNodes: backup.completedNodes.length,
      nodes: Object.entries(backup.tokenMap).map(([host, entry]) => ({
        host,
        tokens: entry.tokens.map((t) => BigInt(t)),
        datacenter: entry.dc,
        rack: entry.rack,
      })),
      totalFiles: totals.objects,
      totalSize: humanizeBytes(totals.size),
      status: 'SUCCESS',
    });
    created++;
  }
  for (const backup of local) {
    if (remoteNames.has(backup.metadata.name)) continue;
    // Only backups that finished: a running job's backup is not in storage as complete yet.
    if (backup.status?.status === 'SUCCESS' || backup.metadata.labels?.['medusa.k8ssandra.io/synced']) {
      await deleteObject(kc, 'medusabackups', namespace, backup.metadata.name);
      // As k8ssandra-operator (#1334): the job that made the backup goes with it (a gone one is fine),
      // so `kubectl get medusabackupjobs` lists no backup that cannot be restored.
      await deleteObject(kc, 'medusabackupjobs', namespace, backup.metadata.name);
      deleted++;
    }
  }
  ctx.log.info('sync done', { datacenter, created, deleted, remote: remote.length });
  return { phase: 'Succeeded', filesDone: created + deleted };
}
