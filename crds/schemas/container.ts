import { z } from 'zod';
import { crdMeta, int32, listMap, int64, intOrString, localObjectReference, quantity } from '../common.js';

// The Medusa container settings k8ssandra-operator keeps in K8ssandraCluster spec.medusa,
// with the shapes of the corev1 types they embed (trimmed to the fields a sidecar can use).

/** k8ssandra `images.Image`. */
export const imageSchema = z.object({
  registry: z.string().optional(),
  repository: z.string().optional(),
  name: z.string().optional(),
  tag: z.string().default('latest'),
  pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  pullSecretRef: localObjectReference().optional(),
});

/** corev1.ResourceRequirements. */
export const resourcesSchema = z.object({
  limits: z.record(z.string(), quantity()).optional(),
  requests: z.record(z.string(), quantity()).optional(),
  claims: listMap(z.array(z.object({ name: z.string(), request: z.string().optional() })), [
    'name',
  ]).optional(),
});

const capabilitiesSchema = z.object({
  add: crdMeta(z.array(z.string()), { 'x-kubernetes-list-type': 'atomic' }).optional(),
  drop: crdMeta(z.array(z.string()), { 'x-kubernetes-list-type': 'atomic' }).optional(),
});

const profileSchema = z.object({
  type: z.string(),
  localhostProfile: z.string().optional(),
});

/** corev1.SecurityContext (container level). */
export const securityContextSchema = z.object({
  allowPrivilegeEscalation: z.boolean().optional(),
  appArmorProfile: profileSchema.optional(),
  capabilities: capabilitiesSchema.optional(),
  privileged: z.boolean().optional(),
  procMount: z.string().optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
  runAsGroup: int64().optional(),
  runAsNonRoot: z.boolean().optional(),
  runAsUser: int64().optional(),
  seLinuxOptions: z
    .object({
      level: z.string().optional(),
      role: z.string().optional(),
      type: z.string().optional(),
      user: z.string().optional(),
    })
    .optional(),
  seccompProfile: profileSchema.optional(),
  windowsOptions: z
    .object({
      gmsaCredentialSpec: z.string().optional(),
      gmsaCredentialSpecName: z.string().optional(),
      hostProcess: z.boolean().optional(),
      runAsUserName: z.string().optional(),
    })
    .optional(),
});

/** corev1.Probe. k8ssandra only lets the timings differ from its exec handler. */
export const probeSchema = z.object({
  exec: z
    .object({ command: crdMeta(z.array(z.string()), { 'x-kubernetes-list-type': 'atomic' }).optional() })
    .optional(),
  grpc: z.object({ port: int32(), service: z.string().default('') }).optional(),
  httpGet: z
    .object({
      host: z.string().optional(),
      httpHeaders: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
      path: z.string().optional(),
      port: intOrString(),
      scheme: z.string().optional(),
    })
    .optional(),
  tcpSocket: z.object({ host: z.string().optional(), port: intOrString() }).optional(),
  initialDelaySeconds: int32().optional(),
  timeoutSeconds: int32().optional(),
  periodSeconds: int32().optional(),
  successThreshold: int32().optional(),
  failureThreshold: int32().optional(),
  terminationGracePeriodSeconds: int64().optional(),
});

/** A `{name, key}` secret selector as used by k8ssandra `encryption.Stores`. */
const secretKeyRef = () => z.object({ name: z.string().default(''), key: z.string().optional() });

/** k8ssandra `encryption.Stores` (clientEncryptionStores). */
export const encryptionStoresSchema = z.object({
  keystoreSecretRef: secretKeyRef(),
  truststoreSecretRef: secretKeyRef(),
  keystorePasswordSecretRef: secretKeyRef().optional(),
  truststorePasswordSecretRef: secretKeyRef().optional(),
});
