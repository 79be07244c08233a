import type { V1Container, V1EnvVar, V1PodSpec, V1StatefulSet, V1Volume } from '@kubernetes/client-node';
import {
  cassandraConfigPath,
  dataPath,
  managedEnv,
  medusaVolumes,
  restoreContainer,
  sidecarContainer,
  sidecarName,
  type PodMounts,
} from './containers.js';
import { restoreInitContainer } from '../../lib/restore-contract.js';
import type { InjectionPlan } from './plan.js';

/** Annotations stamped on the pod template, so `kubectl get -o yaml` shows what was injected. */
export const injectedAnnotation = 'medusa.k8ssandra.io/injected';
export const injectedHashAnnotation = 'medusa.k8ssandra.io/injected-hash';
export const injectorVersion = 'kubectl-medusa-webhook/0.1.0';

/** Why a StatefulSet that opted in cannot receive Medusa; the request is refused with it. */
export class InjectionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const medusaContainers = new Set([sidecarName, restoreInitContainer]);

/** The container running Cassandra: the one named `cassandra`, else the first other one. */
export function cassandraContainer(pod: V1PodSpec): V1Container | undefined {
  const containers = pod.containers ?? [];
  return (
    containers.find((c) => c.name === 'cassandra') ?? containers.find((c) => !medusaContainers.has(c.name))
  );
}

/** The Cassandra data and configuration volumes of a pod template. */
export function findPodMounts(sts: V1StatefulSet): PodMounts {
  const pod = sts.spec?.template.spec;
  const cassandra = pod ? cassandraContainer(pod) : undefined;
  if (!cassandra)
    throw new InjectionError('spec.template.spec.containers', 'the pod template has no container');
  const mounted = (path: string) =>
    cassandra.volumeMounts?.find((m) => m.mountPath.replace(/\/+$/, '') === path && !m.subPath)?.name;
  const claims = sts.spec?.volumeClaimTemplates?.map((t) => t.metadata?.name) ?? [];
  const data = mounted(dataPath) ?? (claims.includes('server-data') ? 'server-data' : undefined);
  if (!data) {
    throw new InjectionError(
      'spec.template.spec.containers',
      `container ${cassandra.name} mounts no volume at ${dataPath} and there is no server-data volume claim: Medusa needs Cassandra's data volume`,
    );
  }
  // cass-operator mounts its rendered configuration (volume server-config) at /config in the
  // Cassandra container; Medusa reads it at /etc/cassandra, as k8ssandra-operator mounts it.
  const serverConfig = pod?.volumes?.some((v) => v.name === 'server-config') ? 'server-config' : undefined;
  const config = mounted(cassandraConfigPath) ?? serverConfig;
  return config ? { data, config } : { data };
}

/** Our env first (in a fixed order), then every other env var the container already had. */
function mergeEnv(generated: V1EnvVar[], existing: V1EnvVar[] | undefined): V1EnvVar[] {
  const ours = new Set<string>(managedEnv);
  return [...generated, ...(existing ?? []).filter((e) => !ours.has(e.name))];
}

function withKeptEnv(generated: V1Container, existing: V1Container | undefined): V1Container {
  const merged = mergeEnv(generated.env ?? [], existing?.env);
  return { ...generated, env: merged };
}

function upsertVolumes(current: V1Volume[] | undefined, wanted: V1Volume[]): V1Volume[] {
  const result = [...(current ?? [])];
  for (const volume of wanted) {
    const at = result.findIndex((v) => v.name === volume.name);
    if (at === -1) result.push(volume);
    else result[at] = volume;
  }
  return result;
}

/** After cass-operator's configuration init containers (server-config-init*), else last. */
function insertRestore(initContainers: V1Container[], restore: V1Container): V1Container[] {
  const at = initContainers.findIndex((c) => c.name === restoreInitContainer);
  if (at !== -1) {
    const result = [...initContainers];
    result[at] = withKeptEnv(restore, initContainers[at]);
    return result;
  }
  let lastConfigInit = -1;
  initContainers.forEach((c, i) => {
    if (c.name.startsWith('server-config-init')) lastConfigInit = i;
  });
  const position = lastConfigInit === -1 ? initContainers.length : lastConfigInit + 1;
  return [...initContainers.slice(0, position), restore, ...initContainers.slice(position)];
}

function upsertSidecar(containers: V1Container[], sidecar: V1Container): V1Container[] {
  const at = containers.findIndex((c) => c.name === sidecarName);
  if (at === -1) return [...containers, sidecar];
  const result = [...containers];
  result[at] = withKeptEnv(sidecar, containers[at]);
  return result;
}

/**
 * The StatefulSet with the medusa sidecar, the medusa-restore init container and their volumes.
 * Pure and idempotent: injecting an already injected StatefulSet changes nothing.
 * Env vars on existing medusa/medusa-restore containers that we do not manage (proxies, the
 * restore env the controller sets: lib/restore-contract.ts restoreEnv) are kept.
 */
export function injectMedusa(sts: V1StatefulSet, plan: InjectionPlan): V1StatefulSet {
  const result = structuredClone(sts);
  const pod = result.spec?.template.spec;
  if (!result.spec || !pod)
    throw new InjectionError('spec.template.spec', 'the StatefulSet has no pod template');
  const podMounts = findPodMounts(result);
  pod.containers = upsertSidecar(pod.containers, sidecarContainer(plan, podMounts));
  pod.initContainers = insertRestore(pod.initContainers ?? [], restoreContainer(plan, podMounts));
  pod.volumes = upsertVolumes(pod.volumes, medusaVolumes(plan));
  const pullSecrets = pod.imagePullSecrets ?? [];
  for (const name of plan.pullSecrets) {
    if (!pullSecrets.some((s) => s.name === name)) pullSecrets.push({ name });
  }
  if (pullSecrets.length > 0) pod.imagePullSecrets = pullSecrets;
  const template = result.spec.template;
  template.metadata = {
    ...template.metadata,
    annotations: {
      ...template.metadata?.annotations,
      [injectedAnnotation]: injectorVersion,
      [injectedHashAnnotation]: plan.hash,
    },
  };
  return result;
}
