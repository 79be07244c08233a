// The sidecar's prepare_restore (MedusaTask, as k8ssandra defines it: spec.backupName and
// spec.restoreKey): while Cassandra runs, download and verify this node's backup into the restore
// key's staging folder on the data volume (agent/restore/staging.ts), so that the medusa-restore init
// container only moves files into place while the datacenter is stopped. The node restored, its
// filter and kind (in place or remote) come from the MedusaRestoreJob with that restore key, when
// there is one; otherwise this node's own backup, all of it, in place.
import type { KubeConfig } from '@kubernetes/client-node';
import { dirname } from 'node:path';
import { listObjects, type MedusaObject } from '../../lib/medusa-api.js';
import type { NodeProgressReport } from '../../lib/node-report.js';
import {
  checkRestoreKey,
  parseRestoreMapping,
  restoreFilterOf,
  restoreSource,
  type RestoreRequest,
} from '../../lib/restore-contract.js';
import type { NodeContext } from '../cli/context.js';
import { stageFiles } from '../restore/download.js';
import { nodeRestoreOptions } from '../restore/k8s-restore.js';
import { planRestore } from '../restore/restore-node.js';
import { expireStagings, markPrepared, preparedDir, readPrepared, stagedFits } from '../restore/staging.js';
import type { PodIdentity } from './context.js';
import { runningReport, type Reporter } from './reporter.js';

type Final = Omit<NodeProgressReport, 'node'>;

/** Restore keys in use in the namespace (unfinished restore jobs and prepares) and those whose job ended. */
async function restoreKeys(kc: KubeConfig, namespace: string) {
  const [jobs, tasks] = await Promise.all([
    listObjects(kc, 'medusarestorejobs', namespace),
    listObjects(kc, 'medusatasks', namespace),
  ]);
  const keyOf = (o: MedusaObject) => String(o.status?.restoreKey ?? '');
  const keep = new Set([
    ...jobs.filter((j) => !j.status?.finishTime).map(keyOf),
    ...tasks
      .filter((t) => t.spec?.operation === 'prepare_restore' && !t.status?.finishTime)
      .map((t) => String(t.spec?.restoreKey ?? '')),
  ]);
  const ended = new Set(jobs.filter((j) => j.status?.finishTime).map(keyOf));
  return { jobs, keep, ended };
}

/**
 * Removes the stagings of this node no restore will use: those of finished restore jobs, and any
 * older than stagingTtlMs. Run by each prepare and hourly by the sidecar.
 */
export async function sweepStagings(ctx: NodeContext, kc: KubeConfig, me: PodIdentity): Promise<string[]> {
  const root = process.env.MEDUSA_TMP_DIR ?? dirname((await ctx.yaml()).dataDirectory);
  const { keep, ended } = await restoreKeys(kc, me.namespace);
  return expireStagings(root, { keep, ended, log: ctx.log });
}

export async function prepareWork(
  ctx: NodeContext,
  kc: KubeConfig,
  task: MedusaObject,
  reporter: Reporter,
  me: PodIdentity,
): Promise<Final> {
  const key = checkRestoreKey(String(task.spec?.restoreKey ?? ''));
  const backup = String(task.spec?.backupName ?? '');
  const { jobs, keep, ended } = await restoreKeys(kc, me.namespace);
  const job = jobs.find((j) => j.status?.restoreKey === key);
  if (job && String(job.spec?.backup ?? '') !== backup)
    return {
      phase: 'Failed',
      lastError: `restore key ${key} belongs to MedusaRestoreJob ${job.metadata.name}, which restores ${String(job.spec?.backup)}, not ${backup}`,
    };
  const filter = job ? restoreFilterOf(job.spec) : undefined;
  const mapping = job?.status?.restoreMapping
    ? parseRestoreMapping(job.status.restoreMapping, 'status.restoreMapping')
    : undefined;
  const source = restoreSource(mapping, me.pod, ctx.fqdn);
  if ('skip' in source) return { phase: 'Succeeded' };
  const request: RestoreRequest = {
    key,
    backup,
    ...(mapping ? { mapping } : {}),
    ...(filter ? { filter } : {}),
  };
  const options = await nodeRestoreOptions(ctx, request, source, process.env.MEDUSA_TMP_DIR, ctx.log);
  const root = options.stagingRoot!;
  await expireStagings(root, { keep: new Set([...keep, key]), ended, log: ctx.log });
  const dir = preparedDir(root, key);
  const want = { backup, fqdn: source.fqdn, inPlace: source.inPlace, filter };
  const done = await readPrepared(dir);
  if (stagedFits(done, want)) {
    ctx.log.info('already prepared: reusing the staged files', { restoreKey: key, files: done!.files });
    return summary(done!.files, done!.bytes, source.fqdn);
  }
  const staging = { ...options, stagingDir: dir };
  // Checked first: storage holds the backup as its manifest says, every path is inside its folder,
  // and the data volume has room for what is not staged yet (the error gives both numbers).
  const plan = await planRestore(staging);
  if (plan.skipReason) return { phase: 'Succeeded', host: source.fqdn };
  const started = Date.now();
  const downloaded = await stageFiles(
    {
      ...staging,
      onProgress: (p) => reporter.update({ ...runningReport(p), host: source.fqdn }),
    },
    plan,
    ctx.log,
  );
  await markPrepared(dir, {
    restoreKey: key,
    ...want,
    ...(filter ? { filter } : {}),
    files: plan.staged.length,
    bytes: plan.bytes,
    preparedAt: new Date().toISOString(),
  });
  const seconds = (Date.now() - started) / 1000;
  ctx.log.info('prepared', { restoreKey: key, files: plan.staged.length, downloaded, seconds });
  return {
    ...summary(plan.staged.length, plan.bytes, source.fqdn),
    bytesPerSecond: Math.round((plan.bytes - plan.stagedBytes) / Math.max(seconds, 0.001)),
  };
}

const summary = (files: number, bytes: number, host: string): Final => ({
  phase: 'Succeeded',
  host,
  filesDone: files,
  filesTotal: files,
  bytesDone: bytes,
  bytesTotal: bytes,
});
