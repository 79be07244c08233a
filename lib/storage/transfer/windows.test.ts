import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ByteWindows, sendBody } from './windows.js';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `data` cut into chunks of the given sizes, as a byte stream. */
function chunked(data: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < data.length; i += 1) {
    const size = sizes[i % sizes.length]!;
    chunks.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return Readable.from(chunks, { objectMode: false });
}

describe('ByteWindows: consecutive exact windows of one stream', () => {
  it('cuts windows across chunk boundaries, byte for byte, and ends cleanly', async () => {
    const data = randomBytes(100_000);
    const windows = new ByteWindows(chunked(data, [7_000, 13, 30_001, 1]));
    const parts: Buffer[] = [];
    for (let offset = 0; offset < data.length; offset += 32_768)
      parts.push(await collect(windows.take(Math.min(32_768, data.length - offset))));
    await windows.end();
    expect(parts.map((p) => p.length)).toEqual([32_768, 32_768, 32_768, 1_696]);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    expect(windows.position).toBe(data.length);
  });

  it('gives an empty window for zero bytes', async () => {
    const windows = new ByteWindows(Readable.from([], { objectMode: false }));
    expect((await collect(windows.take(0))).length).toBe(0);
    await windows.end();
  });

  it('fails a window when the source ends early, and end() when it has bytes left', async () => {
    const short = new ByteWindows(chunked(randomBytes(10), [4]));
    await expect(collect(short.take(12))).rejects.toThrow(/ended 2 bytes early, after 10 bytes/);
    const long = new ByteWindows(chunked(randomBytes(10), [3]));
    expect((await collect(long.take(8))).length).toBe(8);
    await expect(long.end()).rejects.toThrow(/2 bytes more than the 8 expected/);
  });

  it("fails the window with the source's error, and destroy() stops the source", async () => {
    const source = new PassThrough();
    const windows = new ByteWindows(source);
    const window = collect(windows.take(10));
    source.write(Buffer.alloc(4));
    source.destroy(new Error('EIO: disk read failed'));
    await expect(window).rejects.toThrow(/EIO/);

    const other = new PassThrough();
    const stopped = new ByteWindows(other);
    stopped.destroy();
    expect(other.destroyed).toBe(true);
  });
});

describe('sendBody: a request and the stream it sends', () => {
  it("aborts the request when the body fails, with the body's error", async () => {
    const body = new PassThrough();
    let signal: AbortSignal | undefined;
    const sent = sendBody(body, (abortSignal) => {
      signal = abortSignal;
      // A request that waits for bytes until it is aborted, as an HTTP request does.
      return new Promise((_resolve, reject) =>
        abortSignal.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    });
    body.destroy(new Error('EIO: disk read failed'));
    await expect(sent).rejects.toThrow(/EIO/);
    expect(signal?.aborted).toBe(true);
  });

  it('stops the body when the request fails, and passes results through', async () => {
    const body = new PassThrough();
    await expect(sendBody(body, () => Promise.reject(new Error('HTTP 500')))).rejects.toThrow(/HTTP 500/);
    expect(body.destroyed).toBe(true);
    expect(await sendBody(new PassThrough(), () => Promise.resolve('etag'))).toBe('etag');
  });
});
