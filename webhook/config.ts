import { join } from 'node:path';
import { parseArgs } from 'node:util';

// Command line and environment of the medusa-webhook binary.

export interface WebhookConfig {
  port: number;
  host: string;
  certFile: string;
  keyFile: string;
  kubeconfig?: string;
  shutdownGraceMs: number;
  decisionTimeoutMs: number;
  /** Largest AdmissionReview body accepted, in bytes. */
  bodyLimitBytes: number;
}

export const usage = `Usage: medusa-webhook [options]

Serves the medusa admission webhooks over HTTPS:
  POST /mutate/statefulsets   inject medusa and medusa-restore into bound StatefulSets
  POST /validate              validate the medusa.k8ssandra.io kinds and binding annotations
  GET  /healthz /readyz /metrics

Options (environment variable in brackets):
  --port <n>          listen port [WEBHOOK_PORT] (default 9443)
  --host <addr>       listen address [WEBHOOK_HOST] (default 0.0.0.0)
  --cert-dir <dir>    directory with tls.crt and tls.key, reloaded on change [WEBHOOK_CERT_DIR]
                      (default /etc/medusa-webhook/tls)
  --kubeconfig <file> kubeconfig (default: in-cluster, then ~/.kube/config) [KUBECONFIG]
  --shutdown-grace <seconds>  time to finish in-flight requests on SIGTERM (default 10)
  --help              show this help
`;

function positiveInt(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${text}"`);
  return value;
}

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): WebhookConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'cert-dir': { type: 'string' },
      kubeconfig: { type: 'string' },
      'shutdown-grace': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const portText = values.port ?? env.WEBHOOK_PORT ?? '9443';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new Error(`--port must be a port number (0-65535; 0 picks a free one), got "${portText}"`);
  }
  const certDir = values['cert-dir'] ?? env.WEBHOOK_CERT_DIR ?? '/etc/medusa-webhook/tls';
  const kubeconfig = values.kubeconfig ?? env.KUBECONFIG;
  return {
    port,
    host: values.host ?? env.WEBHOOK_HOST ?? '0.0.0.0',
    certFile: join(certDir, 'tls.crt'),
    keyFile: join(certDir, 'tls.key'),
    ...(kubeconfig ? { kubeconfig } : {}),
    shutdownGraceMs: positiveInt('--shutdown-grace', values['shutdown-grace'] ?? '10') * 1000,
    decisionTimeoutMs: 8000,
    bodyLimitBytes: 6 * 1024 * 1024,
  };
}
