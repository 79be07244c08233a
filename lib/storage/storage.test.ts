import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentMismatchError, multipartEtagOf } from './hashing.js';
import { Storage } from './storage.js';

// Storage.downloadFile with an expected content, on the local driver: the bytes are checked while
// they stream and a file that is not what was recorded never appears under its name.

let dir: string;
let storage: Storage;
const data = Buffer.from('x'.repeat(3000));
const md5 = createHash('md5').update(data).digest('hex');

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'storage-'));
  storage = await Storage.open({ provider: 'local', bucket: 'b', basePath: dir });
  await storage.putBytes('n/data/ks/t/f', data);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Storage.downloadFile with expected content', () => {
  it('writes the file when size and checksum (MD5 or multipart ETag) match', async () => {
    const target = join(dir, 'out', 'f');
    const partSize = 1000;
    expect(
      await storage.downloadFile('n/data/ks/t/f', target, undefined, { size: 3000, hash: md5, partSize }),
    ).toEqual({
      size: 3000,
      md5,
    });
    const etag = multipartEtagOf(data, partSize);
    await storage.downloadFile('n/data/ks/t/f', target, undefined, { size: 3000, hash: etag, partSize });
    expect(readFileSync(target).equals(data)).toBe(true);
  });

  it('refuses other bytes or another size before the rename, leaving nothing behind, without retrying', async () => {
    const target = join(dir, 'out', 'f');
    let retries = 0;
    const counting = new Storage(storage.backend, storage.config, { onRetry: () => retries++ });
    const wrong = { size: 3000, hash: createHash('md5').update('other').digest('hex'), partSize: 1000 };
    const refused = counting.downloadFile('n/data/ks/t/f', target, undefined, wrong);
    await expect(refused).rejects.toBeInstanceOf(ContentMismatchError);
    await expect(
      counting.downloadFile('n/data/ks/t/f', target, undefined, { ...wrong, hash: md5, size: 2999 }),
    ).rejects.toThrow('n/data/ks/t/f: 3000 bytes where the manifest says 2999');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(join(dir, 'out'))).toEqual([]);
    expect(retries).toBe(0);
  });
});
