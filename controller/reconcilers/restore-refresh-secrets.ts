// After a restore, the credentials of a CassandraDatacenter are applied again, as k8ssandra-operator
// does (pkg/medusa/refresh_secrets.go, #1080): the restored system_auth holds the roles and
// passwords of the backup's time, so every secret of `spec.users[].secretName` and the superuser
// secret (`spec.superuserSecretName`, else `<cluster>-superuser`) gets the annotation
// `k8ssandra.io/refresh`, and cass-operator, which watches those secrets, re-applies them.
// Plain StatefulSets have no such mechanism (docs/api.md says what the user does).
// Only the annotation is patched, and the answer is asked for as metadata only
// (PartialObjectMetadata): the secrets' data never reaches the controller.
import { cassOperator } from '../../lib/datacenter.js';
import { cleanupForKubernetes } from '../../lib/cass-operator.js';
import { KubeApiError, kubeRequest } from '../../lib/kube-request.js';
import type { MedusaObject } from '../../lib/medusa-api.js';
import type { Context } from '../context.js';

export const refreshAnnotation = 'k8ssandra.io/refresh';

const metadataOnly = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

interface CassandraDatacenterSpec {
  clusterName?: string;
  superuserSecretName?: string;
  users?: { secretName?: string }[];
}

/** The secrets k8ssandra-operator refreshes: every user's, then the superuser's. Pure. */
export function credentialSecrets(spec: CassandraDatacenterSpec): string[] {
  const users = (spec.users ?? []).map((u) => u.secretName ?? '').filter((n) => n !== '');
  const superuser = spec.superuserSecretName || `${cleanupForKubernetes(spec.clusterName ?? '')}-superuser`;
  return [...new Set([...users, superuser])];
}

export interface RefreshOutcome {
  refreshed: string[];
  /** Secrets that could not be annotated, with why (never their contents). */
  failed: { secret: string; reason: string }[];
}

/** Annotates the credential secrets of CassandraDatacenter namespace/name with `value`. */
export async function refreshCredentialSecrets(
  ctx: Context,
  namespace: string,
  name: string,
  value: string,
): Promise<RefreshOutcome> {
  const dc = await kubeRequest<{ spec?: CassandraDatacenterSpec }>(
    ctx.kc,
    'GET',
    `/apis/${cassOperator.group}/${cassOperator.version}/namespaces/${encodeURIComponent(namespace)}/${cassOperator.plural}/${encodeURIComponent(name)}`,
  );
  const outcome: RefreshOutcome = { refreshed: [], failed: [] };
  for (const secret of credentialSecrets(dc.spec ?? {})) {
    try {
      await kubeRequest(
        ctx.kc,
        'PATCH',
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(secret)}`,
        { metadata: { annotations: { [refreshAnnotation]: value } } },
        { patchType: 'merge', accept: metadataOnly },
      );
      outcome.refreshed.push(secret);
    } catch (error) {
      const code = error instanceof KubeApiError ? error.code : 0;
      const reason =
        code === 404
          ? `not found in namespace ${namespace}`
          : code === 403
            ? 'the controller may not patch it (RBAC)'
            : code
              ? `HTTP ${code}`
              : (error as Error).message;
      outcome.failed.push({ secret, reason });
    }
  }
  return outcome;
}

/**
 * Called once a restore job succeeded: refreshes a CassandraDatacenter's credential secrets and
 * says so in Events on the job (`SecretsRefreshed`, or a Warning `SecretsNotRefreshed` naming each
 * secret left and why). Never fails the restore, which is done.
 */
export async function refreshAfterRestore(
  ctx: Context,
  job: MedusaObject,
  dc: { kind: string; name: string; namespace: string },
  when: string,
): Promise<void> {
  if (dc.kind !== 'CassandraDatacenter') return;
  let outcome: RefreshOutcome;
  try {
    outcome = await refreshCredentialSecrets(ctx, dc.namespace, dc.name, when);
  } catch (error) {
    outcome = { refreshed: [], failed: [{ secret: '(all)', reason: (error as Error).message }] };
  }
  if (outcome.refreshed.length)
    await ctx.events.event(
      job,
      'Normal',
      'SecretsRefreshed',
      `${refreshAnnotation} set on ${outcome.refreshed.join(', ')}: cass-operator applies these credentials again over the restored system_auth`,
    );
  if (outcome.failed.length) {
    const what = outcome.failed.map((f) => `${f.secret} (${f.reason})`).join(', ');
    ctx.log.warn('credential secrets not refreshed after a restore', { job: job.metadata.name, what });
    await ctx.events.event(
      job,
      'Warning',
      'SecretsNotRefreshed',
      `${refreshAnnotation} could not be set on ${what}: the restored system_auth keeps the backup's credentials for those roles`,
    );
  }
}
