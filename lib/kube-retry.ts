// When an answer from the Kubernetes API server means "try again" rather than "no", and how to try
// again: 429 (too many requests, or a new CRD's storage still (re)initializing), 5xx and connection
// failures are retried with capped exponential backoff, honouring Retry-After, within a deadline.
// The one owner of that rule: lib/kube-request.ts, the webhook's reader, and every
// @kubernetes/client-node client (through `retrying`) use it.
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryOptions {
  /** No attempt starts, and no wait runs, past this many ms after the first attempt. */
  deadlineMs?: number;
  /** Most attempts in all (the first one included). */
  attempts?: number;
  /** First backoff; doubles each retry up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * False for requests that may have taken effect when the answer was lost (a POST create): only
   * answers that prove the request was not processed (429, connection refused) are retried then.
   */
  idempotent?: boolean;
  /** Called before each wait (logging). */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export const defaultRetry = {
  deadlineMs: 30_000,
  attempts: 8,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
} as const;

/** What an error says about trying again. */
export interface Verdict {
  retry: boolean;
  /** The request certainly did not take effect (429, refused connection): safe even for a create. */
  notProcessed: boolean;
  /** Retry-After (header or Status details.retryAfterSeconds), ms. */
  retryAfterMs?: number;
  reason: string;
  /** A server that refuses connections is down rather than busy: only a short blip is waited out. */
  attempts?: number;
}

/** Connection failures, from node:https, undici (client-node's fetch) and our own request timeout. */
const connectionCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const refusedCodes = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

function connectionCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && connectionCodes.has(code)) return code;
    if ((e as { message?: unknown }).message === 'socket hang up') return 'ECONNRESET';
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  }
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? String(v[0]) : String(v);
  }
  return undefined;
}

/** Retry-After as delta-seconds or an HTTP date; else a Status body's details.retryAfterSeconds. */
export function retryAfterMs(headers: unknown, body: unknown, now = Date.now()): number | undefined {
  const value = header(headers, 'retry-after')?.trim();
  if (value) {
    if (/^\d+$/.test(value)) return Number(value) * 1000;
    const at = Date.parse(value);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const seconds = (parsed as { details?: { retryAfterSeconds?: unknown } } | undefined)?.details
    ?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : undefined;
}

/** HTTP status of an API error: our KubeApiError and client-node's ApiException both carry `code`. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function classify(error: unknown): Verdict {
  const status = statusOf(error);
  if (status !== undefined) {
    const e = error as { headers?: unknown; body?: unknown };
    const after = retryAfterMs(e.headers, e.body);
    const timing = after === undefined ? {} : { retryAfterMs: after };
    if (status === 429) return { retry: true, notProcessed: true, reason: 'HTTP 429', ...timing };
    if (status >= 500 && status <= 599)
      return { retry: true, notProcessed: false, reason: `HTTP ${status}`, ...timing };
    return { retry: false, notProcessed: false, reason: `HTTP ${status}` };
  }
  const code = connectionCode(error);
  if (code === 'ECONNREFUSED') return { retry: true, notProcessed: true, reason: code, attempts: 3 };
  if (code) return { retry: true, notProcessed: refusedCodes.has(code), reason: code };
  return {
    retry: false,
    notProcessed: false,
    reason: error instanceof Error ? error.message : String(error),
  };
}

/** Capped exponential backoff with jitter (half to full of the capped doubling). */
export function backoffMs(
  retry: number,
  baseDelayMs: number = defaultRetry.baseDelayMs,
  maxDelayMs: number = defaultRetry.maxDelayMs,
): number {
  const capped = Math.min(maxDelayMs, baseDelayMs * 2 ** retry);
  return Math.round(capped / 2 + (Math.random() * capped) / 2);
}

/** The error of the last attempt, saying how long we kept trying. */
function gaveUp(error: unknown, attempts: number, started: number): unknown {
  if (attempts > 1 && error instanceof Error) {
    error.message = `${error.message} (after ${attempts} attempts in ${Date.now() - started}ms)`;
  }
  return error;
}

/**
 * Runs `call` until it succeeds, fails with an answer that is not "try again", or the attempts or
 * the deadline run out; the last error is thrown then.
 */
export async function withKubeRetry<T>(
  call: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const deadlineMs = options.deadlineMs ?? defaultRetry.deadlineMs;
  const attempts = options.attempts ?? defaultRetry.attempts;
  const base = options.baseDelayMs ?? defaultRetry.baseDelayMs;
  const max = options.maxDelayMs ?? defaultRetry.maxDelayMs;
  const idempotent = options.idempotent ?? true;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      const verdict = classify(error);
      const most = Math.min(attempts, verdict.attempts ?? attempts);
      if (!verdict.retry || (!idempotent && !verdict.notProcessed) || attempt >= most) {
        throw attempt > 1 ? gaveUp(error, attempt, started) : error;
      }
      const delayMs = Math.max(verdict.retryAfterMs ?? 0, backoffMs(attempt - 1, base, max));
      if (Date.now() - started + delayMs > deadlineMs) throw gaveUp(error, attempt, started);
      options.onRetry?.({ attempt, delayMs, reason: verdict.reason });
      await sleep(delayMs);
    }
  }
}

/**
 * A create (POST) that survives a lost answer: retried like an idempotent request, and a 409
 * AlreadyExists on a retry is success when the object that exists is the one we meant to create
 * (`isOurs`), since the first attempt may have created it before its answer was lost.
 */
export async function createOnce<T>(
  create: () => Promise<T>,
  readExisting: () => Promise<T>,
  isOurs: (existing: T) => boolean,
  options: RetryOptions = {},
): Promise<T> {
  return withKubeRetry(
    async (attempt) => {
      try {
        return await create();
      } catch (error) {
        if (attempt === 1 || statusOf(error) !== 409) throw error;
        const existing = await readExisting();
        if (isOurs(existing)) return existing;
        throw error;
      }
    },
    { ...options, idempotent: true },
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when every field we set is present with the same value (the server adds defaults and metadata). */
export function contains(existing: unknown, sent: unknown): boolean {
  if (isRecord(sent)) {
    if (!isRecord(existing)) return false;
    return Object.entries(sent).every(([k, v]) => v === undefined || contains(existing[k], v));
  }
  if (Array.isArray(sent)) {
    return (
      Array.isArray(existing) &&
      existing.length === sent.length &&
      sent.every((v, i) => contains(existing[i], v))
    );
  }
  // int64 fields may come back as bigint or number
  if (typeof sent === 'bigint' || typeof existing === 'bigint') return String(sent) === String(existing);
  return Object.is(sent, existing);
}

/** The object we meant to create: labels, annotations, owner references and spec as we sent them. */
export function sameIntent(sent: unknown, existing: unknown): boolean {
  if (!isRecord(sent) || !isRecord(existing)) return false;
  const meta = (o: Record<string, unknown>) => (isRecord(o.metadata) ? o.metadata : {});
  const sentMeta = meta(sent);
  const mine = {
    labels: sentMeta.labels,
    annotations: sentMeta.annotations,
    ownerReferences: sentMeta.ownerReferences,
  };
  return contains(meta(existing), mine) && contains(existing.spec, sent.spec);
}

/** client-node method names whose requests may be repeated without changing the outcome. */
const repeatable = /^(read|list|get|replace|patch|delete)/;

/**
 * A @kubernetes/client-node API client whose calls retry "try again" answers. Reads, replaces,
 * patches and deletes retry every such answer; creates only those that prove nothing was created
 * (use createOnce for a create that must survive a lost answer).
 */
export function retrying<T extends object>(api: T, options: RetryOptions = {}): T {
  return new Proxy(api, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const idempotent = repeatable.test(property);
      return (...args: unknown[]) =>
        withKubeRetry(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args), {
          ...options,
          idempotent,
        });
    },
  });
}
