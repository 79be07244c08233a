#!/usr/bin/env node
// The controller as its own process (the webhook deployment also starts it in-process).
// Environment: KUBECONFIG (or in-cluster), WATCH_NAMESPACE, LEASE_NAMESPACE, POD_NAME.
import * as k8s from '@kubernetes/client-node';
import { createLogger } from '../lib/log.js';
import { startController } from './manager.js';
import { startMetricsServer } from './metrics.js';

const log = createLogger('controller');
const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const controller = startController({
  kc,
  log,
  ...(process.env.WATCH_NAMESPACE ? { namespace: process.env.WATCH_NAMESPACE } : {}),
  leaderElection: {
    namespace: process.env.LEASE_NAMESPACE ?? process.env.POD_NAMESPACE ?? 'default',
    ...(process.env.POD_NAME ? { identity: process.env.POD_NAME } : {}),
  },
  timings: {
    ...(process.env.AGENT_STALE_AFTER_SECONDS
      ? { agentStaleAfterMs: Number(process.env.AGENT_STALE_AFTER_SECONDS) * 1000 }
      : {}),
    ...(process.env.AGENT_START_TIMEOUT_SECONDS
      ? { agentStartTimeoutMs: Number(process.env.AGENT_START_TIMEOUT_SECONDS) * 1000 }
      : {}),
    ...(process.env.DATACENTER_WAIT_SECONDS
      ? { datacenterWaitMs: Number(process.env.DATACENTER_WAIT_SECONDS) * 1000 }
      : {}),
  },
});
// GET /metrics (controller/metrics.ts) on METRICS_PORT (default 8080, 0 = off); a port in use is
// logged, the controller runs on without metrics.
const metricsPort = Number(process.env.METRICS_PORT ?? '8080');
const metrics =
  Number.isInteger(metricsPort) && metricsPort > 0
    ? startMetricsServer({
        kc,
        log,
        host: process.env.METRICS_HOST ?? '0.0.0.0',
        port: metricsPort,
        ...(process.env.WATCH_NAMESPACE ? { namespace: process.env.WATCH_NAMESPACE } : {}),
      }).then(
        (server) => {
          log.info('metrics listening', { port: server.port });
          return server;
        },
        (error: unknown) => {
          log.warn('metrics not served', { error: error instanceof Error ? error.message : String(error) });
          return undefined;
        },
      )
    : Promise.resolve(undefined);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info('stopping', { signal });
    void Promise.all([controller.stop(), metrics.then((m) => m?.stop())]).then(() => process.exit(0));
  });
}
