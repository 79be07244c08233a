import type { V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import type { CassandraDatacenter, DatacenterStatus } from './datacenter.js';

// cass-operator's status for a datacenter (k8ssandra-medusa-api.md §6.3): progress Updating while
// the StatefulSets move towards what the spec asks, Ready once they are there; conditions Ready,
// Stopped, Resuming, Updating and Initialized.

type Conditions = NonNullable<DatacenterStatus['conditions']>;

export function setCondition(conditions: Conditions, type: string, value: boolean, now: string): Conditions {
  const status = value ? 'True' : 'False';
  const previous = conditions.find((c) => c.type === type);
  if (previous?.status === status) return conditions;
  const next = { type, status, reason: '', message: '', lastTransitionTime: now };
  return previous ? conditions.map((c) => (c.type === type ? next : c)) : [...conditions, next];
}

export const conditionTrue = (dc: CassandraDatacenter, type: string): boolean =>
  dc.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;

const isReady = (pod: V1Pod) =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** A StatefulSet the controller caught up with, at `replicas` pods, all updated and ready. */
export function settled(sts: V1StatefulSet, replicas: number): boolean {
  const status = sts.status;
  if (!status) return replicas === 0;
  if ((status.observedGeneration ?? 0) < (sts.metadata?.generation ?? 0)) return false;
  if ((sts.spec?.replicas ?? 0) !== replicas || (status.replicas ?? 0) !== replicas) return false;
  if (replicas === 0) return true;
  return (
    (status.readyReplicas ?? 0) === replicas &&
    (status.updatedReplicas ?? 0) === replicas &&
    status.currentRevision === status.updateRevision
  );
}

export interface Observed {
  /** Per rack: the StatefulSet (if it exists) and the replicas it should have. */
  racks: { sts: V1StatefulSet | undefined; replicas: number }[];
  pods: V1Pod[];
  /** True when this reconcile changed a StatefulSet's pod template. */
  templateChanged: boolean;
}

export function nextStatus(dc: CassandraDatacenter, observed: Observed, now: string): DatacenterStatus {
  const current = dc.status ?? {};
  const wanted = observed.racks.reduce((sum, r) => sum + r.replicas, 0);
  const allSettled = observed.racks.every((r) => r.sts !== undefined && settled(r.sts, r.replicas));
  const readyPods = observed.pods.filter(isReady).length;
  const done = allSettled && observed.pods.length === wanted && readyPods === wanted;
  let conditions: Conditions = current.conditions ?? [];
  const stopped = dc.spec.stopped === true;
  const updating = observed.templateChanged || (conditionTrue(dc, 'Updating') && !done);
  conditions = setCondition(conditions, 'Updating', updating, now);
  if (stopped) {
    conditions = setCondition(conditions, 'Stopped', true, now);
    conditions = setCondition(conditions, 'Ready', false, now);
    conditions = setCondition(conditions, 'Resuming', false, now);
  } else {
    const resuming = (conditionTrue(dc, 'Stopped') || conditionTrue(dc, 'Resuming')) && !done;
    conditions = setCondition(conditions, 'Resuming', resuming, now);
    conditions = setCondition(conditions, 'Stopped', false, now);
    conditions = setCondition(conditions, 'Ready', done, now);
    if (done) conditions = setCondition(conditions, 'Initialized', true, now);
  }
  const ready = done && !observed.templateChanged;
  return {
    ...current,
    cassandraOperatorProgress: ready ? 'Ready' : 'Updating',
    conditions,
    observedGeneration: dc.metadata.generation ?? 0,
    // cass-operator records the datacenter name the first time progress reaches Ready.
    ...(ready && !stopped && !current.datacenterName ? { datacenterName: dc.metadata.name } : {}),
  };
}
