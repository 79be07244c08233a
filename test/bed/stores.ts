import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { artefacts, repoRoot, runDir } from './paths.js';
import { refuseUntracked, runningPid, startService, stopService, waitUntil } from './proc.js';

/** MinIO: S3-compatible, the same credentials cassandra-medusa's own CI uses. */
export const minio = {
  endpoint: 'http://127.0.0.1:19000',
  host: '127.0.0.1',
  port: 19000,
  region: 'us-east-1',
  accessKeyId: 'minio_key',
  secretAccessKey: 'minio_secret',
};

/** Azurite's well-known development account. */
export const azurite = {
  endpoint: 'http://127.0.0.1:10000/devstoreaccount1',
  port: 10000,
  accountName: 'devstoreaccount1',
  accountKey: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  get connectionString(): string {
    return `DefaultEndpointsProtocol=http;AccountName=${this.accountName};AccountKey=${this.accountKey};BlobEndpoint=${this.endpoint};`;
  },
};

/** fake-gcs-server, no authentication. */
export const fakeGcs = { endpoint: 'http://127.0.0.1:14443', port: 14443, projectId: 'testbed' };

/** Local filesystem storage: base_path for Medusa's `local` provider. */
export const localStorageDir = join(runDir, 'storage', 'local');

function freshDir(name: string): string {
  const dir = join(runDir, 'storage', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function startMinio(): Promise<void> {
  if (runningPid('minio') !== undefined) return;
  await refuseUntracked('minio', minio.port);
  const dir = freshDir('minio');
  startService({
    name: 'minio',
    command: artefacts.minio,
    args: [
      'server',
      dir,
      '--address',
      `127.0.0.1:${minio.port}`,
      '--console-address',
      '127.0.0.1:19001',
      '--quiet',
    ],
    env: {
      MINIO_ROOT_USER: minio.accessKeyId,
      MINIO_ROOT_PASSWORD: minio.secretAccessKey,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
    },
  });
  await waitUntil('minio', async () => (await fetch(`${minio.endpoint}/minio/health/ready`)).ok, 60_000);
}

export async function startAzurite(): Promise<void> {
  if (runningPid('azurite') !== undefined) return;
  await refuseUntracked('azurite', azurite.port);
  const dir = freshDir('azurite');
  startService({
    name: 'azurite',
    // The project's Node 22, not whatever `node` is first on PATH.
    command: process.execPath,
    args: [
      join(repoRoot, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js'),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(azurite.port),
      '--location',
      dir,
      '--skipApiVersionCheck',
      '--loose',
      '--silent',
    ],
  });
  // Any HTTP answer (even 400 for a bare GET) means the blob service is listening.
  await waitUntil('azurite', async () => (await fetch(azurite.endpoint)).status > 0, 60_000);
}

export async function startFakeGcs(): Promise<void> {
  if (runningPid('fake-gcs') !== undefined) return;
  await refuseUntracked('fake-gcs', fakeGcs.port);
  const dir = freshDir('fake-gcs');
  startService({
    name: 'fake-gcs',
    command: artefacts.fakeGcs,
    args: [
      '-scheme',
      'http',
      '-host',
      '127.0.0.1',
      '-port',
      String(fakeGcs.port),
      '-backend',
      'filesystem',
      '-filesystem-root',
      dir,
      '-public-host',
      `127.0.0.1:${fakeGcs.port}`,
      '-log-level',
      'warn',
    ],
  });
  await waitUntil('fake-gcs', async () => (await fetch(`${fakeGcs.endpoint}/storage/v1/b`)).ok, 60_000);
}

export function prepareLocalStorage(): void {
  mkdirSync(localStorageDir, { recursive: true });
}

export async function stopStores(): Promise<void> {
  await Promise.all(['minio', 'azurite', 'fake-gcs'].map((name) => stopService(name)));
}
