import { setTimeout as sleep } from 'node:timers/promises';

/** Returned instead of a value when the wait ended because the pod is being stopped. */
export const stopped = Symbol('stopped');

/** The promise's value, or `stopped` as soon as the signal aborts (the promise itself goes on). */
export function unlessStopped<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof stopped> {
  if (signal.aborted) return Promise.resolve(stopped);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(stopped);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Sleeps; resolves false when stopped first. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return sleep(ms, true, { signal }).catch(() => false);
}
