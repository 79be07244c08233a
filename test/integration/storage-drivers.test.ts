import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Storage, multipartEtagOf, type ObjectInfo, type StorageConfig } from '../../lib/storage/index.js';
import { azurite, fakeGcs, localStorageDir, minio } from '../bed/stores.js';

const MiB = 1024 * 1024;
const keysDir = mkdtempSync(join(tmpdir(), 'storage-drivers-keys-'));

/** Credentials written in cassandra-medusa's key_file formats. */
function writeKeyFile(name: string, content: string): string {
  const path = join(keysDir, name);
  writeFileSync(path, content);
  return path;
}

/**
 * A real TCP proxy on 127.0.0.1 in front of a real server. When armed, it resets the next
 * connection after `afterBytes` bytes have passed in the chosen direction.
 */
class ResettingProxy {
  private server: Server | undefined;
  private armed: { direction: 'upload' | 'download'; afterBytes: number } | undefined;
  private seen = 0;
  private readonly sockets = new Set<Socket>();
  resets = 0;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  arm(direction: 'upload' | 'download', afterBytes: number): void {
    this.armed = { direction, afterBytes };
    this.seen = 0;
  }

  private relay(client: Socket): void {
    const upstream = connect(this.targetPort, this.targetHost);
    this.sockets.add(client).add(upstream);
    // Counts bytes since arming on any connection: SDKs reuse keep-alive connections.
    const count = (direction: 'upload' | 'download', chunk: Buffer): boolean => {
      const armed = this.armed;
      if (!armed || armed.direction !== direction) return false;
      this.seen += chunk.length;
      if (this.seen < armed.afterBytes) return false;
      this.armed = undefined;
      this.resets += 1;
      client.resetAndDestroy();
      upstream.destroy();
      return true;
    };
    client.on('data', (chunk: Buffer) => {
      if (!count('upload', chunk)) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!count('download', chunk)) client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      upstream.destroy();
      this.sockets.delete(client);
    });
    upstream.on('close', () => {
      client.destroy();
      this.sockets.delete(upstream);
    });
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

interface Backend {
  name: string;
  /** Storage config for a bucket; `endpoint` replaces the server address (the proxy). */
  config(bucket: string, endpoint?: string): StorageConfig;
  /** The real server behind the reset proxy; local storage has no network. */
  target?: { host: string; port: number; endpoint: (port: number) => string };
  /** The hash the provider records for `data` uploaded with these settings. */
  expectedHash(data: Buffer, multipart: boolean, partSize: number): string;
}

const md5 = (data: Buffer) => createHash('md5').update(data);

const backends: Backend[] = [
  {
    name: 'local',
    config: (bucket) => ({ provider: 'local', basePath: localStorageDir, bucket }),
    expectedHash: (data) => md5(data).digest('hex'),
  },
  {
    name: 'minio (s3_compatible)',
    config: (bucket, endpoint) => ({
      provider: 's3_compatible',
      bucket,
      ...(endpoint ? { endpoint } : { host: minio.host, port: minio.port, secure: false }),
      region: minio.region,
      keyFile: writeKeyFile(
        'aws-credentials',
        `[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n[medusa]\naws_access_key_id = ${minio.accessKeyId}\naws_secret_access_key = ${minio.secretAccessKey}\n`,
      ),
      apiProfile: 'medusa',
    }),
    target: { host: '127.0.0.1', port: minio.port, endpoint: (port) => `http://127.0.0.1:${port}` },
    expectedHash: (data, multipart, partSize) =>
      multipart ? multipartEtagOf(data, partSize) : md5(data).digest('hex'),
  },
  {
    // Medusa ignores host/port for s3_rgw and would talk to AWS; we honour them.
    name: 'minio (s3_rgw)',
    config: (bucket, endpoint) => ({
      provider: 's3_rgw',
      bucket,
      ...(endpoint ? { endpoint } : { host: minio.host, port: minio.port, secure: false }),
      keyFile: writeKeyFile(
        'aws-credentials-rgw',
        `[default]\naws_access_key_id = ${minio.accessKeyId}\naws_secret_access_key = ${minio.secretAccessKey}\n`,
      ),
    }),
    target: { host: '127.0.0.1', port: minio.port, endpoint: (port) => `http://127.0.0.1:${port}` },
    expectedHash: (data, multipart, partSize) =>
      multipart ? multipartEtagOf(data, partSize) : md5(data).digest('hex'),
  },
  {
    name: 'azurite (azure_blobs)',
    config: (bucket, endpoint) => ({
      provider: 'azure_blobs',
      bucket,
      endpoint: endpoint ?? azurite.endpoint,
      keyFile: writeKeyFile(
        'azure.json',
        JSON.stringify({ storage_account: azurite.accountName, key: azurite.accountKey }),
      ),
    }),
    target: {
      host: '127.0.0.1',
      port: azurite.port,
      endpoint: (port) => `http://127.0.0.1:${port}/${azurite.accountName}`,
    },
    expectedHash: (data) => md5(data).digest('base64'),
  },
  {
    name: 'fake-gcs-server (google_storage)',
    config: (bucket, endpoint) => ({
      provider: 'google_storage',
      bucket,
      endpoint: endpoint ?? fakeGcs.endpoint,
      projectId: fakeGcs.projectId,
    }),
    target: { host: '127.0.0.1', port: fakeGcs.port, endpoint: (port) => `http://127.0.0.1:${port}` },
    expectedHash: (data) => md5(data).digest('base64'),
  },
];

const partSize = 5 * MiB;
const transferSettings = {
  multiPartUploadThreshold: 5 * MiB,
  multipartChunksize: partSize,
  retryBaseDelayMs: 50,
};

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function writeTemp(data: Buffer): string {
  const path = join(keysDir, `src-${randomUUID()}`);
  writeFileSync(path, data);
  return path;
}

describe.each(backends)('storage driver on $name', (backend) => {
  const bucket = `it-storage-drivers-${randomUUID().slice(0, 8)}`;
  let storage: Storage;

  beforeAll(async () => {
    storage = await Storage.open({ ...backend.config(bucket), ...transferSettings, concurrentTransfers: 4 });
    await storage.ensureBucket();
  });

  afterAll(async () => {
    const leftovers = await storage.list('');
    await storage.deleteMany(leftovers.map((o) => o.key));
    await storage.removeBucket();
    await storage.close();
  });

  it('puts, heads, reads back and deletes a small object', async () => {
    const body = Buffer.from('{"server_type": "cassandra", "release_version": "5.0.8"}');
    const put = await storage.putBytes('node1/b1/meta/server_version.json', body);
    expect(put).toMatchObject({ key: 'node1/b1/meta/server_version.json', size: body.length });
    expect(put.hash).toBe(backend.expectedHash(body, false, partSize));
    expect(Math.abs(put.lastModified.getTime() - Date.now())).toBeLessThan(60_000);

    expect((await storage.readBytes('node1/b1/meta/server_version.json')).equals(body)).toBe(true);
    expect((await storage.head('node1/b1/meta/server_version.json'))?.size).toBe(body.length);

    await storage.delete('node1/b1/meta/server_version.json');
    expect(await storage.head('node1/b1/meta/server_version.json')).toBeUndefined();
    await expect(storage.readBytes('node1/b1/meta/server_version.json')).rejects.toThrow(/not found/);
    // Deleting what is gone is not an error (purge may race another purge).
    await storage.delete('node1/b1/meta/server_version.json');
  });

  it('lists by plain string prefix, like Medusa, with sizes', async () => {
    const keys = ['p/a/b10/x', 'p/a/b1/meta/y', 'p/a/b1/data/ks/t-1/z', 'p/other'];
    for (const key of keys) await storage.putBytes(key, key);
    const under = (prefix: string) => storage.list(prefix).then((l) => l.map((o) => o.key).sort());
    expect(await under('p/a/b1/')).toEqual(['p/a/b1/data/ks/t-1/z', 'p/a/b1/meta/y']);
    // No trailing slash: b1 also matches b10, which is why backup names are validated.
    expect(await under('p/a/b1')).toEqual(['p/a/b1/data/ks/t-1/z', 'p/a/b1/meta/y', 'p/a/b10/x']);
    const listed = await storage.list('p/');
    expect(listed.find((o) => o.key === 'p/other')?.size).toBe('p/other'.length);
    await storage.deleteMany(keys);
    expect(await storage.list('p/')).toEqual([]);
  });

  it('uploads multipart above the threshold with the provider hash Medusa records', async () => {
    const data = randomBytes(12 * MiB + 4321);
    const path = writeTemp(data);
    const info: ObjectInfo = await storage.uploadFile('mp/nb-1-big-Data.db', path);
    expect(info.size).toBe(data.length);
    expect(info.hash).toBe(backend.expectedHash(data, true, partSize));
    if (backend.name.startsWith('minio')) expect(info.hash).toMatch(/-3$/);
    const listed = await storage.list('mp/');
    expect(listed.map((o) => o.size)).toEqual([data.length]);
    rmSync(path);
  });

  it('streams a download and serves byte ranges', async () => {
    const data = randomBytes(7 * MiB + 17);
    const path = writeTemp(data);
    await storage.uploadFile('dl/file', path);
    const whole = await collect(await storage.download('dl/file'));
    expect(whole.equals(data)).toBe(true);
    const range = await collect(await storage.download('dl/file', { start: 5 * MiB - 3, end: 5 * MiB + 9 }));
    expect(range.equals(data.subarray(5 * MiB - 3, 5 * MiB + 10))).toBe(true);
    const target = join(keysDir, `dl-${randomUUID()}`);
    expect(await storage.downloadFile('dl/file', target)).toEqual({
      size: data.length,
      md5: createHash('md5').update(data).digest('hex'),
    });
    expect(readFileSync(target).equals(data)).toBe(true);
    rmSync(path);
    rmSync(target);
  });

  it('keeps uploads and downloads within 15% of transferMaxBandwidth', async () => {
    const limit = 2 * MiB;
    const limited = await Storage.open({
      ...backend.config(bucket),
      ...transferSettings,
      transferMaxBandwidth: '2MB/s',
    });
    // 6 s per direction, so per-request overheads (block commit, HEAD) stay small against it.
    const data = randomBytes(12 * MiB);
    const path = writeTemp(data);
    let t0 = performance.now();
    await limited.uploadFile('bw/file', path);
    const uploadRate = data.length / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    const copy = await collect(await limited.download('bw/file'));
    const downloadRate = data.length / ((performance.now() - t0) / 1000);
    expect(copy.equals(data)).toBe(true);
    console.log(
      `[${backend.name}] limit ${limit} B/s: upload ${Math.round(uploadRate)} B/s, download ${Math.round(downloadRate)} B/s`,
    );
    expect(Math.abs(uploadRate - limit) / limit).toBeLessThan(0.15);
    expect(Math.abs(downloadRate - limit) / limit).toBeLessThan(0.15);
    await limited.close();
    rmSync(path);
  });

  describe.skipIf(!backend.target)('behind a TCP proxy that resets a connection', () => {
    const proxy = new ResettingProxy(backend.target?.host ?? '', backend.target?.port ?? 0);
    let proxied: Storage;
    const retries: unknown[] = [];

    beforeAll(async () => {
      await proxy.start();
      proxied = await Storage.open(
        { ...backend.config(bucket, backend.target!.endpoint(proxy.port)), ...transferSettings },
        { onRetry: (error) => retries.push(error) },
      );
    });

    afterAll(async () => {
      await proxied.close();
      await proxy.stop();
    });

    it('survives a reset in the middle of an upload', async () => {
      const data = randomBytes(3 * MiB);
      const path = writeTemp(data);
      const before = retries.length;
      proxy.arm('upload', MiB);
      const info = await proxied.uploadFile('reset/up', path);
      expect(proxy.resets).toBe(1);
      expect(retries.length).toBe(before + 1);
      expect(info.size).toBe(data.length);
      expect((await collect(await storage.download('reset/up'))).equals(data)).toBe(true);
      rmSync(path);
    });

    it('survives a reset in the middle of a download', async () => {
      const data = randomBytes(3 * MiB);
      await storage.upload('reset/down', () => Readable.from([data]), data.length);
      const before = retries.length;
      proxy.arm('download', MiB);
      const target = join(keysDir, `reset-${randomUUID()}`);
      expect((await proxied.downloadFile('reset/down', target)).size).toBe(data.length);
      expect(proxy.resets).toBe(2);
      expect(retries.length).toBe(before + 1);
      expect(readFileSync(target).equals(data)).toBe(true);
      rmSync(target);
    });
  });
});

afterAll(() => rmSync(keysDir, { recursive: true, force: true }));
