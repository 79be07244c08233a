// The sidecar's gRPC health service (grpc.health.v1.Health/Check): the readiness and liveness
// probes the webhook injects are the kubelet's native gRPC probes, as k8ssandra-operator's are.
// Beside it, GET /metrics over HTTP (Prometheus text format, lib/metrics.ts).
import * as grpc from '@grpc/grpc-js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, exposition, Gauge, renderFamilies } from '../../lib/metrics.js';

/** HealthCheckResponse{status: SERVING}: field 1 (varint) = 1. Too small to need a protobuf library. */
const serving = Buffer.from([0x08, 0x01]);

export interface HealthServer {
  port: number;
  stop(): Promise<void>;
}

/** More for the same server: Medusa's service when `[grpc] enabled` (agent/grpc), TLS, message limits. */
export interface GrpcExtras {
  services?: { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation }[];
  credentials?: grpc.ServerCredentials;
  options?: grpc.ServerOptions;
}

/**
 * Serves health on host:port (the pod IP: several pods share one network on the test harness, and
 * the kubelet probes the pod IP anyway). `ready` says whether to answer SERVING.
 */
export async function startHealthServer(
  host: string,
  port: number,
  ready: () => boolean,
  extras: GrpcExtras = {},
): Promise<HealthServer> {
  const server = new grpc.Server(extras.options);
  for (const service of extras.services ?? []) server.addService(service.definition, service.implementation);
  const check: grpc.MethodDefinition<Buffer, Buffer> = {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: (b) => b,
    requestDeserialize: (b) => b,
    responseSerialize: (b) => b,
    responseDeserialize: (b) => b,
  };
  server.addService({ Check: check } as grpc.ServiceDefinition, {
    Check: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      if (ready()) callback(null, serving);
      else callback({ code: grpc.status.UNAVAILABLE, details: 'the agent is not ready' });
    },
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${host}:${port}`,
      extras.credentials ?? grpc.ServerCredentials.createInsecure(),
      (error, p) => (error ? reject(error) : resolve(p)),
    ),
  );
  return {
    port: bound,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** The sidecar's Prometheus metrics, kept in memory from its start (docs/agent.md "Metrics"). */
export function createAgentMetrics(clock: () => number = Date.now) {
  const families = {
    operations: new Counter(
      'medusa_agent_operations_total',
      'Operations the sidecar ran (backup, purge, verify, sync, restore filter check) by result.',
    ),
    lastDuration: new Gauge(
      'medusa_agent_last_operation_duration_seconds',
      'Duration of the last operation of each kind, whatever its result.',
    ),
    lastSuccess: new Gauge(
      'medusa_agent_last_success_timestamp_seconds',
      'When the last operation of each kind succeeded (unix seconds).',
    ),
    bytesUploaded: new Counter('medusa_agent_bytes_uploaded_total', 'Bytes the sidecar uploaded to storage.'),
    inProgress: new Gauge('medusa_agent_operation_in_progress', 'Operations running now.', 0),
  };
  return {
    families,
    /** Runs one operation, counting it by result; returns (or throws) what `work` does. */
    async record<T extends { phase: string }>(operation: string, work: () => Promise<T>): Promise<T> {
      const started = clock();
      families.inProgress.add(1);
      let result = 'failed';
      try {
        const final = await work();
        result = final.phase === 'Succeeded' ? 'succeeded' : 'failed';
        return final;
      } finally {
        families.inProgress.add(-1);
        const ended = clock();
        families.operations.inc({ operation, result });
        families.lastDuration.set((ended - started) / 1000, { operation });
        if (result === 'succeeded') families.lastSuccess.set(ended / 1000, { operation });
      }
    },
    render: (): string => renderFamilies(Object.values(families).map((f) => f.family())),
  };
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;

/** The sidecar's metrics; the backup work adds its uploaded bytes here. */
export const agentMetrics = createAgentMetrics();

/** Serves GET /metrics over plain HTTP on host:port (beside the gRPC health service). */
export async function startMetricsServer(
  host: string,
  port: number,
  metrics: AgentMetrics = agentMetrics,
): Promise<HealthServer> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url ?? '').split('?')[0] === '/metrics') {
      res.writeHead(200, { 'content-type': exposition }).end(metrics.render());
    } else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
