import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { createAgentMetrics, startHealthServer, startMetricsServer } from './health.js';

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

describe('sidecar metrics', () => {
  const scrape = async (port: number, path = '/metrics') => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  it('counts operations by result, with the last duration and success time, over HTTP', async () => {
    let clock = 1_000_000;
    const metrics = createAgentMetrics(() => clock);
    const server = await startMetricsServer('127.0.0.1', 0, metrics);
    try {
      await metrics.record('backup', async () => {
        clock += 2500;
        return { phase: 'Succeeded' };
      });
      metrics.families.bytesUploaded.inc({}, 4096);
      await metrics.record('verify', async () => {
        clock += 700;
        return { phase: 'Failed' };
      });
      await expect(
        metrics.record('purge', async () => {
          clock += 100;
          throw new Error('storage down');
        }),
      ).rejects.toThrow('storage down');
      const { status, type, text } = await scrape(server.port);
      expect(status).toBe(200);
      expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
      const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));
      expect(samples).toEqual([
        'medusa_agent_operations_total{operation="backup",result="succeeded"} 1',
        'medusa_agent_operations_total{operation="verify",result="failed"} 1',
        'medusa_agent_operations_total{operation="purge",result="failed"} 1',
        'medusa_agent_last_operation_duration_seconds{operation="backup"} 2.5',
        'medusa_agent_last_operation_duration_seconds{operation="verify"} 0.7',
        'medusa_agent_last_operation_duration_seconds{operation="purge"} 0.1',
        'medusa_agent_last_success_timestamp_seconds{operation="backup"} 1002.5',
        'medusa_agent_bytes_uploaded_total 4096',
        'medusa_agent_operation_in_progress 0',
      ]);
      expect((await scrape(server.port, '/other')).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
