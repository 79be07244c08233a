import { Transform, type TransformCallback } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Bandwidth limit shared by every transfer of one storage driver, so `transferMaxBandwidth` caps the
 * aggregate rate of all concurrent uploads and downloads (Medusa applies it per boto3 call).
 *
 * Each `take` reserves its bytes on one timeline (`next`: when everything reserved so far has been
 * paid for) and sleeps once until its reservation is due; nothing polls. A transfer may run up to
 * `aheadMs` ahead of the timeline without sleeping, so there is at most about one timer per
 * `aheadMs` of data, and idle time earns at most `burstMs` of credit.
 */
export class Bandwidth {
  private next = performance.now();
  private static readonly aheadMs = 20;
  private static readonly burstMs = 50;

  constructor(readonly bytesPerSecond: number) {
    if (!(bytesPerSecond > 0)) throw new RangeError(`bandwidth must be positive, got ${bytesPerSecond}`);
  }

  /** Resolves once `bytes` may be sent. Waiters are served in the order they asked. */
  take(bytes: number): Promise<void> {
    const now = performance.now();
    this.next = Math.max(this.next, now - Bandwidth.burstMs) + (bytes / this.bytesPerSecond) * 1000;
    const delay = this.next - now;
    return delay <= Bandwidth.aheadMs ? Promise.resolve() : sleep(delay);
  }
}

/** A pass-through stream that delays chunks to honour a shared bandwidth limit. */
export function throttled(bandwidth: Bandwidth | undefined): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (!bandwidth) {
        callback(null, chunk);
        return;
      }
      bandwidth.take(chunk.length).then(
        () => callback(null, chunk),
        (error: unknown) => callback(error as Error),
      );
    },
  });
}
