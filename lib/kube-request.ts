// Raw requests to the Kubernetes API with exact 64-bit integers (see json64.ts). Custom objects
// carrying Cassandra tokens are read and written through this, not through the generated client.
import type { KubeConfig } from '@kubernetes/client-node';
import { request, type RequestOptions } from 'node:https';
import { parseJson, stringifyJson } from './json64.js';

/** Shaped like @kubernetes/client-node's ApiException, so one error explainer serves both. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
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

export async function kubeRequest<T = unknown>(
  kc: KubeConfig,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  options: { patchType?: PatchType; query?: Record<string, string> } = {},
): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  const payload = body === undefined ? undefined : stringifyJson(body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (payload !== undefined) {
    headers['content-type'] =
      method === 'PATCH' ? patchTypes[options.patchType ?? 'merge'] : 'application/json';
  }
  const opts: RequestOptions = { method, headers, timeout: 30_000 };
  await kc.applyToHTTPSOptions(opts);
  // applyToHTTPSOptions may set headers (bearer token): keep ours as well.
  opts.headers = { ...(opts.headers as Record<string, string>), ...headers };
  return new Promise<T>((resolve, reject) => {
    const req = request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
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
        else reject(new KubeApiError(status, parsed));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`request to ${url.pathname} timed out`)));
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
