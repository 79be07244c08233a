import type { MedusaConfigurationSpec } from './schemas/medusaconfiguration.js';

// How a datacenter opts in: annotations on a CassandraDatacenter (cass-operator) or on any plain
// StatefulSet. Read by the admission webhook and the controller.

/** Name of the MedusaConfiguration (same namespace) the datacenter uses. */
export const configurationAnnotation = 'medusa.k8ssandra.io/configuration';
/** Top-level folder of this datacenter's backups in the bucket. */
export const prefixAnnotation = 'medusa.k8ssandra.io/prefix';
/**
 * How the agent reaches Cassandra for snapshots: `management-api` (cass-operator's, the default for a
 * CassandraDatacenter) or `jolokia` (a Jolokia JVM agent at 127.0.0.1:8778 in the pod, the default
 * for a plain StatefulSet). kubectl-medusa extension.
 */
export const cassandraApiAnnotation = 'medusa.k8ssandra.io/cassandra-api';
export const cassandraApis = ['management-api', 'jolokia'] as const;
export type CassandraApi = (typeof cassandraApis)[number];

/** Set by k8ssandra-operator on the DC when serviceProperties.grpcPort is non-zero (informational). */
export const grpcPortAnnotation = 'medusa.k8ssandra.io/grpc-port';
/** Set by k8ssandra-operator on the DC: secret with the gRPC client certificate. */
export const grpcClientSecretAnnotation = 'medusa.k8ssandra.io/grpc-client-secret-name';

/**
 * On a bound StatefulSet's pod template (so on its pods) while its MedusaConfiguration does not
 * exist: the webhook stamps it instead of the medusa containers, the controller lifts it when the
 * configuration appears (the template change re-runs the injection and rolls the pods).
 */
export const awaitingConfigurationAnnotation = 'medusa.k8ssandra.io/awaiting-configuration';

export const bindingAnnotations = {
  configuration: configurationAnnotation,
  prefix: prefixAnnotation,
} as const;

/** A datacenter's binding, as read from its annotations. */
export interface MedusaBinding {
  configuration: string;
  /** Unset: the configuration's storageProperties.prefix applies. */
  prefix?: string;
}

export interface BindingError {
  /** The annotation key at fault. */
  field: string;
  message: string;
}

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The binding carried by these annotations, or undefined when the datacenter did not opt in. */
export function readBinding(annotations: Record<string, string> | undefined): MedusaBinding | undefined {
  const configuration = annotations?.[configurationAnnotation];
  if (configuration === undefined) return undefined;
  const prefix = annotations?.[prefixAnnotation];
  return prefix === undefined ? { configuration } : { configuration, prefix };
}

/** What is wrong with a binding; `configuration` is the bound spec when it is known. */
export function bindingErrors(
  annotations: Record<string, string> | undefined,
  configuration?: MedusaConfigurationSpec,
): BindingError[] {
  const errors: BindingError[] = [];
  const name = annotations?.[configurationAnnotation];
  const prefix = annotations?.[prefixAnnotation];
  if (name === undefined) {
    if (prefix !== undefined) {
      errors.push({
        field: prefixAnnotation,
        message: `${prefixAnnotation} needs ${configurationAnnotation}`,
      });
    }
    return errors;
  }
  if (name.length > 253 || !dns1123Subdomain.test(name)) {
    errors.push({
      field: configurationAnnotation,
      message: `"${name}" is not a valid MedusaConfiguration name (DNS-1123 subdomain)`,
    });
  }
  if (prefix !== undefined) errors.push(...prefixErrors(prefix));
  if (configuration && resolvePrefix({ configuration: name, prefix }, configuration) === undefined) {
    errors.push({
      field: prefixAnnotation,
      message: `${prefixAnnotation} must be set: MedusaConfiguration ${name} has no storageProperties.prefix`,
    });
  }
  return errors;
}

function prefixErrors(prefix: string): BindingError[] {
  const problems: string[] = [];
  if (prefix.trim() === '') problems.push('must not be empty');
  if (prefix.startsWith('/') || prefix.endsWith('/')) problems.push('must not start or end with "/"');
  if (prefix.split('/').some((part) => part === '.' || part === '..'))
    problems.push('must not contain "." or ".."');
  if (prefix.length > 255) problems.push('must be at most 255 characters');
  return problems.map((p) => ({ field: prefixAnnotation, message: `${prefixAnnotation} ${p}` }));
}

/** The bucket prefix a bound datacenter uses: its annotation, else the configuration's prefix. */
export function resolvePrefix(
  binding: { configuration: string; prefix?: string | undefined },
  configuration: MedusaConfigurationSpec,
): string | undefined {
  const fromAnnotation = binding.prefix;
  if (fromAnnotation !== undefined && fromAnnotation !== '') return fromAnnotation;
  const fromConfiguration = configuration.storageProperties?.prefix;
  return fromConfiguration === undefined || fromConfiguration === '' ? undefined : fromConfiguration;
}
