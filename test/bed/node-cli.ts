/**
 * start_cmd / stop_cmd for cassandra-medusa's restore-node against a test-bed node:
 *   tsx test/bed/node-cli.ts start|stop <cluster> <node number>
 * `start` launches the JVM in the background and returns at once, as medusa requires; `stop`
 * returns once the process is gone. Only the `single` cluster: the shared ring is off limits.
 */
import { rings } from './cassandra.js';

const clusters = { single: rings.single } as const;

async function main(): Promise<void> {
  const [action, clusterName, nodeNumber] = process.argv.slice(2);
  const cluster = clusters[clusterName as keyof typeof clusters]?.();
  const node = cluster?.nodes[Number(nodeNumber) - 1];
  if (!node || (action !== 'start' && action !== 'stop')) {
    throw new Error('usage: node-cli.ts start|stop single <node number>');
  }
  if (action === 'start') node.start();
  else await node.stop();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
