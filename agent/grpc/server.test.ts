import * as grpc from '@grpc/grpc-js';
import { KubeConfig } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.js';
import { NodeContext } from '../cli/context.js';
import { startHealthServer } from '../pod/health.js';
import { medusaPackage } from './medusa-proto.js';
import { sidecarGrpc } from './server.js';

// The sidecar's gRPC server as main.ts starts it, from medusa.ini's [grpc] section, over an empty
// local bucket (the calls on a real node are in test/integration/agent-grpc.test.ts).
const dir = mkdtempSync(join(tmpdir(), 'grpc-server-test-'));
const log = createLogger('grpc-test', { level: 'error' });
type Client = grpc.Client &
  Record<string, (req: object, cb: (e: grpc.ServiceError | null, r: unknown) => void) => void>;
const Medusa = grpc.makeGenericClientConstructor(medusaPackage().Medusa as grpc.ServiceDefinition, 'Medusa');

async function serve(grpcSection: string) {
  const file = join(dir, `medusa-${Math.random().toString(36).slice(2)}.ini`);
  writeFileSync(
    file,
    `[cassandra]\nconfig_file = ${join(dir, 'cassandra.yaml')}\n[storage]\nstorage_provider = local\n` +
      `base_path = ${dir}\nbucket_name = bucket\nfqdn = node-a\n[grpc]\n${grpcSection}\n`,
  );
  const ctx = await NodeContext.load(file, {}, log);
  // PrepareRestore, the one call that reads the Kubernetes API, is not called here.
  const { extras } = await sidecarGrpc(ctx, log, {
    kc: new KubeConfig(),
    me: { pod: 'pod-0', namespace: 'ns' },
  });
  const server = await startHealthServer('127.0.0.1', 0, () => true, extras);
  return { port: server.port, stop: () => server.stop().then(() => ctx.close()) };
}

function call(client: Client, method: string, request: object) {
  return new Promise<{ error: grpc.ServiceError | null; response: unknown }>((resolve) =>
    client[method]!(request, (error, response) => resolve({ error, response })),
  );
}

describe("the sidecar's gRPC server", () => {
  beforeAll(() => {
    // A CA, a server and a client certificate for 127.0.0.1 (openssl, as an operator's would be made).
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      '/CN=test-ca',
    );
    for (const who of ['server', 'client']) {
      ssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${who}.key`,
        '-out',
        `${who}.csr`,
        '-subj',
        `/CN=${who}`,
      );
      writeFileSync(join(dir, `${who}.ext`), 'subjectAltName=IP:127.0.0.1\n');
      ssl(
        'x509',
        '-req',
        '-in',
        `${who}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${who}.crt`,
        '-days',
        '1',
        '-extfile',
        `${who}.ext`,
      );
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves Medusa's service only when [grpc] enabled", async () => {
    const on = await serve('enabled = 1');
    const off = await serve('enabled = 0');
    const clientOn = new Medusa(`127.0.0.1:${on.port}`, grpc.credentials.createInsecure()) as Client;
    const clientOff = new Medusa(`127.0.0.1:${off.port}`, grpc.credentials.createInsecure()) as Client;
    try {
      expect(await call(clientOn, 'GetBackups', {})).toEqual({
        error: null,
        response: { backups: [], overallStatus: 'UNKNOWN' },
      });
      const refused = await call(clientOff, 'GetBackups', {});
      expect(refused.error?.code).toBe(grpc.status.UNIMPLEMENTED);
    } finally {
      clientOn.close();
      clientOff.close();
      await Promise.all([on.stop(), off.stop()]);
    }
  });

  it('with tls_cert, requires a client certificate signed by ca_cert (Medusa: require_client_auth)', async () => {
    const server = await serve(
      `enabled = 1\nca_cert = ${join(dir, 'ca.crt')}\ntls_cert = ${join(dir, 'server.crt')}\ntls_key = ${join(dir, 'server.key')}`,
    );
    const pem = (f: string) => readFileSync(join(dir, f));
    const withCert = new Medusa(
      `127.0.0.1:${server.port}`,
      grpc.credentials.createSsl(pem('ca.crt'), pem('client.key'), pem('client.crt')),
    ) as Client;
    const noCert = new Medusa(
      `127.0.0.1:${server.port}`,
      grpc.credentials.createSsl(pem('ca.crt')),
    ) as Client;
    const plain = new Medusa(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure()) as Client;
    try {
      expect((await call(withCert, 'GetBackups', {})).error).toBeNull();
      expect((await call(noCert, 'GetBackups', {})).error?.code).toBe(grpc.status.UNAVAILABLE);
      expect((await call(plain, 'GetBackups', {})).error?.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      for (const c of [withCert, noCert, plain]) c.close();
      await server.stop();
    }
  });

  it('refuses to start when tls_cert is set and a key file is missing', async () => {
    await expect(
      serve(`enabled = 1\nca_cert = ${join(dir, 'ca.crt')}\ntls_cert = ${join(dir, 'server.crt')}`),
    ).rejects.toThrow('[grpc] tls_cert is set, so tls_key must be set too');
  });
});
