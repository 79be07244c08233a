import type * as k8s from '@kubernetes/client-node';
import type { V1ContainerState, V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { KubeApiError, kubeRequest } from '../../../lib/kube-request.js';

// The status the kubelet reports for a pod: phase, IPs, conditions and per-container states, kept
// here and written with a merge patch on the status subresource after every change.

const now = (): string => new Date().toISOString();

export type ConditionType = 'PodScheduled' | 'Initialized' | 'ContainersReady' | 'Ready';

export class PodStatusBook {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' = 'Pending';
  private readonly init = new Map<string, V1ContainerStatus>();
  private readonly regular = new Map<string, V1ContainerStatus>();
  private readonly conditions = new Map<ConditionType, V1PodCondition>();
  private readonly startTime = now();
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly kubeConfig: k8s.KubeConfig,
    private readonly pod: V1Pod,
    private readonly podIp: string,
  ) {
    const spec = pod.spec;
    for (const c of spec?.initContainers ?? []) this.init.set(c.name, this.fresh(c.name, c.image));
    for (const c of spec?.containers ?? []) this.regular.set(c.name, this.fresh(c.name, c.image));
    this.condition('PodScheduled', true);
    this.condition('Initialized', (spec?.initContainers ?? []).length === 0);
    this.condition('ContainersReady', false, 'ContainersNotReady');
    this.condition('Ready', false, 'ContainersNotReady');
  }

  private fresh(name: string, image: string | undefined): V1ContainerStatus {
    return {
      name,
      image: image ?? '',
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state: { waiting: { reason: 'PodInitializing' } },
    };
  }

  private status(name: string): V1ContainerStatus {
    const status = this.init.get(name) ?? this.regular.get(name);
    if (!status) throw new Error(`pod has no container ${name}`);
    return status;
  }

  condition(type: ConditionType, value: boolean, reason?: string, message?: string): void {
    const status = value ? 'True' : 'False';
    const previous = this.conditions.get(type);
    this.conditions.set(type, {
      type,
      status,
      lastProbeTime: undefined,
      lastTransitionTime:
        previous?.status === status ? previous.lastTransitionTime : (now() as unknown as Date),
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    });
  }

  waiting(name: string, reason: string, message?: string): void {
    const status = this.status(name);
    status.state = { waiting: { reason, ...(message ? { message } : {}) } };
    status.ready = false;
    status.started = false;
  }

  running(name: string, startedAt: Date, ready: boolean): void {
    const status = this.status(name);
    status.state = { running: { startedAt: startedAt.toISOString() as unknown as Date } };
    status.started = true;
    status.ready = ready;
  }

  ready(name: string, ready: boolean): void {
    this.status(name).ready = ready;
  }

  terminated(name: string, exitCode: number, startedAt: Date, signal?: string | null): void {
    const status = this.status(name);
    const state: V1ContainerState = {
      terminated: {
        exitCode,
        reason: exitCode === 0 ? 'Completed' : 'Error',
        startedAt: startedAt.toISOString() as unknown as Date,
        finishedAt: now() as unknown as Date,
        ...(signal ? { message: `killed by ${signal}` } : {}),
      },
    };
    status.state = state;
    status.ready = false;
    status.started = false;
  }

  /** A crash: the last run becomes lastState; the container waits for its next start. */
  backingOff(name: string, message: string): void {
    const status = this.status(name);
    status.lastState = status.state;
    status.restartCount += 1;
    this.waiting(name, 'CrashLoopBackOff', message);
  }

  /** Ready when every regular container is ready; pods become Running once started. */
  refreshReadiness(): void {
    const all = [...this.regular.values()];
    const ready = all.length > 0 && all.every((s) => s.ready);
    this.condition('ContainersReady', ready, ready ? undefined : 'ContainersNotReady');
    this.condition('Ready', ready, ready ? undefined : 'ContainersNotReady');
    if (all.some((s) => s.state?.running)) this.phase = 'Running';
  }

  body(): object {
    return {
      // With the uid, a write meant for a pod that was replaced by one of the same name fails.
      metadata: { uid: this.pod.metadata?.uid },
      status: {
        phase: this.phase,
        hostIP: this.podIp,
        hostIPs: [{ ip: this.podIp }],
        podIP: this.podIp,
        podIPs: [{ ip: this.podIp }],
        startTime: this.startTime,
        conditions: [...this.conditions.values()],
        initContainerStatuses: [...this.init.values()],
        containerStatuses: [...this.regular.values()],
      },
    };
  }

  /** Writes the current status; writes are queued so they land in order. A gone pod is not an error. */
  write(): Promise<void> {
    const body = this.body();
    const meta = this.pod.metadata ?? {};
    const path = `/api/v1/namespaces/${meta.namespace ?? ''}/pods/${meta.name ?? ''}/status`;
    this.writing = this.writing
      .catch(() => undefined)
      .then(() =>
        kubeRequest(this.kubeConfig, 'PATCH', path, body, { patchType: 'merge' }).then(
          () => undefined,
          (error: unknown) => {
            if (error instanceof KubeApiError && (error.code === 404 || error.code === 409)) return;
            throw error;
          },
        ),
      );
    return this.writing;
  }
}
