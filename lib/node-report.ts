// How an agent reports its node's progress on a MedusaBackupJob, MedusaRestoreJob or MedusaTask:
// a server-side apply of its own entry in status.progress (a list-map keyed by node), with a field
// manager per node, so agents never overwrite each other. The controller reads these entries.
import type { KubeConfig } from '@kubernetes/client-node';
import { apiVersion } from '../crds/common.js';
import { kubeRequest } from './kube-request.js';
import { kubeTime, medusaPath } from './medusa-api.js';

export type ReportedKind = 'MedusaBackupJob' | 'MedusaRestoreJob' | 'MedusaTask';
const plurals: Record<ReportedKind, string> = {
  MedusaBackupJob: 'medusabackupjobs',
  MedusaRestoreJob: 'medusarestorejobs',
  MedusaTask: 'medusatasks',
};

export interface NodeProgressReport {
  node: string;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  bytesDone?: number;
  bytesTotal?: number;
  filesDone?: number;
  filesTotal?: number;
  bytesPerSecond?: number;
  etaSeconds?: number;
  lastError?: string;
  host?: string;
  datacenter?: string;
  rack?: string;
  tokens?: (number | bigint)[];
  /** Purge tasks: what this node's purge did (k8ssandra's TaskResult fields). */
  nbBackupsPurged?: number;
  nbObjectsPurged?: number;
  totalPurgedSize?: number;
  totalObjectsWithinGcGrace?: number;
}

/** Applies this node's entry, stamping lastUpdateTime (the controller's liveness signal). */
export async function reportNodeProgress(
  kc: KubeConfig,
  kind: ReportedKind,
  namespace: string,
  name: string,
  report: NodeProgressReport,
): Promise<void> {
  const entry = { ...report, lastUpdateTime: kubeTime(new Date()) };
  await kubeRequest(
    kc,
    'PATCH',
    medusaPath(plurals[kind], namespace, name, 'status'),
    { apiVersion, kind, metadata: { name, namespace }, status: { progress: [entry] } },
    {
      patchType: 'apply',
      query: { fieldManager: `medusa-agent-${report.node}`.slice(0, 128), force: 'true' },
    },
  );
}

/** One pod's check of its MedusaConfiguration's storage (agent/pod/storage-check.ts). */
export interface StorageCheckReport {
  node: string;
  reachable: boolean;
  /** First line of the storage's answer; never a credential (drivers do not echo them). */
  error?: string;
}

/**
 * Applies this pod's entry of the MedusaConfiguration's status.storageChecks (a list-map keyed by
 * node, one field manager per pod, as for progress), stamping lastCheckTime. The controller turns
 * the entries into the StorageReachable condition (controller/reconcilers/storage-reachable.ts).
 */
export async function reportStorageCheck(
  kc: KubeConfig,
  namespace: string,
  configuration: string,
  report: StorageCheckReport,
): Promise<void> {
  const entry = { ...report, lastCheckTime: kubeTime(new Date()) };
  await kubeRequest(
    kc,
    'PATCH',
    medusaPath('medusaconfigurations', namespace, configuration, 'status'),
    {
      apiVersion,
      kind: 'MedusaConfiguration',
      metadata: { name: configuration, namespace },
      status: { storageChecks: [entry] },
    },
    {
      patchType: 'apply',
      query: { fieldManager: `medusa-agent-${report.node}`.slice(0, 128), force: 'true' },
    },
  );
}
