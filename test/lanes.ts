// Which integration files run in which lane of `npm test` (scripts/test.ts runs the two lanes at
// once, each its own vitest process): read by vitest.config.ts and by lanes.test.ts, which checks
// that files of different lanes never share a Cassandra address.

/**
 * Test files that never touch the apiserver: agents, storage, cassandra-medusa and the bed's own
 * Cassandra ring. Everything else (webhook, controller, plugin, chart, harness, e2e) uses the
 * apiserver, registers webhooks or installs CRDs, so those files must not overlap each other.
 */
export const nodeLane = [
  // agent-cli and agent-ssh run in the apiserver's lane, which is shorter (measured: 27 vs 37 min).
  'test/integration/agent-{backup,backup-plan,cassandra,medusa-commands,minio,restore,secured}.test.ts',
  'test/integration/faults-*.test.ts',
  'test/integration/medusa-interop.test.ts',
  'test/integration/s3-*.test.ts',
  'test/integration/storage-*.test.ts',
  'test/integration/testbed-{cassandra,stores}.test.ts',
];
