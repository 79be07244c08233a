#!/usr/bin/env node
// The controller as its own process (the webhook deployment also starts it in-process).
// Environment: KUBECONFIG (or in-cluster), WATCH_NAMESPACE, LEASE_NAMESPACE, POD_NAME.
import * as k8s from '@kubernetes/client-node';
import { createLogger } from '../lib/log.js';
import { startController } from './manager.js';

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
  },
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info('stopping', { signal });
    void controller.stop().then(() => process.exit(0));
  });
}
