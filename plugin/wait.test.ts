import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../lib/kube-request.js';
import type { Io } from './io.js';
import { waitFor } from './wait.js';

// --wait while the API server says "try again" beyond the client's own retries (a restart): the
// operation goes on in the cluster, so the wait goes on; any other error ends it.

function recordingIo(): Io & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    out: (t) => lines.push(t),
    err: (t) => lines.push(t),
    color: new Chalk({ level: 0 }),
    live: false,
  };
}

const observe = (o: { done: boolean }) => ({
  phase: o.done ? 'Succeeded' : 'Running',
  done: o.done,
  failed: false,
  nodes: [],
});

describe('waitFor', () => {
  it('keeps waiting through 503s and refused connections, saying so once per reason', async () => {
    const answers: (Error | { done: boolean })[] = [
      { done: false },
      new KubeApiError(503, { message: 'unavailable' }),
      new KubeApiError(503, { message: 'unavailable' }),
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
      { done: true },
    ];
    const io = recordingIo();
    const result = await waitFor(io, {
      what: 'backup b1',
      intervalMs: 1,
      fetch: () => {
        const next = answers.shift()!;
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
      },
      observe,
    });
    expect(result.exitCode).toBe(0);
    expect(io.lines.filter((l) => l.startsWith('API server:'))).toEqual([
      'API server: HTTP 503; still waiting',
      'API server: ECONNREFUSED; still waiting',
    ]);
  });

  it('a 403 ends the wait at once', async () => {
    let calls = 0;
    const wait = waitFor(recordingIo(), {
      what: 'backup b1',
      intervalMs: 1,
      fetch: () => {
        calls++;
        return Promise.reject(new KubeApiError(403, { message: 'forbidden' }));
      },
      observe,
    });
    await expect(wait).rejects.toMatchObject({ code: 403 });
    expect(calls).toBe(1);
  });

  it('gives up with the last error when the API server stays away past the timeout', async () => {
    const wait = waitFor(recordingIo(), {
      what: 'backup b1',
      intervalMs: 5,
      timeoutMs: 30,
      fetch: () => Promise.reject(new KubeApiError(503, { message: 'unavailable' })),
      observe,
    });
    await expect(wait).rejects.toMatchObject({ code: 503 });
  });
});
