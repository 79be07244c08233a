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
  type CompletedPart,
  type S3ClientConfig,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { createLogger } from '../../log.js';
import type { ResolvedStorageConfig } from '../config.js';
import { readAwsKeyFile } from '../credentials/aws-ini.js';
import { headAfterUpload, NotFoundError } from '../driver.js';
import type { ByteRange, ObjectInfo, StorageBackend } from '../driver.js';
import { ByteWindows, sendBody } from '../transfer/windows.js';

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

const log = createLogger('storage');
const quiet = () => undefined;

/**
 * Without a logger the SDK writes some warnings to the console, such as "An error was encountered
 * in a non-retryable streaming request." for every failed streamed part (maxAttempts is 1): our
 * retry already logs each failed attempt with its reason, so the SDK's lines go to debug.
 */
const sdkLogger = {
  trace: quiet,
  debug: quiet,
  info: quiet,
  warn: (...content: unknown[]) => log.debug(`S3 SDK: ${content.map(String).join(' ')}`),
  error: (...content: unknown[]) => log.debug(`S3 SDK: ${content.map(String).join(' ')}`),
};

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
    logger: sdkLogger,
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

/** S3 allows at most 10,000 parts of at most 5 GiB: like boto3, the part size doubles until they fit. */
export function s3PartSize(size: number, chunksize: number): number {
  let partSize = chunksize;
  while (Math.ceil(size / partSize) > 10_000 && partSize * 2 <= 5 * 1024 ** 3) partSize *= 2;
  return partSize;
}

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
   * as boto3 does (a 1-part upload when the object fits in one part), so the ETag
   * (`<md5 of part md5s>-<parts>`) is the one Medusa expects. Every request body is a window of
   * `source` with a known Content-Length: nothing is buffered, and the SDK signs UNSIGNED-PAYLOAD
   * instead of hashing the bytes. Parts go one after another; a failed attempt is aborted and
   * {@link Storage} retries it from a freshly opened source. The ETag comes from the PUT or
   * CompleteMultipartUpload answer (the one a HEAD would give), so a file costs one request less;
   * `lastModified` is then the local time the upload finished.
   */
  async putStream(key: string, source: Readable, size: number): Promise<ObjectInfo> {
    const { multiPartUploadThreshold: threshold } = this.config;
    const windows = new ByteWindows(source);
    const common = {
      Bucket: this.bucket,
      Key: key,
      StorageClass: this.storageClass,
      ...this.encryption.write,
    };
    let etag: string | undefined;
    try {
      if (size < threshold || threshold <= 0) {
        const body = windows.take(size);
        ({ ETag: etag } = await sendBody(body, (abortSignal) =>
          this.client.send(new PutObjectCommand({ ...common, Body: body, ContentLength: size }), {
            abortSignal,
          }),
        ));
        await windows.end();
      } else {
        etag = await this.multipart(common, windows, size);
      }
    } catch (error) {
      windows.destroy(); // the caller's pipeline (file, counter, hashing) is closed with it
      throw error;
    }
    const hash = stripQuotes(etag);
    if (hash) return { key, size, hash, lastModified: new Date() };
    const info = await headAfterUpload(this, key);
    if (info.size !== size) throw new Error(`upload of ${key}: expected ${size} bytes, stored ${info.size}`);
    return info;
  }

  /** Parts streamed in order from `windows`; on any failure the upload is aborted, so no part is left. */
  private async multipart(
    common: { Bucket: string; Key: string } & Record<string, unknown>,
    windows: ByteWindows,
    size: number,
  ): Promise<string | undefined> {
    const partSize = s3PartSize(size, this.config.multipartChunksize);
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand(common));
    const target = { Bucket: common.Bucket, Key: common.Key, UploadId };
    try {
      const parts: CompletedPart[] = [];
      for (let offset = 0; offset < size; offset += partSize) {
        const PartNumber = parts.length + 1;
        const length = Math.min(partSize, size - offset);
        const body = windows.take(length);
        const { ETag } = await sendBody(body, (abortSignal) =>
          this.client.send(
            new UploadPartCommand({
              ...target,
              PartNumber,
              Body: body,
              ContentLength: length,
              ...this.encryption.read,
            }),
            { abortSignal },
          ),
        );
        parts.push({ ETag, PartNumber });
      }
      await windows.end();
      const { ETag } = await this.client.send(
        new CompleteMultipartUploadCommand({
          ...target,
          MultipartUpload: { Parts: parts },
          ...this.encryption.read,
        }),
      );
      return ETag;
    } catch (error) {
      await this.client.send(new AbortMultipartUploadCommand(target)).catch(() => undefined);
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
