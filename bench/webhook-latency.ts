// Admission latency of the medusa webhook at a fixed request rate, against a trivial always-allow
// HTTPS admission handler measured in the same run (the peer), so the numbers say what our
// decision costs on top of TLS, HTTP and JSON.
//
//   npx tsx bench/webhook-latency.ts [--rate 200] [--duration 10] [--rounds 2]
//
// Open loop: request i is due at start + i/rate and its latency is counted from that due time, so a
// slow server cannot hide its queueing (no coordinated omission). Connections are kept alive, as the
// apiserver keeps them. Lookups are answered from memory: the apiserver's own latency is not ours.
// Each server runs in its own child process, so neither shares an event loop with the load generator
// or with the other; every tick sends one request to each, so noise from the machine hits both alike.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { configurationAnnotation, prefixAnnotation } from '../crds/index.js';
import { createLogger } from '../lib/log.js';
import { createCa, issueCert } from '../test/bed/pki.js';
import { memoryClusterReader, resources } from '../webhook/cluster.js';
import { createWebhookServer, routes } from '../webhook/server.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    'serve-dir': { type: 'string' },
    serve: { type: 'string' },
  },
});
const rate = Number(values.rate);
const durationS = Number(values.duration);
const rounds = Number(values.rounds);
const warmupS = Number(values.warmup);

const namespace = 'bench';
const dir = values['serve-dir'] ?? mkdtempSync(join(tmpdir(), 'webhook-bench-'));
const ca = createCa(join(dir, 'ca'), 'bench-ca');
const serving = issueCert(ca, join(dir, 'serving'), 'tls', 'bench', ['IP:127.0.0.1']);
const caPem = readFileSync(ca.cert);

const reader = memoryClusterReader([
  {
    resource: resources.configuration,
    object: {
      metadata: { name: 'minio', namespace },
      spec: {
        storageProperties: {
          storageProvider: 's3_compatible',
          bucketName: 'backups',
          host: 'minio.storage.svc',
          port: 9000,
          storageSecretRef: { name: 'minio-key' },
        },
        containerResources: { requests: { cpu: '100m', memory: '256Mi' } },
      },
    },
  },
  {
    resource: resources.datacenter,
    object: {
      metadata: {
        name: 'dc1',
        namespace,
        annotations: { [configurationAnnotation]: 'minio', [prefixAnnotation]: 'demo' },
      },
      spec: { clusterName: 'demo', size: 3 },
    },
  },
]);

const labels = {
  'cassandra.datastax.com/cluster': 'demo',
  'cassandra.datastax.com/datacenter': 'dc1',
  'cassandra.datastax.com/rack': 'default',
};
/** A cass-operator StatefulSet as the apiserver sends it on creation. */
const statefulSet = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'demo-dc1-default-sts', namespace, labels },
  spec: {
    replicas: 3,
    serviceName: 'demo-dc1-all-pods-service',
    selector: { matchLabels: labels },
    template: {
      metadata: { labels },
      spec: {
        initContainers: [
          {
            name: 'server-config-init',
            image: 'datastax/cass-config-builder:1.0-ubi',
            volumeMounts: [{ name: 'server-config', mountPath: '/config' }],
          },
        ],
        containers: [
          {
            name: 'cassandra',
            image: 'k8ssandra/cass-management-api:5.0.4',
            env: Array.from({ length: 12 }, (_, i) => ({ name: `VAR_${i}`, value: 'x'.repeat(40) })),
            volumeMounts: [
              { name: 'server-config', mountPath: '/config' },
              { name: 'server-logs', mountPath: '/var/log/cassandra' },
              { name: 'server-data', mountPath: '/var/lib/cassandra' },
            ],
          },
          { name: 'server-system-logger', image: 'k8ssandra/system-logger:v1.27.0' },
        ],
        volumes: [
          { name: 'server-config', emptyDir: {} },
          { name: 'server-logs', emptyDir: {} },
        ],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: 'server-data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
      },
    ],
  },
};
const configuration = {
  apiVersion: 'medusa.k8ssandra.io/v1alpha1',
  kind: 'MedusaConfiguration',
  metadata: { name: 'other', namespace },
  spec: {
    storageProperties: {
      storageProvider: 's3',
      bucketName: 'backups',
      region: 'eu-west-1',
      credentialsType: 'role-based',
      transferMaxBandwidth: '100MB/s',
    },
  },
};
const review = (kind: { group: string; version: string; kind: string }, object: object, uid: number) =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `bench-${uid}`,
      kind,
      resource: { group: kind.group, version: kind.version, resource: 'x' },
      namespace,
      operation: 'CREATE',
      object,
    },
  });

const scenarios = [
  {
    name: 'mutate StatefulSet (inject)',
    path: routes.mutateStatefulSets,
    body: (i: number) => review({ group: 'apps', version: 'v1', kind: 'StatefulSet' }, statefulSet, i),
  },
  {
    name: 'validate MedusaConfiguration',
    path: routes.validate,
    body: (i: number) =>
      review(
        { group: 'medusa.k8ssandra.io', version: 'v1alpha1', kind: 'MedusaConfiguration' },
        configuration,
        i,
      ),
  },
];

/** The peer: the least an admission webhook can do over HTTPS. */
function startPeer(): Promise<{ port: number; close: () => void }> {
  const server = createServer(
    { cert: readFileSync(serving.cert), key: readFileSync(serving.key) },
    (req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const uid = (JSON.parse(text) as { request: { uid: string } }).request.uid;
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response: { uid, allowed: true },
          }),
        );
      });
    },
  );
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ port: (server.address() as AddressInfo).port, close: () => server.close() }),
    ),
  );
}

function send(agent: Agent, port: number, path: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        ca: caPem,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends one request to each port at `rate` ticks per second for `seconds`; per port, latencies (ms)
 * counted from each request's due time.
 */
async function load(
  ports: number[],
  path: string,
  body: (i: number) => string,
  seconds: number,
): Promise<number[][]> {
  const agents = ports.map(() => new Agent({ keepAlive: true, maxSockets: 64 }));
  const total = Math.round(rate * seconds);
  const start = performance.now() + 20;
  const latencies: number[][] = ports.map(() => []);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const text = body(i);
    ports.forEach((port, p) => {
      const agent = agents[p] as Agent;
      pending.push(
        send(agent, port, path, text).then(() => void latencies[p]?.push(performance.now() - due)),
      );
    });
  }
  await Promise.all(pending);
  agents.forEach((a) => a.destroy());
  return latencies;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
function summary(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

async function serve(which: string): Promise<void> {
  if (which === 'peer') {
    const peer = await startPeer();
    process.send?.({ port: peer.port });
    process.on('disconnect', () => {
      peer.close();
      process.exit(0);
    });
    return;
  }
  const webhook = await createWebhookServer({
    certificates: serving,
    reader,
    log: createLogger('webhook', { level: 'error', write: () => undefined }),
  });
  process.send?.({ port: await webhook.listen(0, '127.0.0.1') });
  process.on('disconnect', () => void webhook.stop(500).then(() => process.exit(0)));
}

function spawnServer(which: 'webhook' | 'peer'): Promise<{ port: number; stop: () => void }> {
  const child = fork(process.argv[1] ?? '', ['--serve-dir', dir, '--serve', which], {
    execArgv: process.execArgv,
  });
  return new Promise((resolve) =>
    child.once('message', (m) =>
      resolve({ port: (m as { port: number }).port, stop: () => child.disconnect() }),
    ),
  );
}

const loadNow = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function measure(): Promise<void> {
  const loadBefore = loadNow();
  const [webhook, peer] = await Promise.all([spawnServer('webhook'), spawnServer('peer')]);
  console.log(
    `webhook latency: ${rate} req/s to each server, open loop, ${rounds} x ${durationS}s, node ${process.version}`,
  );
  const fmt = (n: number) => n.toFixed(2).padStart(7);
  for (const scenario of scenarios) {
    const ours: number[] = [];
    const theirs: number[] = [];
    await load([webhook.port, peer.port], scenario.path, scenario.body, warmupS);
    for (let round = 0; round < rounds; round++) {
      const [a, b] = await load([webhook.port, peer.port], scenario.path, scenario.body, durationS);
      ours.push(...(a ?? []));
      theirs.push(...(b ?? []));
    }
    const a = summary(ours);
    const b = summary(theirs);
    console.log(`\n${scenario.name} (${Buffer.byteLength(scenario.body(0))} bytes per review)`);
    console.log(`                       n      p50      p95      p99      max   (ms)`);
    console.log(
      `medusa webhook   ${String(a.n).padStart(6)}  ${fmt(a.p50)}  ${fmt(a.p95)}  ${fmt(a.p99)}  ${fmt(a.max)}`,
    );
    console.log(
      `always-allow     ${String(b.n).padStart(6)}  ${fmt(b.p50)}  ${fmt(b.p95)}  ${fmt(b.p99)}  ${fmt(b.max)}`,
    );
    console.log(
      `ratio            ${''.padStart(6)}  ${fmt(a.p50 / b.p50)}x ${fmt(a.p95 / b.p95)}x ${fmt(a.p99 / b.p99)}x`,
    );
  }
  console.log(`\nload average before/after: ${loadBefore} / ${loadNow()} on ${cpus().length} CPUs`);
  webhook.stop();
  peer.stop();
}

if (values.serve) await serve(values.serve);
else await measure();
