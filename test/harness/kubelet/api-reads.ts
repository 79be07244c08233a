import * as k8s from '@kubernetes/client-node';

// Secrets and ConfigMaps a pod refers to, read from the apiserver as the kubelet does.

export class MissingReference extends Error {
  constructor(
    readonly reason: 'CreateContainerConfigError' | 'FailedMount',
    message: string,
  ) {
    super(message);
  }
}

const notFound = (error: unknown): boolean => (error as { code?: number }).code === 404;

/** Decoded data of a Secret or ConfigMap, by key; undefined when the object does not exist. */
export class ReferenceReader {
  private readonly core: k8s.CoreV1Api;

  constructor(
    kubeConfig: k8s.KubeConfig,
    private readonly namespace: string,
  ) {
    this.core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  }

  async secret(name: string): Promise<Record<string, Buffer> | undefined> {
    const secret = await this.core
      .readNamespacedSecret({ name, namespace: this.namespace })
      .catch((e: unknown) => (notFound(e) ? undefined : Promise.reject(e)));
    if (!secret) return undefined;
    const data: Record<string, Buffer> = {};
    for (const [key, value] of Object.entries(secret.data ?? {})) data[key] = Buffer.from(value, 'base64');
    for (const [key, value] of Object.entries(secret.stringData ?? {})) data[key] = Buffer.from(value);
    return data;
  }

  async configMap(name: string): Promise<Record<string, Buffer> | undefined> {
    const map = await this.core
      .readNamespacedConfigMap({ name, namespace: this.namespace })
      .catch((e: unknown) => (notFound(e) ? undefined : Promise.reject(e)));
    if (!map) return undefined;
    const data: Record<string, Buffer> = {};
    for (const [key, value] of Object.entries(map.data ?? {})) data[key] = Buffer.from(value);
    for (const [key, value] of Object.entries(map.binaryData ?? {})) data[key] = Buffer.from(value, 'base64');
    return data;
  }
}
