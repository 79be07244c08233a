// Kubernetes Events on our objects: what happened, visible in kubectl describe and get events.
import type { KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { kubeRequest } from '../lib/kube-request.js';
import type { Logger } from '../lib/log.js';
import type { MedusaObject } from '../lib/medusa-api.js';

export type EventType = 'Normal' | 'Warning';

export interface Recorder {
  event(obj: MedusaObject, type: EventType, reason: string, message: string): Promise<void>;
}

export function createRecorder(kc: KubeConfig, log: Logger, component = 'medusa-controller'): Recorder {
  return {
    async event(obj, type, reason, message) {
      const namespace = obj.metadata.namespace ?? 'default';
      const now = new Date().toISOString();
      (type === 'Warning' ? log.warn : log.info)(message, {
        reason,
        object: `${obj.kind}/${namespace}/${obj.metadata.name}`,
      });
      await kubeRequest(
        kc,
        'POST',
        `/api/v1/namespaces/${namespace}/events`,
        {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `${obj.metadata.name}.${randomBytes(6).toString('hex')}`, namespace },
          involvedObject: {
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            name: obj.metadata.name,
            namespace,
            uid: obj.metadata.uid,
            resourceVersion: obj.metadata.resourceVersion,
          },
          reason,
          message: message.slice(0, 1024),
          type,
          source: { component },
          reportingComponent: component,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
        { isOurs: () => true /* the name is random: an event of that name is the one we sent */ },
      ).catch((error: unknown) => log.warn('could not record event', { reason, error }));
    },
  };
}
