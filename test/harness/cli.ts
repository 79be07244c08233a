// The harness as a process, for demos and manual runs against the test bed:
//   node_modules/node/bin/node --import tsx test/harness/cli.ts --namespace demo --cluster-hosts 8,9,10
// Runs the cass-operator stand-in and the kubelet stand-in for one namespace until SIGTERM/SIGINT,
// then stops every process it started (nodes that were already running are left running).
import * as k8s from '@kubernetes/client-node';
import { parseArgs } from 'node:util';
import { retrying } from '../../lib/kube-retry.js';
import { createLogger } from '../../lib/log.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { kubeconfigPath } from '../bed/kube.js';
import { startCassOperator, type CassOperator } from './cass-operator/operator.js';
import { startKubelet, type Kubelet } from './kubelet/kubelet.js';
import { nodeChooser, rackAwareChooser } from './kubelet/node-binding.js';
import type { ApiAccess } from './kubelet/service-account.js';

const usage = `usage: tsx test/harness/cli.ts --namespace NS --cluster-hosts 1,2,3 [options]
  --namespace NS                 namespace to serve (created when missing)
  --cluster-hosts 1,2,3          last octets of the Cassandra nodes (127.0.0.x), node i runs ordinal i
  --cassandra-cluster-name NAME  test cluster name (folder under .testbed/cassandra; default harness-NS)
  --statefulsets a,b             only run the pods of these StatefulSets (default: every pod)
  --no-cass-operator             do not run the cass-operator stand-in
  --api-access admin|service-account
                                 what containers get as KUBECONFIG: the harness's own kubeconfig
                                 (default) or a token of the pod's service account (RBAC applies)
  --kubeconfig PATH              default: the test bed's admin kubeconfig`;

const { values } = parseArgs({
  options: {
    namespace: { type: 'string' },
    'cluster-hosts': { type: 'string' },
    'cassandra-cluster-name': { type: 'string' },
    statefulsets: { type: 'string' },
    'no-cass-operator': { type: 'boolean', default: false },
    'api-access': { type: 'string', default: 'admin' },
    kubeconfig: { type: 'string', default: kubeconfigPath },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const hosts = (values['cluster-hosts'] ?? '')
  .split(',')
  .filter(Boolean)
  .map((h) => Number(h.trim()));
const apiAccess = values['api-access'];
const badAccess = apiAccess !== 'admin' && apiAccess !== 'service-account';
if (
  values.help ||
  !values.namespace ||
  badAccess ||
  hosts.length === 0 ||
  hosts.some((h) => !Number.isInteger(h))
) {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}
const namespace = values.namespace;
const logger = createLogger('harness');
const kubeConfig = new k8s.KubeConfig();
kubeConfig.loadFromFile(values.kubeconfig);
const cluster = new CassandraCluster({
  name: values['cassandra-cluster-name'] ?? `harness-${namespace}`,
  hosts,
});

// A signal during start-up stops what has started by then (handlers first, then the stand-ins).
let stopping: string | undefined;
let running = false;
let operator: CassOperator | undefined;
let kubelet: Kubelet | undefined;
async function shutdown(signal: string, code = 0): Promise<never> {
  logger.info('stopping', { signal });
  await kubelet?.stop();
  await operator?.stop();
  process.exit(code);
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = signal;
    // During start-up the start-up code stops once its step is done (else what it starts leaks).
    if (running) void shutdown(signal);
  });
}

try {
  // retried: right after the bed starts or CRDs are installed the apiserver may answer 429
  const core = retrying(kubeConfig.makeApiClient(k8s.CoreV1Api));
  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch((error: unknown) => {
    if ((error as { code?: number }).code !== 409) throw error;
  });
  if (!values['no-cass-operator'] && !stopping) {
    operator = await startCassOperator({ kubeConfig, namespace, logger });
  }
  const racksOf = (dc: string) => operator?.racksOf(dc);
  if (!stopping) {
    kubelet = await startKubelet({
      kubeConfig,
      namespace,
      cluster,
      logger,
      nodeFor: rackAwareChooser(cluster, racksOf, nodeChooser(cluster)),
      apiAccess: apiAccess as ApiAccess,
      ...(values.statefulsets ? { statefulSets: values.statefulsets.split(',') } : {}),
    });
  }
  running = true;
  if (stopping) await shutdown(stopping);
  logger.info('harness running; SIGTERM or Ctrl-C stops it', {
    cluster: cluster.name,
    nodes: cluster.contactPoints,
  });
} catch (error) {
  logger.error('harness failed to start', { error: error instanceof Error ? error.message : String(error) });
  await shutdown('start-up failure', 1);
}
