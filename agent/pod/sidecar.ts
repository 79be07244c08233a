// The `medusa` sidecar: finds the jobs and tasks that name its pod, runs them one at a time on its
// node and reports each as it goes. Polling keeps it simple and robust to apiserver restarts.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../lib/log.js';
import { listObjects, type MedusaObject } from '../../lib/medusa-api.js';
import type { ReportedKind } from '../../lib/node-report.js';
import type { NodeContext } from '../cli/context.js';
import type { PodIdentity } from './context.js';
import { awaitsFilterCheck } from '../../lib/restore-contract.js';
import { createReporter } from './reporter.js';
import { agentMetrics } from './health.js';
import { restoreFilterCheck } from './restore-check.js';
import { prepareWork } from './prepare-work.js';
import { backupWork, purgeWork, syncWork, verifyWork } from './work.js';

interface Work {
  kind: ReportedKind;
  object: MedusaObject;
}

const terminal = (phase: unknown) => phase === 'Succeeded' || phase === 'Failed';
const ownEntry = (o: MedusaObject, pod: string) =>
  ((o.status?.progress as { node: string; phase: string }[] | undefined) ?? []).find((p) => p.node === pod);

/** Jobs and tasks in progress that include this pod and that it has not finished. */
export async function pendingWork(kc: KubeConfig, me: PodIdentity): Promise<Work[]> {
  const mine = (o: MedusaObject) =>
    !o.status?.finishTime &&
    ((o.status?.inProgress as string[] | undefined) ?? []).includes(me.pod) &&
    !terminal(ownEntry(o, me.pod)?.phase);
  const [jobs, tasks, restores] = await Promise.all([
    listObjects(kc, 'medusabackupjobs', me.namespace),
    listObjects(kc, 'medusatasks', me.namespace),
    listObjects(kc, 'medusarestorejobs', me.namespace),
  ]);
  return [
    ...jobs.filter(mine).map((object) => ({ kind: 'MedusaBackupJob' as const, object })),
    ...restores
      .filter((o) => mine(o) && awaitsFilterCheck(o))
      .map((object) => ({ kind: 'MedusaRestoreJob' as const, object })),
    ...tasks.filter(mine).map((object) => ({ kind: 'MedusaTask' as const, object })),
  ].sort((a, b) => String(a.object.status?.startTime).localeCompare(String(b.object.status?.startTime)));
}

async function perform(
  kc: KubeConfig,
  ctx: NodeContext,
  me: PodIdentity,
  work: Work,
  log: Logger,
): Promise<void> {
  const { object, kind } = work;
  const name = object.metadata.name;
  const reporter = createReporter(kc, { kind, namespace: me.namespace, name, node: me.pod }, log);
  log.info('starting', { kind, name });
  try {
    const operation =
      kind === 'MedusaBackupJob'
        ? 'backup'
        : kind === 'MedusaRestoreJob'
          ? 'restore filter check'
          : String(object.spec?.operation);
    const final = await agentMetrics.record(operation, async () =>
      operation === 'backup'
        ? await backupWork(ctx, object, reporter)
        : operation === 'purge'
          ? await purgeWork(ctx)
          : operation === 'verify'
            ? await verifyWork(ctx, object)
            : operation === 'sync'
              ? await syncWork(ctx, kc, object)
              : operation === 'prepare_restore'
                ? await prepareWork(ctx, kc, object, reporter, me)
                : operation === 'restore filter check'
                  ? await restoreFilterCheck(ctx, object, me.pod)
                  : { phase: 'Failed' as const, lastError: `operation ${operation} is not run by the agent` },
    );
    await reporter.finish(final);
    log.info('finished', { kind, name, phase: final.phase });
  } catch (error) {
    log.error('failed', { kind, name, error });
    await reporter.finish({ phase: 'Failed', lastError: (error as Error).message.slice(0, 4000) });
  }
}

export interface SidecarOptions {
  kc: KubeConfig;
  ctx: NodeContext;
  me: PodIdentity;
  log: Logger;
  pollMs?: number;
  signal?: AbortSignal;
}

export async function runSidecar(o: SidecarOptions): Promise<void> {
  const seen = new Set<string>();
  let first = true;
  o.log.info('sidecar ready', { pod: o.me.pod, namespace: o.me.namespace, fqdn: o.ctx.fqdn });
  while (!o.signal?.aborted) {
    try {
      for (const work of await pendingWork(o.kc, o.me)) {
        const key = `${work.kind}/${work.object.metadata.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        // Our own entry already Running when we start means a previous agent died mid-way: its
        // snapshot and partial upload cannot be trusted, so say so rather than pretend.
        if (first && ownEntry(work.object, o.me.pod)?.phase === 'Running') {
          const reporter = createReporter(
            o.kc,
            { kind: work.kind, namespace: o.me.namespace, name: work.object.metadata.name, node: o.me.pod },
            o.log,
          );
          await reporter.finish({ phase: 'Failed', lastError: 'the agent restarted during the operation' });
          continue;
        }
        await perform(o.kc, o.ctx, o.me, work, o.log);
      }
    } catch (error) {
      o.log.warn('polling failed', { error });
    }
    first = false;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 2000));
  }
}
