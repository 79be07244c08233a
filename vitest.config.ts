import { defineConfig } from 'vitest/config';

// Two tiers: unit tests need nothing running; integration tests get the real test bed
// (kube-apiserver, Cassandra, object stores, cassandra-medusa) from test/bed/global-setup.ts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{plugin,webhook,agent,crds,controller,lib,scripts,test/bed,test/harness}/**/*.test.ts'],
          exclude: ['test/integration/**', 'node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/bed/global-setup.ts'],
          // Test files share one Cassandra ring and one apiserver: run them one at a time.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
