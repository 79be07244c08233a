import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../lib/log.js';
import { createCa, issueCert } from '../test/bed/pki.js';
import { memoryClusterReader, type ClusterReader } from './cluster.js';
import { createWebhookServer, routes, type WebhookServer } from './server.js';

const dir = mkdtempSync(join(tmpdir(), 'medusa-webhook-'));
const ca = createCa(join(dir, 'ca'), 'webhook-test-ca');
const first = issueCert(ca, join(dir, 'first'), 'tls', 'first', ['IP:127.0.0.1']);
const second = issueCert(ca, join(dir, 'second'), 'tls', 'second', ['IP:127.0.0.1']);
const log = createLogger('webhook', { level: 'error', write: () => undefined });

function servingDir(from: { cert: string; key: string }): { cert: string; key: string } {
  const serving = mkdtempSync(join(dir, 'serving-'));
  copyFileSync(from.cert, join(serving, 'tls.crt'));
  copyFileSync(from.key, join(serving, 'tls.key'));
  return { cert: join(serving, 'tls.crt'), key: join(serving, 'tls.key') };
}

interface Answer {
  status: number;
  body: string;
  peer: PeerCertificate;
}

function call(port: number, path: string, body?: object, options: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: body ? 'POST' : 'GET',
        ca: readFileSync(ca.cert),
        headers: { 'content-type': 'application/json' },
        agent: false,
        ...options,
      },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate();
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, peer }));
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

const review = (object: object) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'uid-1',
    kind: { group: 'apps', version: 'v1', kind: 'StatefulSet' },
    resource: { group: 'apps', version: 'v1', resource: 'statefulsets' },
    namespace: 'ns',
    operation: 'CREATE',
    object,
  },
});

/** A cass-operator StatefulSet: deciding about it needs a lookup of its CassandraDatacenter. */
const cassOperatorSts = {
  metadata: {
    name: 'demo-dc1-default-sts',
    labels: { 'cassandra.datastax.com/cluster': 'demo', 'cassandra.datastax.com/datacenter': 'dc1' },
  },
  spec: { template: { spec: { containers: [{ name: 'cassandra' }] } } },
};

let webhook: WebhookServer | undefined;
afterEach(async () => {
  await webhook?.stop(100);
  webhook = undefined;
});

async function start(
  reader: ClusterReader = memoryClusterReader([]),
  files = servingDir(first),
  decisionTimeoutMs?: number,
) {
  webhook = await createWebhookServer({
    certificates: files,
    reader,
    log,
    certificatePollMs: 60_000,
    ...(decisionTimeoutMs ? { decisionTimeoutMs } : {}),
  });
  return { port: await webhook.listen(0, '127.0.0.1'), files };
}

describe('webhook server', () => {
  it('serves health, readiness and metrics', async () => {
    const { port } = await start();
    expect((await call(port, '/healthz')).body).toBe('ok');
    expect((await call(port, '/readyz')).status).toBe(200);
    await call(
      port,
      routes.mutateStatefulSets,
      review({ metadata: { name: 'x' }, spec: { template: { spec: { containers: [] } } } }),
    );
    const metrics = (await call(port, '/metrics')).body;
    expect(metrics).toContain(
      'medusa_webhook_admission_requests_total{kind="StatefulSet",operation="CREATE",result="allowed",route="mutate"} 1',
    );
    expect(metrics).toContain('medusa_webhook_admission_duration_seconds_count{route="mutate"} 1');
  });

  it('reloads the serving certificate when the mounted files change, and keeps the old one if the new pair is broken', async () => {
    const { port, files } = await start();
    expect((await call(port, '/healthz')).peer.subject.CN).toBe('first');
    copyFileSync(second.cert, files.cert);
    copyFileSync(second.key, files.key);
    // The directory watch picks the change up (no explicit reload call).
    const deadline = Date.now() + 5000;
    let cn: unknown = 'first';
    while (cn !== 'second' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      cn = (await call(port, '/healthz')).peer.subject.CN;
    }
    expect(cn).toBe('second');
    writeFileSync(files.key, 'not a key');
    expect(await webhook?.certificates.check()).toBe(false);
    expect((await call(port, '/healthz')).peer.subject.CN).toBe('second');
    expect((await call(port, '/metrics')).body).toMatch(
      /medusa_webhook_certificate_reloads_total\{result="failed"\} \d+/,
    );
  });

  it('finishes in-flight requests on shutdown and stops being ready', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: ClusterReader = {
      get: async () => {
        await gate;
        return undefined;
      },
      list: () => Promise.resolve([]),
    };
    const { port } = await start(slow);
    const inFlight = call(port, routes.mutateStatefulSets, review(cassOperatorSts));
    await new Promise((r) => setTimeout(r, 100));
    const stopping = webhook?.stop(5000);
    await expect(call(port, '/healthz')).rejects.toThrow();
    release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ response: { uid: 'uid-1', allowed: true } });
    await stopping;
    webhook = undefined;
  });

  it('answers a request it cannot decide in time with a refusal, not a hang or a stack', async () => {
    const stuck: ClusterReader = {
      get: () => new Promise(() => undefined),
      list: () => new Promise(() => undefined),
    };
    const { port } = await start(stuck, undefined, 200);
    const answer = await call(port, routes.mutateStatefulSets, review(cassOperatorSts));
    expect(answer.status).toBe(200);
    const response = (
      JSON.parse(answer.body) as { response: { allowed: boolean; status: { code: number; message: string } } }
    ).response;
    expect(response.allowed).toBe(false);
    expect(response.status.code).toBe(500);
    expect(response.status.message).toBe('medusa webhook could not decide: no decision within 200ms');
  });

  it('refuses what is not an AdmissionReview with a one-line reason', async () => {
    const { port } = await start();
    const answer = await call(port, routes.validate, { apiVersion: 'v1', kind: 'Pod' });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toMatch(
      /^not an admission\.k8s\.io\/v1 AdmissionReview: apiVersion: /,
    );
    const broken = await new Promise<number>((resolve, reject) =>
      request(
        {
          host: '127.0.0.1',
          port,
          path: routes.validate,
          method: 'POST',
          ca: readFileSync(ca.cert),
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end('{"apiVersion":'),
    );
    expect(broken).toBe(400);
  });
});
