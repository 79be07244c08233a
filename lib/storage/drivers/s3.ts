import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ResolvedStorageConfig } from '../config.js';
import { readAwsKeyFile } from '../credentials/aws-ini.js';
import { headAfterUpload, NotFoundError } from '../driver.js';
import type { ByteRange, ObjectInfo, StorageBackend } from '../driver.js';

/** Encryption headers for every request that carries object data (SSE-C needs them on GET/HEAD too). */
export interface S3Encryption {
  write: Record<string, string>;
  read: Record<string, string>;
}

/** SSE-KMS (`kmsId`) or SSE-C (`sseCKey`, base64 of a 256-bit key), as Medusa configures boto3. */
export function s3Encryption(config: Pick<ResolvedStorageConfig, 'kmsId' | 'sseCKey'>): S3Encryption {
  if (config.kmsId && config.sseCKey) throw new Error('kmsId and sseCKey are mutually exclusive');
  if (config.sseCKey) {
    const key = Buffer.from(config.sseCKey, 'base64');
    if (key.length !== 32) throw new Error('sseCKey must be the base64 encoding of a 32-byte key');
    // The SDK adds SSECustomerKeyMD5 itself.
    const headers = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: config.sseCKey };
    return { write: headers, read: headers };
  }
  if (config.kmsId) {
    return { write: { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: config.kmsId }, read: {} };
  }
  return { write: {}, read: {} };
}

/** The endpoint URL: explicit, or built from host/port/secure for S3-compatible stores. */
export function s3Endpoint(config: ResolvedStorageConfig): string | undefined {
  if (config.endpoint) return config.endpoint;
  if (!config.host || config.provider === 's3') return undefined;
  const scheme = config.secure ? 'https' : 'http';
  return config.port ? `${scheme}://${config.host}:${config.port}` : `${scheme}://${config.host}`;
}

export function s3Region(config: ResolvedStorageConfig): string {
  return !config.region || config.region === 'default' ? 'us-east-1' : config.region;
}

export async function s3ClientConfig(config: ResolvedStorageConfig): Promise<S3ClientConfig> {
  const endpoint = s3Endpoint(config);
  const sockets = config.concurrentTransfers * config.multipartMaxConcurrency + 10;
  const timeout = config.readTimeoutSeconds ? config.readTimeoutSeconds * 1000 : undefined;
  return {
    region: s3Region(config),
    endpoint,
    // Custom endpoints (MinIO, Ceph) rarely have wildcard DNS for virtual-hosted buckets.
    forcePathStyle: config.addressingStyle === 'path' || (config.addressingStyle !== 'virtual' && !!endpoint),
    // Without a key file the default chain applies: env, shared config, web identity (IRSA), IMDS.
    credentials: config.keyFile ? await readAwsKeyFile(config.keyFile, config.apiProfile) : undefined,
    // Retries are ours (Storage), with jitter and stream re-opening.
    maxAttempts: 1,
    // S3-compatible stores reject the SDK's default flexible checksums; Medusa does the same.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: sockets }),
      httpsAgent: new HttpsAgent({
        keepAlive: true,
        maxSockets: sockets,
        rejectUnauthorized: config.sslVerify,
      }),
      requestTimeout: timeout,
    },
  };
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isMissing(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return httpStatus(error) === 404 || name === 'NoSuchKey' || name === 'NotFound';
}

/**
 * A refused request (4xx other than 404) as one line a user can act on. HEAD answers carry no body,
 * so the SDK can only say `UnknownError` for them: the status, the operation and the object say more.
 * Other errors (network, 5xx) are passed on as they are, for the retries to judge.
 */
function refusal(error: unknown, operation: string, bucket: string, key: string): unknown {
  const status = httpStatus(error);
  if (status === undefined || status < 400 || status >= 500 || status === 404) return error;
  const { name, message } = error as { name?: string; message?: string };
  const code = name && name !== 'UnknownError' && !/^\d+$/.test(name) ? ` ${name}` : '';
  const detail = message && message !== 'UnknownError' && message !== name ? `: ${message}` : '';
  const hint =
    status === 403
      ? ' (check the access key and secret in key_file, and that they may use this bucket)'
      : status === 301 || status === 400
        ? ' (check the bucket name, region and endpoint)'
        : '';
  return new Error(
    `S3 ${operation} of s3://${bucket}/${key} refused: HTTP ${status}${code}${detail}${hint}`,
    {
      cause: error,
    },
  );
}

const stripQuotes = (etag: string | undefined): string | null => (etag ? etag.replace(/"/g, '') : null);

/** AWS S3 and S3-compatible stores (MinIO, Ceph RGW, IBM COS). */
export class S3Backend implements StorageBackend {
  readonly bucket: string;
  private readonly encryption: S3Encryption;

  private constructor(
    readonly provider: ResolvedStorageConfig['provider'],
    readonly client: S3Client,
    private readonly config: ResolvedStorageConfig,
  ) {
    this.bucket = config.bucket;
    this.encryption = s3Encryption(config);
  }

  static async create(config: ResolvedStorageConfig): Promise<S3Backend> {
    return new S3Backend(config.provider, new S3Client(await s3ClientConfig(config)), config);
  }

  private get storageClass(): StorageClass | undefined {
    return this.config.storageClass ? (this.config.storageClass.toUpperCase() as StorageClass) : undefined;
  }

  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      if (!isMissing(error)) throw error;
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  async removeBucket(): Promise<void> {
    await this.client.send(new DeleteBucketCommand({ Bucket: this.bucket }));
  }

  async putBytes(key: string, data: Buffer): Promise<ObjectInfo> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: data,
        ContentLength: data.length,
        StorageClass: this.storageClass,
        ...this.encryption.write,
      }),
    );
    return headAfterUpload(this, key);
  }

  /**
   * Below the threshold one PutObject; at or above it multipart with parts of multipartChunksize,
   * as boto3 does, so the ETag (`<md5 of part md5s>-<parts>`) is the one Medusa expects.
   */
  async putStream(key: string, source: Readable, size: number): Promise<ObjectInfo> {
    const { multiPartUploadThreshold: threshold, multipartChunksize: partSize } = this.config;
    const common = {
      Bucket: this.bucket,
      Key: key,
      StorageClass: this.storageClass,
      ...this.encryption.write,
    };
    if (size < threshold || threshold <= 0) {
      await this.client.send(new PutObjectCommand({ ...common, Body: source, ContentLength: size }));
    } else if (size <= partSize) {
      await this.singlePartMultipart(common, source, size);
    } else {
      const upload = new Upload({
        client: this.client,
        params: { ...common, Body: source },
        partSize,
        queueSize: this.config.multipartMaxConcurrency,
        leavePartsOnError: false,
      });
      await upload.done();
    }
    const info = await headAfterUpload(this, key);
    if (info.size !== size) throw new Error(`upload of ${key}: expected ${size} bytes, stored ${info.size}`);
    return info;
  }

  /** lib-storage sends a plain PutObject when the body fits in one part; boto3 sends a 1-part upload. */
  private async singlePartMultipart(
    common: { Bucket: string; Key: string } & Record<string, unknown>,
    source: Readable,
    size: number,
  ): Promise<void> {
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand(common));
    try {
      const { ETag } = await this.client.send(
        new UploadPartCommand({
          Bucket: common.Bucket,
          Key: common.Key,
          UploadId,
          PartNumber: 1,
          Body: source,
          ContentLength: size,
          ...this.encryption.read,
        }),
      );
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: common.Bucket,
          Key: common.Key,
          UploadId,
          MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] },
          ...this.encryption.read,
        }),
      );
    } catch (error) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: common.Bucket, Key: common.Key, UploadId }))
        .catch(() => undefined);
      throw error;
    }
  }

  async getStream(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
          ...this.encryption.read,
        }),
      );
      return response.Body as Readable;
    } catch (error) {
      if (isMissing(error)) throw new NotFoundError(key);
      throw refusal(error, 'GET', this.bucket, key);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const response = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key, ...this.encryption.read }),
      );
      return {
        key,
        size: response.ContentLength ?? 0,
        hash: stripQuotes(response.ETag),
        lastModified: response.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw refusal(error, 'HEAD', this.bucket, key);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.client
        .send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ContinuationToken: token,
            MaxKeys: 1000,
          }),
        )
        .catch((error: unknown) => {
          throw refusal(error, 'LIST', this.bucket, `${prefix}*`);
        });
      for (const item of page.Contents ?? []) {
        if (!item.Key) continue;
        yield {
          key: item.Key,
          size: item.Size ?? 0,
          hash: stripQuotes(item.ETag),
          lastModified: item.LastModified ?? new Date(0),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /**
   * Multipart uploads a killed process left behind (a failed one is aborted where it fails): those
   * under `prefix` initiated before `before` are aborted, so their parts stop costing storage.
   */
  async abortIncompleteUploads(prefix: string, before: Date): Promise<string[]> {
    const stale: { Key: string; UploadId: string }[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.client.send(
        // MinIO lists uploads by exact key only when given a prefix: the bucket is listed, then filtered.
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key?.startsWith(prefix)) continue;
        if (upload.UploadId && (upload.Initiated ?? new Date(0)) < before)
          stale.push({ Key: upload.Key, UploadId: upload.UploadId });
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    for (const upload of stale)
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, ...upload }));
    return stale.map((upload) => upload.Key);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
