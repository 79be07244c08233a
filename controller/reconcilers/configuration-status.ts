// MedusaConfiguration status, as k8ssandra-operator's MedusaConfiguration controller keeps it:
// SecretAvailable (the bucket secret of storageSecretRef exists in the configuration's namespace)
// and Ready; and ours, StorageReachable, from the pods' storage checks (storage-reachable.ts). The secret is looked up as metadata only (PartialObjectMetadata): its data never
// reaches the controller, so it cannot reach logs, status or Events.
import { bucketSecretOf, secretNotFound, secretPresence } from '../../lib/secret-presence.js';
import { patchStatus, type MedusaObject } from '../../lib/medusa-api.js';
import { setCondition, type Condition, type Context } from '../context.js';
import { storageReachable, type StorageCheck } from './storage-reachable.js';

type Check = Omit<Condition, 'lastTransitionTime'>;

/** Whether the secret exists, from a metadata-only GET (lib/secret-presence.ts); never its contents. */
export async function secretCondition(
  ctx: Context,
  namespace: string,
  storage: Record<string, unknown> | undefined,
): Promise<Check> {
  const secret = bucketSecretOf({ storageProperties: storage });
  if (!secret) {
    return {
      type: 'SecretAvailable',
      status: 'True',
      reason: 'NoSecretNeeded',
      message:
        storage?.credentialsType === 'role-based'
          ? 'credentialsType role-based: no bucket secret is used'
          : 'no storageSecretRef: no bucket secret is used',
    };
  }
  const presence = await secretPresence(ctx.kc, namespace, secret);
  switch (presence.state) {
    case 'present':
      return {
        type: 'SecretAvailable',
        status: 'True',
        reason: 'SecretAvailable',
        message: 'SecretAvailable',
      };
    case 'missing':
      return {
        type: 'SecretAvailable',
        status: 'False',
        reason: 'SecretNotFound',
        message: `${secretNotFound(secret, namespace)} (storageSecretRef.name; it must hold the key credentials)`,
      };
    case 'forbidden':
      return {
        type: 'SecretAvailable',
        status: 'Unknown',
        reason: 'SecretNotChecked',
        message: `the controller may not get secret ${secret} in namespace ${namespace} (RBAC): not checked`,
      };
    default:
      return {
        type: 'SecretAvailable',
        status: 'False',
        reason: 'SecretUnreadable',
        message: `secret ${secret} in namespace ${namespace} could not be read: ${presence.detail}`,
      };
  }
}

/** Writes SecretAvailable, StorageReachable and Ready when they changed; returns the Ready status. */
export async function reconcileConfigurationStatus(
  ctx: Context,
  configuration: MedusaObject,
): Promise<string> {
  const { namespace = '', name } = configuration.metadata;
  const now = ctx.now();
  const storage = configuration.spec?.storageProperties as Record<string, unknown> | undefined;
  const secret = await secretCondition(ctx, namespace, storage);
  const reach = storageReachable(
    configuration.status?.storageChecks as StorageCheck[] | undefined,
    String(storage?.bucketName ?? ''),
    now,
  );
  const before = configuration.status?.conditions as Condition[] | undefined;
  const observedGeneration = (configuration.metadata as { generation?: number }).generation;
  const withGeneration = (c: Check): Check =>
    observedGeneration === undefined ? c : { ...c, observedGeneration };
  let conditions = setCondition(before, withGeneration(secret), now);
  conditions = setCondition(conditions, withGeneration(reach.condition), now);
  // A missing secret first (the pods cannot start), then storage the pods cannot reach.
  const blocker = [secret, reach.condition].find((c) => c.status === 'False');
  const ready: Check = blocker
    ? { type: 'Ready', status: 'False', reason: blocker.reason, message: blocker.message }
    : { type: 'Ready', status: 'True', reason: 'Ready', message: 'Ready' };
  conditions = setCondition(conditions, withGeneration(ready), now);
  const changed = (type: string) => {
    const a = before?.find((c) => c.type === type);
    const b = conditions.find((c) => c.type === type);
    return (
      !a ||
      a.status !== b?.status ||
      a.reason !== b.reason ||
      a.message !== b.message ||
      a.observedGeneration !== b.observedGeneration
    );
  };
  const lastCheck = reach.lastCheck ?? null;
  const checkMoved = (configuration.status?.lastStorageCheck ?? null) !== lastCheck;
  if (changed('SecretAvailable') || changed('StorageReachable') || changed('Ready') || checkMoved) {
    await patchStatus(ctx.kc, 'medusaconfigurations', namespace, name, {
      conditions,
      lastStorageCheck: lastCheck,
    });
    if (secret.status === 'False' && changed('SecretAvailable'))
      await ctx.events.event(configuration, 'Warning', secret.reason, secret.message);
    if (reach.condition.status === 'False' && changed('StorageReachable'))
      await ctx.events.event(configuration, 'Warning', reach.condition.reason, reach.condition.message);
  }
  return ready.status;
}
