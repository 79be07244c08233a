import type {
  V1Container,
  V1EnvVar,
  V1Probe,
  V1ResourceRequirements,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import {
  certificatesPath,
  grpcServerCertsPath,
  localBackupsPath,
  managementApiCertsPath,
  medusaSecretsPath,
} from '../medusa-ini.js';
import { restoreInitContainer } from '../../lib/restore-contract.js';
import type { InjectionPlan } from './plan.js';

// The medusa sidecar, the medusa-restore init container and the pod volumes they use
// (k8ssandra-medusa-api.md §4.1-4.4), built from an InjectionPlan.

export const sidecarName = 'medusa';
export const agentCommand = 'medusa-agent';
export const dataPath = '/var/lib/cassandra';
export const cassandraConfigPath = '/etc/cassandra';

/** Pod volumes the webhook owns (replaced on every admission). */
export const volumeNames = {
  tmp: 'medusa-tmp',
  podinfo: 'podinfo',
  storageSecret: 'medusa-secrets',
  grpcServerCerts: 'grpc-server-certs',
  certificates: 'certificates',
  certfile: 'certfile',
  usercert: 'usercert',
  userkey: 'userkey',
  managementApi: 'mgmt-encryption',
  localBackups: 'medusa-backups',
} as const;

/** Env vars the webhook sets; any other env var found on an injected container is kept. */
export const managedEnv = [
  'MEDUSA_MODE',
  'MEDUSA_TMP_DIR',
  'POD_NAME',
  'POD_NAMESPACE',
  'POD_IP',
  'CQL_USERNAME',
  'CQL_PASSWORD',
  'MEDUSA_INI',
  'MEDUSA_CONFIGURATION',
] as const;

const defaultResources: V1ResourceRequirements = {
  requests: { cpu: '100m', memory: '100Mi' },
  limits: { memory: '8Gi' },
};

export interface PodMounts {
  /** Volume holding Cassandra's data directory in the Cassandra container. */
  data: string;
  /** Volume holding the rendered Cassandra configuration, when there is one. */
  config?: string;
}

function fieldEnv(name: string, fieldPath: string): V1EnvVar {
  return { name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } };
}

function env(plan: InjectionPlan, mode: 'GRPC' | 'RESTORE'): V1EnvVar[] {
  const secretEnv = (name: string, key: string): V1EnvVar => ({
    name,
    valueFrom: { secretKeyRef: { name: plan.cqlSecret.name, key, optional: plan.cqlSecret.optional } },
  });
  return [
    { name: 'MEDUSA_MODE', value: mode },
    { name: 'MEDUSA_TMP_DIR', value: dataPath },
    fieldEnv('POD_NAME', 'metadata.name'),
    fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
    fieldEnv('POD_IP', 'status.podIP'),
    secretEnv('CQL_USERNAME', 'username'),
    secretEnv('CQL_PASSWORD', 'password'),
    { name: 'MEDUSA_INI', value: plan.medusaIni },
    // The sidecar reports its periodic storage check on this MedusaConfiguration's status.
    ...(mode === 'GRPC' && plan.configuration
      ? [{ name: 'MEDUSA_CONFIGURATION', value: plan.configuration }]
      : []),
  ];
}

function mounts(plan: InjectionPlan, pod: PodMounts): V1VolumeMount[] {
  const list: V1VolumeMount[] = [];
  if (pod.config) list.push({ name: pod.config, mountPath: cassandraConfigPath });
  list.push(
    { name: pod.data, mountPath: dataPath },
    { name: volumeNames.podinfo, mountPath: '/etc/podinfo' },
    { name: volumeNames.tmp, mountPath: '/tmp' },
  );
  if (plan.certificatesSecret) list.push({ name: volumeNames.certificates, mountPath: certificatesPath });
  const stores = plan.clientEncryptionStores;
  if (stores) {
    list.push({ name: volumeNames.certfile, mountPath: `${certificatesPath}/certfile` });
    list.push({ name: volumeNames.usercert, mountPath: `${certificatesPath}/usercert` });
    // Unlike k8ssandra-operator, only mounted when its volume exists (§7.8).
    if (stores.truststorePasswordSecretRef?.name)
      list.push({ name: volumeNames.userkey, mountPath: `${certificatesPath}/userkey` });
  }
  if (plan.grpcServerSecret) list.push({ name: volumeNames.grpcServerCerts, mountPath: grpcServerCertsPath });
  if (plan.storageSecret)
    list.push({ name: volumeNames.storageSecret, mountPath: medusaSecretsPath, readOnly: true });
  if (plan.managementApiSecret)
    list.push({ name: volumeNames.managementApi, mountPath: managementApiCertsPath, readOnly: true });
  if (plan.localVolume) list.push({ name: volumeNames.localBackups, mountPath: localBackupsPath });
  return list;
}

/** The pod volumes the mounts refer to, except the Cassandra ones the pod already has. */
export function medusaVolumes(plan: InjectionPlan): V1Volume[] {
  const secret = (name: string, secretName: string): V1Volume => ({ name, secret: { secretName } });
  const list: V1Volume[] = [
    { name: volumeNames.tmp, emptyDir: {} },
    {
      name: volumeNames.podinfo,
      downwardAPI: {
        items: [{ path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } }],
      },
    },
  ];
  if (plan.certificatesSecret) list.push(secret(volumeNames.certificates, plan.certificatesSecret));
  const stores = plan.clientEncryptionStores;
  if (stores) {
    list.push(secret(volumeNames.certfile, stores.keystoreSecretRef.name));
    list.push(secret(volumeNames.usercert, stores.truststoreSecretRef.name));
    if (stores.truststorePasswordSecretRef?.name)
      list.push(secret(volumeNames.userkey, stores.truststorePasswordSecretRef.name));
  }
  if (plan.grpcServerSecret) list.push(secret(volumeNames.grpcServerCerts, plan.grpcServerSecret));
  if (plan.storageSecret) list.push(secret(volumeNames.storageSecret, plan.storageSecret));
  if (plan.managementApiSecret) list.push(secret(volumeNames.managementApi, plan.managementApiSecret));
  if (plan.localVolume) list.push({ ...plan.localVolume, name: volumeNames.localBackups } as V1Volume);
  return list;
}

const timingFields = [
  'initialDelaySeconds',
  'timeoutSeconds',
  'periodSeconds',
  'successThreshold',
  'failureThreshold',
  'terminationGracePeriodSeconds',
] as const;

/**
 * The default probe with the configured timings. Without gRPC TLS the kubelet's native gRPC probe
 * is used; with TLS, grpc_health_probe (as k8ssandra-operator does), since native probes cannot
 * present a client certificate.
 */
function probe(plan: InjectionPlan, custom: V1Probe | undefined): V1Probe {
  const handler: V1Probe = plan.grpcServerSecret
    ? {
        exec: {
          command: [
            '/bin/grpc_health_probe',
            `--addr=:${plan.grpcPort}`,
            '--tls',
            `--tls-ca-cert=${grpcServerCertsPath}/ca.crt`,
            `--tls-client-cert=${grpcServerCertsPath}/tls.crt`,
            `--tls-client-key=${grpcServerCertsPath}/tls.key`,
          ],
        },
      }
    : { grpc: { port: plan.grpcPort, service: '' } };
  const result: V1Probe = {
    ...handler,
    initialDelaySeconds: 10,
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 10,
  };
  for (const field of timingFields) {
    const value = custom?.[field];
    if (value !== undefined) result[field] = value;
  }
  return result;
}

function base(plan: InjectionPlan, pod: PodMounts, mode: 'GRPC' | 'RESTORE'): V1Container {
  return {
    name: mode === 'GRPC' ? sidecarName : restoreInitContainer,
    image: plan.image,
    imagePullPolicy: plan.pullPolicy,
    command: [agentCommand],
    args: [mode === 'GRPC' ? 'sidecar' : 'restore'],
    env: env(plan, mode),
    resources: (mode === 'GRPC' ? plan.containerResources : plan.initContainerResources) ?? defaultResources,
    volumeMounts: mounts(plan, pod),
    ...(plan.securityContext ? { securityContext: plan.securityContext } : {}),
  };
}

export function sidecarContainer(plan: InjectionPlan, pod: PodMounts): V1Container {
  return {
    ...base(plan, pod, 'GRPC'),
    ports: [{ name: 'grpc', containerPort: plan.grpcPort, protocol: 'TCP' }],
    readinessProbe: probe(plan, plan.readinessProbe),
    livenessProbe: probe(plan, plan.livenessProbe),
  };
}

export function restoreContainer(plan: InjectionPlan, pod: PodMounts): V1Container {
  return base(plan, pod, 'RESTORE');
}
