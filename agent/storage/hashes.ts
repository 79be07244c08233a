import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

// Manifest hashes differ per provider (hex, base64, multipart `-N` ETags, `no-md5-hash`, null):
// compare them without caring about the encoding (medusa-storage-format.md §2.3).

/** Lowercase hex MD5 from hex or base64; the multipart ETag verbatim; undefined when unknown. */
export function normaliseHash(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const stripped = value.replace(/"/g, '').trim();
  if (stripped === '' || stripped === 'no-md5-hash') return undefined;
  if (/^[0-9a-f]{32}-\d+$/i.test(stripped)) return stripped.toLowerCase();
  if (/^[0-9a-f]{32}$/i.test(stripped)) return stripped.toLowerCase();
  if (/^[A-Za-z0-9+/]{22}==$/.test(stripped)) return Buffer.from(stripped, 'base64').toString('hex');
  return undefined;
}

/** The file's MD5 (hex) and the S3 multipart ETag it gets with parts of `partSize` bytes. */
export async function fileDigests(
  path: string,
  partSize: number,
): Promise<{ md5: string; multipart: string }> {
  const whole = createHash('md5');
  const parts: Buffer[] = [];
  let part = createHash('md5');
  let inPart = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    for (let offset = 0; offset < chunk.length;) {
      const take = Math.min(chunk.length - offset, partSize - inPart);
      part.update(chunk.subarray(offset, offset + take));
      inPart += take;
      offset += take;
      if (inPart === partSize) {
        parts.push(part.digest());
        part = createHash('md5');
        inPart = 0;
      }
    }
  }
  if (inPart > 0 || parts.length === 0) parts.push(part.digest());
  const combined = createHash('md5').update(Buffer.concat(parts)).digest('hex');
  return { md5: whole.digest('hex'), multipart: `${combined}-${parts.length}` };
}

/**
 * Whether a local file matches a stored hash: true/false when the hash is comparable, undefined when
 * it is unknown (null, no-md5-hash, opaque SSE ETags) and only sizes can decide.
 */
export async function fileMatchesHash(
  path: string,
  storedHash: string | null,
  partSize: number,
): Promise<boolean | undefined> {
  const stored = normaliseHash(storedHash);
  if (stored === undefined) return undefined;
  const { md5, multipart } = await fileDigests(path, partSize);
  return stored.includes('-') ? stored === multipart : stored === md5;
}
