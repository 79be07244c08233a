// Leader election through a coordination.k8s.io Lease: one controller replica acts at a time.
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, kubeRequest } from '../lib/kube-request.js';
import type { Logger } from '../lib/log.js';

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaderOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  log: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

const micro = (d: Date) => d.toISOString().replace(/Z$/, '000Z'); // MicroTime: microsecond precision

/** Tries to take or renew the lease; true when we hold it afterwards. */
async function tryAcquire(kc: KubeConfig, o: LeaderOptions): Promise<boolean> {
  const path = `/apis/coordination.k8s.io/v1/namespaces/${o.namespace}/leases`;
  const duration = o.leaseDurationSeconds ?? 15;
  const now = new Date();
  let lease: Lease | undefined;
  try {
    lease = await kubeRequest<Lease>(kc, 'GET', `${path}/${o.name}`);
  } catch (error) {
    if (!(error instanceof KubeApiError && error.code === 404)) throw error;
  }
  if (!lease) {
    const acquireTime = micro(now);
    try {
      await kubeRequest(
        kc,
        'POST',
        path,
        {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: o.name, namespace: o.namespace },
          spec: {
            holderIdentity: o.identity,
            leaseDurationSeconds: duration,
            acquireTime,
            renewTime: acquireTime,
            leaseTransitions: 0,
          },
        },
        {
          // A retried create that finds the lease: ours when our first attempt created it.
          isOurs: (existing) => {
            const spec = (existing as Lease).spec;
            return spec.holderIdentity === o.identity && spec.acquireTime === acquireTime;
          },
        },
      );
    } catch (error) {
      // Another replica created it between our read and our create.
      if (error instanceof KubeApiError && error.code === 409) return false;
      throw error;
    }
    return true;
  }
  const renewed = lease.spec.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
  const expired = renewed + (lease.spec.leaseDurationSeconds ?? duration) * 1000 < now.getTime();
  const ours = lease.spec.holderIdentity === o.identity;
  if (!ours && !expired && lease.spec.holderIdentity) return false;
  const spec = {
    ...lease.spec,
    holderIdentity: o.identity,
    leaseDurationSeconds: duration,
    renewTime: micro(now),
    ...(ours ? {} : { acquireTime: micro(now), leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 }),
  };
  // PUT with the resourceVersion read: a concurrent taker makes this fail with 409.
  try {
    await kubeRequest(kc, 'PUT', `${path}/${o.name}`, { ...lease, spec });
    return true;
  } catch (error) {
    if (error instanceof KubeApiError && error.code === 409) return false;
    throw error;
  }
}

/** Runs the election until stopped; calls back on gaining and losing the lease. */
export function runLeaderElection(kc: KubeConfig, o: LeaderOptions): { stop: () => void } {
  const duration = o.leaseDurationSeconds ?? 15;
  let leading = false;
  let stopped = false;
  let lastRenew = 0;
  const tick = async () => {
    if (stopped) return;
    try {
      const held = await tryAcquire(kc, o);
      if (held) lastRenew = Date.now();
      if (held && !leading) {
        leading = true;
        o.log.info('became leader', { lease: `${o.namespace}/${o.name}`, identity: o.identity });
        o.onStartedLeading();
      }
      if (!held && leading) {
        leading = false;
        o.log.warn('lost leadership', { lease: `${o.namespace}/${o.name}` });
        o.onStoppedLeading();
      }
    } catch (error) {
      o.log.warn('lease renewal failed', { error });
      // Step down when we could not renew within the lease duration: another replica may take over.
      if (leading && Date.now() - lastRenew > duration * 1000 * 0.8) {
        leading = false;
        o.onStoppedLeading();
      }
    }
    if (!stopped) timer = setTimeout(() => void tick(), (duration * 1000) / 3);
  };
  let timer: NodeJS.Timeout = setTimeout(() => void tick(), 0);
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      if (leading) {
        leading = false;
        o.onStoppedLeading();
      }
    },
  };
}
