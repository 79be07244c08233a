import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { startHealthServer } from './health.js';

/** What the kubelet's gRPC probe does: grpc.health.v1.Health/Check, SERVING or not. */
function probe(port: number): Promise<{ code: number; status?: number }> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.alloc(0),
      (error, response) => {
        client.close();
        // HealthCheckResponse: tag 0x08, then the status varint.
        resolve(
          error
            ? { code: error.code }
            : { code: 0, status: response?.[0] === 0x08 ? response[1] : undefined },
        );
      },
    );
  });
}

describe('sidecar health', () => {
  it('answers the gRPC health check with SERVING when ready, UNAVAILABLE otherwise', async () => {
    let ready = false;
    const server = await startHealthServer('127.0.0.1', 0, () => ready);
    try {
      expect(await probe(server.port)).toEqual({ code: grpc.status.UNAVAILABLE });
      ready = true;
      expect(await probe(server.port)).toEqual({ code: 0, status: 1 });
    } finally {
      await server.stop();
    }
  });
});
