import type { V1Container } from '@kubernetes/client-node';
import { entryArgs } from '../../support/entry.js';
import type { ContainerRole } from './container-role.js';
import { expandReferences } from './env.js';
import { localMedusaIni } from './medusa-ini.js';
import type { PathMap } from './path-map.js';

/** A container as a local process: what to run, with which environment, where. */
export interface ProcessSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/** The image's `medusa-agent` binary: agent/main.ts bundled from the sources, on this Node. */
function agentInvocation(args: string[]): { command: string; args: string[] } {
  return { command: process.execPath, args: [...entryArgs('agent'), ...args] };
}

/** Host variables a process needs to run at all here; containers otherwise start from nothing. */
function hostEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'JAVA_HOME', 'JAVA17', 'MEDUSA_TESTBED_DIR']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export function processSpec(
  container: V1Container,
  role: Extract<ContainerRole, 'agent' | 'command'>,
  containerEnv: Record<string, string>,
  paths: PathMap,
  pod: { name: string; dir: string; ip: string; kubeconfig?: string },
): ProcessSpec {
  const env: Record<string, string> = { ...hostEnv(), HOSTNAME: pod.name };
  // In place of the service account token mount plus KUBERNETES_SERVICE_HOST.
  if (pod.kubeconfig) env.KUBECONFIG = pod.kubeconfig;
  const tmp = paths.resolve('/tmp');
  if (tmp) env.TMPDIR = tmp;
  for (const [name, value] of Object.entries(containerEnv)) {
    env[name] = name === 'MEDUSA_INI' ? localMedusaIni(value, paths, pod.ip) : paths.rewrite(value);
  }
  const argv = [...(container.command ?? []), ...(container.args ?? [])].map((arg) =>
    paths.rewrite(expandReferences(arg, containerEnv)),
  );
  const [command = '', ...args] = argv;
  const invocation = role === 'agent' ? agentInvocation(args) : { command, args };
  const cwd = container.workingDir ? (paths.resolve(container.workingDir) ?? pod.dir) : pod.dir;
  return { ...invocation, env, cwd };
}
