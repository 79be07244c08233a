import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { S3Backend } from '../../lib/storage/index.js';
import { Storage, multipartEtagOf, type StorageConfig } from '../../lib/storage/index.js';
import { minio } from '../bed/stores.js';

// S3 uploads stream each request body (PUT or multipart part) as a window of the source with a
// known length, against the bed's MinIO: memory stays flat, a failing or short source fails the
// upload at once instead of leaving a request waiting, and no part is left behind.
const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 's3-streamed-parts-'));
const bucket = `s3-streamed-parts-${process.pid}`;
const keyFile = join(dir, 'credentials');
writeFileSync(
  keyFile,
  `[default]\naws_access_key_id = ${minio.accessKeyId}\naws_secret_access_key = ${minio.secretAccessKey}\n`,
);

const config = (settings: Partial<StorageConfig>): StorageConfig => ({
  provider: 's3_compatible',
  bucket,
  endpoint: minio.endpoint,
  region: minio.region,
  addressingStyle: 'path',
  keyFile,
  multiPartUploadThreshold: 5 * MiB,
  multipartChunksize: 5 * MiB,
  retryBaseDelayMs: 20,
  ...settings,
});

/** `good` bytes of `data`, then the error: a file that becomes unreadable mid-way. */
function failingAfter(data: Buffer, good: number, error: Error): Readable {
  return Readable.from(
    (async function* () {
      for (let offset = 0; offset < good; offset += MiB)
        yield data.subarray(offset, Math.min(good, offset + MiB));
      throw error;
    })(),
    { objectMode: false },
  );
}

/** Multipart uploads still open under `prefix` (aborted by the call, so the bucket is left clean). */
const openUploads = (storage: Storage, prefix: string) =>
  (storage.backend as S3Backend).abortIncompleteUploads(prefix, new Date(Date.now() + 60_000));

describe('S3 uploads streamed from the source, part by part (MinIO)', () => {
  let storage: Storage;
  const data = randomBytes(12 * MiB + 4321);

  beforeAll(async () => {
    storage = await Storage.open(config({ retryAttempts: 2 }));
    await storage.ensureBucket();
  });

  afterAll(async () => {
    await openUploads(storage, '');
    await storage.deleteMany((await storage.list('')).map((o) => o.key));
    await storage.removeBucket();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads 4 files of 48 MB at once with 16 MB parts, Medusa ETags, and memory that stays flat', async () => {
    const big = Storage.open(config({ multipartChunksize: 16 * MiB, concurrentTransfers: 4 }));
    const path = join(dir, 'big-Data.db');
    const block = randomBytes(MiB);
    writeFileSync(path, Buffer.concat(Array.from({ length: 48 }, () => block)));
    const s = await big;
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const infos = await Promise.all([0, 1, 2, 3].map((i) => s.uploadFile(`big/f${i}-Data.db`, path)));
    clearInterval(sampler);
    await s.close();
    const expected = multipartEtagOf(Buffer.concat(Array.from({ length: 48 }, () => block)), 16 * MiB);
    expect(infos.map((info) => info.hash)).toEqual([expected, expected, expected, expected]);
    expect(expected).toMatch(/-3$/);
    // Buffered parts (the former lib-storage Upload) held 4 transfers x 4 parts x 16 MB here.
    expect((peak - baseline) / MiB).toBeLessThan(64);
  });

  it('returns the ETag the store records (what a HEAD answers), for a single PUT and multipart', async () => {
    const small = data.subarray(0, 1000);
    const put = await storage.upload('etag/small-Data.db', () => Readable.from([small]), small.length);
    expect(put).toMatchObject({ size: 1000, hash: createHash('md5').update(small).digest('hex') });
    const multi = await storage.upload('etag/big-Data.db', () => Readable.from([data]), data.length);
    expect(multi).toMatchObject({ size: data.length, hash: multipartEtagOf(data, 5 * MiB) });
    for (const info of [put, multi]) expect((await storage.head(info.key))?.hash).toBe(info.hash);
  });

  it('an unreadable source in the second part fails the upload with its error and leaves no part', async () => {
    // The SDK would print a line of its own to stderr for each failed streamed request.
    const warn = vi.spyOn(console, 'warn');
    const started = Date.now();
    await expect(
      storage.upload(
        'fail/eio-Data.db',
        () => failingAfter(data, 7 * MiB, new Error('EIO: i/o error')),
        data.length,
      ),
    ).rejects.toThrow(/EIO/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await storage.head('fail/eio-Data.db')).toBeUndefined();
    expect(await openUploads(storage, 'fail/')).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('a source shorter than its size fails instead of waiting, multipart and single PUT', async () => {
    await expect(
      storage.upload('short/multi-Data.db', () => Readable.from([data.subarray(0, 6 * MiB)]), data.length),
    ).rejects.toThrow(/source ended \d+ bytes early/);
    await expect(
      storage.upload('short/single-Data.db', () => Readable.from([data.subarray(0, MiB)]), 2 * MiB),
    ).rejects.toThrow(/source ended 1048576 bytes early/);
    expect(await storage.list('short/')).toEqual([]);
    expect(await openUploads(storage, 'short/')).toEqual([]);
  });

  it('a transient failure in the second part is retried from a reopened source: whole object, no part left', async () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    let opened = 0;
    const info = await storage.upload(
      'retry/reset-Data.db',
      () => (++opened === 1 ? failingAfter(data, 7 * MiB, reset) : Readable.from([data])),
      data.length,
    );
    expect(opened).toBe(2);
    expect(info.hash).toBe(multipartEtagOf(data, 5 * MiB));
    expect((await storage.readBytes('retry/reset-Data.db')).equals(data)).toBe(true);
    expect(await openUploads(storage, 'retry/')).toEqual([]);
  });
});
