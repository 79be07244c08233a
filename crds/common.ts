import { z } from 'zod';

/** API group and version shared by every Medusa kind (k8ssandra-operator compatible). */
export const group = 'medusa.k8ssandra.io';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;

// JSON Schema keys understood by the apiserver; attached through zod metadata and copied verbatim
// into the CRD by crds/openapi.ts.
type CrdMeta = {
  description?: string;
  format?: string;
  type?: string;
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: CelValidation[];
};

/** One x-kubernetes-validations entry as it appears in the CRD. */
export interface CelValidation {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/**
 * A CEL rule plus, when it only looks at `self`, the same predicate in TypeScript, so that
 * validate<Kind>() reports what the apiserver would refuse. Transition rules (oldSelf) have no check.
 */
export interface CelRule<T> extends CelValidation {
  check?: (self: T) => boolean;
}

export function crdMeta<S extends z.ZodType>(schema: S, meta: CrdMeta): S {
  return schema.meta(meta as Record<string, unknown>) as S;
}

/** Flags entries whose identity (per `key`) repeats an earlier one, as the apiserver does. */
function refuseDuplicates<E extends z.ZodType>(list: z.ZodArray<E>, key: (item: z.output<E>) => string) {
  return list.superRefine((items, ctx) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const id = key(item);
      if (seen.has(id)) ctx.addIssue({ code: 'custom', message: `Duplicate value: ${id}`, path: [index] });
      seen.add(id);
    });
  });
}

/** `x-kubernetes-list-type: map`: entries unique by `keys`. */
export function listMap<E extends z.ZodType<Record<string, unknown>>>(
  list: z.ZodArray<E>,
  keys: (keyof z.output<E> & string)[],
  description?: string,
) {
  const unique = refuseDuplicates(list, (item) => JSON.stringify(keys.map((k) => item[k])));
  return crdMeta(unique, {
    ...(description ? { description } : {}),
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': keys,
  });
}

/** `x-kubernetes-list-type: set`: scalar entries, each once. */
export function listSet<E extends z.ZodType<string | number>>(list: z.ZodArray<E>, description?: string) {
  return crdMeta(
    refuseDuplicates(list, (item) => JSON.stringify(item)),
    { ...(description ? { description } : {}), 'x-kubernetes-list-type': 'set' },
  );
}

/** Attaches CEL rules to a schema: emitted into the CRD and mirrored as zod refinements. */
export function withRules<S extends z.ZodType>(schema: S, rules: CelRule<z.output<S>>[]): S {
  const refined = schema.superRefine((value, ctx) => {
    for (const rule of rules) {
      if (rule.check === undefined || rule.check(value as z.output<S>)) continue;
      const path = (rule.fieldPath ?? '').split('.').filter(Boolean);
      ctx.addIssue({ code: 'custom', message: rule.message, path });
    }
  }) as unknown as S;
  // Metadata keys replace rather than merge: keep rules attached by an earlier withRules().
  const earlier = (schema.meta()?.['x-kubernetes-validations'] as CelValidation[] | undefined) ?? [];
  const validations = [...earlier, ...rules.map(({ check: _check, ...cel }) => cel)];
  return crdMeta(refined, { 'x-kubernetes-validations': validations });
}

/** Go `int`: controller-gen emits a bare `integer`. */
export const goInt = () => z.int();
/** Go `int32`. */
export const int32 = () => crdMeta(z.int32(), { format: 'int32' });
/** Go `int64` for counters and sizes (JS-safe range). */
export const int64 = () => crdMeta(z.int(), { format: 'int64' });
/** Go `int64` that may exceed 2^53, such as Murmur3 tokens: any integral number. */
export const int64Wide = () =>
  crdMeta(
    z.number().refine((n) => Number.isInteger(n), 'must be an integer'),
    { type: 'integer', format: 'int64' },
  );

/** metav1.Time: RFC 3339 date-time. */
export const time = () => z.iso.datetime({ offset: true });

const quantityPattern =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** resource.Quantity: an integer or a string such as "10Gi". */
export const quantity = () =>
  crdMeta(z.union([z.int(), z.string().regex(quantityPattern)]), { 'x-kubernetes-int-or-string': true });

/** intstr.IntOrString (probe ports). */
export const intOrString = () =>
  crdMeta(z.union([z.int(), z.string()]), { 'x-kubernetes-int-or-string': true });

/** corev1.LocalObjectReference, defaulted name as in k8s >= 1.30 generated CRDs. */
export const localObjectReference = () =>
  crdMeta(z.object({ name: z.string().default('') }), { 'x-kubernetes-map-type': 'atomic' });

/** String list kept as a set of pod names. */
export const podNames = () => z.array(z.string());

/** metav1.Condition. */
export const conditionSchema = z.object({
  type: z
    .string()
    .max(316)
    .regex(
      /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/,
    ),
  status: z.enum(['True', 'False', 'Unknown']),
  observedGeneration: crdMeta(z.int().min(0), { format: 'int64' }).optional(),
  lastTransitionTime: time(),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/),
  message: z.string().max(32768),
});

/** status.conditions: list map keyed by type, as for every metav1.Condition list. */
export const conditions = () =>
  listMap(z.array(conditionSchema), ['type'], 'Standard conditions (metav1.Condition), one per type.');

export const nodePhases = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;

/** Extension: live progress of one Cassandra node (pod) in a backup, restore or task. */
export const nodeProgressSchema = z.object({
  node: crdMeta(z.string().min(1), { description: 'Pod name of the Cassandra node.' }),
  phase: z.enum(nodePhases),
  bytesDone: int64().min(0).optional(),
  bytesTotal: int64().min(0).optional(),
  filesDone: int64().min(0).optional(),
  filesTotal: int64().min(0).optional(),
  bytesPerSecond: crdMeta(int64().min(0), {
    description: 'Transfer rate over the last interval.',
  }).optional(),
  etaSeconds: crdMeta(int64().min(0), {
    description: 'Estimated seconds until this node is done.',
  }).optional(),
  lastError: z.string().max(4096).optional(),
  lastUpdateTime: time().optional(),
  host: crdMeta(z.string().max(253), {
    description: 'The node as recorded in the backup (Medusa fqdn); set by the agent.',
  }).optional(),
  datacenter: z.string().max(253).optional(),
  rack: z.string().max(253).optional(),
  tokens: crdMeta(z.array(int64Wide()).max(1536), {
    description: 'Tokens the node owned when it was backed up; set by the agent.',
  }).optional(),
  nbBackupsPurged: goInt().min(0).optional(),
  nbObjectsPurged: goInt().min(0).optional(),
  totalPurgedSize: goInt().min(0).optional(),
  totalObjectsWithinGcGrace: goInt().min(0).optional(),
});

/**
 * MedusaRestoreJob status.preparation: what a node's prepare_restore reports (its transfer and the
 * backed-up node it staged), without the backup and purge fields no prepare writes.
 */
export const stagingProgress = () =>
  listMap(
    z
      .array(
        nodeProgressSchema.pick({
          node: true,
          phase: true,
          bytesDone: true,
          bytesTotal: true,
          filesDone: true,
          filesTotal: true,
          bytesPerSecond: true,
          etaSeconds: true,
          lastError: true,
          lastUpdateTime: true,
          host: true,
        }),
      )
      .max(1024),
    ['node'],
    'Per node: the backup staged and verified while Cassandra ran (kubectl-medusa extension).',
  );

/** status.progress: one entry per node, keyed by pod name. */
export const nodeProgress = () =>
  listMap(z.array(nodeProgressSchema).max(1024), ['node'], 'Per-node progress (kubectl-medusa extension).');

export const backupTypes = ['differential', 'full'] as const;
export const backupType = () =>
  crdMeta(z.enum(backupTypes).default('differential'), {
    description: 'The type of the backup: "full" or "differential".',
  });

/** Keyspace or keyspace.table; `ks.*` means every table of ks. */
const tableSelector = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9_]+(\.([A-Za-z0-9_]+|\*))?$/, 'must be "keyspace", "keyspace.table" or "keyspace.*"');

/** Extension: which keyspaces and tables an operation covers. */
export const tableFilter = () =>
  withRules(
    z.object({
      include: listSet(
        z.array(tableSelector).max(64),
        'Only these keyspaces/tables ("ks" or "ks.table"). Empty means all.',
      ).optional(),
      exclude: listSet(
        z.array(tableSelector).max(64),
        'Skip these keyspaces/tables ("ks" or "ks.table").',
      ).optional(),
    }),
    [
      {
        rule: '!has(self.include) || !has(self.exclude) || self.include.all(i, !(i in self.exclude))',
        message: 'an entry cannot be both included and excluded',
        fieldPath: '.exclude',
        check: (f) => !f.include || !f.exclude || f.include.every((i) => !f.exclude?.includes(i)),
      },
    ],
  );

/** Immutability of a whole spec (transition rule: not checked by validate<Kind>). */
export function immutable<S extends z.ZodType>(schema: S, what = 'spec'): S {
  return withRules(schema, [{ rule: 'self == oldSelf', message: `${what} is immutable` }]);
}
