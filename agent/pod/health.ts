// The sidecar's gRPC health service (grpc.health.v1.Health/Check): the readiness and liveness
// probes the webhook injects are the kubelet's native gRPC probes, as k8ssandra-operator's are.
import * as grpc from '@grpc/grpc-js';

/** HealthCheckResponse{status: SERVING}: field 1 (varint) = 1. Too small to need a protobuf library. */
const serving = Buffer.from([0x08, 0x01]);

export interface HealthServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * Serves health on host:port (the pod IP: several pods share one network on the test harness, and
 * the kubelet probes the pod IP anyway). `ready` says whether to answer SERVING.
 */
export async function startHealthServer(
  host: string,
  port: number,
  ready: () => boolean,
): Promise<HealthServer> {
  const server = new grpc.Server();
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
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, p) =>
      error ? reject(error) : resolve(p),
    ),
  );
  return {
    port: bound,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
