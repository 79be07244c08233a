// Raw requests to the Kubernetes API with exact 64-bit integers (see json64.ts). Custom objects
// carrying Cassandra tokens are read and written through this, not through the generated client.
import type { KubeConfig } from '@kubernetes/client-node';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { parseJson, stringifyJson } from './json64.js';
import { createOnce, withKubeRetry, type RetryOptions } from './kube-retry.js';

/** Shaped like @kubernetes/client-node's ApiException, so one error explainer serves both. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
    readonly headers: Record<string, string | string[] | undefined> = {},
  ) {
    super(
      `HTTP ${code}: ${typeof body === 'object' && body && 'message' in body ? String((body as { message: unknown }).message) : String(body)}`,
    );
  }
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';
const patchTypes: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeRequestOptions {
  patchType?: PatchType;
  query?: Record<string, string>;
  /** How "try again" answers are retried (lib/kube-retry.ts); defaults apply when unset. */
  retry?: RetryOptions;
  /**
   * POST only: the object that exists when a retried create gets 409 is ours (the first attempt
   * created it before its answer was lost). Without it a POST retries only answers that prove
   * nothing was created (429, connection refused).
   */
  isOurs?: (existing: unknown) => boolean;
  /** The Accept header (default application/json), e.g. metadata only (PartialObjectMetadata). */
  accept?: string;
}

/** A JSON patch is repeatable when it only tests and replaces (an add to a list is not). */
const repeatablePatch = (body: unknown) =>
  Array.isArray(body) && body.every((op) => ['test', 'replace'].includes((op as { op?: string }).op ?? ''));

function idempotent(method: Method, body: unknown, patchType: PatchType | undefined): boolean {
  if (method === 'POST') return false;
  if (method === 'PATCH' && patchType === 'json') return repeatablePatch(body);
  return true;
}

/**
 * One request to the API server, retried while the server says "try again" (429, 5xx, a dropped
 * connection) as lib/kube-retry.ts decides; any other answer is final.
 */
export async function kubeRequest<T = unknown>(
  kc: KubeConfig,
  method: Method,
  path: string,
  body?: unknown,
  options: KubeRequestOptions = {},
): Promise<T> {
  const once = () => requestOnce<T>(kc, method, path, body, options);
  const isOurs = options.isOurs;
  const name = (body as { metadata?: { name?: string } } | undefined)?.metadata?.name;
  if (method === 'POST' && isOurs && name) {
    const objectPath = `${path.replace(/\/$/, '')}/${encodeURIComponent(name)}`;
    return createOnce(
      once,
      () => requestOnce<T>(kc, 'GET', objectPath, undefined, {}),
      isOurs,
      options.retry,
    );
  }
  return withKubeRetry(once, {
    ...options.retry,
    idempotent: idempotent(method, body, options.patchType),
  });
}

async function requestOnce<T>(
  kc: KubeConfig,
  method: Method,
  path: string,
  body: unknown,
  options: KubeRequestOptions,
): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  const payload = body === undefined ? undefined : stringifyJson(body);
  const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
  if (payload !== undefined) {
    headers['content-type'] =
      method === 'PATCH' ? patchTypes[options.patchType ?? 'merge'] : 'application/json';
  }
  const opts: RequestOptions = { method, headers, timeout: 30_000 };
  await kc.applyToHTTPSOptions(opts);
  // applyToHTTPSOptions may set headers (bearer token): keep ours as well.
  opts.headers = { ...(opts.headers as Record<string, string>), ...headers };
  return new Promise<T>((resolve, reject) => {
    // An http:// server (a kubeconfig may name one, as kubectl allows) is spoken to without TLS.
    const plain = url.protocol === 'http:';
    const req = (plain ? httpRequest : httpsRequest)(
      url,
      plain ? { method, headers: opts.headers, timeout: 30_000 } : opts,
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject); // the connection dropped mid-answer
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? parseJson(text) : undefined;
          } catch {
            // not JSON: keep the text for the error
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(parsed as T);
          else reject(new KubeApiError(status, parsed, res.headers));
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error(`request to ${url.pathname} timed out`), { code: 'ETIMEDOUT' })),
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** REST path of a namespaced (or, without namespace, cluster-wide) custom resource collection or object. */
export function customPath(
  group: string,
  version: string,
  plural: string,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  return [
    `/apis/${group}/${version}`,
    namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '',
    `/${plural}`,
    name ? `/${encodeURIComponent(name)}` : '',
    subresource ? `/${subresource}` : '',
  ].join('');
}
