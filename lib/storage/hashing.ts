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

/** MD5 of a file, hex, plus the S3 multipart ETag it would get with the given part size. */
export async function fileDigests(
  path: string,
  partSize: number,
): Promise<{ md5: string; multipartEtag: string }> {
  const whole = createHash('md5');
  const partDigests: Buffer[] = [];
  let part = createHash('md5');
  let inPart = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, partSize - inPart);
      part.update(chunk.subarray(offset, offset + take));
      inPart += take;
      offset += take;
      if (inPart === partSize) {
        partDigests.push(part.digest());
        part = createHash('md5');
        inPart = 0;
      }
    }
  }
  if (inPart > 0 || partDigests.length === 0) partDigests.push(part.digest());
  const combined = createHash('md5').update(Buffer.concat(partDigests)).digest('hex');
  return { md5: whole.digest('hex'), multipartEtag: `${combined}-${partDigests.length}` };
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
