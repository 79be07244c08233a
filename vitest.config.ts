import { defineConfig } from 'vitest/config';
import { nodeLane } from './test/lanes.js';

const integration = {
  // After the unit tier (whose timing checks want the machine to themselves).
  sequence: { groupOrder: 1 },
  globalSetup: ['test/bed/global-setup.ts'],
  // Files of one lane run one at a time (each starts its own Cassandra nodes and services).
  fileParallelism: false,
  testTimeout: 180_000,
  hookTimeout: 600_000,
};

// Two tiers: unit tests need nothing running; integration tests get the real test bed
// (kube-apiserver, Cassandra, object stores, cassandra-medusa) from test/bed/global-setup.ts.
// MEDUSA_TEST_LANES=2 (what `npm test` sets) runs the integration files in two lanes at once, the
// apiserver's and the node's, which share nothing but the bed (own addresses, buckets, namespaces);
// otherwise one project `integration` runs them all one at a time.
const lanes = process.env.MEDUSA_TEST_LANES === '2';

export default defineConfig({
  test: {
    // Vitest's default is one worker per core but one: a single worker on a 2-core machine, which
    // would run the lanes one after the other.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          // Several unit files start Node processes (CLIs through tsx): seconds each on 2 busy cores.
          testTimeout: 30_000,
          include: ['{plugin,webhook,agent,crds,controller,lib,scripts,test/bed,test/harness}/**/*.test.ts'],
          exclude: ['test/integration/**', 'node_modules/**'],
        },
      },
      ...(lanes
        ? [
            {
              test: {
                name: 'integration',
                include: ['test/integration/**/*.test.ts'],
                exclude: nodeLane,
                ...integration,
              },
            },
            { test: { name: 'integration-node', include: nodeLane, ...integration } },
          ]
        : [{ test: { name: 'integration', include: ['test/integration/**/*.test.ts'], ...integration } }]),
    ],
  },
});
