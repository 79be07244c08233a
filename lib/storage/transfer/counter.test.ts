import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { byteCounter, incrementsOf } from './counter.js';

describe('transfer byte counting', () => {
  it('reports the running count of the bytes flowing through, unchanged', async () => {
    const seen: number[] = [];
    const received: Buffer[] = [];
    await pipeline(
      Readable.from([Buffer.alloc(3, 1), Buffer.alloc(5, 2)]),
      byteCounter((bytes) => seen.push(bytes)),
      new Writable({
        write(chunk: Buffer, _e, done) {
          received.push(chunk);
          done();
        },
      }),
    );
    expect(seen).toEqual([3, 8]);
    expect(Buffer.concat(received)).toEqual(Buffer.concat([Buffer.alloc(3, 1), Buffer.alloc(5, 2)]));
  });

  it('turns running counts into increments, taking back a failed attempt when a retry starts over', () => {
    const increments: number[] = [];
    const report = incrementsOf((bytes) => increments.push(bytes));
    report(4);
    report(10); // attempt 1 dies at 10 bytes
    report(2); // attempt 2 starts over
    report(16);
    report.settle(16);
    expect(increments).toEqual([4, 6, -8, 14, 0]);
    expect(increments.reduce((a, b) => a + b)).toBe(16);
  });

  it('settles a file that reported nothing at its full size', () => {
    const increments: number[] = [];
    incrementsOf((bytes) => increments.push(bytes)).settle(42);
    expect(increments).toEqual([42]);
  });
});
