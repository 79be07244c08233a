// Reports this node's progress on one job or task: throttled updates, a heartbeat while work goes
// on (the controller's watchdog fails silent nodes), and a final report that is retried.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../lib/log.js';
import { reportNodeProgress, type NodeProgressReport, type ReportedKind } from '../../lib/node-report.js';
import type { Progress } from '../backup/progress.js';

export interface Reporter {
  /** Records the latest state; sent at most every intervalMs. */
  update(report: Omit<NodeProgressReport, 'node'>): void;
  /** Sends the final state (retried) and stops the heartbeat. */
  finish(report: Omit<NodeProgressReport, 'node'>): Promise<void>;
}

export function createReporter(
  kc: KubeConfig,
  target: { kind: ReportedKind; namespace: string; name: string; node: string },
  log: Logger,
  options: { intervalMs?: number; heartbeatMs?: number } = {},
): Reporter {
  const interval = options.intervalMs ?? 2000;
  let latest: NodeProgressReport = { node: target.node, phase: 'Running' };
  let lastSent = 0;
  let sending: Promise<void> = Promise.resolve();
  const send = (report: NodeProgressReport) => {
    lastSent = Date.now();
    sending = sending
      .then(() => reportNodeProgress(kc, target.kind, target.namespace, target.name, report))
      .catch((error: unknown) => log.warn('progress report failed', { error, target: target.name }));
    return sending;
  };
  const heartbeat = setInterval(() => void send(latest), options.heartbeatMs ?? 5000);
  void send(latest);
  return {
    update(report) {
      latest = { ...report, node: target.node };
      if (Date.now() - lastSent >= interval) void send(latest);
    },
    async finish(report) {
      clearInterval(heartbeat);
      latest = { ...report, node: target.node };
      await sending;
      for (let attempt = 1; ; attempt++) {
        try {
          await reportNodeProgress(kc, target.kind, target.namespace, target.name, latest);
          return;
        } catch (error) {
          if (attempt >= 10) throw error;
          log.warn('final report failed; retrying', { error, attempt });
          await new Promise((r) => setTimeout(r, 1000 * attempt));
        }
      }
    },
  };
}

/** A transfer's progress as the Running report of a node (bytes, files, rate and ETA). */
export function runningReport(
  p: Omit<Progress, 'filesSkipped' | 'elapsedMs'>,
): Omit<NodeProgressReport, 'node'> {
  return {
    phase: 'Running',
    bytesDone: p.bytesDone,
    bytesTotal: p.bytesTotal,
    filesDone: p.filesDone,
    filesTotal: p.filesTotal,
    bytesPerSecond: Math.round(p.rate),
    ...(p.etaMs !== undefined ? { etaSeconds: Math.ceil(p.etaMs / 1000) } : {}),
  };
}
