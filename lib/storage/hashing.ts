import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';

/**
 * Hash values as Medusa stores them in manifests differ per provider (hex, base64, multipart
 * `-N` ETags, `no-md5-hash`, null). These helpers compare them without caring about the encoding.
 */

/** Lowercase hex MD5 from a hex or base64 value; the verbatim value for multipart ETags; else undefined. */
export function normaliseHash(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const stripped = value.replace(/"/g, '').trim();
  if (stripped === '' || stripped === 'no-md5-hash') return undefined;
  if (stripped.includes('-')) return stripped.toLowerCase();
  if (/^[0-9a-f]{32}$/i.test(stripped)) return stripped.toLowerCase();
  if (/^[A-Za-z0-9+/]{22}==$/.test(stripped)) return Buffer.from(stripped, 'base64').toString('hex');
  return undefined;
}

/** An S3 multipart ETag, normalised: the MD5 of the part MD5s, a dash and the part count. */
const MULTIPART_ETAG = /^[0-9a-f]{32}-\d+$/;

/**
 * normaliseHash narrowed to the values a file's bytes can be checked against: a hex MD5 or an S3
 * multipart ETag. Other dashed values (opaque ETags) are unknown, so only sizes can decide.
 */
export function checkableHash(value: string | null | undefined): string | undefined {
  const hash = normaliseHash(value);
  return hash?.includes('-') && !MULTIPART_ETAG.test(hash) ? undefined : hash;
}

/** True when both hashes are known and equal; undefined when either is unknown (compare sizes only). */
export function hashesMatch(a: string | null | undefined, b: string | null | undefined): boolean | undefined {
  const left = normaliseHash(a);
  const right = normaliseHash(b);
  if (left === undefined || right === undefined) return undefined;
  return left === right;
}

/** The checksums of some bytes: hex MD5, and the S3 multipart ETag they would get with a part size. */
export interface ContentDigests {
  size: number;
  /** '' when the digest was made without it (DigestKinds). */
  md5: string;
  /** '' when the digest was made without it (DigestKinds). */
  multipartEtag: string;
}

/** Which checksums a digest computes: each one is a pass of MD5 over every byte. */
export interface DigestKinds {
  md5: boolean;
  multipart: boolean;
}

const bothKinds: DigestKinds = { md5: true, multipart: true };

/**
 * The one checksum that can check bytes against `expected` (compareContent), or none when no usable
 * checksum was recorded: a download or a staged-file check then hashes each byte once, or not at all,
 * instead of twice (the whole MD5 and the part MD5s).
 */
export function kindsToCheck(expected: ExpectedContent): DigestKinds {
  const hash = checkableContentHash(expected);
  return { md5: hash !== undefined && !hash.includes('-'), multipart: hash?.includes('-') ?? false };
}

/** Hashes bytes as they stream: the whole MD5 and the part MD5s of an S3 multipart upload, as asked. */
export class ContentDigest {
  private readonly whole = createHash('md5');
  private readonly partDigests: Buffer[] = [];
  private part = createHash('md5');
  private inPart = 0;
  private size = 0;

  constructor(
    readonly partSize: number,
    private readonly kinds: DigestKinds = bothKinds,
  ) {}

  update(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.kinds.md5) this.whole.update(chunk);
    if (!this.kinds.multipart) return;
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, this.partSize - this.inPart);
      this.part.update(chunk.subarray(offset, offset + take));
      this.inPart += take;
      offset += take;
      if (this.inPart === this.partSize) {
        this.partDigests.push(this.part.digest());
        this.part = createHash('md5');
        this.inPart = 0;
      }
    }
  }

  /** Once, after the last chunk. */
  digests(): ContentDigests {
    let multipartEtag = '';
    if (this.kinds.multipart) {
      if (this.inPart > 0 || this.partDigests.length === 0) this.partDigests.push(this.part.digest());
      const combined = createHash('md5').update(Buffer.concat(this.partDigests)).digest('hex');
      multipartEtag = `${combined}-${this.partDigests.length}`;
    }
    return { size: this.size, md5: this.kinds.md5 ? this.whole.digest('hex') : '', multipartEtag };
  }
}

/** A pass-through stream that feeds a ContentDigest (read its digests once the stream ended). */
export function digestPassThrough(
  partSize: number,
  kinds: DigestKinds = bothKinds,
): { stream: Transform; digest: ContentDigest } {
  const digest = new ContentDigest(partSize, kinds);
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      digest.update(chunk);
      callback(null, chunk);
    },
  });
  return { stream, digest };
}

/** MD5 of a file, hex, plus the S3 multipart ETag it would get with the given part size. */
export async function fileDigests(
  path: string,
  partSize: number,
  kinds: DigestKinds = bothKinds,
): Promise<ContentDigests> {
  const digest = new ContentDigest(partSize, kinds);
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>)
    digest.update(chunk);
  return digest.digests();
}

/** What an object's bytes must be: its size, and the checksum recorded when it was uploaded. */
export interface ExpectedContent {
  size: number;
  /** The manifest's MD5 (any provider form) or one found elsewhere; null when none is known. */
  hash: string | null;
  /** multipart_chunksize: the part size S3 multipart ETags were computed with. */
  partSize: number;
}

/**
 * The hash the bytes can be checked against, or undefined when they cannot be (unknown hash, or a
 * multipart ETag whose part count does not fit the size with this part size: then only sizes decide).
 */
export function checkableContentHash(expected: ExpectedContent): string | undefined {
  const hash = checkableHash(expected.hash);
  if (!hash?.includes('-')) return hash;
  const parts = Math.max(1, Math.ceil(expected.size / expected.partSize));
  return Number(hash.slice(hash.indexOf('-') + 1)) === parts ? hash : undefined;
}

/** How bytes compare with what was expected: 'match', 'unchecked' (size right, no usable hash) or why not. */
export function compareContent(
  expected: ExpectedContent,
  actual: ContentDigests,
): { verdict: 'match' | 'unchecked' } | { verdict: 'mismatch'; reason: string } {
  if (actual.size !== expected.size)
    return { verdict: 'mismatch', reason: `${actual.size} bytes where the manifest says ${expected.size}` };
  const hash = checkableContentHash(expected);
  if (hash === undefined) return { verdict: 'unchecked' };
  const found = hash.includes('-') ? actual.multipartEtag : actual.md5;
  return found === hash
    ? { verdict: 'match' }
    : {
        verdict: 'mismatch',
        reason: `checksum does not match the manifest: ${found} where the backup recorded ${hash}`,
      };
}

/** Bytes that are not what the backup recorded (a download refused before it reached its path). */
export class ContentMismatchError extends Error {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`${key}: ${reason}`);
    this.name = 'ContentMismatchError';
  }
}

/**
 * Whether a local file matches a stored hash: true/false when the hash can be checked, undefined
 * when it is unknown (null, no-md5-hash, opaque ETags) and only sizes can decide.
 */
export async function fileMatchesHash(
  path: string,
  storedHash: string | null,
  partSize: number,
): Promise<boolean | undefined> {
  const stored = checkableHash(storedHash);
  if (stored === undefined) return undefined;
  const { md5, multipartEtag } = await fileDigests(path, partSize);
  return stored.includes('-') ? stored === multipartEtag : stored === md5;
}

/** The S3 multipart ETag of a buffer, for tests and small data. */
export function multipartEtagOf(data: Buffer, partSize: number): string {
  const digests: Buffer[] = [];
  for (let offset = 0; offset < data.length || digests.length === 0; offset += partSize) {
    digests.push(
      createHash('md5')
        .update(data.subarray(offset, offset + partSize))
        .digest(),
    );
  }
  return `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}`;
}

/** A pass-through stream, and the MD5 of every byte that went through it (digest it once it ended). */
export function md5PassThrough(): { stream: Transform; md5: Hash } {
  const md5 = createHash('md5');
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      callback(null, chunk);
    },
  });
  return { stream, md5 };
}

export function md5Hex(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}
