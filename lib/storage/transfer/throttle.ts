import { Transform, type TransformCallback } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Token bucket shared by every transfer of one storage driver, so `transferMaxBandwidth` caps the
 * aggregate rate of all concurrent uploads and downloads (Medusa applies it per boto3 call).
 */
export class Bandwidth {
  private available: number;
  private last = performance.now();
  private queue: Promise<void> = Promise.resolve();
  /** Burst allowance: 50 ms worth of bytes keeps the measured rate close to the limit. */
  private readonly capacity: number;

  constructor(readonly bytesPerSecond: number) {
    this.capacity = Math.max(16 * 1024, bytesPerSecond / 20);
    this.available = 0;
  }

  /** Resolves once `bytes` may be sent. Waiters are served in order. */
  take(bytes: number): Promise<void> {
    const turn = this.queue.then(() => this.wait(bytes));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async wait(bytes: number): Promise<void> {
    let remaining = bytes;
    while (remaining > 0) {
      this.refill();
      const grant = Math.min(remaining, Math.max(0, Math.floor(this.available)));
      if (grant > 0) {
        this.available -= grant;
        remaining -= grant;
        continue;
      }
      const needed = Math.min(remaining, this.capacity);
      await sleep(Math.max(1, ((needed - this.available) / this.bytesPerSecond) * 1000));
    }
  }

  private refill(): void {
    const now = performance.now();
    this.available = Math.min(
      this.capacity,
      this.available + ((now - this.last) / 1000) * this.bytesPerSecond,
    );
    this.last = now;
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
