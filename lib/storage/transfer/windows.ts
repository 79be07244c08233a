import { Readable } from 'node:stream';

/**
 * Consecutive windows of one byte stream: `take(n)` is a stream of exactly the next n bytes of the
 * source, so a multipart upload can send each part as its own request body, with a known
 * Content-Length, without copying the part into memory. Only the source's own chunks are held (at
 * most one chunk split across two windows). Windows must be read one after another: the next one
 * is taken once the previous one ended.
 */
export class ByteWindows {
  private readonly chunks: AsyncIterator<Buffer>;
  private pending: Buffer | undefined;
  private consumed = 0;

  constructor(private readonly source: Readable) {
    this.chunks = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** Bytes handed out by windows so far. */
  get position(): number {
    return this.consumed;
  }

  /** A stream of the next `length` bytes; it fails if the source ends or fails before them. */
  take(length: number): Readable {
    return Readable.from(this.window(length), { objectMode: false, highWaterMark: 64 * 1024 });
  }

  private async *window(length: number): AsyncGenerator<Buffer> {
    let remaining = length;
    while (remaining > 0) {
      let chunk = this.pending ?? (await this.nextChunk(remaining));
      this.pending = undefined;
      if (chunk.length > remaining) {
        this.pending = chunk.subarray(remaining);
        chunk = chunk.subarray(0, remaining);
      }
      remaining -= chunk.length;
      this.consumed += chunk.length;
      yield chunk;
    }
  }

  private async nextChunk(missing: number): Promise<Buffer> {
    for (;;) {
      const next = await this.chunks.next();
      if (next.done) throw new Error(`source ended ${missing} bytes early, after ${this.consumed} bytes`);
      // Readable.from([...]) sources may hand out strings or views; empty chunks carry nothing.
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      if (chunk.length > 0) return chunk;
    }
  }

  /** Resolves once the source ended with no byte beyond the windows taken; rejects otherwise. */
  async end(): Promise<void> {
    let extra = this.pending?.length ?? 0;
    this.pending = undefined;
    for (let next = await this.chunks.next(); !next.done; next = await this.chunks.next())
      extra += (next.value as Buffer).length;
    if (extra > 0) throw new Error(`source has ${extra} bytes more than the ${this.consumed} expected`);
  }

  /** Stops reading: the source (and whatever pipes into it) is destroyed. */
  destroy(error?: Error): void {
    this.source.destroy(error);
  }
}

/**
 * Runs a request whose body is `body`. SDKs pipe a stream body into the request without watching
 * it, so a body that fails (unreadable file, source shorter than its Content-Length) would
 * leave the request waiting for bytes that never come: the request is aborted instead and fails
 * with the body's error. A request that fails stops the body.
 */
export async function sendBody<T>(body: Readable, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let failure: Error | undefined;
  const onError = (error: Error) => {
    failure = error;
    controller.abort(error);
  };
  body.once('error', onError);
  try {
    return await run(controller.signal);
  } catch (error) {
    body.destroy();
    throw failure ?? error;
  } finally {
    body.off('error', onError);
  }
}
