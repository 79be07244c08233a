// The test harness standing in for kubelet and cass-operator (docs/testing.md).
export { startCassOperator, type CassOperator, type CassOperatorOptions } from './cass-operator/operator.js';
export { installDatacenterCrd, datacenterCrdName } from './cass-operator/crd.js';
export { type CassandraDatacenter, rackStatefulSetName } from './cass-operator/datacenter.js';
export { rackStatefulSet } from './cass-operator/statefulset.js';
export { startKubelet, type Kubelet, type KubeletOptions } from './kubelet/kubelet.js';
export { nodeChooser, rackAwareChooser, type NodeChooser } from './kubelet/node-binding.js';
export { containerLogFile } from './kubelet/container-process.js';
export { nodeConfDir, nodeDataRoot } from './kubelet/volumes.js';
export type { ApiAccess } from './kubelet/service-account.js';
export { eventually } from './poll.js';
