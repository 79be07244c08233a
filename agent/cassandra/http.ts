import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

/** Client TLS for HTTPS endpoints (management API with manual TLS, Jolokia behind TLS). */
export interface HttpTls {
  /** CA certificate (PEM file); without one the server certificate is not verified, as Medusa does. */
  caCert?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export interface HttpOptions {
  method: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  tls?: HttpTls;
  /** Basic authentication. */
  username?: string;
  password?: string;
  timeoutMs?: number;
}

export interface HttpResult {
  status: number;
  body: string;
}

/** One HTTP request with a JSON body; resolves with status and text (no throw on HTTP errors). */
export function httpRequestText(url: string, options: HttpOptions): Promise<HttpResult> {
  const target = new URL(url);
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const headers: Record<string, string> = { accept: 'application/json, text/plain' };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  if (options.username !== undefined) {
    const credentials = `${options.username}:${options.password ?? ''}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  const requestOptions: RequestOptions = {
    method: options.method,
    headers,
    timeout: options.timeoutMs ?? 600_000,
  };
  const tls = options.tls;
  if (target.protocol === 'https:') {
    requestOptions.rejectUnauthorized = Boolean(tls?.caCert);
    if (tls?.caCert) requestOptions.ca = readFileSync(tls.caCert);
    if (tls?.tlsCert) requestOptions.cert = readFileSync(tls.tlsCert);
    if (tls?.tlsKey) requestOptions.key = readFileSync(tls.tlsKey);
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${target.origin} in time`)));
    req.on('error', reject);
    req.end(payload);
  });
}
