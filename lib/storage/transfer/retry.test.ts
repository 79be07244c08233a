import { describe, expect, it, vi } from 'vitest';
import { NotFoundError } from '../driver.js';
import { backoffDelay, isTransient, retryReason, withRetry } from './retry.js';

const policy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 8 };

describe('isTransient', () => {
  it('retries network failures, throttling and server errors', () => {
    expect(isTransient(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isTransient({ statusCode: 500 })).toBe(true);
    expect(isTransient({ code: 429 })).toBe(true);
    expect(isTransient(new Error('socket hang up'))).toBe(true);
    expect(isTransient(new Error('outer', { cause: { code: 'EPIPE' } }))).toBe(true);
  });

  it('does not retry client errors or missing objects', () => {
    expect(isTransient({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).toBe(false);
    expect(isTransient(new NotFoundError('k'))).toBe(false);
    expect(isTransient(new Error('invalid size'))).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, jittered within [ceiling/2, ceiling]', () => {
    const p = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(p, 1, () => 0)).toBe(50);
    expect(backoffDelay(p, 1, () => 1)).toBe(100);
    expect(backoffDelay(p, 3, () => 1)).toBe(400);
    expect(backoffDelay(p, 9, () => 1)).toBe(1000);
    expect(backoffDelay(p, 9, () => 0)).toBe(500);
  });
});

describe('withRetry', () => {
  it('retries transient failures until success', async () => {
    let calls = 0;
    const retried: number[] = [];
    const result = await withRetry(
      { ...policy, onRetry: (_e, attempt) => retried.push(attempt) },
      async () => {
        calls += 1;
        if (calls < 3) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        return 'done';
      },
    );
    expect(result).toBe('done');
    expect(retried).toEqual([1, 2]);
  });

  it('gives up after the last attempt and rethrows', async () => {
    let calls = 0;
    await expect(
      withRetry(policy, async () => {
        calls += 1;
        throw Object.assign(new Error('still down'), { code: 'ECONNREFUSED' });
      }),
    ).rejects.toThrow('still down');
    expect(calls).toBe(4);
  });

  it('fails at once on permanent errors', async () => {
    let calls = 0;
    await expect(
      withRetry(policy, async () => {
        calls += 1;
        throw { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } };
      }),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(calls).toBe(1);
  });
});

describe('retry logging', () => {
  it('writes one warning line per retry with the attempt and the reason, and nothing of the request', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    let calls = 0;
    try {
      await withRetry(policy, async () => {
        calls += 1;
        if (calls < 3) {
          throw Object.assign(new Error('We encountered an internal error.\n    at Foo (x.js:1:1)'), {
            name: 'InternalError',
            $metadata: { httpStatusCode: 500 },
            request: { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIASECRET' } },
          });
        }
        return 'ok';
      });
    } finally {
      spy.mockRestore();
    }
    const warnings = lines.filter((line) => line.includes('"level":"warn"'));
    expect(warnings).toHaveLength(2);
    expect(JSON.parse(warnings[0]!)).toMatchObject({
      component: 'storage',
      attempt: 1,
      attempts: 4,
      reason: 'InternalError: HTTP 500: We encountered an internal error.',
    });
    expect(JSON.parse(warnings[1]!).msg).toMatch(
      /^storage request failed \(attempt 2 of 4\), retrying in \d+ ms: InternalError/,
    );
    expect(lines.join('')).not.toContain('AKIASECRET');
    expect(retryReason(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(
      'ECONNRESET: read ECONNRESET',
    );
  });
});
