import * as k8s from '@kubernetes/client-node';
import { withKubeRetry } from '../lib/kube-retry.js';
import { secretPresence, type SecretPresence } from '../lib/secret-presence.js';
import { group as medusaGroup, plurals, version as medusaVersion } from '../crds/index.js';
import { datacenterGroup, datacenterPlural, datacenterVersion } from '../lib/cass-operator.js';

// What admission reads from the cluster, behind a small interface: the webhook uses the
// apiserver; unit tests and the benchmark use objects held in memory.

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind?: string; name?: string; apiVersion?: string }[];
    creationTimestamp?: string;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface Resource {
  group: string;
  version: string;
  plural: string;
}

export const resources = {
  configuration: { group: medusaGroup, version: medusaVersion, plural: plurals.MedusaConfiguration },
  backup: { group: medusaGroup, version: medusaVersion, plural: plurals.MedusaBackup },
  backupJob: { group: medusaGroup, version: medusaVersion, plural: plurals.MedusaBackupJob },
  datacenter: { group: datacenterGroup, version: datacenterVersion, plural: datacenterPlural },
  statefulSet: { group: 'apps', version: 'v1', plural: 'statefulsets' },
} as const satisfies Record<string, Resource>;

export interface ClusterReader {
  /** The object, or undefined when it (or its resource type) does not exist. */
  get(resource: Resource, namespace: string, name: string): Promise<KubeObject | undefined>;
  /** Objects of one namespace, or of all namespaces when namespace is undefined. */
  list(resource: Resource, namespace?: string): Promise<KubeObject[]>;
  /**
   * Whether a secret exists, read as metadata only (lib/secret-presence.ts); readers that cannot
   * tell (memory readers) leave it out. Used for warnings only.
   */
  secret?(namespace: string, name: string): Promise<SecretPresence>;
}

/** A lookup that took longer than the admission deadline allows. */
export class LookupError extends Error {}

async function withDeadline<T>(what: string, ms: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LookupError(`${what}: no answer from the apiserver in ${ms}ms`)), ms);
  });
  try {
    return await Promise.race([call(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const notFound = (error: unknown): boolean => error instanceof k8s.ApiException && error.code === 404;

/**
 * Reads through the apiserver with the webhook's own credentials. An answer that means "try again"
 * (429 while a CRD's storage initializes, 5xx, a dropped connection) is retried, honouring
 * Retry-After, for up to timeoutMs per lookup: with the server's decision timeout (8s) that keeps
 * the answer inside the webhook's timeoutSeconds (10s, webhook/manifests.ts).
 */
export function kubeClusterReader(kc: k8s.KubeConfig, timeoutMs = 4000): ClusterReader {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const retried = <T>(what: string, call: () => Promise<T>) =>
    withDeadline(what, timeoutMs, () =>
      // Leave room for the last attempt's answer inside the deadline.
      withKubeRetry(call, { deadlineMs: timeoutMs * 0.75, baseDelayMs: 100, maxDelayMs: 1000 }),
    );
  return {
    async get(resource, namespace, name) {
      const what = `get ${resource.plural} ${namespace}/${name}`;
      try {
        return (await retried(what, () =>
          api.getNamespacedCustomObject({ ...resource, namespace, name }),
        )) as KubeObject;
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error instanceof LookupError ? error : new LookupError(`${what}: ${describe(error)}`);
      }
    },
    async list(resource, namespace) {
      const what = `list ${resource.plural}${namespace ? ` in ${namespace}` : ''}`;
      try {
        const answer = (await retried(what, () =>
          namespace === undefined
            ? api.listClusterCustomObject({ ...resource })
            : api.listNamespacedCustomObject({ ...resource, namespace }),
        )) as { items?: KubeObject[] };
        return answer.items ?? [];
      } catch (error) {
        if (notFound(error)) return [];
        throw error instanceof LookupError ? error : new LookupError(`${what}: ${describe(error)}`);
      }
    },
    async secret(namespace, name) {
      // Same service account as the controller, whose role grants the get (charts: rbac-controller).
      return withDeadline(`get secret ${namespace}/${name}`, timeoutMs, () =>
        secretPresence(kc, namespace, name, {
          deadlineMs: timeoutMs * 0.75,
          baseDelayMs: 100,
          maxDelayMs: 1000,
        }),
      ).catch((error: unknown) => ({ state: 'unreadable' as const, detail: describe(error) }));
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof k8s.ApiException) {
    const tries = /\(after \d+ attempts in \d+ms\)$/.exec(error.message)?.[0];
    return `HTTP ${error.code}${tries ? ` ${tries}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Objects held in memory, keyed by resource, namespace and name. */
export function memoryClusterReader(objects: { resource: Resource; object: KubeObject }[]): ClusterReader {
  const key = (r: Resource) => `${r.group}/${r.plural}`;
  return {
    get(resource, namespace, name) {
      const found = objects.find(
        (o) =>
          key(o.resource) === key(resource) &&
          o.object.metadata?.namespace === namespace &&
          o.object.metadata?.name === name,
      );
      return Promise.resolve(found ? structuredClone(found.object) : undefined);
    },
    list(resource, namespace) {
      return Promise.resolve(
        objects
          .filter(
            (o) =>
              key(o.resource) === key(resource) &&
              (namespace === undefined || o.object.metadata?.namespace === namespace),
          )
          .map((o) => structuredClone(o.object)),
      );
    },
  };
}
