// The agent inside a pod: medusa.ini from MEDUSA_INI (rendered by the webhook), pod identity from the
// downward API, and the Kubernetes API from the pod's service account (or KUBECONFIG outside one).
import * as k8s from '@kubernetes/client-node';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../lib/log.js';
import { NodeContext } from '../cli/context.js';

export interface PodIdentity {
  pod: string;
  namespace: string;
}

export function podIdentity(env: NodeJS.ProcessEnv = process.env): PodIdentity {
  const pod = env.POD_NAME;
  const namespace = env.POD_NAMESPACE;
  if (!pod || !namespace) throw new Error('POD_NAME and POD_NAMESPACE must be set (downward API)');
  return { pod, namespace };
}

/** Loads the node context from the medusa.ini content in MEDUSA_INI (or a file in MEDUSA_CONFIG_FILE). */
export async function loadPodContext(env: NodeJS.ProcessEnv, log: Logger): Promise<NodeContext> {
  let file = env.MEDUSA_CONFIG_FILE;
  if (!file) {
    if (!env.MEDUSA_INI) throw new Error('MEDUSA_INI (or MEDUSA_CONFIG_FILE) must hold the medusa.ini');
    file = join(await mkdtemp(join(tmpdir(), 'medusa-agent-')), 'medusa.ini');
    await writeFile(file, env.MEDUSA_INI, { mode: 0o600 });
  }
  return NodeContext.load(file, {}, log);
}

/** In a pod: the service account; elsewhere (tests, the local harness): KUBECONFIG. */
export function podKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  return kc;
}
