// The MedusaConfiguration's StorageReachable condition, from the checks its pods' sidecars report
// (agent/pod/storage-check.ts, status.storageChecks): the controller holds no storage credentials,
// the pods do, so the pods check and the controller sums up. Pure.
import { defaultStorageCheckSeconds } from '../../agent/pod/storage-check.js';
import type { Condition } from '../context.js';

export interface StorageCheck {
  node: string;
  reachable: boolean;
  error?: string;
  lastCheckTime: string;
}

/** Checks older than this are not counted (a pod gone, a sidecar stopped): three default intervals. */
export const storageCheckStaleMs = 3 * defaultStorageCheckSeconds * 1000;

const list = (names: string[]) =>
  names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');

export interface StorageVerdict {
  condition: Omit<Condition, 'lastTransitionTime'>;
  /** The newest check counted, when one is. */
  lastCheck?: string;
}

export function storageReachable(
  checks: StorageCheck[] | undefined,
  bucket: string,
  now: Date,
  staleMs = storageCheckStaleMs,
): StorageVerdict {
  const fresh = (checks ?? [])
    .filter((c) => now.getTime() - Date.parse(c.lastCheckTime) <= staleMs)
    .sort((a, b) => a.node.localeCompare(b.node));
  if (fresh.length === 0) {
    return {
      condition: {
        type: 'StorageReachable',
        status: 'Unknown',
        reason: 'NotChecked',
        message: `no pod bound to this configuration checked bucket ${bucket} in the last ${staleMs / 60_000}m (the medusa sidecars check it every ${defaultStorageCheckSeconds / 60}m)`,
      },
    };
  }
  const lastCheck = fresh.map((c) => c.lastCheckTime).sort((a, b) => Date.parse(b) - Date.parse(a))[0];
  const failed = fresh.filter((c) => !c.reachable);
  const first = failed[0];
  if (first) {
    const others = failed.length > 1 ? ` (also from ${list(failed.slice(1).map((c) => c.node))})` : '';
    return {
      lastCheck,
      condition: {
        type: 'StorageReachable',
        status: 'False',
        reason: 'StorageUnreachable',
        message: `bucket ${bucket} not reachable from ${first.node}: ${first.error ?? 'no detail'}${others}; reachable from ${fresh.length - failed.length} of ${fresh.length} pods`,
      },
    };
  }
  return {
    lastCheck,
    condition: {
      type: 'StorageReachable',
      status: 'True',
      reason: 'StorageReachable',
      message: `bucket ${bucket} listed from ${fresh.length} pods: ${list(fresh.map((c) => c.node))}`,
    },
  };
}
