import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Storage, type S3Backend, type StorageConfig } from '../../lib/storage/index.js';
import { artefacts } from '../bed/paths.js';
import { createCa, issueCert } from '../bed/pki.js';

/**
 * SSE-C needs TLS and SSE-KMS needs a KMS, which the shared MinIO has neither of: this file runs
 * its own MinIO (the bed's binary) with a TLS certificate and a static KMS key.
 */
const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'storage-sse-'));
const kmsKey = 'medusa-test-key';
let minio: ChildProcess | undefined;
let port = 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: chosen } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return chosen;
}

function config(extra: Partial<StorageConfig> = {}): StorageConfig {
  return {
    provider: 's3_compatible',
    bucket: 'sse',
    host: '127.0.0.1',
    port,
    secure: true,
    region: 'us-east-1',
    keyFile: join(dir, 'credentials'),
    multiPartUploadThreshold: '5MB',
    multipartChunksize: '5MB',
    retryAttempts: 1,
    ...extra,
  };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  const ca = createCa(join(dir, 'ca'), 'storage-sse-ca');
  const pair = issueCert(ca, join(dir, 'ca'), 'minio', '127.0.0.1', ['IP:127.0.0.1']);
  const certs = join(dir, 'certs');
  mkdirSync(certs);
  copyFileSync(pair.cert, join(certs, 'public.crt'));
  copyFileSync(pair.key, join(certs, 'private.key'));
  writeFileSync(
    join(dir, 'credentials'),
    '[default]\naws_access_key_id = sse_key\naws_secret_access_key = sse_secret\n',
  );
  port = await freePort();
  minio = spawn(
    artefacts.minio,
    [
      'server',
      join(dir, 'data'),
      '--address',
      `127.0.0.1:${port}`,
      '--console-address',
      `127.0.0.1:${await freePort()}`,
      '--certs-dir',
      certs,
      '--quiet',
    ],
    {
      env: {
        ...process.env,
        MINIO_ROOT_USER: 'sse_key',
        MINIO_ROOT_PASSWORD: 'sse_secret',
        MINIO_BROWSER: 'off',
        MINIO_UPDATE: 'off',
        MINIO_KMS_SECRET_KEY: `${kmsKey}:${randomBytes(32).toString('base64')}`,
      },
      stdio: 'ignore',
    },
  );
  const storage = await Storage.open(config());
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await storage.ensureBucket();
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
  await storage.close();
});

afterAll(async () => {
  if (minio?.pid !== undefined && minio.exitCode === null) {
    const exited = new Promise((resolve) => minio!.once('exit', resolve));
    minio.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('S3 over TLS with server-side encryption (own MinIO)', () => {
  it('talks TLS to a self-signed endpoint unless sslVerify is on', async () => {
    const lax = await Storage.open(config());
    await lax.putBytes('tls/ok', 'ok');
    expect(await lax.readText('tls/ok')).toBe('ok');
    await lax.close();
    const strict = await Storage.open(config({ sslVerify: true }));
    await expect(strict.head('tls/ok')).rejects.toThrow(/certificate/i);
    await strict.close();
  });

  it('SSE-C: every read needs the key; single and multipart uploads round-trip', async () => {
    const key = randomBytes(32).toString('base64');
    const encrypted = await Storage.open(config({ sseCKey: key }));
    const small = Buffer.from('schema text');
    const large = randomBytes(11 * MiB);
    await encrypted.putBytes('ssec/small', small);
    const info = await encrypted.upload('ssec/large', () => Readable.from([large]), large.length);
    expect(info.size).toBe(large.length);
    // The ETag of an SSE-C object is not the MD5 of the data: hashes are opaque, sizes still compare.
    expect(info.hash).not.toBe(createHash('md5').update(large).digest('hex'));
    expect((await encrypted.readBytes('ssec/small')).equals(small)).toBe(true);
    expect((await collect(await encrypted.download('ssec/large'))).equals(large)).toBe(true);
    const ranged = await collect(
      await encrypted.download('ssec/large', { start: 6 * MiB, end: 6 * MiB + 99 }),
    );
    expect(ranged.equals(large.subarray(6 * MiB, 6 * MiB + 100))).toBe(true);

    const keyless = await Storage.open(config());
    await expect(keyless.readBytes('ssec/small')).rejects.toThrow();
    const wrongKey = await Storage.open(config({ sseCKey: randomBytes(32).toString('base64') }));
    await expect(wrongKey.readBytes('ssec/small')).rejects.toThrow();
    await Promise.all([encrypted.close(), keyless.close(), wrongKey.close()]);
  });

  it('SSE-KMS: objects are stored under the configured key and read back without it', async () => {
    const kms = await Storage.open(config({ kmsId: kmsKey }));
    const data = randomBytes(6 * MiB);
    await kms.upload(`kms/${randomUUID()}`, () => Readable.from([data]), data.length);
    const [object] = await kms.list('kms/');
    const head = await (kms.backend as S3Backend).client.send(
      new HeadObjectCommand({ Bucket: 'sse', Key: object!.key }),
    );
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toContain(kmsKey);
    const plain = await Storage.open(config());
    expect((await plain.readBytes(object!.key)).equals(data)).toBe(true);
    await Promise.all([kms.close(), plain.close()]);
  });
});
