import { S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { kubeconfigPath } from '../bed/kube.js';
import { repoRoot } from '../bed/paths.js';
import { minio } from '../bed/stores.js';

export interface PluginRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `kubectl medusa <args>` (plugin/main.ts under the repository's Node) against the test bed's
 * apiserver, as a user's shell would; never rejects, the exit code is in the result.
 */
export function runPlugin(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<PluginRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'plugin', 'main.ts'), ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, KUBECONFIG: kubeconfigPath, NO_COLOR: '1', ...options.env },
        timeout: options.timeoutMs ?? 120_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `kubectl medusa ... -n <namespace>` with a deadline for long waits (backups, restores). */
export const pluginIn =
  (namespace: string, timeoutMs = 900_000) =>
  (...args: string[]): Promise<PluginRun> =>
    runPlugin([...args, '-n', namespace], { timeoutMs });

/** An S3 client for the test bed's MinIO. */
export function minioClient(): S3Client {
  return new S3Client({
    endpoint: minio.endpoint,
    region: minio.region,
    forcePathStyle: true,
    credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
  });
}
