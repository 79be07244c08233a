import express, { type NextFunction, type Request, type Response } from 'express';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import type { Logger } from '../lib/log.js';
import {
  admissionReviewSchema,
  respond,
  type AdmissionOutcome,
  type AdmissionRequest,
} from './admission/review.js';
import { bodyBudget } from './body-budget.js';
import { LookupError, type ClusterReader } from './cluster.js';
import { createWebhookMetrics, type WebhookMetrics } from './metrics.js';
import { mutateStatefulSet } from './mutate.js';
import { routes } from './routes.js';
import { readKeyMaterial, watchCertificates, type CertificateFiles, type CertificateWatcher } from './tls.js';
import { validateRequest } from './validate/index.js';

export { routes };

export interface WebhookServerOptions {
  certificates: CertificateFiles;
  reader: ClusterReader;
  log: Logger;
  /** Largest AdmissionReview accepted (an object and its old version, each up to 1.5 MB in etcd). */
  bodyLimitBytes?: number;
  /** Bytes of request bodies held at once; more wait their turn unread (webhook/body-budget.ts). */
  bodyBudgetBytes?: number;
  /** Time to decide one request; the apiserver gives up after the webhook's timeoutSeconds (≤ 30s). */
  decisionTimeoutMs?: number;
  /** Time for a client to send the whole request, headers and body (docs/webhook.md "Limits"). */
  receiveTimeoutMs?: number;
  certificatePollMs?: number;
  now?: () => Date;
}

export interface WebhookServer {
  server: Server;
  metrics: WebhookMetrics;
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting, lets in-flight requests finish for up to graceMs, then closes. */
  stop(graceMs?: number): Promise<void>;
  certificates: CertificateWatcher;
}

type Handler = (request: AdmissionRequest) => Promise<AdmissionOutcome>;

class DecisionTimeout extends Error {}

function withTimeout<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DecisionTimeout(`no decision within ${ms}ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** JSON error body for requests that are not a usable AdmissionReview: never a stack trace. */
function sendError(res: Response, status: number, message: string): void {
  res.status(status).json({ error: message });
}

const zodSummary = (error: z.ZodError): string =>
  error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '<root>'}: ${i.message}`)
    .join('; ');

export async function createWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const { log, reader } = options;
  const metrics = createWebhookMetrics();
  const decisionTimeoutMs = options.decisionTimeoutMs ?? 8000;
  const now = options.now ?? (() => new Date());
  let accepting = true;

  const admission = (route: string, handler: Handler) => async (req: Request, res: Response) => {
    const started = process.hrtime.bigint();
    const parsed = admissionReviewSchema.safeParse(req.body);
    if (!parsed.success) {
      metrics.errors.inc({ route, kind: 'bad-request' });
      return sendError(res, 400, `not an admission.k8s.io/v1 AdmissionReview: ${zodSummary(parsed.error)}`);
    }
    const request = parsed.data.request;
    const context = {
      uid: request.uid,
      kind: request.kind.kind,
      operation: request.operation,
      namespace: request.namespace,
      name: request.name ?? (request.object?.metadata as { name?: string } | undefined)?.name,
    };
    metrics.inFlight.add(1);
    let outcome: AdmissionOutcome;
    try {
      outcome = await withTimeout(decisionTimeoutMs, handler(request));
    } catch (error) {
      const known = error instanceof LookupError || error instanceof DecisionTimeout;
      metrics.errors.inc({ route, kind: known ? 'lookup' : 'internal' });
      log.error('admission request not decided', {
        ...context,
        error: error instanceof Error ? error.message : String(error),
      });
      outcome = {
        allowed: false,
        code: 500,
        reason: 'InternalError',
        message: known
          ? `medusa webhook could not decide: ${(error as Error).message}`
          : `medusa webhook internal error (request ${request.uid}); see the webhook logs`,
      };
    } finally {
      metrics.inFlight.add(-1);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const result = outcome.allowed ? (outcome.patch?.length ? 'patched' : 'allowed') : 'denied';
    metrics.requests.inc({ route, kind: context.kind, operation: context.operation, result });
    metrics.duration.observe({ route }, seconds);
    log.info('admission', {
      ...context,
      result,
      ...(outcome.allowed && outcome.skipped ? { skipped: outcome.skipped } : {}),
      ...(!outcome.allowed ? { message: outcome.message } : {}),
      ms: Math.round(seconds * 1000 * 10) / 10,
    });
    res.json(respond(request.uid, outcome));
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const bodyLimitBytes = options.bodyLimitBytes ?? 6 * 1024 * 1024;
  const json = express.json({ limit: bodyLimitBytes, strict: true });
  const budget = bodyBudget(
    Math.max(options.bodyBudgetBytes ?? 8 * 1024 * 1024, bodyLimitBytes),
    bodyLimitBytes,
  );
  const requireJson = (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('application/json')) return sendError(res, 415, 'expected Content-Type: application/json');
    next();
  };
  app.get('/healthz', (_req, res) => void res.type('text/plain').send('ok'));
  app.get('/readyz', (_req, res) => {
    if (accepting) res.type('text/plain').send('ok');
    else res.status(503).type('text/plain').send('shutting down');
  });
  app.get('/metrics', (_req, res) => void res.type('text/plain; version=0.0.4').send(metrics.render()));
  app.post(
    routes.mutateStatefulSets,
    requireJson,
    budget,
    json,
    admission('mutate', (r) => mutateStatefulSet(r, reader)),
  );
  app.post(
    routes.validate,
    requireJson,
    budget,
    json,
    admission('validate', (r) => validateRequest(r, reader, now())),
  );
  app.use((_req: Request, res: Response) => sendError(res, 404, 'no such route'));
  // Body parser failures and anything else thrown: a status and a one-line message, no stack.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number; statusCode?: number }).status ?? 500;
    const type = (error as { type?: string }).type;
    metrics.errors.inc({ route: 'any', kind: type ?? 'internal' });
    if (status >= 500)
      log.error('request failed', { error: error instanceof Error ? error.message : String(error) });
    const message =
      type === 'entity.too.large'
        ? 'request body too large'
        : type === 'entity.parse.failed'
          ? 'request body is not valid JSON'
          : status < 500 && error instanceof Error
            ? error.message
            : 'internal error';
    if (!res.headersSent) sendError(res, status, message);
  });

  const initial = await readKeyMaterial(options.certificates);
  // The whole request (headers and body) must arrive within receiveTimeoutMs: a slow, stalled or
  // partial client gets a 408 and is disconnected. Node only checks these deadlines every
  // connectionsCheckingInterval (30 s by default, which let such clients hold a socket for 30-40 s),
  // so the check runs every second. The TLS handshake has the same deadline.
  const receiveTimeoutMs = options.receiveTimeoutMs ?? 10_000;
  const server = createServer(
    {
      ...initial,
      minVersion: 'TLSv1.2',
      requestTimeout: receiveTimeoutMs,
      headersTimeout: receiveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, receiveTimeoutMs),
      handshakeTimeout: receiveTimeoutMs,
    },
    app,
  );
  server.keepAliveTimeout = 30_000;
  server.maxHeadersCount = 100;
  const certificates = watchCertificates(
    options.certificates,
    initial,
    (material) => server.setSecureContext({ ...material, minVersion: 'TLSv1.2' }),
    log,
    (result) => metrics.certificateReloads.inc({ result }),
    options.certificatePollMs,
  );

  return {
    server,
    metrics,
    certificates,
    listen: (port, host = '0.0.0.0') =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    async stop(graceMs = 10_000) {
      accepting = false;
      certificates.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (metrics.inFlight.get() > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        server.closeIdleConnections();
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
