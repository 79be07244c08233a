import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BlobServiceClient } from '@azure/storage-blob';
import { Storage } from '@google-cloud/storage';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { artefacts } from '../bed/paths.js';
import { azurite, fakeGcs, minio } from '../bed/stores.js';

// Smoke tests proving each object store of the test bed is the real server, spoken to by its official SDK.
const run = promisify(execFile);
const suffix = `${process.pid}-${Date.now()}`;
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

describe('MinIO (S3)', () => {
  const s3 = new S3Client({
    endpoint: minio.endpoint,
    region: minio.region,
    forcePathStyle: true,
    credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
  });
  const Bucket = `smoke-${suffix}`;

  it('puts, gets, lists and uploads multipart with an AWS-style multipart ETag', async () => {
    await s3.send(new CreateBucketCommand({ Bucket }));
    try {
      await s3.send(new PutObjectCommand({ Bucket, Key: 'a/small.txt', Body: 'hello' }));
      const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'a/small.txt' }));
      expect(await got.Body?.transformToString()).toBe('hello');

      const partSize = 5 * 1024 * 1024;
      const big = randomBytes(partSize * 2 + 1234);
      const upload = new Upload({
        client: s3,
        params: { Bucket, Key: 'a/big.bin', Body: big },
        partSize,
        queueSize: 2,
      });
      const result = await upload.done();
      // S3 multipart ETag: md5 of the concatenated part md5s, dash, part count.
      const parts = [0, 1, 2].map((i) =>
        Buffer.from(md5(big.subarray(i * partSize, (i + 1) * partSize)), 'hex'),
      );
      expect(result.ETag?.replaceAll('"', '')).toBe(`${md5(Buffer.concat(parts))}-3`);

      const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'a/' }));
      expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([
        ['a/big.bin', big.length],
        ['a/small.txt', 5],
      ]);
      const back = await s3.send(new GetObjectCommand({ Bucket, Key: 'a/big.bin' }));
      expect(md5(Buffer.from(await back.Body!.transformToByteArray()))).toBe(md5(big));
    } finally {
      for (const Key of ['a/small.txt', 'a/big.bin']) await s3.send(new DeleteObjectCommand({ Bucket, Key }));
      await s3.send(new DeleteBucketCommand({ Bucket }));
    }
  });
});

describe('Azurite (Azure Blob)', () => {
  it('puts and gets a block blob', async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const container = service.getContainerClient(`smoke-${suffix}`);
    await container.create();
    try {
      const blob = container.getBlockBlobClient('dir/object.bin');
      const data = randomBytes(64 * 1024);
      await blob.uploadData(data);
      expect(md5(await blob.downloadToBuffer())).toBe(md5(data));
      const names: string[] = [];
      for await (const item of container.listBlobsFlat()) names.push(item.name);
      expect(names).toEqual(['dir/object.bin']);
    } finally {
      await container.delete();
    }
  });
});

describe('fake-gcs-server (Google Cloud Storage)', () => {
  it('puts and gets an object', async () => {
    const storage = new Storage({ apiEndpoint: fakeGcs.endpoint, projectId: fakeGcs.projectId });
    const [bucket] = await storage.createBucket(`smoke-${suffix}`);
    try {
      const file = bucket.file('dir/object.bin');
      const data = randomBytes(64 * 1024);
      await file.save(data, { resumable: false });
      const [downloaded] = await file.download();
      expect(md5(downloaded)).toBe(md5(data));
      const [files] = await bucket.getFiles();
      expect(files.map((f) => f.name)).toEqual(['dir/object.bin']);
    } finally {
      await bucket.deleteFiles({ force: true });
      await bucket.delete();
    }
  });
});

describe('cassandra-medusa', () => {
  it('runs the real medusa CLI from PyPI', async () => {
    const { stdout } = await run(artefacts.medusa, ['--help']);
    for (const command of ['backup-node', 'list-backups', 'restore-node', 'verify', 'purge']) {
      expect(stdout).toContain(command);
    }
    const version = await run(artefacts.medusa, ['--version']);
    expect(version.stdout + version.stderr).toMatch(/0\.31\.0/);
  });
});
