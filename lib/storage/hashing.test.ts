import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import {
  checkableContentHash,
  checkableHash,
  compareContent,
  ContentDigest,
  digestPassThrough,
  fileDigests,
  hashesMatch,
  kindsToCheck,
  multipartEtagOf,
  normaliseHash,
} from './hashing.js';

const empty = 'd41d8cd98f00b204e9800998ecf8427e';

describe('normaliseHash', () => {
  it('reads hex, base64 (GCS/Azure) and quoted ETags as the same MD5', () => {
    expect(normaliseHash(empty)).toBe(empty);
    expect(normaliseHash('1B2M2Y8AsgTpgAmY7PhCfg==')).toBe(empty);
    expect(normaliseHash(`"${empty.toUpperCase()}"`)).toBe(empty);
  });

  it('keeps multipart ETags verbatim and treats missing hashes as unknown', () => {
    expect(normaliseHash('"abc123-4"')).toBe('abc123-4');
    expect(normaliseHash(null)).toBeUndefined();
    expect(normaliseHash('no-md5-hash')).toBeUndefined();
    expect(normaliseHash('opaque-kms-value')).toBe('opaque-kms-value');
    expect(normaliseHash('not a hash')).toBeUndefined();
  });
});

describe('checkableHash', () => {
  it('compares hex, base64 and multipart forms and knows when it cannot', () => {
    expect(checkableHash('XUFAKrxLKna5cZ2REBfFkg==')).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(checkableHash('"5D41402ABC4B2A76B9719D911017C592"')).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(checkableHash('0123456789abcdef0123456789abcdef-3')).toBe('0123456789abcdef0123456789abcdef-3');
    expect(checkableHash('no-md5-hash')).toBeUndefined();
    expect(checkableHash(null)).toBeUndefined();
    expect(checkableHash('opaque-kms-value')).toBeUndefined();
  });
});

describe('hashesMatch', () => {
  it('compares across encodings and says undefined when a side is unknown', () => {
    expect(hashesMatch(empty, '1B2M2Y8AsgTpgAmY7PhCfg==')).toBe(true);
    expect(hashesMatch(empty, 'AAAAAAAAAAAAAAAAAAAAAA==')).toBe(false);
    expect(hashesMatch(null, empty)).toBeUndefined();
    expect(hashesMatch('no-md5-hash', empty)).toBeUndefined();
  });
});

describe('S3 multipart ETags', () => {
  it('are the MD5 of the part MD5s, a dash and the part count', async () => {
    const data = randomBytes(2500);
    const parts = [data.subarray(0, 1000), data.subarray(1000, 2000), data.subarray(2000)];
    const digests = Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()));
    const expected = `${createHash('md5').update(digests).digest('hex')}-3`;
    expect(multipartEtagOf(data, 1000)).toBe(expected);

    const dir = mkdtempSync(join(tmpdir(), 'hashing-'));
    const path = join(dir, 'f');
    writeFileSync(path, data);
    const digestsOfFile = await fileDigests(path, 1000);
    expect(digestsOfFile.multipartEtag).toBe(expected);
    expect(digestsOfFile.md5).toBe(createHash('md5').update(data).digest('hex'));
    expect((await fileDigests(path, 5000)).multipartEtag).toMatch(/-1$/);
    rmSync(dir, { recursive: true });
  });
});

describe('streaming digests', () => {
  const data = randomBytes(2500);
  const md5 = createHash('md5').update(data).digest('hex');

  it('give the MD5 and the multipart ETag of the bytes, however they are chunked', async () => {
    for (const chunk of [1, 7, 1000, 4096]) {
      const digest = new ContentDigest(1000);
      for (let at = 0; at < data.length; at += chunk) digest.update(data.subarray(at, at + chunk));
      expect(digest.digests()).toEqual({ size: 2500, md5, multipartEtag: multipartEtagOf(data, 1000) });
    }
    const { stream, digest } = digestPassThrough(1000);
    const passed: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        passed.push(chunk);
        callback();
      },
    });
    await pipeline(Readable.from([data.subarray(0, 1234), data.subarray(1234)]), stream, sink);
    expect(Buffer.concat(passed).equals(data)).toBe(true);
    expect(digest.digests().md5).toBe(md5);
  });

  it('are compared with what the backup recorded: hex, base64, multipart; a flipped byte is a mismatch', () => {
    const digests = { size: 2500, md5, multipartEtag: multipartEtagOf(data, 1000) };
    const expected = (hash: string | null, size = 2500) => ({ size, hash, partSize: 1000 });
    expect(compareContent(expected(md5), digests)).toEqual({ verdict: 'match' });
    expect(compareContent(expected(Buffer.from(md5, 'hex').toString('base64')), digests).verdict).toBe(
      'match',
    );
    expect(compareContent(expected(`"${multipartEtagOf(data, 1000)}"`), digests).verdict).toBe('match');
    const flipped = Buffer.from(data);
    flipped[100] = flipped[100]! ^ 0xff;
    const bad = {
      size: 2500,
      md5: createHash('md5').update(flipped).digest('hex'),
      multipartEtag: multipartEtagOf(flipped, 1000),
    };
    expect(compareContent(expected(md5), bad)).toEqual({
      verdict: 'mismatch',
      reason: `checksum does not match the manifest: ${bad.md5} where the backup recorded ${md5}`,
    });
    expect(compareContent(expected(multipartEtagOf(data, 1000)), bad).verdict).toBe('mismatch');
    expect(compareContent(expected(md5, 2501), digests)).toEqual({
      verdict: 'mismatch',
      reason: '2500 bytes where the manifest says 2501',
    });
    // Nothing to check against: only the size decides.
    expect(compareContent(expected(null), bad)).toEqual({ verdict: 'unchecked' });
    expect(compareContent(expected('no-md5-hash'), bad)).toEqual({ verdict: 'unchecked' });
  });

  it('compute only the checksum the recorded one can be checked with, and still catch a flipped byte', () => {
    const flipped = Buffer.from(data);
    flipped[2000] = flipped[2000]! ^ 0x01;
    const etag = multipartEtagOf(data, 1000);
    const digestWith = (bytes: Buffer, hash: string | null) => {
      const expected = { size: 2500, hash, partSize: 1000 };
      const digest = new ContentDigest(1000, kindsToCheck(expected));
      digest.update(bytes);
      return { expected, digests: digest.digests() };
    };
    // A plain MD5 recorded: the part hashes are skipped.
    const plain = digestWith(data, md5);
    expect(plain.digests).toEqual({ size: 2500, md5, multipartEtag: '' });
    expect(compareContent(plain.expected, plain.digests).verdict).toBe('match');
    const plainBad = digestWith(flipped, md5);
    expect(compareContent(plainBad.expected, plainBad.digests).verdict).toBe('mismatch');
    // A multipart ETag recorded: the whole-object MD5 is skipped.
    const multi = digestWith(data, etag);
    expect(multi.digests).toEqual({ size: 2500, md5: '', multipartEtag: etag });
    expect(compareContent(multi.expected, multi.digests).verdict).toBe('match');
    const multiBad = digestWith(flipped, etag);
    expect(compareContent(multiBad.expected, multiBad.digests).verdict).toBe('mismatch');
    // Nothing usable recorded: no hashing, the size decides.
    const none = digestWith(data, null);
    expect(none.digests).toEqual({ size: 2500, md5: '', multipartEtag: '' });
    expect(compareContent(none.expected, none.digests).verdict).toBe('unchecked');
  });

  it('cannot check a multipart ETag whose part count does not fit the part size', () => {
    const etag = multipartEtagOf(data, 1000); // 3 parts
    expect(checkableContentHash({ size: 2500, hash: etag, partSize: 1000 })).toBe(etag);
    expect(checkableContentHash({ size: 2500, hash: etag, partSize: 500 })).toBeUndefined();
    expect(checkableContentHash({ size: 2500, hash: 'opaque-kms-value', partSize: 1000 })).toBeUndefined();
    expect(
      checkableContentHash({ size: 0, hash: multipartEtagOf(Buffer.alloc(0), 1000), partSize: 1000 }),
    ).toMatch(/-1$/);
  });
});
