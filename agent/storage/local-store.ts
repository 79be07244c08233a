import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  compareContent,
  ContentMismatchError,
  digestPassThrough,
  kindsToCheck,
  md5PassThrough,
  type ExpectedContent,
} from '../../lib/storage/hashing.js';
import { byteCounter, type TransferProgress } from '../../lib/storage/transfer/counter.js';
import type { ObjectStore, StoredObject } from './object-store.js';

/**
 * Medusa's `local` provider: the bucket is the directory <base_path>/<bucket_name> and keys are paths
 * below it. Uploads record the hex MD5 computed while copying; listings report no hash (as Medusa's do).
 */
export class LocalObjectStore implements ObjectStore {
  readonly provider = 'local';
  readonly root: string;

  constructor(basePath: string, bucketName: string) {
    this.root = join(basePath, bucketName);
  }

  private path(key: string): string {
    if (key.split('/').some((part) => part === '..' || part === ''))
      throw new Error(`invalid object key '${key}'`);
    return join(this.root, key);
  }

  private async info(key: string, hash: string | null): Promise<StoredObject> {
    const stats = await stat(this.path(key));
    return { key, size: stats.size, hash, lastModified: stats.mtime };
  }

  async putBytes(key: string, data: Buffer | string): Promise<StoredObject> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const target = this.path(key);
    await retryOnVanishedFolder(async () => {
      await mkdir(dirname(target), { recursive: true });
      const temporary = `${target}.${randomUUID()}.part`;
      await writeFile(temporary, bytes);
      await rename(temporary, target);
    });
    return this.info(key, createHash('md5').update(bytes).digest('hex'));
  }

  async uploadFile(key: string, path: string, onProgress?: TransferProgress): Promise<StoredObject> {
    const target = this.path(key);
    const digest = await retryOnVanishedFolder(async () => {
      await mkdir(dirname(target), { recursive: true });
      const temporary = `${target}.${randomUUID()}.part`;
      const { stream: hashing, md5 } = md5PassThrough();
      try {
        const source = createReadStream(path, { highWaterMark: 4 * 1024 * 1024 });
        const written = createWriteStream(temporary);
        await pipeline(source, byteCounter(onProgress), hashing, written);
        await rename(temporary, target);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      return md5.digest('hex');
    });
    return this.info(key, digest);
  }

  async downloadFile(
    key: string,
    path: string,
    onProgress?: TransferProgress,
    expected?: ExpectedContent,
  ): Promise<number> {
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomUUID()}.download`;
    try {
      const source = createReadStream(this.path(key));
      const target = createWriteStream(temporary);
      if (expected) {
        const { stream: hashing, digest } = digestPassThrough(expected.partSize, kindsToCheck(expected));
        await pipeline(source, byteCounter(onProgress), hashing, target);
        const comparison = compareContent(expected, digest.digests());
        if (comparison.verdict === 'mismatch') throw new ContentMismatchError(key, comparison.reason);
      } else {
        await pipeline(source, byteCounter(onProgress), target);
      }
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return (await stat(path)).size;
  }

  async readBytes(key: string): Promise<Buffer> {
    return readFile(this.path(key));
  }

  async openRead(key: string): Promise<Readable> {
    const path = this.path(key);
    await stat(path); // ENOENT here rather than on the first read
    return createReadStream(path, { highWaterMark: 4 * 1024 * 1024 });
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      return await this.info(key, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    // Walk only below the deepest directory the prefix names, then filter by plain string prefix.
    const slash = prefix.lastIndexOf('/');
    const start = slash >= 0 ? prefix.slice(0, slash) : '';
    const found: StoredObject[] = [];
    const walk = async (relative: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(relative ? join(this.root, relative) : this.root, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const key = relative ? `${relative}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(key);
        } else if (entry.isFile() && key.startsWith(prefix) && !/\.part$|\.download$/.test(key)) {
          found.push(await this.info(key, null));
        }
      }
    };
    await walk(start);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Deletes the object, then the folders it leaves empty (up to the bucket), as object stores have none. */
  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
    for (let dir = dirname(this.path(key)); dir.startsWith(`${this.root}/`); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break; // not empty (or gone): stop pruning
      }
    }
  }

  async close(): Promise<void> {}
}

/** A delete's folder pruning may remove a folder between our mkdir and write: redo once. */
async function retryOnVanishedFolder<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return work();
  }
}
