// Entry of the in-pod modes: `medusa-agent sidecar` and `medusa-agent restore`.
import { createLogger } from '../../lib/log.js';
import { sidecarGrpc } from '../grpc/server.js';
import { loadPodContext, podIdentity, podKubeConfig } from './context.js';
import { startHealthServer, startMetricsServer } from './health.js';
import { runRestoreInit } from './restore-init.js';
import { runSidecar } from './sidecar.js';
import { sweepStagings } from './prepare-work.js';
import { startStorageChecks, storageCheckSeconds } from './storage-check.js';

export async function runPodMode(
  mode: 'sidecar' | 'restore',
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const me = podIdentity(env);
  const log = createLogger(mode === 'sidecar' ? 'medusa' : 'medusa-restore').child({ pod: me.pod });
  const kc = podKubeConfig();
  const ctx = await loadPodContext(env, log);
  try {
    if (mode === 'restore') return await runRestoreInit(kc, ctx, me, env, log);
    const stop = new AbortController();
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());
    // Medusa's gRPC service joins the health service on the gRPC port when [grpc] enabled (agent/grpc).
    const grpc = await sidecarGrpc(ctx, log, { kc, me });
    const health = await startHealthServer(
      env.POD_IP ?? '0.0.0.0',
      ctx.config.grpc.port || 50051,
      () => !stop.signal.aborted,
      grpc.extras,
    );
    log.info('health service listening', { port: health.port, medusaService: ctx.config.grpc.enabled });
    // Metrics are for the operator: a port in use is logged, the sidecar runs on without them.
    const metricsPort = Number(env.MEDUSA_METRICS_PORT ?? '9095');
    const metrics =
      Number.isInteger(metricsPort) && metricsPort > 0
        ? await startMetricsServer(env.POD_IP ?? '0.0.0.0', metricsPort).then(
            (m) => {
              log.info('metrics listening', { port: m.port });
              return m;
            },
            (error: unknown) => void log.warn('metrics not served', { port: metricsPort, error }),
          )
        : undefined;
    // Prepared restores never used are removed (agent/restore/staging.ts says after how long).
    const sweep = () =>
      void sweepStagings(ctx, kc, me).catch((error: unknown) => log.warn('sweep failed', { error }));
    const sweeper = setInterval(sweep, 3_600_000);
    sweep();
    // StorageReachable on the bound MedusaConfiguration (env set by the webhook; absent outside it).
    const checks = env.MEDUSA_CONFIGURATION
      ? startStorageChecks({
          kc,
          store: ctx.store(),
          prefix: ctx.prefix,
          me,
          configuration: env.MEDUSA_CONFIGURATION,
          intervalSeconds: storageCheckSeconds(env),
          log,
        })
      : undefined;
    try {
      await runSidecar({ kc, ctx, me, log, signal: stop.signal });
    } finally {
      checks?.stop();
      clearInterval(sweeper);
      await Promise.all([health.stop(), metrics?.stop()]);
      await grpc.settled();
    }
    return 0;
  } finally {
    await ctx.close();
  }
}
