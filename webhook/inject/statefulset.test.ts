import type { V1Container, V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { MedusaConfigurationSpec } from '../../crds/index.js';
import { planInjection } from './plan.js';
import { InjectionError, injectMedusa, injectedHashAnnotation } from './statefulset.js';

const spec: MedusaConfigurationSpec = {
  storageProperties: {
    storageProvider: 's3',
    bucketName: 'backups',
    region: 'eu-west-1',
    storageSecretRef: { name: 's3-key' },
    maxBackupAge: 0,
    maxBackupCount: 0,
    transferMaxBandwidth: '50MB/s',
    concurrentTransfers: 0,
    multiPartUploadThreshold: 104857600,
  },
  containerImage: { registry: 'registry.local', tag: '1.2.3', pullSecretRef: { name: 'regcred' } },
  purgeBackups: true,
};
const plan = planInjection(spec, { cluster: 'demo', prefix: 'demo' });

/** cass-operator's StatefulSet for rack r1 of dc1, trimmed to what matters here. */
function cassOperatorSts(): V1StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'demo-dc1-r1-sts' },
    spec: {
      selector: {},
      serviceName: 'demo-dc1-all-pods-service',
      template: {
        spec: {
          initContainers: [
            { name: 'server-config-init-base', image: 'base' },
            { name: 'server-config-init', image: 'builder' },
            { name: 'user-init', image: 'user' },
          ],
          containers: [
            {
              name: 'cassandra',
              image: 'mgmt-api',
              volumeMounts: [
                { name: 'server-config', mountPath: '/config' },
                { name: 'server-data', mountPath: '/var/lib/cassandra' },
              ],
            },
            { name: 'server-system-logger', image: 'logger' },
          ],
          volumes: [{ name: 'server-config', emptyDir: {} }],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: 'server-data' } }],
    },
  };
}

const pod = (sts: V1StatefulSet) => sts.spec?.template.spec;
const names = (list: { name: string }[] | undefined) => (list ?? []).map((c) => c.name);
const container = (list: V1Container[] | undefined, name: string) => list?.find((c) => c.name === name);

describe('injectMedusa', () => {
  it('adds medusa last and medusa-restore right after the configuration init containers', () => {
    const injected = injectMedusa(cassOperatorSts(), plan);
    expect(names(pod(injected)?.containers)).toEqual(['cassandra', 'server-system-logger', 'medusa']);
    expect(names(pod(injected)?.initContainers)).toEqual([
      'server-config-init-base',
      'server-config-init',
      'medusa-restore',
      'user-init',
    ]);
  });

  it('composes the image, adds the pull secret and mounts data, configuration and credentials', () => {
    const injected = injectMedusa(cassOperatorSts(), plan);
    const sidecar = container(pod(injected)?.containers, 'medusa');
    expect(sidecar?.image).toBe('registry.local/kubectl-medusa/medusa-agent:1.2.3');
    expect(pod(injected)?.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(sidecar?.volumeMounts).toEqual([
      { name: 'server-config', mountPath: '/etc/cassandra' },
      { name: 'server-data', mountPath: '/var/lib/cassandra' },
      { name: 'podinfo', mountPath: '/etc/podinfo' },
      { name: 'medusa-tmp', mountPath: '/tmp' },
      { name: 'medusa-secrets', mountPath: '/etc/medusa-secrets', readOnly: true },
    ]);
    expect(names(pod(injected)?.volumes)).toEqual([
      'server-config',
      'medusa-tmp',
      'podinfo',
      'medusa-secrets',
    ]);
    // Without cassandraUserSecretRef: k8ssandra-operator's generated secret, optional.
    expect(sidecar?.env?.find((e) => e.name === 'CQL_USERNAME')?.valueFrom?.secretKeyRef).toEqual({
      name: 'demo-medusa',
      key: 'username',
      optional: true,
    });
    expect(injected.spec?.template.metadata?.annotations?.[injectedHashAnnotation]).toBe(plan.hash);
  });

  it('is idempotent: injecting twice gives the same object', () => {
    const once = injectMedusa(cassOperatorSts(), plan);
    expect(injectMedusa(once, plan)).toEqual(once);
  });

  it('does not modify its input', () => {
    const sts = cassOperatorSts();
    const before = structuredClone(sts);
    injectMedusa(sts, plan);
    expect(sts).toEqual(before);
  });

  it('keeps env vars it does not manage on existing medusa containers (proxies, restore variables)', () => {
    const sts = injectMedusa(cassOperatorSts(), plan);
    const restore = container(pod(sts)?.initContainers, 'medusa-restore');
    restore?.env?.push({ name: 'BACKUP_NAME', value: 'b1' }, { name: 'RESTORE_KEY', value: 'k' });
    const sidecar = container(pod(sts)?.containers, 'medusa');
    sidecar?.env?.push({ name: 'HTTPS_PROXY', value: 'http://proxy:3128' });
    const again = injectMedusa(
      sts,
      planInjection({ ...spec, containerImage: { tag: '2.0.0' } }, { cluster: 'demo', prefix: 'demo' }),
    );
    const restoreEnv = container(pod(again)?.initContainers, 'medusa-restore')?.env ?? [];
    expect(restoreEnv.filter((e) => e.name === 'BACKUP_NAME' || e.name === 'RESTORE_KEY')).toEqual([
      { name: 'BACKUP_NAME', value: 'b1' },
      { name: 'RESTORE_KEY', value: 'k' },
    ]);
    expect(container(pod(again)?.containers, 'medusa')?.env?.at(-1)).toEqual({
      name: 'HTTPS_PROXY',
      value: 'http://proxy:3128',
    });
    expect(container(pod(again)?.containers, 'medusa')?.image).toMatch(/:2\.0\.0$/);
    expect(restoreEnv.filter((e) => e.name === 'MEDUSA_MODE')).toHaveLength(1);
  });

  it('refuses a pod without a Cassandra data volume, naming the container', () => {
    const sts = cassOperatorSts();
    const cassandra = container(pod(sts)?.containers, 'cassandra');
    if (cassandra) cassandra.volumeMounts = [];
    if (sts.spec) sts.spec.volumeClaimTemplates = [];
    expect(() => injectMedusa(sts, plan)).toThrow(InjectionError);
    expect(() => injectMedusa(sts, plan)).toThrow(
      /container cassandra mounts no volume at \/var\/lib\/cassandra/,
    );
  });

  it('uses gRPC TLS paths and grpc_health_probe when serviceProperties.encryption is set', () => {
    const tls = planInjection(
      {
        ...spec,
        serviceProperties: {
          grpcPort: 50055,
          encryption: { clientSecretName: 'c', serverSecretName: 'grpc-server' },
        },
      },
      { cluster: 'demo', prefix: 'demo' },
    );
    const sidecar = container(pod(injectMedusa(cassOperatorSts(), tls))?.containers, 'medusa');
    expect(sidecar?.ports).toEqual([{ name: 'grpc', containerPort: 50055, protocol: 'TCP' }]);
    expect(sidecar?.readinessProbe?.exec?.command?.slice(0, 3)).toEqual([
      '/bin/grpc_health_probe',
      '--addr=:50055',
      '--tls',
    ]);
    expect(sidecar?.volumeMounts).toContainEqual({
      name: 'grpc-server-certs',
      mountPath: '/etc/certificates/grpc-server-certs',
    });
  });
});

describe('storageProvider local', () => {
  it('mounts the shared volume at /mnt/backups in both containers and points base_path there', () => {
    const local = planInjection(
      {
        storageProperties: {
          ...spec.storageProperties!,
          storageProvider: 'local',
          bucketName: 'cassandra-backups',
          storageSecretRef: undefined,
          localVolume: { nfs: { server: 'nfs.example.com', path: '/exports/cassandra' } },
        },
        purgeBackups: true,
      },
      { cluster: 'demo', prefix: 'demo' },
    );
    const injected = injectMedusa(cassOperatorSts(), local);
    expect(pod(injected)?.volumes).toContainEqual({
      name: 'medusa-backups',
      nfs: { server: 'nfs.example.com', path: '/exports/cassandra' },
    });
    for (const c of [
      container(pod(injected)?.containers, 'medusa'),
      container(pod(injected)?.initContainers, 'medusa-restore'),
    ]) {
      expect(c?.volumeMounts).toContainEqual({ name: 'medusa-backups', mountPath: '/mnt/backups' });
      expect(c?.env?.find((e) => e.name === 'MEDUSA_INI')?.value).toContain('    base_path = /mnt/backups');
    }
  });
});
