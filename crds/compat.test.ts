import { describe, expect, it } from 'vitest';
import { buildCrd, kinds, type PrinterColumn } from './index.js';
import type { JsonSchema } from './openapi.js';

// The k8ssandra-operator v1alpha1 API (release/1.32), field by field: our CRDs must carry the same
// names, types, enums, defaults, required lists and printer columns so existing manifests work.

type Crd = {
  spec: {
    names: { kind: string; plural: string; singular: string; listKind: string };
    scope: string;
    versions: {
      name: string;
      schema: { openAPIV3Schema: JsonSchema };
      subresources?: object;
      additionalPrinterColumns?: PrinterColumn[];
    }[];
  };
};

const crdOf = (kindName: string): Crd => {
  const kind = kinds.find((k) => k.kind === kindName);
  if (!kind) throw new Error(kindName);
  return buildCrd(kind) as Crd;
};
const versionOf = (kindName: string) => crdOf(kindName).spec.versions[0]!;

/** The schema node at a dotted path below openAPIV3Schema; `[]` steps into items, `{}` into maps. */
function at(kindName: string, path: string): JsonSchema {
  let node = versionOf(kindName).schema.openAPIV3Schema;
  for (const step of path.split('.')) {
    if (step === '[]') node = node.items as JsonSchema;
    else if (step === '{}') node = node.additionalProperties as JsonSchema;
    else node = (node.properties as Record<string, JsonSchema>)[step] as JsonSchema;
    if (node === undefined) throw new Error(`${kindName}: no ${path}`);
  }
  return node;
}

const storage = 'spec.storageProperties';

// [kind, path, expected subset of the schema node]
const fields: [string, string, JsonSchema][] = [
  ['MedusaBackupJob', 'spec', { required: ['cassandraDatacenter'] }],
  ['MedusaBackupJob', 'spec.cassandraDatacenter', { type: 'string', minLength: 1 }],
  [
    'MedusaBackupJob',
    'spec.backupType',
    { type: 'string', enum: ['differential', 'full'], default: 'differential' },
  ],
  ['MedusaBackupJob', 'status.startTime', { type: 'string', format: 'date-time' }],
  ['MedusaBackupJob', 'status.finishTime', { type: 'string', format: 'date-time' }],
  ['MedusaBackupJob', 'status.inProgress.[]', { type: 'string' }],
  ['MedusaBackupJob', 'status.finished.[]', { type: 'string' }],
  ['MedusaBackupJob', 'status.failed.[]', { type: 'string' }],
  ['MedusaBackup', 'spec', { required: ['cassandraDatacenter'] }],
  ['MedusaBackup', 'spec.cassandraDatacenter', { type: 'string' }],
  ['MedusaBackup', 'spec.backupType', { enum: ['differential', 'full'], default: 'differential' }],
  ['MedusaBackup', 'status.totalNodes', { type: 'integer', format: 'int32' }],
  ['MedusaBackup', 'status.finishedNodes', { type: 'integer', format: 'int32' }],
  ['MedusaBackup', 'status.totalFiles', { type: 'integer', format: 'int64' }],
  ['MedusaBackup', 'status.totalSize', { type: 'string' }],
  ['MedusaBackup', 'status.status', { type: 'string' }],
  ['MedusaBackup', 'status.nodes.[].host', { type: 'string' }],
  ['MedusaBackup', 'status.nodes.[].tokens.[]', { type: 'integer', format: 'int64' }],
  ['MedusaBackup', 'status.nodes.[].datacenter', { type: 'string' }],
  ['MedusaBackup', 'status.nodes.[].rack', { type: 'string' }],
  ['MedusaBackupSchedule', 'spec', { required: ['backupSpec', 'cronSchedule'] }],
  ['MedusaBackupSchedule', 'spec.cronSchedule', { type: 'string', minLength: 1 }],
  ['MedusaBackupSchedule', 'spec.disabled', { type: 'boolean' }],
  ['MedusaBackupSchedule', 'spec.backupSpec', { required: ['cassandraDatacenter'] }],
  ['MedusaBackupSchedule', 'spec.backupSpec.backupType', { default: 'differential' }],
  ['MedusaBackupSchedule', 'spec.concurrencyPolicy', { type: 'string' }],
  ['MedusaBackupSchedule', 'spec.operationType', { enum: ['backup', 'purge'], default: 'backup' }],
  ['MedusaBackupSchedule', 'status.nextSchedule', { format: 'date-time' }],
  ['MedusaBackupSchedule', 'status.lastExecution', { format: 'date-time' }],
  ['MedusaRestoreJob', 'spec', { required: ['backup', 'cassandraDatacenter'] }],
  ['MedusaRestoreJob', 'status', { required: ['restoreKey'] }],
  ['MedusaRestoreJob', 'status.restorePrepared', { type: 'boolean' }],
  ['MedusaRestoreJob', 'status.restoreMapping', { required: ['in_place'] }],
  ['MedusaRestoreJob', 'status.restoreMapping.in_place', { type: 'boolean' }],
  ['MedusaRestoreJob', 'status.restoreMapping.host_map.{}', { required: ['seed', 'source'] }],
  ['MedusaRestoreJob', 'status.restoreMapping.host_map.{}.source.[]', { type: 'string' }],
  ['MedusaRestoreJob', 'status.datacenterStopped', { format: 'date-time' }],
  ['MedusaRestoreJob', 'status.message', { type: 'string' }],
  ['MedusaTask', 'spec', { required: ['cassandraDatacenter', 'operation'] }],
  ['MedusaTask', 'spec.backupName', { type: 'string' }],
  ['MedusaTask', 'spec.restoreKey', { type: 'string' }],
  ['MedusaTask', 'status.finished.[].podName', { type: 'string' }],
  ['MedusaTask', 'status.finished.[].nbBackupsPurged', { type: 'integer' }],
  ['MedusaTask', 'status.finished.[].totalObjectsWithinGcGrace', { type: 'integer' }],
  [
    'MedusaConfiguration',
    `${storage}.storageProvider`,
    {
      // k8ssandra's values, plus `local` (kubectl-medusa extension, with localVolume).
      enum: ['google_storage', 'azure_blobs', 's3', 's3_compatible', 's3_rgw', 'ibm_storage', 'local'],
    },
  ],
  ['MedusaConfiguration', `${storage}.credentialsType`, { enum: ['role-based', 'credential-based'] }],
  ['MedusaConfiguration', `${storage}.storageSecretRef.name`, { type: 'string', default: '' }],
  ['MedusaConfiguration', `${storage}.maxBackupAge`, { type: 'integer', default: 0 }],
  ['MedusaConfiguration', `${storage}.maxBackupCount`, { type: 'integer', default: 0 }],
  ['MedusaConfiguration', `${storage}.transferMaxBandwidth`, { type: 'string', default: '50MB/s' }],
  ['MedusaConfiguration', `${storage}.concurrentTransfers`, { type: 'integer', default: 0 }],
  ['MedusaConfiguration', `${storage}.multiPartUploadThreshold`, { type: 'integer', default: 104857600 }],
  ['MedusaConfiguration', `${storage}.port`, { type: 'integer' }],
  ['MedusaConfiguration', `${storage}.secure`, { type: 'boolean' }],
  ['MedusaConfiguration', `${storage}.sslVerify`, { type: 'boolean' }],
  ['MedusaConfiguration', `${storage}.backupGracePeriodInDays`, { type: 'integer' }],
  [
    'MedusaConfiguration',
    `${storage}.podStorage.size`,
    { default: '10Gi', 'x-kubernetes-int-or-string': true },
  ],
  [
    'MedusaConfiguration',
    'status.conditions',
    {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
  ],
  [
    'MedusaConfiguration',
    'status.conditions.[]',
    {
      required: ['lastTransitionTime', 'message', 'reason', 'status', 'type'],
    },
  ],
  ['MedusaConfiguration', 'spec.containerImage.tag', { default: 'latest' }],
  ['MedusaConfiguration', 'spec.containerImage.pullPolicy', { enum: ['Always', 'IfNotPresent', 'Never'] }],
  [
    'MedusaConfiguration',
    'spec.serviceProperties.encryption',
    { required: ['clientSecretName', 'serverSecretName'] },
  ],
  [
    'MedusaConfiguration',
    'spec.clientEncryptionStores',
    { required: ['keystoreSecretRef', 'truststoreSecretRef'] },
  ],
  ['MedusaConfiguration', 'spec.purgeBackups', { type: 'boolean', default: true }],
];

const columns: Record<string, [string, PrinterColumn['type'], string][]> = {
  MedusaBackupJob: [
    ['Started', 'date', '.status.startTime'],
    ['Finished', 'date', '.status.finishTime'],
  ],
  MedusaBackup: [
    ['Started', 'date', '.status.startTime'],
    ['Finished', 'date', '.status.finishTime'],
    ['Nodes', 'string', '.status.totalNodes'],
    ['Files', 'integer', '.status.totalFiles'],
    ['Size', 'string', '.status.totalSize'],
    ['Completed', 'string', '.status.finishedNodes'],
    ['Status', 'string', '.status.status'],
  ],
  MedusaBackupSchedule: [
    ['Datacenter', 'string', '.spec.backupSpec.cassandraDatacenter'],
    ['ScheduledExecution', 'date', '.status.nextSchedule'],
    ['LastExecution', 'date', '.status.lastExecution'],
    ['OperationType', 'string', '.spec.operationType'],
  ],
  MedusaRestoreJob: [
    ['Started', 'date', '.status.startTime'],
    ['Finished', 'date', '.status.finishTime'],
    ['Error', 'string', '.status.message'],
  ],
  MedusaTask: [
    ['Datacenter', 'string', '.spec.cassandraDatacenter'],
    ['Operation', 'string', '.spec.operation'],
    ['Start', 'date', '.status.startTime'],
    ['Finish', 'date', '.status.finishTime'],
  ],
  // k8ssandra-operator has none; ours are additions (issue 20, docs/api.md "Differences").
  MedusaConfiguration: [
    ['Ready', 'string', '.status.conditions[?(@.type=="Ready")].status'],
    ['SecretAvailable', 'string', '.status.conditions[?(@.type=="SecretAvailable")].status'],
    ['StorageReachable', 'string', '.status.conditions[?(@.type=="StorageReachable")].status'],
    ['Last Check', 'date', '.status.lastStorageCheck'],
    ['Message', 'string', '.status.conditions[?(@.type=="Ready")].message'],
    ['Age', 'date', '.metadata.creationTimestamp'],
  ],
};

describe('compatibility with the k8ssandra-operator Medusa CRDs', () => {
  it.each(fields)('%s %s', (kind, path, expected) => {
    expect(at(kind, path)).toMatchObject(expected);
  });

  it('keeps the k8ssandra task operations and adds verify', () => {
    expect(at('MedusaTask', 'spec.operation').enum).toEqual(['sync', 'purge', 'prepare_restore', 'verify']);
  });

  it('allows only real concurrency policies (k8ssandra left it a free string)', () => {
    expect(at('MedusaBackupSchedule', 'spec.concurrencyPolicy').enum).toEqual(['Allow', 'Forbid', 'Replace']);
  });

  it('does not set CRD defaults where k8ssandra has none', () => {
    for (const [kind, path] of [
      ['MedusaBackupSchedule', 'spec.concurrencyPolicy'],
      ['MedusaConfiguration', `${storage}.region`],
      ['MedusaConfiguration', `${storage}.prefix`],
    ] as const) {
      expect(at(kind, path)).not.toHaveProperty('default');
    }
  });

  it.each(Object.entries(columns))('%s printer columns', (kind, expected) => {
    const version = versionOf(kind);
    expect((version.additionalPrinterColumns ?? []).map((c) => [c.name, c.type, c.jsonPath])).toEqual(
      expected,
    );
  });

  it.each(kinds.map((k) => [k.kind, k] as const))(
    '%s: names, scope, version and status subresource',
    (_, kind) => {
      const crd = crdOf(kind.kind);
      expect(crd.spec.names).toEqual({
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.kind.toLowerCase(),
      });
      expect(crd.spec.scope).toBe('Namespaced');
      expect(crd.spec.versions.map((v) => v.name)).toEqual(['v1alpha1']);
      expect(crd.spec.versions[0]?.subresources).toEqual({ status: {} });
    },
  );
});
