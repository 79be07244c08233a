import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type * as k8s from '@kubernetes/client-node';
import { routes } from '../../webhook/routes.js';
import { controlPlaneCa, kubeconfigPath } from '../bed/kube.js';
import { artefacts, repoRoot, runDir } from '../bed/paths.js';
import { issueCert } from '../bed/pki.js';
import { entryArgs } from '../support/entry.js';

// The medusa-webhook binary (webhook/main.ts, a process of its own, talking to the bed's
// kube-apiserver) fed what a hostile or broken client sends: every body gets a 4xx or an
// AdmissionReview denial, slow and partial clients are cut at the deadline docs/webhook.md states
// ("Limits": the whole request within 10 s), memory stays under the chart's limit, and the process
// keeps answering.

const host = '127.0.0.121';
const deadlineMs = 10_000; // docs/webhook.md "Limits"
const slackMs = 2_500; // the server checks deadlines every second; a loaded 2-core machine
const certDir = join(runDir, 'kube', 'webhook-hostile');
let ca: Buffer;
let webhook: ChildProcess;
let port = 0;
let output = '';

interface Answer {
  status: number;
  body: string;
}

function post(path: string, body: string | Buffer, contentType = 'application/json'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host,
        port,
        path,
        method: 'POST',
        ca,
        agent: false,
        headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const review = (request: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request });

const jobSpec = { cassandraDatacenter: 'dc1', backupType: 'differential' };
const jobRequest = (uid: string, spec: unknown, oldSpec: unknown = jobSpec) => ({
  uid,
  kind: { group: 'medusa.k8ssandra.io', version: 'v1alpha1', kind: 'MedusaBackupJob' },
  resource: { group: 'medusa.k8ssandra.io', version: 'v1alpha1', resource: 'medusabackupjobs' },
  name: 'nightly',
  namespace: 'hostile-ns',
  operation: 'UPDATE',
  object: {
    apiVersion: 'medusa.k8ssandra.io/v1alpha1',
    kind: 'MedusaBackupJob',
    metadata: { name: 'nightly', namespace: 'hostile-ns' },
    spec,
  },
  oldObject: {
    apiVersion: 'medusa.k8ssandra.io/v1alpha1',
    kind: 'MedusaBackupJob',
    metadata: { name: 'nightly', namespace: 'hostile-ns' },
    spec: oldSpec,
  },
});

/** A well-formed review the webhook must decide: the job's spec unchanged, so allowed. */
async function expectGoodReviewAnswered(uid: string): Promise<void> {
  const answer = await post(routes.validate, review(jobRequest(uid, jobSpec)));
  expect(answer.status).toBe(200);
  const parsed = JSON.parse(answer.body) as { response: { uid: string; allowed: boolean } };
  expect(parsed.response).toMatchObject({ uid, allowed: true });
  expect(webhook.exitCode).toBeNull();
}

/** VmRSS (resident now) or VmHWM (the most it was ever resident) of the webhook process. */
function memoryBytes(field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${webhook.pid}/status`, 'utf8');
  const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1];
  if (!kb) throw new Error(`no ${field} for the webhook process`);
  return Number(kb) * 1024;
}

/** The webhook container as the chart renders it with its default values (helm template). */
function chartWebhook(): { memoryLimitBytes: number; nodeOptions: string } {
  const rendered = execFileSync(
    artefacts.helm,
    ['template', 'hostile', join(repoRoot, 'charts', 'kubectl-medusa')],
    {
      encoding: 'utf8',
    },
  );
  for (const doc of parseAllDocuments(rendered)) {
    const object = doc.toJS() as {
      kind?: string;
      spec?: { template: { spec: { containers: k8s.V1Container[] } } };
    } | null;
    const container =
      object?.kind === 'Deployment'
        ? object.spec?.template.spec.containers.find((c) => c.name === 'webhook')
        : undefined;
    if (!container) continue;
    const limit = /^(\d+)Mi$/.exec(String(container.resources?.limits?.memory ?? ''))?.[1];
    if (!limit)
      throw new Error(`unexpected webhook memory limit ${String(container.resources?.limits?.memory)}`);
    const nodeOptions = container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
    return { memoryLimitBytes: Number(limit) * 1024 * 1024, nodeOptions };
  }
  throw new Error('no webhook container in the rendered chart');
}

const chart = chartWebhook();

const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

beforeAll(async () => {
  const pair = issueCert(controlPlaneCa(), certDir, 'serving', 'medusa-webhook', [`IP:${host}`]);
  mkdirSync(join(certDir, 'tls'), { recursive: true });
  copyFileSync(pair.cert, join(certDir, 'tls', 'tls.crt'));
  copyFileSync(pair.key, join(certDir, 'tls', 'tls.key'));
  ca = readFileSync(controlPlaneCa().cert);
  webhook = spawn(
    process.execPath,
    [
      // Bundled as the image runs it (compiled JavaScript), so its memory is the image's.
      ...entryArgs('webhook'),
      '--port',
      '0',
      '--host',
      host,
      '--cert-dir',
      join(certDir, 'tls'),
      '--kubeconfig',
      kubeconfigPath,
    ],
    // NODE_OPTIONS as the chart sets them: the heap sized to the container's memory limit.
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: chart.nodeOptions },
    },
  );
  const collect = (c: Buffer) => void (output += c.toString());
  webhook.stdout?.on('data', collect);
  webhook.stderr?.on('data', collect);
  const started = Date.now();
  while (port === 0) {
    const line = output.split('\n').find((l) => l.includes('"listening"'));
    if (line) port = (JSON.parse(line) as { port: number }).port;
    else if (webhook.exitCode !== null || Date.now() - started > 30_000)
      throw new Error(`medusa-webhook did not start:\n${output}`);
    else await new Promise((r) => setTimeout(r, 100));
  }
}, 40_000);

afterAll(async () => {
  if (webhook && webhook.exitCode === null) {
    const exited = new Promise((r) => webhook.once('exit', r));
    webhook.kill('SIGTERM');
    await exited;
  }
});

describe('hostile AdmissionReview bodies', () => {
  const uid = '7c1a0e4e-hostile';
  const cases: { name: string; body: () => string | Buffer; type?: string; status: number; says: RegExp }[] =
    [
      {
        name: 'an empty body',
        body: () => '',
        status: 400,
        says: /not an admission\.k8s\.io\/v1 AdmissionReview/,
      },
      {
        name: 'a 10 MB body',
        body: () => review({ uid, pad: 'x'.repeat(10 * 1024 * 1024) }),
        status: 413,
        says: /too large/,
      },
      {
        name: 'an array nested 100k levels',
        body: () => nested(100_000),
        status: 400,
        says: /AdmissionReview|JSON/,
      },
      {
        name: 'an object nested 100k levels',
        body: () => '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000),
        status: 400,
        says: /AdmissionReview|JSON/,
      },
      {
        name: 'not JSON',
        body: () => '{"apiVersion": "admission.k8s.io/v1", kind:',
        status: 400,
        says: /not valid JSON/,
      },
      { name: 'JSON null', body: () => 'null', status: 400, says: /not valid JSON|AdmissionReview/ },
      {
        name: 'a JSON string',
        body: () => '"AdmissionReview"',
        status: 400,
        says: /not valid JSON|AdmissionReview/,
      },
      {
        name: 'kind Pod instead of AdmissionReview',
        body: () =>
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'Pod',
            request: jobRequest(uid, jobSpec),
          }),
        status: 400,
        says: /kind/,
      },
      {
        name: 'apiVersion admission.k8s.io/v1beta1',
        body: () =>
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1beta1',
            kind: 'AdmissionReview',
            request: jobRequest(uid, jobSpec),
          }),
        status: 400,
        says: /apiVersion/,
      },
      {
        name: 'no request',
        body: () => JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }),
        status: 400,
        says: /request/,
      },
      {
        name: 'no request.uid',
        body: () => {
          const { uid: _uid, ...rest } = jobRequest(uid, jobSpec);
          return review(rest);
        },
        status: 400,
        says: /request\.uid/,
      },
      {
        name: 'an operation the API does not have',
        body: () => review({ ...jobRequest(uid, jobSpec), operation: 'EXPLODE' }),
        status: 400,
        says: /request\.operation/,
      },
      {
        name: 'Content-Type text/plain',
        body: () => review(jobRequest(uid, jobSpec)),
        type: 'text/plain',
        status: 415,
        says: /application\/json/,
      },
      {
        name: 'Content-Type application/x-www-form-urlencoded',
        body: () => 'a=b',
        type: 'application/x-www-form-urlencoded',
        status: 415,
        says: /application\/json/,
      },
    ];
  for (const c of cases) {
    it(`${c.name}: ${c.status}, a one-line reason, no stack`, async () => {
      const answer = await post(routes.validate, c.body(), c.type);
      expect(answer.status, answer.body.slice(0, 300)).toBe(c.status);
      const { error } = JSON.parse(answer.body) as { error: string };
      expect(error).toMatch(c.says);
      expect(error).not.toMatch(/\n|at .*\.(ts|js):\d+/);
    });
  }

  it('a well-formed review whose object is nested 100k levels deep is denied, not crashed on', async () => {
    // Spliced in as text: JSON.stringify itself cannot write 100k levels.
    const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    const body = review(jobRequest('deep-1', { ...jobSpec, extra: 'DEEP' })).replace('"DEEP"', deep);
    const answer = await post(routes.validate, body);
    expect(answer.status).toBe(200);
    const parsed = JSON.parse(answer.body) as {
      response: { uid: string; allowed: boolean; status?: { message: string } };
    };
    expect(parsed.response.uid).toBe('deep-1');
    expect(parsed.response.allowed).toBe(false);
    await expectGoodReviewAnswered('after-deep');
  });

  it('a changed spec is a denial with the field named (the webhook still decides after the above)', async () => {
    const answer = await post(
      routes.validate,
      review(jobRequest('changed-1', { ...jobSpec, backupType: 'full' })),
    );
    const parsed = JSON.parse(answer.body) as {
      response: { uid: string; allowed: boolean; status: { message: string } };
    };
    expect(parsed.response).toMatchObject({ uid: 'changed-1', allowed: false });
    expect(parsed.response.status.message).toMatch(/spec: is immutable/);
    await expectGoodReviewAnswered('after-cases');
  });
});

interface Cut {
  ms: number;
  received: string;
}

/** Opens a TLS connection, runs `feed` on it and resolves with how long the server kept it open. */
function holdOpen(feed: (write: (s: string) => void) => void, tls = true): Promise<Cut> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let received = '';
    const timers: NodeJS.Timeout[] = [];
    const socket = tls
      ? tlsConnect({ host, port, ca }, () => feed((s) => socket.write(s)))
      : netConnect({ host, port }, () => feed((s) => socket.write(s)));
    socket.on('data', (c: Buffer) => void (received += c.toString()));
    socket.on('error', () => undefined); // a reset is one way of being cut
    socket.on('close', () => {
      timers.forEach(clearTimeout);
      resolve({ ms: Date.now() - started, received });
    });
    timers.push(
      setTimeout(() => {
        socket.destroy();
        reject(new Error(`still open after ${deadlineMs * 5}ms`));
      }, deadlineMs * 5),
    );
  });
}

const headers = (length: number) =>
  `POST ${routes.validate} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe('slow and partial clients', () => {
  it(`are disconnected at the documented ${deadlineMs / 1000} s deadline, and the webhook still answers`, async () => {
    const body = review(jobRequest('slow-1', jobSpec));
    const trickle = (write: (s: string) => void) => {
      write(headers(body.length));
      let i = 0;
      const tick = setInterval(() => {
        if (i >= body.length) return clearInterval(tick);
        write(body[i++]!);
      }, 200);
      setTimeout(() => clearInterval(tick), deadlineMs * 3);
    };
    const cuts = await Promise.all([
      holdOpen(trickle), // a byte every 200 ms: the body would take minutes
      holdOpen((write) => write(headers(body.length))), // headers, then nothing
      holdOpen((write) => write(headers(body.length) + body.slice(0, body.length / 2))), // half a body
      holdOpen((write) => write(`POST ${routes.validate} HTTP/1.1\r\nHost: ${host}\r\nContent-Le`)), // half the headers
      holdOpen(() => undefined), // TLS, then not a byte
      holdOpen(() => undefined, false), // TCP, no TLS handshake
    ]);
    const names = [
      'trickle',
      'headers only',
      'half a body',
      'half the headers',
      'silent TLS',
      'no handshake',
    ];
    const report = cuts.map(
      (c, i) => `${names[i]}: ${c.ms} ms ${JSON.stringify(c.received.split('\r\n')[0] ?? '')}`,
    );
    for (const cut of cuts) {
      expect(cut.ms, report.join('\n')).toBeGreaterThanOrEqual(deadlineMs - 500);
      expect(cut.ms, report.join('\n')).toBeLessThanOrEqual(deadlineMs + slackMs);
    }
    // The HTTP clients are told why: 408 Request Timeout.
    for (const i of [0, 1, 2]) expect(cuts[i]!.received, report.join('\n')).toMatch(/^HTTP\/1\.1 408/);
    await expectGoodReviewAnswered('after-slow');
  }, 40_000);
});

describe('a burst of large and hostile requests', () => {
  it("keeps the webhook, run as the chart runs it, under the chart's memory limit and answering", async () => {
    const big = review({ ...jobRequest('big', jobSpec), pad: 'y'.repeat(5 * 1024 * 1024) });
    const tooBig = 'z'.repeat(10 * 1024 * 1024);
    const bodies: (string | Buffer)[] = [big, tooBig, nested(100_000), review(jobRequest('ok', jobSpec))];
    const burst = async (requests: number, parallel: number) => {
      const statuses: number[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (next < requests) {
            const body = bodies[next++ % bodies.length]!;
            statuses.push((await post(routes.validate, body).catch(() => ({ status: -1 }))).status);
          }
        }),
      );
      return statuses;
    };
    // Twenty clients at once, each sending 5-10 MB reviews and pathological JSON, five rounds: the
    // most the webhook was ever resident (VmHWM) stays under the chart's memory limit, where the
    // kubelet would OOM-kill it and every bound StatefulSet write would fail. Bodies wait their turn
    // unread beyond the webhook's body budget (webhook/body-budget.ts).
    const statuses: number[] = [];
    const samples: number[] = [memoryBytes('VmRSS')];
    for (let i = 0; i < 5; i++) {
      statuses.push(...(await burst(80, 20)));
      samples.push(memoryBytes('VmRSS'));
    }
    const mb = (n: number) => Math.round(n / 1024 / 1024);
    const peak = memoryBytes('VmHWM');
    const limit = chart.memoryLimitBytes;
    const summary = `rss before and after each round ${samples.map(mb).join(' -> ')} MB, peak ${mb(peak)} MB, chart limit ${mb(limit)} MB`;
    console.log(`webhook burst: ${summary}`);
    for (const status of statuses) expect([200, 400, 413], summary).toContain(status);
    expect(peak, summary).toBeLessThan(limit);
    await expectGoodReviewAnswered('after-burst');
    expect(output).not.toMatch(/FATAL|heap out of memory|Maximum call stack/);
  }, 180_000);
});
