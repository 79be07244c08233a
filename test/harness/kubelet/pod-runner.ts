import type * as k8s from '@kubernetes/client-node';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../../lib/log.js';
import type { CassandraNode } from '../../bed/cassandra.js';
import { runDir } from '../../bed/paths.js';
import { logFile } from '../../bed/proc.js';
import { pause, stopped, unlessStopped } from './abortable.js';
import { MissingReference, type ReferenceReader } from './api-reads.js';
import { ContainerProcess, containerLogFile, type Exit } from './container-process.js';
import { containerRole, type ContainerRole } from './container-role.js';
import { resolveEnv } from './env.js';
import type { PodIdentity } from './field-ref.js';
import { PodStatusBook } from './pod-status.js';
import { processSpec } from './process-spec.js';
import {
  mountApiCredentials,
  serviceAccountMountPath,
  type ApiAccess,
  type ApiCredentials,
} from './service-account.js';
import { PodVolumes } from './volumes.js';

export interface Backoff {
  /** First wait after a failed start or exit (kubelet: 10 s). */
  initialMs: number;
  /** Longest wait (kubelet: 5 min). */
  maxMs: number;
}

export interface RunnerContext {
  kubeConfig: k8s.KubeConfig;
  reader: ReferenceReader;
  logger: Logger;
  backoff: Backoff;
  /** Resolves once the node may start Cassandra (a non-seed node waits for a starting seed). */
  cassandraStartGate(node: CassandraNode, signal: AbortSignal): Promise<void>;
  /** How processes reach the Kubernetes API (KUBECONFIG). */
  apiAccess: ApiAccess;
}

const exitCode = (exit: Exit): number =>
  exit.code ?? 128 + (exit.signal === 'SIGKILL' ? 9 : exit.signal === 'SIGTERM' ? 15 : 1);

/**
 * One pod on one Cassandra node, for the pod's lifetime: volumes, init containers in order (retried
 * with backoff), the Cassandra node as the `cassandra` container, then the other containers as
 * local processes restarted when they exit; the pod status follows every step.
 */
export class PodRunner {
  readonly name: string;
  readonly uid: string;
  /** True when the node was already running when the pod started (nothing restarted it). */
  adoptedNode = false;
  private readonly abort = new AbortController();
  private readonly processes = new Map<string, ContainerProcess>();
  private readonly status: PodStatusBook;
  private readonly volumes: PodVolumes;
  private readonly identity: PodIdentity;
  private readonly log: Logger;
  private lifecycle: Promise<void> = Promise.resolve();
  private api: ApiCredentials | undefined;

  constructor(
    private readonly context: RunnerContext,
    private readonly pod: V1Pod,
    readonly node: CassandraNode,
  ) {
    const meta = pod.metadata ?? {};
    this.name = meta.name ?? '';
    this.uid = meta.uid ?? '';
    const namespace = meta.namespace ?? '';
    this.identity = { pod, podIp: node.address };
    this.status = new PodStatusBook(context.kubeConfig, pod, node.address);
    const podDir = join(runDir, 'harness', 'pods', namespace, `${this.name}-${this.uid.slice(0, 8)}`);
    this.volumes = new PodVolumes(pod.spec ?? { containers: [] }, node, podDir, namespace);
    this.log = context.logger.child({ pod: `${namespace}/${this.name}`, node: node.address });
  }

  private get signal(): AbortSignal {
    return this.abort.signal;
  }

  private get graceMs(): number {
    return (this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
  }

  start(): void {
    this.lifecycle = this.run().catch((error: unknown) => {
      this.log.error('pod lifecycle failed', { error });
    });
  }

  /** Stops every container; the Cassandra node too unless keepNode. Removes the pod's own files. */
  async stop(options: { keepNode?: boolean } = {}): Promise<void> {
    this.abort.abort();
    await this.lifecycle;
    await Promise.all([...this.processes.values()].map((p) => p.stop(this.graceMs)));
    if (!options.keepNode && this.node.isRunning()) {
      this.log.info('stopping Cassandra');
      await this.node.stop();
    }
    this.volumes.remove();
    this.log.info('pod stopped');
  }

  private write(): Promise<void> {
    return this.status.write().catch((error: unknown) => this.log.warn('status write failed', { error }));
  }

  private async run(): Promise<void> {
    const spec = this.pod.spec ?? { containers: [] };
    this.log.info('pod starting');
    await this.write();
    if (!(await this.prepareVolumes())) return;
    for (const container of spec.initContainers ?? []) {
      if (!(await this.runToCompletion(container))) return;
    }
    this.status.condition('Initialized', true);
    await this.write();
    const cassandra = spec.containers.find((c) => containerRole(c) === 'cassandra');
    if (cassandra && !(await this.startCassandra())) return;
    for (const container of spec.containers) {
      const role = containerRole(container);
      if (role === 'cassandra') continue;
      if (role === 'noop') this.status.running(container.name, new Date(), true);
      else void this.supervise(container, role);
    }
    this.status.refreshReadiness();
    await this.write();
    this.log.info('pod running');
    if (cassandra) await this.watchCassandra();
  }

  private async prepareVolumes(): Promise<boolean> {
    // Like server-config-init: the node's configuration is rendered before anything runs.
    this.adoptedNode = this.node.isRunning();
    if (!this.adoptedNode) this.node.configure(false);
    for (;;) {
      try {
        await this.volumes.materialise(this.identity, this.context.reader);
        this.api = await mountApiCredentials(
          this.context.kubeConfig,
          this.pod,
          this.volumes.podDir,
          this.context.apiAccess,
        );
        return true;
      } catch (error) {
        // A missing Secret or ConfigMap, or the API failing for a moment: kubelet keeps trying.
        this.log.warn('volumes not ready', { error });
        const message = error instanceof Error ? error.message : String(error);
        for (const c of this.pod.spec?.containers ?? [])
          this.status.waiting(c.name, 'ContainerCreating', message);
        await this.write();
        if (!(await pause(this.context.backoff.initialMs, this.signal))) return false;
      }
    }
  }

  private async launch(
    container: V1Container,
    role: Extract<ContainerRole, 'agent' | 'command'>,
  ): Promise<ContainerProcess | undefined> {
    const env = await resolveEnv(container, this.identity, this.context.reader);
    const paths = this.volumes.pathMap(
      container,
      this.api?.dir
        ? [{ containerPath: serviceAccountMountPath, localPath: this.api.dir, volume: 'kube-api-access' }]
        : [],
    );
    const spec = processSpec(container, role, env, paths, {
      name: this.name,
      dir: this.volumes.podDir,
      ip: this.node.address,
      ...(this.api ? { kubeconfig: this.api.kubeconfig } : {}),
    });
    if (this.signal.aborted) return undefined;
    const logTo = containerLogFile(this.pod.metadata?.namespace ?? '', this.name, container.name);
    this.log.info('container starting', { container: container.name, command: spec.command, log: logTo });
    const child = new ContainerProcess(spec, logTo);
    this.processes.set(container.name, child);
    return child;
  }

  /** Launches, retrying with backoff while a referenced Secret or ConfigMap is missing, say. */
  private async launchWhenConfigured(
    container: V1Container,
    role: Extract<ContainerRole, 'agent' | 'command'>,
  ): Promise<ContainerProcess | undefined> {
    for (;;) {
      try {
        return await this.launch(container, role);
      } catch (error) {
        // A missing reference, or the API failing for a moment: reported, then tried again.
        const reason = error instanceof MissingReference ? error.reason : 'CreateContainerError';
        const message = error instanceof Error ? error.message : String(error);
        this.log.warn('container not started', { container: container.name, reason, message });
        this.status.waiting(container.name, reason, message);
        await this.write();
        if (!(await pause(this.context.backoff.initialMs, this.signal))) return undefined;
      }
    }
  }

  /** Kubelet's crash backoff: Error first (terminated), then CrashLoopBackOff until the restart. */
  private async backOff(container: string, delayMs: number, message: string): Promise<boolean> {
    if (!(await pause(delayMs / 2, this.signal))) return false;
    this.status.backingOff(container, message);
    this.status.refreshReadiness();
    await this.write();
    return pause(delayMs / 2, this.signal);
  }

  /** Runs an init container until it exits 0; false when the pod stopped first. */
  private async runToCompletion(container: V1Container): Promise<boolean> {
    const role = containerRole(container);
    if (role === 'noop') {
      const at = new Date();
      this.status.running(container.name, at, false);
      this.status.terminated(container.name, 0, at);
      return true;
    }
    let delay = this.context.backoff.initialMs;
    for (;;) {
      const child = await this.launchWhenConfigured(container, role === 'cassandra' ? 'command' : role);
      if (!child) return false;
      this.status.running(container.name, child.startedAt, false);
      await this.write();
      const exit = await unlessStopped(child.exited, this.signal);
      if (exit === stopped) return false;
      this.processes.delete(container.name);
      const code = exitCode(exit);
      this.status.terminated(container.name, code, child.startedAt, exit.signal);
      await this.write();
      if (code === 0) {
        this.log.info('init container completed', { container: container.name });
        return true;
      }
      this.log.warn('init container failed', { container: container.name, exitCode: code });
      if (
        !(await this.backOff(container.name, delay, `back-off restarting failed container ${container.name}`))
      )
        return false;
      delay = Math.min(delay * 2, this.context.backoff.maxMs);
    }
  }

  /** Keeps a regular container running: restarted with backoff whenever it exits. */
  private async supervise(container: V1Container, role: Extract<ContainerRole, 'agent' | 'command'>) {
    let delay = this.context.backoff.initialMs;
    try {
      for (;;) {
        const child = await this.launchWhenConfigured(container, role);
        if (!child) return;
        this.status.running(container.name, child.startedAt, true);
        this.status.refreshReadiness();
        await this.write();
        const exit = await unlessStopped(child.exited, this.signal);
        if (exit === stopped) return;
        this.processes.delete(container.name);
        const code = exitCode(exit);
        this.log.warn('container exited', { container: container.name, exitCode: code });
        this.status.terminated(container.name, code, child.startedAt, exit.signal);
        this.status.refreshReadiness();
        await this.write();
        // A container that ran for a while restarts after the shortest backoff again.
        if (Date.now() - child.startedAt.getTime() > 60_000) delay = this.context.backoff.initialMs;
        if (!(await this.backOff(container.name, delay, `back-off restarting ${container.name}`))) return;
        delay = Math.min(delay * 2, this.context.backoff.maxMs);
      }
    } catch (error) {
      this.log.error('container supervision failed', { container: container.name, error });
    }
  }

  /** Starts the node (unless already up) and waits for CQL; false when the pod stopped first. */
  private async startCassandra(): Promise<boolean> {
    let delay = this.context.backoff.initialMs;
    this.linkCassandraLog();
    for (;;) {
      if (
        (await unlessStopped(this.context.cassandraStartGate(this.node, this.signal), this.signal)) ===
        stopped
      )
        return false;
      const startedAt = new Date();
      if (!this.node.isRunning()) {
        this.log.info('starting Cassandra');
        this.node.start();
      }
      this.status.running('cassandra', startedAt, false);
      await this.write();
      try {
        if ((await unlessStopped(this.node.waitForCql(), this.signal)) === stopped) return false;
        this.status.ready('cassandra', true);
        this.log.info('Cassandra serves CQL');
        return true;
      } catch (error) {
        this.log.warn('Cassandra failed to start', { error });
        this.status.terminated('cassandra', 1, startedAt);
        await this.write();
        if (!(await this.backOff('cassandra', delay, 'back-off restarting failed container cassandra')))
          return false;
        delay = Math.min(delay * 2, this.context.backoff.maxMs);
      }
    }
  }

  /** A node that dies while its pod lives is restarted, like a crashed container. */
  private async watchCassandra(): Promise<void> {
    while (await pause(5000, this.signal)) {
      if (this.node.isRunning()) continue;
      this.log.warn('Cassandra exited');
      this.status.terminated('cassandra', 1, new Date());
      this.status.refreshReadiness();
      await this.write();
      if (!(await this.backOff('cassandra', this.context.backoff.initialMs, 'back-off restarting cassandra')))
        return;
      if (!(await this.startCassandra())) return;
      this.status.refreshReadiness();
      await this.write();
    }
  }

  /** .testbed/logs/<namespace>.<pod>.cassandra.log points at the node's own log. */
  private linkCassandraLog(): void {
    const link = containerLogFile(this.pod.metadata?.namespace ?? '', this.name, 'cassandra');
    try {
      rmSync(link, { force: true });
      symlinkSync(logFile(this.node.service), link);
    } catch {
      // only a convenience
    }
  }
}
