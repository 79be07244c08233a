// The sidecar's periodic storage check, behind the MedusaConfiguration's StorageReachable condition.
// The controller holds no storage credentials (docs/controller.md), the pods do: each sidecar lists
// a folder of its bucket under its prefix with the credentials it mounts, and reports the answer
// on its configuration's status.storageChecks (lib/node-report.ts). A read only: writes are what a
// dryRun backup job checks (agent/backup/plan.ts), and nothing is left in the bucket.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../lib/log.js';
import { reportStorageCheck, type StorageCheckReport } from '../../lib/node-report.js';
import { MedusaLayout } from '../backup/layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { PodIdentity } from './context.js';

/** How often each sidecar checks by default (MEDUSA_STORAGE_CHECK_SECONDS overrides it). */
export const defaultStorageCheckSeconds = 300;

/** One check: a listing that finds nothing in a healthy bucket and fails on any storage problem. */
export async function checkStorage(
  store: ObjectStore,
  prefix: string | undefined,
): Promise<StorageCheckReport> {
  const folder = `${new MedusaLayout(prefix).indexRoot()}/kubectl-medusa-storage-check/`;
  try {
    await store.list(folder);
    return { node: '', reachable: true };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { node: '', reachable: false, error: text.split('\n')[0]!.slice(0, 1024) };
  }
}

export interface StorageCheckLoop {
  stop(): void;
}

/** Checks at once, then every intervalSeconds; a report that cannot be written is retried next time. */
export function startStorageChecks(o: {
  kc: KubeConfig;
  store: ObjectStore;
  prefix: string | undefined;
  me: PodIdentity;
  configuration: string;
  intervalSeconds: number;
  log: Logger;
}): StorageCheckLoop {
  let running = false;
  const once = async () => {
    if (running) return;
    running = true;
    try {
      const result = { ...(await checkStorage(o.store, o.prefix)), node: o.me.pod };
      if (!result.reachable) o.log.warn('storage check failed', { error: result.error });
      await reportStorageCheck(o.kc, o.me.namespace, o.configuration, result);
    } catch (error) {
      o.log.warn('storage check not reported', { configuration: o.configuration, error });
    } finally {
      running = false;
    }
  };
  void once();
  const timer = setInterval(() => void once(), o.intervalSeconds * 1000);
  return { stop: () => clearInterval(timer) };
}

/** The interval from the environment: a positive number of seconds, else the default. */
export function storageCheckSeconds(env: NodeJS.ProcessEnv): number {
  const value = Number(env.MEDUSA_STORAGE_CHECK_SECONDS ?? defaultStorageCheckSeconds);
  return Number.isFinite(value) && value > 0 ? value : defaultStorageCheckSeconds;
}
