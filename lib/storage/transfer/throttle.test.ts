import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Bandwidth, throttled } from './throttle.js';
import { Limiter, mapLimited } from './limiter.js';

async function drain(source: Readable): Promise<number> {
  let bytes = 0;
  await pipeline(
    source,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        callback();
      },
    }),
  );
  return bytes;
}

describe('bandwidth limit', () => {
  it('paces a stream to the limit', async () => {
    const rate = 4 * 1024 * 1024;
    const chunks = Array.from({ length: 32 }, () => Buffer.alloc(64 * 1024));
    const t0 = performance.now();
    const bytes = await drain(Readable.from(chunks).pipe(throttled(new Bandwidth(rate))));
    const seconds = (performance.now() - t0) / 1000;
    expect(bytes).toBe(2 * 1024 * 1024);
    expect(Math.abs(bytes / seconds - rate) / rate).toBeLessThan(0.15);
  });

  it('is shared: two streams together stay within one limit', async () => {
    const rate = 4 * 1024 * 1024;
    const shared = new Bandwidth(rate);
    const stream = () =>
      drain(Readable.from(Array.from({ length: 16 }, () => Buffer.alloc(64 * 1024))).pipe(throttled(shared)));
    const t0 = performance.now();
    const [a, b] = await Promise.all([stream(), stream()]);
    const seconds = (performance.now() - t0) / 1000;
    expect(Math.abs((a + b) / seconds - rate) / rate).toBeLessThan(0.15);
  });

  it('sleeps instead of spinning: N MB at R MB/s takes about N/R s with little CPU', async () => {
    const rate = 8 * 1024 * 1024;
    const total = 12 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024);
    const chunks = Array.from({ length: total / chunk.length }, () => chunk);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const bytes = await drain(Readable.from(chunks).pipe(throttled(new Bandwidth(rate))));
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    expect(bytes).toBe(total);
    expect(Math.abs(wall - total / rate) / (total / rate)).toBeLessThan(0.15);
    expect(cpuSeconds / wall).toBeLessThan(0.15);
  });
});

describe('Limiter', () => {
  it('never runs more than the limit at once and keeps result order', async () => {
    const limiter = new Limiter(3);
    let peak = 0;
    const results = await mapLimited([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      peak = Math.max(peak, limiter.active + 1);
      await new Promise((resolve) => setTimeout(resolve, n * 3));
      return n * 2;
    });
    expect(results).toEqual([10, 2, 8, 4, 6, 0, 12]);
    const inFlight: number[] = [];
    let running = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        limiter.run(async () => {
          running += 1;
          inFlight.push(running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          running -= 1;
        }),
      ),
    );
    expect(Math.max(...inFlight)).toBe(3);
    expect(() => new Limiter(0)).toThrow();
  });
});
