// What every reconciler gets: API access, clients, events, logging and tunable timings.
import { kubeTime } from '../lib/medusa-api.js';
import * as k8s from '@kubernetes/client-node';
import { retrying } from '../lib/kube-retry.js';
import type { Logger } from '../lib/log.js';
import type { Recorder } from './events.js';

export interface Timings {
  /** A node whose agent has not reported this long after the job started is failed. */
  agentStartTimeoutMs: number;
  /** A running node whose agent has not reported for this long is failed. */
  agentStaleAfterMs: number;
  /** How often in-progress jobs are looked at again. */
  pollMs: number;
  /**
   * How long a MedusaBackupJob waits, from its creation, for its datacenter and every pod of it
   * running Medusa before it fails (a GitOps folder applied in any order: backupjob-wait.ts).
   */
  datacenterWaitMs: number;
}

export const defaultTimings: Timings = {
  agentStartTimeoutMs: 180_000,
  agentStaleAfterMs: 90_000,
  pollMs: 5_000,
  datacenterWaitMs: 1_800_000,
};

export interface Context {
  kc: k8s.KubeConfig;
  apps: k8s.AppsV1Api;
  core: k8s.CoreV1Api;
  custom: k8s.CustomObjectsApi;
  events: Recorder;
  log: Logger;
  timings: Timings;
  now: () => Date;
}

export function makeContext(
  kc: k8s.KubeConfig,
  events: Recorder,
  log: Logger,
  timings: Partial<Timings> = {},
): Context {
  return {
    kc,
    // "Try again" answers (429, 5xx, dropped connections) are retried inside each call.
    apps: retrying(kc.makeApiClient(k8s.AppsV1Api)),
    core: retrying(kc.makeApiClient(k8s.CoreV1Api)),
    custom: retrying(kc.makeApiClient(k8s.CustomObjectsApi)),
    events,
    log,
    timings: { ...defaultTimings, ...timings },
    now: () => new Date(),
  };
}

/** metav1.Condition, upserted by type. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export function setCondition(
  conditions: Condition[] | undefined,
  next: Omit<Condition, 'lastTransitionTime'>,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const previous = i >= 0 ? list[i] : undefined;
  const condition: Condition = {
    ...next,
    lastTransitionTime:
      previous && previous.status === next.status ? previous.lastTransitionTime : kubeTime(now),
  };
  if (i >= 0) list[i] = condition;
  else list.push(condition);
  return list;
}

/**
 * The conditions of an operation that ended: Progressing turns False, then Complete or Failed
 * turns True, both with the same reason (Progressing may carry a shorter message).
 */
export function endConditions(
  conditions: Condition[] | undefined,
  outcome: 'Complete' | 'Failed',
  reason: string,
  message: string,
  now: Date,
  progressingMessage: string = message,
): Condition[] {
  const progressing = setCondition(
    conditions,
    { type: 'Progressing', status: 'False', reason, message: progressingMessage },
    now,
  );
  return setCondition(progressing, { type: outcome, status: 'True', reason, message }, now);
}
