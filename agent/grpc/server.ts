// What the sidecar's gRPC server carries besides health, from medusa.ini's [grpc] section as Medusa's
// server reads it: Medusa's service when `enabled`, mutual TLS when `tls_cert` is set (Medusa's
// require_client_auth), and the message size limits.
import * as grpc from '@grpc/grpc-js';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../../lib/log.js';
import type { NodeContext } from '../cli/context.js';
import type { GrpcExtras } from '../pod/health.js';
import { medusaService, type PodAccess } from './service.js';

export interface SidecarGrpc {
  extras: GrpcExtras;
  /** Waits for the backups Medusa's service started (none when it is not served). */
  settled(): Promise<void>;
}

async function pem(path: string | undefined, key: string): Promise<Buffer> {
  if (!path) throw new Error(`[grpc] tls_cert is set, so ${key} must be set too`);
  try {
    return await readFile(path);
  } catch (error) {
    throw new Error(`[grpc] ${key} ${path} cannot be read: ${(error as Error).message}`);
  }
}

export async function sidecarGrpc(ctx: NodeContext, log: Logger, pod: PodAccess): Promise<SidecarGrpc> {
  const config = ctx.config.grpc;
  const extras: GrpcExtras = {
    options: {
      'grpc.max_send_message_length': config.maxSendMessageLength,
      'grpc.max_receive_message_length': config.maxReceiveMessageLength,
    },
  };
  if (config.tlsCert) {
    extras.credentials = grpc.ServerCredentials.createSsl(
      await pem(config.caCert, 'ca_cert'),
      [
        {
          cert_chain: await pem(config.tlsCert, 'tls_cert'),
          private_key: await pem(config.tlsKey, 'tls_key'),
        },
      ],
      true,
    );
  }
  if (!config.enabled) return { extras, settled: async () => undefined };
  const service = medusaService(ctx, log.child({ component: 'grpc' }), pod);
  extras.services = [service];
  return { extras, settled: service.settled };
}
