import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../lib/log.js';

// A list+watch cache that keeps going: the client's informer stops on any watch error (a new
// resource's watch may answer 429 for a moment, the apiserver closes watches now and then).

export interface Handlers<T> {
  upsert(object: T): void;
  remove(object: T): void;
}

export interface RunningInformer<T extends k8s.KubernetesObject> {
  list(): readonly T[];
  stop(): Promise<void>;
}

export async function startInformer<T extends k8s.KubernetesObject>(
  kubeConfig: k8s.KubeConfig,
  path: string,
  list: () => Promise<k8s.KubernetesListObject<T>>,
  handlers: Handlers<T>,
  logger: Logger,
  labelSelector?: string,
): Promise<RunningInformer<T>> {
  const informer = k8s.makeInformer<T>(kubeConfig, path, list, labelSelector);
  let stopping = false;
  informer.on('add', (o) => handlers.upsert(o));
  informer.on('update', (o) => handlers.upsert(o));
  informer.on('delete', (o) => handlers.remove(o));
  informer.on('error', (error: unknown) => {
    if (stopping) return;
    logger.debug('watch restarting', { path, error });
    setTimeout(() => {
      if (!stopping) informer.start().catch(() => undefined);
    }, 1000);
  });
  for (let attempt = 1; ; attempt++) {
    try {
      await informer.start();
      break;
    } catch (error) {
      if (attempt >= 30) throw error;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  return {
    list: () => informer.list(),
    stop: async () => {
      stopping = true;
      await informer.stop();
    },
  };
}
