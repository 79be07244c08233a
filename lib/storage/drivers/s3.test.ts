import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config.js';
import { s3ClientConfig, s3Encryption, s3Endpoint, s3PartSize, s3Region } from './s3.js';

describe('S3 client settings from medusa.ini-style config', () => {
  it('builds the s3_compatible endpoint from host, port and secure', () => {
    const config = resolveConfig({
      provider: 's3_compatible',
      bucket: 'b',
      host: 'minio.local',
      port: 9000,
      secure: false,
    });
    expect(s3Endpoint(config)).toBe('http://minio.local:9000');
    expect(s3Endpoint(resolveConfig({ provider: 's3_rgw', bucket: 'b', host: 'rgw', port: 443 }))).toBe(
      'https://rgw:443',
    );
    expect(s3Endpoint(resolveConfig({ provider: 's3', bucket: 'b', host: 'ignored' }))).toBeUndefined();
    expect(s3Region(config)).toBe('us-east-1');
    expect(s3Region(resolveConfig({ provider: 's3', bucket: 'b', region: 'eu-west-3' }))).toBe('eu-west-3');
  });

  it('uses the key file profile, path style for custom endpoints, and no SDK retries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3-config-'));
    const keyFile = join(dir, 'creds');
    writeFileSync(
      keyFile,
      '[default]\naws_access_key_id = A\naws_secret_access_key = S\n[p2]\naws_access_key_id = B\naws_secret_access_key = T\n',
    );
    const client = await s3ClientConfig(
      resolveConfig({
        provider: 's3_compatible',
        bucket: 'b',
        host: 'h',
        port: 1,
        keyFile,
        apiProfile: 'p2',
      }),
    );
    expect(client.credentials).toEqual({ accessKeyId: 'B', secretAccessKey: 'T' });
    expect(client.forcePathStyle).toBe(true);
    expect(client.maxAttempts).toBe(1);
    expect(client.requestChecksumCalculation).toBe('WHEN_REQUIRED');
    // No key file: the SDK default chain (env, web identity / IRSA, instance profile).
    const chain = await s3ClientConfig(
      resolveConfig({ provider: 's3', bucket: 'b', addressingStyle: 'virtual' }),
    );
    expect(chain.credentials).toBeUndefined();
    expect(chain.forcePathStyle).toBe(false);
    rmSync(dir, { recursive: true });
  });

  it('sets SSE-KMS on writes and SSE-C on every data request', () => {
    expect(s3Encryption({ kmsId: 'arn:aws:kms:k' })).toEqual({
      write: { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:k' },
      read: {},
    });
    const key = randomBytes(32).toString('base64');
    const sseC = s3Encryption({ sseCKey: key });
    expect(sseC.read).toEqual({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: key });
    expect(sseC.write).toEqual(sseC.read);
    expect(() => s3Encryption({ sseCKey: randomBytes(16).toString('base64') })).toThrow(/32-byte/);
    expect(() => s3Encryption({ sseCKey: key, kmsId: 'k' })).toThrow(/mutually exclusive/);
  });

  it('keeps multipart_chunksize as the part size up to 10,000 parts, then doubles it like boto3', () => {
    const MiB = 1024 * 1024;
    expect(s3PartSize(5 * 1024 * MiB, 50 * MiB)).toBe(50 * MiB);
    expect(s3PartSize(10_000 * 5 * MiB, 5 * MiB)).toBe(5 * MiB);
    expect(s3PartSize(10_000 * 5 * MiB + 1, 5 * MiB)).toBe(10 * MiB);
    expect(s3PartSize(100_000 * 5 * MiB, 5 * MiB)).toBe(80 * MiB);
  });

  it('refuses parts below the S3 minimum', () => {
    expect(() => resolveConfig({ provider: 's3', bucket: 'b', multipartChunksize: '1MB' })).toThrow(/5MB/);
    expect(() => resolveConfig({ provider: 'local', bucket: 'b' })).toThrow(/basePath/);
    expect(() => resolveConfig({ provider: 's3', bucket: 'a/b' })).toThrow(/no '\/'/);
  });
});
