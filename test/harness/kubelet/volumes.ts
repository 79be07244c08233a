import type {
  V1Container,
  V1DownwardAPIVolumeFile,
  V1KeyToPath,
  V1PodSpec,
  V1Volume,
} from '@kubernetes/client-node';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CassandraNode } from '../../bed/cassandra.js';
import { runDir } from '../../bed/paths.js';
import { MissingReference, type ReferenceReader } from './api-reads.js';
import { fieldValue, type PodIdentity } from './field-ref.js';
import { PathMap, type PathMapping } from './path-map.js';

// Pod volumes as local directories (see docs/testing.md, "Path mapping"):
//   Cassandra data volume (mounted at /var/lib/cassandra by the Cassandra container, or named
//     server-data)                       -> the node's data root: <root>/data is data_file_directories
//   Cassandra config volume (mounted at /etc/cassandra or /config, or named server-config)
//                                        -> the node's conf dir (cassandra.yaml, rackdc, logback)
//   emptyDir, secret, configMap, downwardAPI, projected
//                                        -> <pod dir>/volumes/<volume>, files written from the API
//   any other persistentVolumeClaim      -> .testbed/harness/pvc/<namespace>/<claim>, kept
//   hostPath                             -> the path itself

export const dataMountPath = '/var/lib/cassandra';
const configMountPaths = ['/etc/cassandra', '/config'];

/** Where the Cassandra node keeps what the pod's data and config volumes hold. */
export const nodeDataRoot = (node: CassandraNode): string => dirname(node.dataDir);
export const nodeConfDir = (node: CassandraNode): string => dirname(node.configFile);

function cassandraContainer(spec: V1PodSpec): V1Container | undefined {
  return spec.containers.find((c) => c.name === 'cassandra');
}

function mountedAt(container: V1Container | undefined, paths: string[]): string | undefined {
  return container?.volumeMounts?.find((m) => !m.subPath && paths.includes(m.mountPath.replace(/\/+$/, '')))
    ?.name;
}

/** Names of the volumes standing for the node's data root and conf dir. */
export function cassandraVolumes(spec: V1PodSpec): { data?: string; config?: string } {
  const cassandra = cassandraContainer(spec);
  const names = new Set((spec.volumes ?? []).map((v) => v.name));
  const data =
    mountedAt(cassandra, [dataMountPath]) ?? (names.has('server-data') ? 'server-data' : undefined);
  const config =
    mountedAt(cassandra, configMountPaths) ?? (names.has('server-config') ? 'server-config' : undefined);
  return { ...(data ? { data } : {}), ...(config ? { config } : {}) };
}

function writeFiles(dir: string, files: Record<string, Buffer | string>, mode: number): void {
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content, { mode });
  }
}

function pick(data: Record<string, Buffer>, items: V1KeyToPath[] | undefined): Record<string, Buffer> {
  if (!items) return data;
  const picked: Record<string, Buffer> = {};
  for (const item of items) {
    const value = data[item.key];
    if (value === undefined) throw new MissingReference('FailedMount', `key ${item.key} not found`);
    picked[item.path] = value;
  }
  return picked;
}

/** One source of files: a secret or configMap (also inside a projected volume), or downward API items. */
type FileSource =
  | { kind: 'secret' | 'configmap'; name: string; optional: boolean; items?: V1KeyToPath[]; downward?: never }
  | { downward: V1DownwardAPIVolumeFile[] };

function sourcesOf(volume: V1Volume): FileSource[] {
  const list: FileSource[] = [];
  const add = (
    kind: 'secret' | 'configmap',
    ref: { optional?: boolean; items?: V1KeyToPath[] } | undefined,
    name: string | undefined,
  ) => {
    if (ref)
      list.push({
        kind,
        name: name ?? '',
        optional: ref.optional ?? false,
        ...(ref.items ? { items: ref.items } : {}),
      });
  };
  add('secret', volume.secret, volume.secret?.secretName);
  add('configmap', volume.configMap, volume.configMap?.name);
  if (volume.downwardAPI) list.push({ downward: volume.downwardAPI.items ?? [] });
  for (const projection of volume.projected?.sources ?? []) {
    add('secret', projection.secret, projection.secret?.name);
    add('configmap', projection.configMap, projection.configMap?.name);
    if (projection.downwardAPI) list.push({ downward: projection.downwardAPI.items ?? [] });
  }
  return list;
}

export class PodVolumes {
  /** Local directory of each pod volume, by volume name. */
  readonly dirs = new Map<string, string>();

  constructor(
    private readonly spec: V1PodSpec,
    private readonly node: CassandraNode,
    /** Per-pod folder; emptyDir and API-sourced volumes live under it and go with the pod. */
    readonly podDir: string,
    private readonly namespace: string,
  ) {}

  /** Creates every volume's directory and writes the files of secret/configMap/downwardAPI ones. */
  async materialise(identity: PodIdentity, reader: ReferenceReader): Promise<void> {
    const special = cassandraVolumes(this.spec);
    for (const volume of this.spec.volumes ?? []) {
      let dir: string;
      if (volume.name === special.data) dir = nodeDataRoot(this.node);
      else if (volume.name === special.config) dir = nodeConfDir(this.node);
      else if (volume.hostPath) dir = volume.hostPath.path;
      else if (volume.persistentVolumeClaim)
        dir = join(runDir, 'harness', 'pvc', this.namespace, volume.persistentVolumeClaim.claimName);
      else {
        dir = join(this.podDir, 'volumes', volume.name);
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        await this.fill(volume, dir, identity, reader);
      }
      mkdirSync(dir, { recursive: true });
      this.dirs.set(volume.name, dir);
    }
  }

  private async fill(
    volume: V1Volume,
    dir: string,
    identity: PodIdentity,
    reader: ReferenceReader,
  ): Promise<void> {
    for (const source of sourcesOf(volume)) {
      if (source.downward) {
        const files: Record<string, string> = {};
        for (const item of source.downward) {
          if (item.fieldRef) files[item.path] = fieldValue(item.fieldRef.fieldPath, identity) ?? '';
        }
        writeFiles(dir, files, 0o644);
        continue;
      }
      const { kind, name, optional, items } = source;
      const data = kind === 'secret' ? await reader.secret(name) : await reader.configMap(name);
      if (!data) {
        if (optional) continue;
        throw new MissingReference('FailedMount', `${kind} "${name}" not found (volume ${volume.name})`);
      }
      writeFiles(dir, pick(data, items), kind === 'secret' ? 0o600 : 0o644);
    }
  }

  /** The mount table of one container: mount path to the local directory (and subPath). */
  pathMap(container: V1Container, extra: PathMapping[] = []): PathMap {
    const mappings: PathMapping[] = [...extra];
    for (const mount of container.volumeMounts ?? []) {
      const dir = this.dirs.get(mount.name);
      if (!dir) continue;
      const localPath = mount.subPath ? join(dir, mount.subPath) : dir;
      if (mount.subPath) mkdirSync(localPath, { recursive: true });
      mappings.push({ containerPath: mount.mountPath, localPath, volume: mount.name });
    }
    return new PathMap(mappings);
  }

  /** Removes what belongs to the pod alone (emptyDirs, API files); the node's data stays. */
  remove(): void {
    rmSync(this.podDir, { recursive: true, force: true });
  }
}
