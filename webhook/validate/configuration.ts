import { parseBandwidth } from '../../lib/units.js';
import {
  prefixAnnotation,
  readBinding,
  validateMedusaConfiguration,
  type MedusaConfigurationSpec,
  type Storage,
  type StorageProvider,
} from '../../crds/index.js';
import { resources } from '../cluster.js';
import { writers } from './writers.js';
import { fromSchema, hasControlCharacters, type Findings, type ValidationContext } from './result.js';
import { prefixProblems } from './prefix.js';

// MedusaConfiguration: the CRD schema and rules (crds/), then what the schema cannot express.

const sp = 'spec.storageProperties';

const bucketRules: Record<StorageProvider, { pattern: RegExp; allowed: string }> = {
  s3: {
    pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    allowed: '3-63 lowercase letters, digits, "." and "-"',
  },
  s3_compatible: {
    pattern: /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/,
    allowed: '3-63 lowercase letters, digits, ".", "_" and "-"',
  },
  s3_rgw: {
    pattern: /^[a-z0-9][a-z0-9._-]{1,253}[a-z0-9]$/,
    allowed: 'lowercase letters, digits, ".", "_" and "-"',
  },
  ibm_storage: {
    pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    allowed: '3-63 lowercase letters, digits, "." and "-"',
  },
  google_storage: {
    pattern: /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/,
    allowed: '3-222 lowercase letters, digits, ".", "_" and "-"',
  },
  local: {
    pattern: /^(?!\.{1,2}$)[^/]{1,255}$/,
    allowed: 'a directory name under /mnt/backups: 1-255 characters, no "/", not "." or ".."',
  },
  azure_blobs: {
    pattern: /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/,
    allowed: '3-63 lowercase letters, digits and single "-" (an Azure container name)',
  },
};

const s3Family: readonly StorageProvider[] = ['s3', 's3_compatible', 's3_rgw', 'ibm_storage'];
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const probeHandlers = ['exec', 'grpc', 'httpGet', 'tcpSocket'] as const;
const imageTag = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const imagePart = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

function checkStorage(s: Storage, out: Findings): void {
  const add = (field: string, message: string) => out.causes.push({ field: `${sp}.${field}`, message });
  for (const [field, value] of Object.entries(s)) {
    if (typeof value === 'string' && hasControlCharacters(value))
      add(field, 'must be a single line without control characters');
  }
  if (s.storageProvider !== undefined && s.bucketName) {
    const rule = bucketRules[s.storageProvider];
    if (!rule.pattern.test(s.bucketName))
      add('bucketName', `"${s.bucketName}" is not a valid ${s.storageProvider} bucket name: ${rule.allowed}`);
  }
  if (s.host !== undefined && s.host !== '' && (/^[a-z]+:\/\//i.test(s.host) || /[/\s]/.test(s.host))) {
    add(
      'host',
      `"${s.host}" must be a host name or IP address, without scheme or path (use port and secure)`,
    );
  }
  if (s.port !== undefined && (s.port < 1 || s.port > 65535) && s.port !== 0)
    add('port', 'must be between 1 and 65535');
  try {
    if (parseBandwidth(s.transferMaxBandwidth) <= 0)
      add('transferMaxBandwidth', 'must be more than 0 (example: 50MB/s)');
  } catch {
    add(
      'transferMaxBandwidth',
      `"${s.transferMaxBandwidth}" is not a bandwidth: write a size per second such as 50MB/s, 512KB/s or 1GB/s`,
    );
  }
  const counts = {
    maxBackupAge: s.maxBackupAge,
    maxBackupCount: s.maxBackupCount,
    concurrentTransfers: s.concurrentTransfers,
    multiPartUploadThreshold: s.multiPartUploadThreshold,
    backupGracePeriodInDays: s.backupGracePeriodInDays,
  };
  for (const [field, value] of Object.entries(counts)) {
    if (value !== undefined && value < 0) add(field, `must be 0 or more, got ${value}`);
  }
  if (s.concurrentTransfers > 1024) add('concurrentTransfers', 'must be at most 1024');
  if (
    s.multiPartUploadThreshold > 0 &&
    s.multiPartUploadThreshold < 5 * 1024 * 1024 &&
    s.storageProvider !== undefined &&
    s3Family.includes(s.storageProvider)
  ) {
    add(
      'multiPartUploadThreshold',
      'must be at least 5242880 bytes (5 MiB, the smallest S3 multipart part) or 0',
    );
  }
  if (s.prefix !== undefined) for (const problem of prefixProblems(s.prefix)) add('prefix', problem);
  if (s.localVolume !== undefined) checkLocalVolume(s, out);
  const secret = s.storageSecretRef?.name;
  if (secret && !dns1123Subdomain.test(secret))
    add('storageSecretRef.name', `"${secret}" is not a valid Secret name`);
}

/** Volume sources a shared backup volume can come from (corev1.VolumeSource members). */
const volumeSources = [
  'nfs',
  'persistentVolumeClaim',
  'hostPath',
  'cephfs',
  'glusterfs',
  'csi',
  'azureFile',
  'iscsi',
  'fc',
  'flexVolume',
  'portworxVolume',
  'quobyte',
  'emptyDir',
];

function checkLocalVolume(s: Storage, out: Findings): void {
  const field = `${sp}.localVolume`;
  if (s.storageProvider !== 'local') {
    out.warnings.push(
      `${field} is only used by storageProvider local; ${s.storageProvider ?? 'this configuration'} ignores it`,
    );
    return;
  }
  const keys = Object.keys(s.localVolume ?? {});
  if (keys.length !== 1 || !volumeSources.includes(keys[0] ?? '')) {
    out.causes.push({
      field,
      message: `must hold exactly one volume source (${volumeSources.slice(0, 3).join(', ')}, ...), got ${keys.length === 0 ? 'none' : keys.join(', ')}`,
    });
  } else if (keys[0] === 'emptyDir') {
    out.causes.push({
      field: `${field}.emptyDir`,
      message:
        'is not shared between nodes and disappears with the pod: use nfs or a ReadWriteMany persistentVolumeClaim',
    });
  }
}

function checkWarnings(s: Storage, out: Findings): void {
  if (s.storageProvider === undefined) return;
  if (!s3Family.includes(s.storageProvider) && s.apiProfile) {
    out.warnings.push(`${sp}.apiProfile is only used by S3 providers; ${s.storageProvider} ignores it`);
  }
  if (s.storageProvider === 's3' && !s.region) {
    out.warnings.push(`${sp}.region is not set: Medusa will use its default region`);
  }
}

function checkProbe(
  field: 'readinessProbe' | 'livenessProbe',
  probe: Record<string, unknown> | undefined,
  out: Findings,
): void {
  if (!probe) return;
  for (const handler of probeHandlers) {
    if (probe[handler] !== undefined) {
      out.causes.push({
        field: `spec.${field}.${handler}`,
        message:
          "the probe handler is Medusa's gRPC health check and cannot be changed; only initialDelaySeconds, timeoutSeconds, periodSeconds, successThreshold and failureThreshold may be set",
        reason: 'FieldValueForbidden',
      });
    }
  }
  const minimum: Record<string, number> = {
    initialDelaySeconds: 0,
    timeoutSeconds: 1,
    periodSeconds: 1,
    successThreshold: 1,
    failureThreshold: 1,
  };
  for (const [timing, min] of Object.entries(minimum)) {
    const value = probe[timing];
    if (typeof value === 'number' && value < min) {
      out.causes.push({ field: `spec.${field}.${timing}`, message: `must be ${min} or more, got ${value}` });
    }
  }
  if (
    field === 'livenessProbe' &&
    typeof probe.successThreshold === 'number' &&
    probe.successThreshold !== 1
  ) {
    out.causes.push({ field: `spec.${field}.successThreshold`, message: 'must be 1 for a liveness probe' });
  }
}

function checkContainer(spec: MedusaConfigurationSpec, out: Findings): void {
  const image = spec.containerImage;
  if (image) {
    if (image.tag !== '' && !imageTag.test(image.tag))
      out.causes.push({
        field: 'spec.containerImage.tag',
        message: `"${image.tag}" is not a valid image tag`,
      });
    for (const part of ['repository', 'name'] as const) {
      const value = image[part];
      if (value && !imagePart.test(value))
        out.causes.push({
          field: `spec.containerImage.${part}`,
          message: `"${value}" is not a valid image ${part}: lowercase letters, digits, ".", "_", "-" and "/"`,
        });
    }
    if (image.registry && /[\s/]|^[a-z]+:/i.test(image.registry.replace(/:\d+$/, ''))) {
      out.causes.push({
        field: 'spec.containerImage.registry',
        message: `"${image.registry}" must be a registry host (and port), without scheme or path`,
      });
    }
  }
  const service = spec.serviceProperties;
  if (service?.grpcPort !== undefined && (service.grpcPort < 0 || service.grpcPort > 65535)) {
    out.causes.push({
      field: 'spec.serviceProperties.grpcPort',
      message: 'must be between 1 and 65535, or 0 for the default 50051',
    });
  }
  if (service?.encryption) {
    for (const key of ['clientSecretName', 'serverSecretName'] as const) {
      if (!service.encryption[key])
        out.causes.push({
          field: `spec.serviceProperties.encryption.${key}`,
          message: 'is required when encryption is set',
          reason: 'FieldValueRequired',
        });
    }
  }
  const stores = spec.clientEncryptionStores;
  if (stores) {
    for (const key of ['keystoreSecretRef', 'truststoreSecretRef'] as const) {
      if (!stores[key].name)
        out.causes.push({
          field: `spec.clientEncryptionStores.${key}.name`,
          message: 'is required',
          reason: 'FieldValueRequired',
        });
    }
  }
  checkProbe('readinessProbe', spec.readinessProbe, out);
  checkProbe('livenessProbe', spec.livenessProbe, out);
}

/** Datacenters bound to this configuration without a prefix of their own need its prefix. */
async function checkBoundDatacenters(
  name: string,
  spec: MedusaConfigurationSpec,
  ctx: ValidationContext,
  out: Findings,
): Promise<void> {
  if (spec.storageProperties?.prefix) return;
  const [datacenters, statefulSets] = await Promise.all([
    ctx.reader.list(resources.datacenter, ctx.namespace),
    ctx.reader.list(resources.statefulSet, ctx.namespace),
  ]);
  const relying = [
    ...datacenters.map((o) => ['CassandraDatacenter', o] as const),
    ...statefulSets.map((o) => ['StatefulSet', o] as const),
  ].filter(([, o]) => {
    const binding = readBinding(o.metadata?.annotations);
    return binding?.configuration === name && !binding.prefix;
  });
  if (relying.length === 0) return;
  const who = relying.map(([kind, o]) => `${kind} ${o.metadata?.name}`).join(', ');
  out.causes.push({
    field: `${sp}.prefix`,
    message: `is required: ${who} ${relying.length === 1 ? 'is' : 'are'} bound to this configuration without a ${prefixAnnotation} annotation`,
    reason: 'FieldValueRequired',
  });
}

/** After this change, would two clusters write the same prefix of the same bucket? */
async function checkPrefixClash(
  name: string,
  spec: MedusaConfigurationSpec,
  ctx: ValidationContext,
  out: Findings,
): Promise<void> {
  const key = `${ctx.namespace}/${name}`;
  const all = await writers(ctx, { key, spec });
  for (const mine of all.filter((w) => w.configuration === key)) {
    const clash = all.find(
      (w) => w.bucket === mine.bucket && w.prefix === mine.prefix && w.cluster !== mine.cluster,
    );
    if (!clash) continue;
    out.causes.push({
      field: `${sp}.bucketName`,
      message: `with this change, cluster ${mine.cluster} (${mine.holder} ${mine.namespace}/${mine.name}) would write prefix "${mine.prefix}" of bucket ${mine.bucket}, which cluster ${clash.cluster} (${clash.holder} ${clash.namespace}/${clash.name}) already uses`,
    });
    return;
  }
}

export async function validateConfiguration(
  object: unknown,
  ctx: ValidationContext,
  out: Findings,
): Promise<void> {
  const checked = validateMedusaConfiguration(object);
  if (!checked.ok) {
    out.causes.push(...fromSchema(checked.errors));
    return;
  }
  const spec = checked.value.spec;
  if (!spec) {
    out.causes.push({ field: 'spec', message: 'is required', reason: 'FieldValueRequired' });
    return;
  }
  if (spec.storageProperties?.storageProvider === undefined) {
    out.causes.push({
      field: `${sp}.storageProvider`,
      message: 'is required: one of google_storage, azure_blobs, s3, s3_compatible, s3_rgw, ibm_storage',
      reason: 'FieldValueRequired',
    });
  }
  if (spec.storageProperties) {
    checkStorage(spec.storageProperties, out);
    checkWarnings(spec.storageProperties, out);
  }
  checkContainer(spec, out);
  const name = checked.value.metadata.name ?? '';
  if (out.causes.length === 0) await checkBoundDatacenters(name, spec, ctx, out);
  if (out.causes.length === 0) await checkPrefixClash(name, spec, ctx, out);
}
