import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecorder } from '../../controller/events.js';
import { makeContext } from '../../controller/context.js';
import {
  refreshAfterRestore,
  refreshAnnotation,
} from '../../controller/reconcilers/restore-refresh-secrets.js';
import { createLogger } from '../../lib/log.js';
import { createObject, findObject } from '../../lib/medusa-api.js';
import { customPath, kubeRequest } from '../../lib/kube-request.js';
import { api } from '../harness/cass-operator/datacenter.js';
import { installDatacenterCrd } from '../harness/cass-operator/crd.js';
import { adminConfig, installCrds, testNamespace } from '../support/kube.js';

// Issue 20: after a restore, the credentials of a CassandraDatacenter are applied again, as
// k8ssandra-operator does (refresh_secrets.go): the annotation k8ssandra.io/refresh on every
// spec.users secret and on the superuser secret, which cass-operator watches. The controller's
// step (called by restorejob.ts when a restore succeeded) against the real kube-apiserver.

const kc = adminConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const logs: string[] = [];
const ctx = makeContext(
  kc,
  createRecorder(kc, createLogger('test', { write: () => undefined })),
  createLogger('controller', { write: (l) => logs.push(l) }),
);
let ns: { name: string; remove: () => Promise<void> };
const password = 'cGFzc3dvcmQtb2YtdGhlLWJhY2t1cA==';

const secret = (name: string) =>
  core.createNamespacedSecret({
    namespace: ns.name,
    body: { metadata: { name, annotations: { keep: 'me' } }, data: { username: 'dXNlcg==', password } },
  });

beforeAll(async () => {
  await installCrds();
  await installDatacenterCrd(kc);
  ns = await testNamespace('refresh');
  await kubeRequest(kc, 'POST', customPath(api.group, api.version, api.plural, ns.name), {
    apiVersion: `${api.group}/${api.version}`,
    kind: 'CassandraDatacenter',
    metadata: { name: 'dc1' },
    spec: {
      clusterName: 'Refresh_Demo',
      serverType: 'cassandra',
      serverVersion: '5.0.4',
      size: 1,
      users: [
        { secretName: 'app-user', superuser: false },
        { secretName: 'ghost-user', superuser: true },
      ],
    },
  });
  // The superuser secret cass-operator creates (<cleaned cluster name>-superuser), a user's secret,
  // and a secret the datacenter does not name.
  for (const name of ['refresh-demo-superuser', 'app-user', 'unrelated']) await secret(name);
  await createObject(kc, 'medusarestorejobs', ns.name, {
    apiVersion: 'medusa.k8ssandra.io/v1alpha1',
    kind: 'MedusaRestoreJob',
    metadata: { name: 'r1' },
    spec: { cassandraDatacenter: 'dc1', backup: 'b1' },
  });
});

afterAll(async () => {
  await ns?.remove();
});

describe('credential secrets after a restore', () => {
  it('marks every user secret and the superuser secret of a CassandraDatacenter, keeps their data, and names what it could not mark', async () => {
    const job = (await findObject(kc, 'medusarestorejobs', ns.name, 'r1'))!;
    const when = '2026-12-07T21:00:00Z';
    await refreshAfterRestore(
      ctx,
      job,
      { kind: 'CassandraDatacenter', name: 'dc1', namespace: ns.name },
      when,
    );

    for (const name of ['app-user', 'refresh-demo-superuser']) {
      const s = await core.readNamespacedSecret({ name, namespace: ns.name });
      expect(s.metadata?.annotations).toEqual({ keep: 'me', [refreshAnnotation]: when });
      expect(s.data?.password).toBe(password);
    }
    const other = await core.readNamespacedSecret({ name: 'unrelated', namespace: ns.name });
    expect(other.metadata?.annotations).toEqual({ keep: 'me' });

    const events = (await core.listNamespacedEvent({ namespace: ns.name })).items.filter(
      (e) => e.involvedObject.name === 'r1',
    );
    const said = events.map((e) => `${e.type} ${e.reason}: ${e.message}`);
    expect(said).toContainEqual(
      `Normal SecretsRefreshed: ${refreshAnnotation} set on app-user, refresh-demo-superuser: cass-operator applies these credentials again over the restored system_auth`,
    );
    expect(said).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^Warning SecretsNotRefreshed: ${refreshAnnotation} could not be set on ghost-user \\(not found in namespace ${ns.name}\\)`,
        ),
      ),
    );
    // Only metadata came back: no secret's data in the Events or the controller's log.
    expect(JSON.stringify([events, logs])).not.toContain(password);
  });

  it('leaves a plain StatefulSet datacenter alone (no such mechanism: docs/api.md)', async () => {
    const job = (await findObject(kc, 'medusarestorejobs', ns.name, 'r1'))!;
    await refreshAfterRestore(ctx, job, { kind: 'StatefulSet', name: 'dc1', namespace: ns.name }, 'later');
    const s = await core.readNamespacedSecret({ name: 'app-user', namespace: ns.name });
    expect(s.metadata?.annotations?.[refreshAnnotation]).not.toBe('later');
  });
});
