/**
 * start_cmd / stop_cmd for a test-bed node, as cassandra-medusa and medusa-agent run them:
 *   tsx test/bed/node-cli.ts start|stop <cluster> <node number> [<hosts, e.g. 5,6,7> [secured]]
 * Without hosts, <cluster> names a standard ring (`single` only: the shared 3-node ring is off
 * limits). `start` launches the JVM in the background and returns at once, as both tools require;
 * `stop` returns once the process is gone.
 */
import { CassandraCluster, rings } from './cassandra.js';

const standard = { single: rings.single } as const;

function clusterOf(name: string, hosts?: string, secured?: string): CassandraCluster | undefined {
  if (hosts) {
    return new CassandraCluster({
      name,
      hosts: hosts.split(',').map(Number),
      secured: secured === 'secured',
    });
  }
  return standard[name as keyof typeof standard]?.();
}

async function main(): Promise<void> {
  const [action, clusterName = '', nodeNumber, hosts, secured] = process.argv.slice(2);
  const node = clusterOf(clusterName, hosts, secured)?.nodes[Number(nodeNumber) - 1];
  if (!node || (action !== 'start' && action !== 'stop')) {
    throw new Error('usage: node-cli.ts start|stop <cluster> <node number> [<hosts> [secured]]');
  }
  if (action === 'start') node.start();
  else await node.stop();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
