// The controller's /metrics: backups and restores per datacenter, computed at each scrape from
// the MedusaBackupJob, MedusaBackup and MedusaRestoreJob objects the controller can read, so that an
// operator can alert on a datacenter whose last good backup is too old. Format: lib/metrics.ts.
import type { KubeConfig } from '@kubernetes/client-node';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listObjects, type MedusaObject } from '../lib/medusa-api.js';
import type { Logger } from '../lib/log.js';
import { exposition, renderFamilies, type Family, type Sample } from '../lib/metrics.js';
import { parseHumanBytes } from '../lib/units.js';

export type JobOutcome = 'succeeded' | 'failed' | 'running';

const seconds = (time: unknown): number | undefined => {
  if (typeof time !== 'string') return undefined;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : ms / 1000;
};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * A job's outcome as the controller writes it (reconcilers/backupjob.ts, restorejob.ts): running
 * until finishTime is set; then succeeded when no node failed (and, for a backup, at least one
 * finished), failed otherwise.
 */
export function jobOutcome(job: MedusaObject, kind: 'backup' | 'restore'): JobOutcome {
  const status = job.status ?? {};
  if (!status.finishTime) return 'running';
  if (list(status.failed).length > 0) return 'failed';
  if (kind === 'backup' && list(status.finished).length === 0) return 'failed';
  if (kind === 'restore' && typeof status.message === 'string' && status.message) return 'failed';
  return 'succeeded';
}

interface Objects {
  backupJobs: MedusaObject[];
  backups: MedusaObject[];
  restoreJobs: MedusaObject[];
}

const dcOf = (o: MedusaObject) => ({
  namespace: o.metadata.namespace ?? '',
  datacenter: String(o.spec?.cassandraDatacenter ?? ''),
});
const dcKey = (o: MedusaObject) => JSON.stringify(dcOf(o));

function countByOutcome(objects: MedusaObject[], kind: 'backup' | 'restore'): Sample[] {
  const counts = new Map<string, Sample>();
  for (const o of objects) {
    const status = jobOutcome(o, kind);
    const k = `${dcKey(o)}/${status}`;
    const sample = counts.get(k) ?? { labels: { ...dcOf(o), status }, value: 0 };
    sample.value += 1;
    counts.set(k, sample);
  }
  return [...counts.values()];
}

/** The metric families of one scrape. */
export function controllerFamilies(objects: Objects): Family[] {
  // Plans (spec.dryRun) take no backup: they are not backups an alert should count.
  const jobs = objects.backupJobs.filter((j) => j.spec?.dryRun !== true);
  const byDc = new Map<string, MedusaObject[]>();
  for (const j of jobs) byDc.set(dcKey(j), [...(byDc.get(dcKey(j)) ?? []), j]);

  const lastSuccess: Sample[] = [];
  const lastDuration: Sample[] = [];
  const lastFailed: Sample[] = [];
  for (const dcJobs of byDc.values()) {
    const labels = dcOf(dcJobs[0]!);
    const finished = dcJobs
      .filter((j) => jobOutcome(j, 'backup') !== 'running' && seconds(j.status?.finishTime) !== undefined)
      .sort((a, b) => seconds(a.status?.finishTime)! - seconds(b.status?.finishTime)!);
    const succeeded = finished.filter((j) => jobOutcome(j, 'backup') === 'succeeded');
    // 0 when the datacenter never had a good backup: `time() - x > threshold` fires for it too.
    lastSuccess.push({ labels, value: seconds(succeeded.at(-1)?.status?.finishTime) ?? 0 });
    const last = finished.at(-1);
    if (last) {
      const start = seconds(last.status?.startTime) ?? seconds(last.metadata.creationTimestamp);
      const end = seconds(last.status?.finishTime)!;
      if (start !== undefined) lastDuration.push({ labels, value: Math.max(0, end - start) });
      lastFailed.push({ labels, value: jobOutcome(last, 'backup') === 'failed' ? 1 : 0 });
    }
  }

  const bytes: Sample[] = [];
  for (const b of objects.backups) {
    const size = b.status?.totalSize;
    if (typeof size !== 'string') continue;
    let value: number;
    try {
      value = parseHumanBytes(size);
    } catch {
      continue; // not a size: no sample rather than a wrong one
    }
    bytes.push({
      labels: { ...dcOf(b), backup: b.metadata.name, status: String(b.status?.status ?? '') },
      value: Math.round(value),
    });
  }

  return [
    {
      name: 'medusa_backups_total',
      help: 'MedusaBackupJob objects by datacenter and outcome (succeeded, failed, running); deleting jobs lowers it.',
      type: 'gauge',
      samples: countByOutcome(jobs, 'backup'),
    },
    {
      name: 'medusa_backup_last_success_timestamp_seconds',
      help: 'finishTime of the newest MedusaBackupJob that succeeded, per datacenter; 0 if none did.',
      type: 'gauge',
      samples: lastSuccess,
    },
    {
      name: 'medusa_backup_duration_seconds',
      help: 'finishTime - startTime of the newest finished MedusaBackupJob, per datacenter.',
      type: 'gauge',
      samples: lastDuration,
    },
    {
      name: 'medusa_backup_last_failed',
      help: '1 if the newest finished MedusaBackupJob of the datacenter failed, else 0.',
      type: 'gauge',
      samples: lastFailed,
    },
    {
      name: 'medusa_backup_bytes',
      help: 'Size of each MedusaBackup (status.totalSize; k8ssandra-operator rounds it to 2 decimals of its unit).',
      type: 'gauge',
      samples: bytes,
    },
    {
      name: 'medusa_restores_total',
      help: 'MedusaRestoreJob objects by datacenter and outcome (succeeded, failed, running).',
      type: 'gauge',
      samples: countByOutcome(objects.restoreJobs, 'restore'),
    },
  ];
}

/** Reads the objects (one namespace, or all) and renders them. */
export async function scrapeController(kc: KubeConfig, namespace?: string): Promise<string> {
  const [backupJobs, backups, restoreJobs] = await Promise.all([
    listObjects(kc, 'medusabackupjobs', namespace),
    listObjects(kc, 'medusabackups', namespace),
    listObjects(kc, 'medusarestorejobs', namespace),
  ]);
  return renderFamilies(controllerFamilies({ backupJobs, backups, restoreJobs }));
}

export interface MetricsServer {
  server: Server;
  port: number;
  stop(): Promise<void>;
}

/** GET /metrics over plain HTTP; a failed read of the API is a 503 (Prometheus records up=0). */
export async function startMetricsServer(options: {
  kc: KubeConfig;
  namespace?: string;
  host: string;
  port: number;
  log: Logger;
}): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    scrapeController(options.kc, options.namespace).then(
      (text) => res.writeHead(200, { 'content-type': exposition }).end(text),
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        options.log.warn('metrics scrape failed', { error: message });
        res.writeHead(503, { 'content-type': 'text/plain' }).end('could not read the medusa objects\n');
      },
    );
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
