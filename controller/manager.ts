// Starts the controller: leader election, then one reconcile loop per kind.
import type * as k8s from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { medusaPath, listObjects } from '../lib/medusa-api.js';
import type { Logger } from '../lib/log.js';
import { makeContext, type Context, type Timings } from './context.js';
import { createRecorder } from './events.js';
import { runLeaderElection } from './leader.js';
import { objectKey, splitKey, startLoop, type Loop, type Result } from './loop.js';
import { reconcileBackupJob } from './reconcilers/backupjob.js';
import { reconcilePurgeSchedules } from './reconcilers/purge-schedules.js';
import { reconcileRestoreJob } from './reconcilers/restorejob.js';
import { reconcileSchedule } from './reconcilers/schedule.js';
import { reconcileTask } from './reconcilers/task.js';

export interface ControllerOptions {
  kc: k8s.KubeConfig;
  log: Logger;
  /** Watch one namespace only (tests, single-tenant installs); all namespaces otherwise. */
  namespace?: string;
  leaderElection?:
    { namespace: string; name?: string; identity?: string; leaseDurationSeconds?: number } | false;
  timings?: Partial<Timings>;
  resyncMs?: number;
}

type Reconciler = (ctx: Context, namespace: string, name: string) => Promise<Result>;

export const reconcilers: Record<string, Reconciler> = {
  medusabackupjobs: reconcileBackupJob,
  medusabackupschedules: reconcileSchedule,
  medusarestorejobs: reconcileRestoreJob,
  medusatasks: reconcileTask,
  medusaconfigurations: reconcilePurgeSchedules,
};

export interface Controller {
  stop(): Promise<void>;
}

export function startController(options: ControllerOptions): Controller {
  const log = options.log;
  const ctx = makeContext(options.kc, createRecorder(options.kc, log), log, options.timings);
  let loops: Loop[] = [];
  const startLoops = () => {
    loops = Object.entries(reconcilers).map(([plural, reconcile]) =>
      startLoop({
        kc: options.kc,
        path: medusaPath(plural, options.namespace),
        list: () => listObjects(options.kc, plural, options.namespace),
        key: objectKey,
        reconcile: (key) => {
          const { namespace, name } = splitKey(key);
          return reconcile(ctx, namespace, name);
        },
        resyncMs: options.resyncMs ?? 30_000,
        log: log.child({ loop: plural }),
      }),
    );
    log.info('controller started', {
      namespace: options.namespace ?? '(all)',
      kinds: Object.keys(reconcilers),
    });
  };
  const stopLoops = () => {
    for (const loop of loops) loop.stop();
    loops = [];
  };
  const election =
    options.leaderElection === false || options.leaderElection === undefined
      ? undefined
      : runLeaderElection(options.kc, {
          namespace: options.leaderElection.namespace,
          name: options.leaderElection.name ?? 'kubectl-medusa-controller',
          identity: options.leaderElection.identity ?? `${hostname()}-${process.pid}`,
          ...(options.leaderElection.leaseDurationSeconds
            ? { leaseDurationSeconds: options.leaderElection.leaseDurationSeconds }
            : {}),
          log,
          onStartedLeading: startLoops,
          onStoppedLeading: stopLoops,
        });
  if (!election) startLoops();
  return {
    stop: async () => {
      election?.stop();
      stopLoops();
    },
  };
}
