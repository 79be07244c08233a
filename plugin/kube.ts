// Kubeconfig, context and namespace resolution as kubectl does it, and API errors made helpful.
import * as k8s from '@kubernetes/client-node';
import { retrying } from '../lib/kube-retry.js';
import { MedusaError } from './errors.js';

export interface KubeFlags {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
  allNamespaces?: boolean | undefined;
}

export interface Kube {
  config: k8s.KubeConfig;
  /** The namespace from -n, else the context's, else "default". */
  namespace: string;
  /** Undefined when -A asks for every namespace. */
  listNamespace: string | undefined;
  custom: k8s.CustomObjectsApi;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
}

export function connect(flags: KubeFlags): Kube {
  const config = new k8s.KubeConfig();
  try {
    if (flags.kubeconfig) config.loadFromFile(flags.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
    throw new MedusaError('MDS-KUBE-E001', `cannot read kubeconfig: ${(error as Error).message}`, {
      hint: 'pass --kubeconfig or set KUBECONFIG',
    });
  }
  if (flags.context) {
    if (!config.getContextObject(flags.context)) {
      throw new MedusaError('MDS-KUBE-E002', `context "${flags.context}" does not exist in the kubeconfig`, {
        hint: `known contexts: ${
          config
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        }`,
      });
    }
    config.setCurrentContext(flags.context);
  }
  if (!config.getCurrentCluster()) {
    throw new MedusaError('MDS-KUBE-E003', 'the kubeconfig has no current cluster', {
      hint: 'choose one with --context or kubectl config use-context',
    });
  }
  const namespace =
    flags.namespace ?? config.getContextObject(config.getCurrentContext())?.namespace ?? 'default';
  return {
    config,
    namespace,
    listNamespace: flags.allNamespaces ? undefined : namespace,
    // "Try again" answers (429, 5xx, dropped connections) are retried inside each call.
    custom: retrying(config.makeApiClient(k8s.CustomObjectsApi)),
    core: retrying(config.makeApiClient(k8s.CoreV1Api)),
    apps: retrying(config.makeApiClient(k8s.AppsV1Api)),
  };
}

interface ApiErrorLike {
  code?: number | string;
  body?: unknown;
  cause?: { code?: string };
  message?: string;
}

/**
 * Turns an API error into a MedusaError that says what to do: CRDs missing, not found,
 * no permission, webhook unreachable, API server unreachable.
 */
export function explainApiError(
  error: unknown,
  what: { verb: string; resource: string; namespace?: string | undefined; name?: string },
): MedusaError {
  const e = error as ApiErrorLike;
  const body =
    typeof e.body === 'string' ? safeJson(e.body) : (e.body as Record<string, unknown> | undefined);
  const message = String(body?.message ?? e.message ?? error);
  const where = what.namespace ? ` in namespace "${what.namespace}"` : '';
  const networkCode =
    e.cause?.code ??
    (typeof e.code === 'string' ? e.code : undefined) ??
    /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH/.exec(message)?.[0];
  if (networkCode) {
    return new MedusaError('MDS-KUBE-E010', `cannot reach the Kubernetes API server (${networkCode})`, {
      source: 'system',
      hint: 'check --context/--kubeconfig and that the cluster is up',
      cause: error,
    });
  }
  if (e.code === 404 && /the server could not find the requested resource/i.test(message)) {
    return new MedusaError(
      'MDS-KUBE-E011',
      `the ${what.resource} resource is not installed in this cluster`,
      {
        hint: 'install the medusa.k8ssandra.io CRDs: kubectl apply -f crds/all.yaml (or the Helm chart)',
        cause: error,
      },
    );
  }
  if (e.code === 404) {
    return new MedusaError('MDS-KUBE-E012', `${what.resource} "${what.name ?? ''}" not found${where}`, {
      hint: `list them with: kubectl medusa ${what.resource.startsWith('medusabackup') ? 'backups' : 'tasks'}${what.namespace ? ` -n ${what.namespace}` : ''}`,
      cause: error,
    });
  }
  if (e.code === 403) {
    return new MedusaError(
      'MDS-KUBE-E013',
      `permission denied: you need "${what.verb}" on ${what.resource}${where}`,
      {
        hint: 'see docs/plugin.md#permissions for the role each command needs',
        cause: error,
      },
    );
  }
  if (/failed calling webhook/i.test(message)) {
    return new MedusaError('MDS-KUBE-E014', `the medusa admission webhook did not answer: ${message}`, {
      source: 'system',
      hint: 'check that the kubectl-medusa webhook deployment is running',
      cause: error,
    });
  }
  if (e.code === 422 || e.code === 400) {
    return new MedusaError('MDS-KUBE-E015', `the API server refused the ${what.resource}: ${message}`, {
      cause: error,
    });
  }
  if (e.code === 409) {
    return new MedusaError('MDS-KUBE-E016', `${what.resource} "${what.name ?? ''}" already exists${where}`, {
      hint: 'choose another --name',
      cause: error,
    });
  }
  return new MedusaError('MDS-KUBE-E019', `${what.verb} ${what.resource} failed: ${message}`, {
    source: 'system',
    cause: error,
  });
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
