import type { V1Container } from '@kubernetes/client-node';
import { basename } from 'node:path';

// What the kubelet stand-in does with a container, since there are no images to run:
//   cassandra  the container named `cassandra`: the bound real Cassandra node is started instead
//   agent      command `medusa-agent`, or no command and a Medusa image (ours or k8ssandra/medusa,
//              whose entrypoint reads MEDUSA_MODE): agent/main.ts run with Node and tsx, args kept
//   noop       cass-operator's helpers (server-config-init*, server-system-logger) and containers
//              with no command (only the image knows its entrypoint): succeed at once / keep running
//   command    anything else: its command and args run as they are on this machine

export type ContainerRole = 'cassandra' | 'agent' | 'noop' | 'command';

export const agentCommand = 'medusa-agent';
const noopNames = /^(server-config-init(-base)?|server-system-logger)$/;
/** `.../medusa-agent:tag` (this project's image) or `.../medusa:tag` (k8ssandra's). */
const agentImage = /(^|\/)medusa(-agent)?(:[^/]*)?(@.*)?$/;

export function containerRole(container: V1Container): ContainerRole {
  if (container.name === 'cassandra') return 'cassandra';
  const executable = container.command?.[0];
  if (executable !== undefined && basename(executable) === agentCommand) return 'agent';
  if (executable === undefined && agentImage.test(container.image ?? '')) return 'agent';
  if (noopNames.test(container.name) || executable === undefined) return 'noop';
  return 'command';
}
