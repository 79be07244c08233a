import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../log.js';
import { NotFoundError } from '../driver.js';

const log = createLogger('storage');

/** Why an attempt failed, in one line: the error's code or name and its first message line. */
export function retryReason(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const record = error as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const code =
    typeof record.code === 'string' ? record.code : typeof record.name === 'string' ? record.name : 'Error';
  const status = record.$metadata?.httpStatusCode;
  const message = typeof record.message === 'string' ? record.message.split('\n')[0]!.trim() : '';
  return [code, status ? `HTTP ${status}` : '', message].filter(Boolean).join(': ');
}

/**
 * The warning every retry leaves: attempt, delay and reason. Only the error's code, status and
 * message go out (never its request, headers or credentials), and lib/log redacts secret fields.
 */
function logRetry(error: unknown, attempt: number, attempts: number, delayMs: number): void {
  log.warn(
    `storage request failed (attempt ${attempt} of ${attempts}), retrying in ${delayMs} ms: ${retryReason(error)}`,
    {
      attempt,
      attempts,
      delayMs,
      reason: retryReason(error),
    },
  );
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Called before each new attempt instead of the default warning line; for tests and callers' own logs. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'InternalError',
  'ServiceUnavailable',
  'ServerBusy',
  'OperationTimedOut',
  'TimeoutError',
  'NetworkingError',
  'REQUEST_SEND_ERROR',
]);

const TRANSIENT_MESSAGES = /socket hang up|ECONNRESET|EPIPE|network|timed? ?out|premature close|aborted/i;

function statusOf(error: Record<string, unknown>): number | undefined {
  const meta = error.$metadata as { httpStatusCode?: number } | undefined;
  const status = meta?.httpStatusCode ?? error.statusCode ?? error.code;
  return typeof status === 'number' ? status : undefined;
}

/** Network failures, throttling and 5xx answers are worth retrying; 4xx and missing objects are not. */
export function isTransient(error: unknown): boolean {
  if (error instanceof NotFoundError) return false;
  if (typeof error !== 'object' || error === null) return false;
  const record = error as Record<string, unknown>;
  for (const field of ['code', 'name', 'errno']) {
    const value = record[field];
    if (typeof value === 'string' && TRANSIENT_CODES.has(value)) return true;
  }
  const status = statusOf(record);
  if (status !== undefined) return status >= 500 || status === 429 || status === 408;
  if (record.cause !== undefined && record.cause !== error && isTransient(record.cause)) return true;
  return typeof record.message === 'string' && TRANSIENT_MESSAGES.test(record.message);
}

/** Exponential back-off with full jitter: a random delay in [0, min(max, base * 2^attempt)]. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Runs `operation` until it succeeds, fails permanently, or the attempts are used up. */
export async function withRetry<T>(
  policy: RetryPolicy,
  operation: (attempt: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !isTransient(error)) throw error;
      const delay = backoffDelay(policy, attempt);
      if (policy.onRetry) policy.onRetry(error, attempt, delay);
      else logRetry(error, attempt, policy.attempts, delay);
      await sleep(delay);
    }
  }
}
