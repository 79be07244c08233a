import * as k8s from '@kubernetes/client-node';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeApiError, kubeRequest } from './kube-request.js';
import { classify, contains, retryAfterMs, retrying, sameIntent, withKubeRetry } from './kube-retry.js';
import { createObject, type MedusaObject } from './medusa-api.js';
import { kubeClusterReader, LookupError } from '../webhook/cluster.js';

// The fault injector: a real local HTTP server that answers each request with the next scripted
// answer (an API server under load or initializing a CRD's storage), recording what it was asked.

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
type Answer = Reply | 'reset';

interface FaultServer {
  kc: k8s.KubeConfig;
  requests: { method: string; path: string; at: number }[];
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function faultServer(answers: Answer[], last?: Answer): Promise<FaultServer> {
  const requests: FaultServer['requests'] = [];
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume(); // the request body is not looked at
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', at: Date.now() });
      const next = answers.shift() ?? last ?? { status: 200, body: {} };
      if (next === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
      res.end(JSON.stringify(next.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'faults', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'user', token: 'token' }],
    contexts: [{ name: 'faults', cluster: 'faults', user: 'user' }],
    currentContext: 'faults',
  });
  return { kc, requests };
}

const tooMany = (retryAfter: string) => ({
  status: 429,
  headers: { 'retry-after': retryAfter },
  body: { kind: 'Status', message: 'storage is (re)initializing', reason: 'TooManyRequests', code: 429 },
});
const list = { status: 200, body: { items: [{ metadata: { name: 'a' } }] } };

describe('kubeRequest retries "try again" answers of a real HTTP server', () => {
  it('429 with Retry-After: 1, then 200: waits the second and succeeds', async () => {
    const s = await faultServer([tooMany('1'), list]);
    const answer = await kubeRequest<{ items: unknown[] }>(s.kc, 'GET', '/api/v1/namespaces/x/pods');
    expect(answer.items).toHaveLength(1);
    expect(s.requests).toHaveLength(2);
    expect(s.requests[1]!.at - s.requests[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('500, 503, 502, then 200: retried with backoff until it succeeds', async () => {
    const s = await faultServer([{ status: 500 }, { status: 503 }, { status: 502 }, list]);
    const answer = await kubeRequest<{ items: unknown[] }>(s.kc, 'GET', '/api/v1/pods', undefined, {
      retry: { baseDelayMs: 20 },
    });
    expect(answer.items).toHaveLength(1);
    expect(s.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET', 'GET']);
  });

  it('a connection reset, then 200: retried', async () => {
    const s = await faultServer(['reset', list]);
    await expect(
      kubeRequest(s.kc, 'GET', '/api/v1/pods', undefined, { retry: { baseDelayMs: 20 } }),
    ).resolves.toEqual(list.body);
    expect(s.requests).toHaveLength(2);
  });

  it('a permanent 403 is an answer: not retried', async () => {
    const s = await faultServer([], { status: 403, body: { message: 'pods is forbidden' } });
    const error = await kubeRequest(s.kc, 'GET', '/api/v1/pods').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).code).toBe(403);
    expect((error as Error).message).toBe('HTTP 403: pods is forbidden');
    expect(s.requests).toHaveLength(1);
  });

  it('404 and 409 are answers too', async () => {
    const s = await faultServer([{ status: 404 }, { status: 409 }]);
    await expect(kubeRequest(s.kc, 'GET', '/a')).rejects.toMatchObject({ code: 404 });
    await expect(kubeRequest(s.kc, 'PUT', '/a', {})).rejects.toMatchObject({ code: 409 });
    expect(s.requests).toHaveLength(2);
  });

  it('gives up when the server keeps saying 429, and says how long it tried', async () => {
    const s = await faultServer([], tooMany('0'));
    const started = Date.now();
    const error = (await kubeRequest(s.kc, 'GET', '/a', undefined, {
      retry: { attempts: 4, baseDelayMs: 10 },
    }).catch((e: unknown) => e)) as KubeApiError;
    expect(error.code).toBe(429);
    expect(error.message).toMatch(/storage is \(re\)initializing \(after 4 attempts in \d+ms\)/);
    expect(s.requests).toHaveLength(4);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('does not wait a Retry-After that goes past the deadline', async () => {
    const s = await faultServer([], tooMany('30'));
    const started = Date.now();
    await expect(
      kubeRequest(s.kc, 'GET', '/a', undefined, { retry: { deadlineMs: 2000 } }),
    ).rejects.toMatchObject({
      code: 429,
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(s.requests).toHaveLength(1);
  });
});

describe('creates (POST) are retried only when that cannot create twice', () => {
  const sent = {
    apiVersion: 'medusa.k8ssandra.io/v1alpha1',
    kind: 'MedusaBackup',
    metadata: { name: 'b1', namespace: 'ns', labels: { job: 'b1' } },
    spec: { cassandraDatacenter: 'dc1', backupType: 'full' },
  };
  // What the API server holds after the first POST took effect but its answer was a 500.
  const stored = {
    ...sent,
    metadata: {
      ...sent.metadata,
      uid: 'u1',
      resourceVersion: '7',
      creationTimestamp: '2026-01-01T00:00:00Z',
    },
    spec: { ...sent.spec, extra: 'defaulted by the server' },
  };

  it('a 500 after the object was created, then 409: success, the object is ours', async () => {
    const s = await faultServer([{ status: 500 }, { status: 409 }, { status: 200, body: stored }]);
    const created = await createObject<MedusaObject>(s.kc, 'medusabackups', 'ns', sent);
    expect(created.metadata.uid).toBe('u1');
    expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /apis/medusa.k8ssandra.io/v1alpha1/namespaces/ns/medusabackups',
      'POST /apis/medusa.k8ssandra.io/v1alpha1/namespaces/ns/medusabackups',
      'GET /apis/medusa.k8ssandra.io/v1alpha1/namespaces/ns/medusabackups/b1',
    ]);
  });

  it('a 500, then 409 for an object someone else made: the 409 stands', async () => {
    const theirs = { ...stored, spec: { cassandraDatacenter: 'dc2', backupType: 'full' } };
    const s = await faultServer([{ status: 500 }, { status: 409 }, { status: 200, body: theirs }]);
    await expect(createObject(s.kc, 'medusabackups', 'ns', sent)).rejects.toMatchObject({ code: 409 });
  });

  it('a 409 on the first attempt is an answer (no read, no retry)', async () => {
    const s = await faultServer([{ status: 409 }]);
    await expect(createObject(s.kc, 'medusabackups', 'ns', sent)).rejects.toMatchObject({ code: 409 });
    expect(s.requests).toHaveLength(1);
  });

  it('a POST without an ownership check retries a 429 (never processed) but not a 500', async () => {
    const s = await faultServer([tooMany('0'), { status: 201, body: {} }, { status: 500 }]);
    await expect(kubeRequest(s.kc, 'POST', '/api/v1/namespaces/ns/events', {})).resolves.toEqual({});
    await expect(kubeRequest(s.kc, 'POST', '/api/v1/namespaces/ns/events', {})).rejects.toMatchObject({
      code: 500,
    });
    expect(s.requests).toHaveLength(3);
  });

  it('a JSON patch that adds is not repeated after a 500; one that tests and replaces is', async () => {
    const s = await faultServer([{ status: 500 }, { status: 500 }, { status: 200, body: {} }]);
    await expect(
      kubeRequest(s.kc, 'PATCH', '/a', [{ op: 'add', path: '/x/-', value: 1 }], { patchType: 'json' }),
    ).rejects.toMatchObject({ code: 500 });
    await expect(
      kubeRequest(s.kc, 'PATCH', '/a', [{ op: 'replace', path: '/x', value: 1 }], {
        patchType: 'json',
        retry: { baseDelayMs: 10 },
      }),
    ).resolves.toEqual({});
  });
});

describe('client-node clients wrapped by retrying()', () => {
  it('a list answered 429 (Retry-After: 1) then 200 succeeds', async () => {
    const s = await faultServer([tooMany('1'), list]);
    const api = retrying(s.kc.makeApiClient(k8s.CustomObjectsApi));
    const answer = (await api.listNamespacedCustomObject({
      group: 'cassandra.datastax.com',
      version: 'v1beta1',
      namespace: 'ns',
      plural: 'cassandradatacenters',
    })) as { items: unknown[] };
    expect(answer.items).toHaveLength(1);
    expect(s.requests).toHaveLength(2);
    expect(s.requests[1]!.at - s.requests[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('a read answered 500 twice then 200 succeeds; a 403 is thrown at once', async () => {
    const s = await faultServer([
      { status: 500 },
      { status: 500 },
      { status: 200, body: { metadata: { name: 'p' } } },
      { status: 403 },
    ]);
    const core = retrying(s.kc.makeApiClient(k8s.CoreV1Api), { baseDelayMs: 10 });
    await expect(core.readNamespacedPod({ name: 'p', namespace: 'ns' })).resolves.toMatchObject({
      metadata: { name: 'p' },
    });
    await expect(core.readNamespacedPod({ name: 'p', namespace: 'ns' })).rejects.toMatchObject({ code: 403 });
    expect(s.requests).toHaveLength(4);
  });

  it('a create answered 500 is not repeated (it may have been created)', async () => {
    const s = await faultServer([{ status: 500 }]);
    const core = retrying(s.kc.makeApiClient(k8s.CoreV1Api), { baseDelayMs: 10 });
    await expect(core.createNamespace({ body: { metadata: { name: 'x' } } })).rejects.toMatchObject({
      code: 500,
    });
    expect(s.requests).toHaveLength(1);
  });

  it('a connection reset on a client-node read is retried', async () => {
    const s = await faultServer(['reset', { status: 200, body: { metadata: { name: 'p' } } }]);
    const core = retrying(s.kc.makeApiClient(k8s.CoreV1Api), { baseDelayMs: 10 });
    await expect(core.readNamespacedPod({ name: 'p', namespace: 'ns' })).resolves.toMatchObject({
      metadata: { name: 'p' },
    });
  });
});

describe('the rule itself', () => {
  it('classifies answers', () => {
    expect(classify(new KubeApiError(429, {}))).toMatchObject({ retry: true, notProcessed: true });
    expect(classify(new KubeApiError(503, {}))).toMatchObject({ retry: true, notProcessed: false });
    for (const code of [400, 401, 403, 404, 409, 410, 422]) {
      expect(classify(new KubeApiError(code, {})).retry).toBe(false);
    }
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    expect(classify(refused)).toMatchObject({ retry: true, notProcessed: true, reason: 'ECONNREFUSED' });
    expect(classify(new Error('bad input')).retry).toBe(false);
  });

  it('reads Retry-After as seconds, as an HTTP date, and from a Status body', () => {
    expect(retryAfterMs({ 'retry-after': '3' }, undefined)).toBe(3000);
    expect(retryAfterMs({ 'Retry-After': new Date(10_000).toUTCString() }, undefined, 4000)).toBe(6000);
    expect(retryAfterMs({}, { details: { retryAfterSeconds: 2 } })).toBe(2000);
    expect(retryAfterMs({}, '{"details":{"retryAfterSeconds":1}}')).toBe(1000);
    expect(retryAfterMs({}, {})).toBeUndefined();
  });

  it('backoff doubles and is capped', async () => {
    const waits: number[] = [];
    await expect(
      withKubeRetry(() => Promise.reject(new KubeApiError(500, {})), {
        attempts: 7,
        baseDelayMs: 10,
        maxDelayMs: 40,
        onRetry: ({ delayMs }) => waits.push(delayMs),
      }),
    ).rejects.toMatchObject({ code: 500 });
    expect(waits).toHaveLength(6);
    for (const [i, w] of waits.entries()) {
      const cap = Math.min(40, 10 * 2 ** i);
      expect(w).toBeGreaterThanOrEqual(cap / 2);
      expect(w).toBeLessThanOrEqual(cap);
    }
  });

  it('an object is ours when every label, annotation, owner and spec field we sent is there', () => {
    const sent = { metadata: { name: 'a', labels: { x: '1' } }, spec: { n: 1n, list: [1, 2] } };
    expect(
      sameIntent(sent, {
        metadata: { name: 'a', uid: 'u', labels: { x: '1', y: '2' } },
        spec: { n: 1, list: [1, 2], d: true },
      }),
    ).toBe(true);
    expect(
      sameIntent(sent, { metadata: { name: 'a', labels: { x: '2' } }, spec: { n: 1, list: [1, 2] } }),
    ).toBe(false);
    expect(sameIntent(sent, { metadata: { name: 'a', labels: { x: '1' } }, spec: { n: 1, list: [1] } })).toBe(
      false,
    );
    expect(contains({ a: 1 }, { a: undefined })).toBe(true);
  });
});

describe("the webhook's cluster reader", () => {
  const dc = { group: 'cassandra.datastax.com', version: 'v1beta1', plural: 'cassandradatacenters' };

  it('a list answered 429 for a while (a CRD just installed) then 200 is an answer, not a denial', async () => {
    const s = await faultServer([tooMany('0'), tooMany('0'), tooMany('0'), list]);
    const reader = kubeClusterReader(s.kc, 4000);
    await expect(reader.list(dc, 'ns')).resolves.toHaveLength(1);
    expect(s.requests).toHaveLength(4);
  });

  it('a get answered 503 then 404: the object does not exist', async () => {
    const s = await faultServer([{ status: 503 }, { status: 404 }]);
    await expect(kubeClusterReader(s.kc, 4000).get(dc, 'ns', 'dc1')).resolves.toBeUndefined();
  });

  it('keeps to its deadline when the server never stops saying 429', async () => {
    const s = await faultServer([], tooMany('1'));
    const started = Date.now();
    const error = await kubeClusterReader(s.kc, 2000)
      .list(dc, 'ns')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LookupError);
    expect((error as Error).message).toMatch(
      /^list cassandradatacenters in ns: HTTP 429 \(after \d attempts in \d+ms\)$/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(s.requests.length).toBeGreaterThan(1);
  });

  it('a 403 is reported at once', async () => {
    const s = await faultServer([], { status: 403 });
    await expect(kubeClusterReader(s.kc, 4000).list(dc, 'ns')).rejects.toThrow(
      'list cassandradatacenters in ns: HTTP 403',
    );
    expect(s.requests).toHaveLength(1);
  });
});
