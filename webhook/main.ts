#!/usr/bin/env node
import * as k8s from '@kubernetes/client-node';
import { createLogger } from '../lib/log.js';
import { kubeClusterReader } from './cluster.js';
import { readConfig, usage } from './config.js';
import { createWebhookServer } from './server.js';

// Entry point of the medusa-webhook binary.

async function main(): Promise<number> {
  const log = createLogger('webhook');
  let config;
  try {
    config = readConfig(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(
      `medusa-webhook: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`,
    );
    return 2;
  }
  if (config === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  const kc = new k8s.KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromDefault();
  const webhook = await createWebhookServer({
    certificates: { cert: config.certFile, key: config.keyFile },
    reader: kubeClusterReader(kc),
    log,
    decisionTimeoutMs: config.decisionTimeoutMs,
    bodyLimitBytes: config.bodyLimitBytes,
  });
  const port = await webhook.listen(config.port, config.host);
  log.info('listening', { host: config.host, port, cert: config.certFile });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info('stopping', { signal, graceMs: config.shutdownGraceMs });
      void webhook.stop(config.shutdownGraceMs).then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log.info('stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`medusa-webhook: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
