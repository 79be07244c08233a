import * as k8s from '@kubernetes/client-node';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listObjects } from '../../lib/medusa-api.js';
import { runDir } from '../bed/paths.js';
import { stackServices } from './stack.js';

/** JSON.stringify of API objects: client-node gives some integers as BigInt. */
const bigintAsString = (_key: string, value: unknown) =>
  typeof value === 'bigint' ? value.toString() : value;

/** A service-account token (a JWT: base64url of `{"alg":...`) in any text. */
const jwt = /eyJhbGciOi[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/;

export interface Leak {
  where: string;
  what: string;
}

/**
 * Every place a run of the stack in `namespace` could have put a secret, searched for each one and
 * for any service-account token: the logs of its webhook, controller and harness and of every
 * container of its pods, the namespace's Events, the status of every medusa.k8ssandra.io object,
 * and the `outputs` the test collected (plugin stdout and stderr).
 */
export async function findLeaks(
  kc: k8s.KubeConfig,
  namespace: string,
  secrets: Record<string, string>,
  outputs: string[],
): Promise<{ leaks: Leak[]; searched: string[] }> {
  const texts: [string, string][] = outputs.map((text, i) => [`output ${i}`, text]);
  const logsDir = join(runDir, 'logs');
  const logFiles = readdirSync(logsDir).filter(
    (f) => f.startsWith(`${namespace}.`) || stackServices(namespace).some((s) => f === `${s}.log`),
  );
  for (const file of logFiles) {
    const path = join(logsDir, file);
    if (existsSync(path)) texts.push([`log ${file}`, readFileSync(path, 'utf8')]);
  }
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const events = await core.listNamespacedEvent({ namespace });
  texts.push(['Events', JSON.stringify(events.items, bigintAsString)]);
  for (const plural of [
    'medusabackupjobs',
    'medusabackups',
    'medusarestorejobs',
    'medusatasks',
    'medusaconfigurations',
  ]) {
    texts.push([plural, JSON.stringify(await listObjects(kc, plural, namespace), bigintAsString)]);
  }
  const leaks: Leak[] = [];
  for (const [where, text] of texts) {
    for (const [what, value] of Object.entries(secrets))
      if (text.includes(value)) leaks.push({ where, what });
    if (jwt.test(text)) leaks.push({ where, what: 'a service-account token' });
  }
  return { leaks, searched: texts.map(([where]) => where) };
}
