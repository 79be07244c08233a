// A reconcile loop for one resource: list + watch trigger reconciles, one at a time per object,
// with periodic resync and requeue-after. Reconcilers are idempotent: they look at the whole
// object each time and take the next step.
import * as k8s from '@kubernetes/client-node';
import { backoffMs } from '../lib/kube-retry.js';
import type { Logger } from '../lib/log.js';

export type Result = { requeueAfterMs?: number } | void;

export interface LoopOptions<T> {
  kc: k8s.KubeConfig;
  /** Collection path, e.g. /apis/medusa.k8ssandra.io/v1alpha1/medusabackupjobs (all namespaces). */
  path: string;
  list: () => Promise<T[]>;
  key: (obj: T) => string;
  reconcile: (key: string) => Promise<Result>;
  resyncMs?: number;
  log: Logger;
}

export interface Loop {
  stop(): void;
  /** Asks for a reconcile of key soon. */
  enqueue(key: string, delayMs?: number): void;
}

export function startLoop<T>(o: LoopOptions<T>): Loop {
  let stopped = false;
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<string>();
  const again = new Set<string>();
  let watchRequest: AbortController | undefined;

  const enqueue = (key: string, delayMs = 0) => {
    if (stopped) return;
    const existing = timers.get(key);
    if (existing) clearTimeout(existing);
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        void process(key);
      }, delayMs),
    );
  };

  const process = async (key: string) => {
    if (stopped) return;
    if (running.has(key)) {
      again.add(key);
      return;
    }
    running.add(key);
    try {
      const result = await o.reconcile(key);
      if (result?.requeueAfterMs !== undefined) enqueue(key, result.requeueAfterMs);
    } catch (error) {
      o.log.warn('reconcile failed; retrying', { key, error });
      enqueue(key, 2000);
    } finally {
      running.delete(key);
      if (again.delete(key)) enqueue(key);
    }
  };

  const resync = async () => {
    if (stopped) return;
    try {
      for (const obj of await o.list()) enqueue(o.key(obj));
    } catch (error) {
      o.log.warn('list failed', { path: o.path, error });
    }
  };

  const watch = async () => {
    for (let failures = 0; !stopped;) {
      const opened = Date.now();
      try {
        await new Promise<void>((resolve) => {
          new k8s.Watch(o.kc)
            .watch(
              o.path,
              {},
              (_type: string, obj: T) => enqueue(o.key(obj)),
              () => resolve(),
            )
            .then((req) => (watchRequest = req))
            .catch(() => resolve());
        });
      } catch {
        // fall through to retry
      }
      // A watch that ended at once (429 while a new CRD's storage initializes, 5xx) backs off.
      failures = Date.now() - opened < 5000 ? failures + 1 : 0;
      if (!stopped) await new Promise((r) => setTimeout(r, backoffMs(failures, 1000, 30_000)));
    }
  };

  void resync();
  void watch();
  const resyncTimer = setInterval(() => void resync(), o.resyncMs ?? 30_000);
  return {
    enqueue,
    stop: () => {
      stopped = true;
      clearInterval(resyncTimer);
      for (const t of timers.values()) clearTimeout(t);
      watchRequest?.abort();
    },
  };
}

/** "namespace/name" keys. */
export const objectKey = (obj: { metadata?: { namespace?: string; name?: string } }) =>
  `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;

export function splitKey(key: string): { namespace: string; name: string } {
  const [namespace = '', name = ''] = key.split('/');
  return { namespace, name };
}
