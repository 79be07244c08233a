import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContentMismatchError, fileMatchesHash } from '../../lib/storage/hashing.js';
import { LocalObjectStore } from './local-store.js';

describe('LocalObjectStore', () => {
  it('stores under base_path/bucket, hashes uploads, lists by plain string prefix', async () => {
    const base = mkdtempSync(join(tmpdir(), 'agent-store-'));
    const store = new LocalObjectStore(base, 'bucket');
    const file = join(base, 'source');
    writeFileSync(file, 'hello');
    const uploaded = await store.uploadFile('p/n1/b10/data/ks/t/f1', file);
    expect(uploaded).toMatchObject({
      key: 'p/n1/b10/data/ks/t/f1',
      size: 5,
      hash: '5d41402abc4b2a76b9719d911017c592',
    });
    await store.putBytes('p/n1/b1/meta/schema.cql', 'CREATE;');
    await store.putBytes('p/index/backup_index/b1/x', 'x');
    expect(existsSync(join(base, 'bucket', 'p/n1/b1/meta/schema.cql'))).toBe(true);

    expect((await store.list('p/n1/b1')).map((o) => o.key)).toEqual([
      'p/n1/b1/meta/schema.cql',
      'p/n1/b10/data/ks/t/f1',
    ]);
    expect((await store.list('p/n1/b1/')).map((o) => o.key)).toEqual(['p/n1/b1/meta/schema.cql']);
    expect((await store.list('p/n1/b1/'))[0]?.hash).toBeNull();
    expect(await store.list('nothing/')).toEqual([]);
    expect((await store.readBytes('p/n1/b1/meta/schema.cql')).toString()).toBe('CREATE;');

    const target = join(base, 'restored', 'f1');
    expect(await store.downloadFile('p/n1/b10/data/ks/t/f1', target)).toBe(5);
    expect(await fileMatchesHash(target, uploaded.hash, 8 * 1024 * 1024)).toBe(true);

    await store.delete('p/n1/b10/data/ks/t/f1');
    expect(await store.head('p/n1/b10/data/ks/t/f1')).toBeUndefined();
    // Emptied folders go too (object stores have none), but not the bucket or non-empty ones.
    expect(existsSync(join(base, 'bucket', 'p/n1/b10'))).toBe(false);
    expect(existsSync(join(base, 'bucket', 'p/n1'))).toBe(true);
    await expect(store.readBytes('../escape')).rejects.toThrow("invalid object key '../escape'");
  });

  it('reports a large file while it streams, up and down, not only once it is done', async () => {
    const base = mkdtempSync(join(tmpdir(), 'agent-store-'));
    const store = new LocalObjectStore(base, 'bucket');
    const file = join(base, 'big-Data.db');
    const size = 20 * 1024 * 1024 + 7;
    writeFileSync(file, Buffer.alloc(size, 7));
    const up: number[] = [];
    await store.uploadFile('n1/data/ks/t/big-Data.db', file, (bytes) => up.push(bytes));
    expect(up.length).toBeGreaterThan(2);
    expect(up[0]).toBeLessThan(size);
    expect(up.at(-1)).toBe(size);
    expect([...up].sort((a, b) => a - b)).toEqual(up);

    const down: number[] = [];
    await store.downloadFile('n1/data/ks/t/big-Data.db', join(base, 'back'), (bytes) => down.push(bytes));
    expect(down.length).toBeGreaterThan(2);
    expect(down.at(-1)).toBe(size);
  });

  it('reads objects as streams, and refuses a download whose bytes differ from the recorded checksum', async () => {
    const base = mkdtempSync(join(tmpdir(), 'agent-store-'));
    const store = new LocalObjectStore(base, 'bucket');
    await store.putBytes('n1/data/ks/t/f', 'hello');
    const chunks: Buffer[] = [];
    for await (const chunk of await store.openRead('n1/data/ks/t/f')) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    await expect(store.openRead('n1/data/ks/t/missing')).rejects.toThrow(/ENOENT/);

    const target = join(base, 'staged', 'f');
    const expected = { size: 5, hash: '5d41402abc4b2a76b9719d911017c592', partSize: 1024 };
    expect(await store.downloadFile('n1/data/ks/t/f', target, undefined, expected)).toBe(5);
    writeFileSync(join(base, 'bucket', 'n1/data/ks/t/f'), 'jello');
    const other = join(base, 'staged', 'g');
    await expect(store.downloadFile('n1/data/ks/t/f', other, undefined, expected)).rejects.toBeInstanceOf(
      ContentMismatchError,
    );
    expect(readdirSync(join(base, 'staged'))).toEqual(['f']);
  });
});
