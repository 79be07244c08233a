import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ResolvedStorageConfig } from '../config.js';
import { NotFoundError, type ByteRange, type ObjectInfo, type StorageBackend } from '../driver.js';
import { md5PassThrough } from '../hashing.js';

/**
 * Medusa's `local` provider: the bucket is the directory basePath/bucket and keys are relative
 * paths below it. Uploads record the hex MD5 computed while copying; listings report no hash.
 */
export class LocalBackend implements StorageBackend {
  readonly provider = 'local' as const;
  readonly bucket: string;
  readonly root: string;

  constructor(config: ResolvedStorageConfig) {
    this.bucket = config.bucket;
    this.root = resolve(config.basePath ?? '.', config.bucket);
  }

  /** Absolute path of a key; refuses keys that would leave the bucket directory. */
  pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (key === '' || key.startsWith('/') || !path.startsWith(this.root + sep)) {
      throw new Error(`invalid object key '${key}'`);
    }
    return path;
  }

  async ensureBucket(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  async removeBucket(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }

  async putBytes(key: string, data: Buffer): Promise<ObjectInfo> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
    const info = await stat(path);
    return {
      key,
      size: info.size,
      hash: createHash('md5').update(data).digest('hex'),
      lastModified: info.mtime,
    };
  }

  async putStream(key: string, source: Readable, size: number): Promise<ObjectInfo> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Write to a temporary name and rename, so a failed attempt never leaves a truncated object.
    const temporary = `${path}.${randomUUID()}.partial`;
    const { stream: hashing, md5 } = md5PassThrough();
    try {
      await pipeline(source, hashing, createWriteStream(temporary));
      const written = (await stat(temporary)).size;
      if (written !== size) throw new Error(`upload of ${key}: expected ${size} bytes, got ${written}`);
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const info = await stat(path);
    return { key, size: info.size, hash: md5.digest('hex'), lastModified: info.mtime };
  }

  async getStream(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(key);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new NotFoundError(key);
    return createReadStream(path, range ? { start: range.start, end: range.end } : {});
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const info = await stat(this.pathOf(key)).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    // Medusa's local get_blob hashes the file; HEAD stays cheap here and reports no hash.
    return { key, size: info.size, hash: null, lastModified: info.mtime };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk only the deepest directory the prefix fully names, then filter by string prefix.
    const slash = prefix.lastIndexOf('/');
    const start = slash < 0 ? this.root : join(this.root, prefix.slice(0, slash));
    if (start !== this.root && !start.startsWith(this.root + sep))
      throw new Error(`invalid prefix '${prefix}'`);
    for await (const path of walk(start)) {
      const key = relative(this.root, path).split(sep).join('/');
      if (!key.startsWith(prefix) || key.endsWith('.partial')) continue;
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile()) yield { key, size: info.size, hash: null, lastModified: info.mtime };
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await rm(path, { force: true });
    // Drop directories left empty, as object stores have no folders.
    let dir = dirname(path);
    while (dir.startsWith(this.root + sep)) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
      dir = dirname(dir);
    }
  }

  async close(): Promise<void> {}
}

async function* walk(dir: string): AsyncIterable<string> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}
