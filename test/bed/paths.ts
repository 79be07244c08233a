import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the test bed sources (scripts, versions.env). */
export const bedDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(bedDir, '..', '..');

/** Pinned component versions, shared with the provisioning scripts. */
export const versions: Record<string, string> = Object.fromEntries(
  readFileSync(join(bedDir, 'versions.env'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z0-9_]+=/.test(line))
    .map((line) => line.split('=', 2) as [string, string]),
);

function version(key: string): string {
  const value = versions[key];
  if (!value) throw new Error(`versions.env has no ${key}`);
  return value;
}

/** Built binaries and jars live here, outside the repository, keyed by version. */
export const cacheDir =
  process.env.MEDUSA_TESTBED_CACHE ?? join(homedir(), '.cache', 'kubectl-medusa-testbed');

/** Per-run data, logs and pid files: gitignored, wiped when a component starts fresh. */
export const runDir = process.env.MEDUSA_TESTBED_DIR ?? join(repoRoot, '.testbed');

export const artefacts = {
  etcd: join(cacheDir, 'etcd', version('ETCD_VERSION'), 'bin', 'etcd'),
  kubeApiserver: join(cacheDir, 'k8s', version('K8S_VERSION'), 'bin', 'kube-apiserver'),
  kubeControllerManager: join(cacheDir, 'k8s', version('K8S_VERSION'), 'bin', 'kube-controller-manager'),
  minio: join(cacheDir, 'minio', version('MINIO_VERSION'), 'bin', 'minio'),
  fakeGcs: join(cacheDir, 'fake-gcs', version('FAKE_GCS_VERSION'), 'bin', 'fake-gcs-server'),
  cassandraHome: join(
    cacheDir,
    'cassandra',
    `${version('CASSANDRA_VERSION')}-jolokia-${version('JOLOKIA_VERSION')}`,
  ),
  medusa: join(cacheDir, 'medusa', version('MEDUSA_VERSION'), 'bin', 'medusa'),
  azurite: join(repoRoot, 'node_modules', '.bin', 'azurite-blob'),
  nodetool: join(bedDir, 'bin', 'nodetool'),
  /** Debian's openssh-server unpacked (root/usr/sbin/sshd, root/usr/lib/...). */
  sshdRoot: join(cacheDir, 'sshd', 'debian-bookworm', 'root'),
  /** The helm CLI, for the chart's tests (charts/kubectl-medusa). */
  helm: join(cacheDir, 'helm', version('HELM_VERSION'), 'bin', 'helm'),
};

export const cassandraVersion = version('CASSANDRA_VERSION');
export const k8sVersion = version('K8S_VERSION');
