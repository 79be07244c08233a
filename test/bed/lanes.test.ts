import { readdirSync, readFileSync } from 'node:fs';
import { join, matchesGlob } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeLane } from '../lanes.js';
import { repoRoot } from './paths.js';

// The two lanes of `npm test` run at the same time on one bed: a Cassandra address (and so its JMX
// port and data folder) used by files of both lanes would be started, wiped or stopped by one under
// the other. It happened: agent-cli (127.0.0.5-7) moved to the apiserver lane while agent-backup,
// agent-restore and agent-minio (127.0.0.5, 6, 7) stayed in the node lane, and they failed there.

const integrationDir = join(repoRoot, 'test', 'integration');

/** The loopback host numbers a test file gives its CassandraClusters (`hosts: [n, ...]`). */
function hostsOf(source: string): number[] {
  return [...source.matchAll(/hosts: \[([\d,\s]+)\]/g)].flatMap((m) =>
    m[1]!.split(',').map((n) => Number(n.trim())),
  );
}

describe('integration lanes', () => {
  it('never give one Cassandra address to files of both lanes', () => {
    const owners = new Map<number, { lane: string; file: string }[]>();
    for (const name of readdirSync(integrationDir).filter((f) => f.endsWith('.test.ts'))) {
      const file = `test/integration/${name}`;
      const lane = nodeLane.some((glob) => matchesGlob(file, glob)) ? 'node' : 'apiserver';
      for (const host of hostsOf(readFileSync(join(repoRoot, file), 'utf8')))
        owners.set(host, [...(owners.get(host) ?? []), { lane, file }]);
    }
    expect(owners.size).toBeGreaterThan(10);
    const shared = [...owners].filter(([, users]) => new Set(users.map((u) => u.lane)).size > 1);
    expect(
      shared.map(
        ([host, users]) => `127.0.0.${host}: ${users.map((u) => `${u.file} (${u.lane})`).join(', ')}`,
      ),
    ).toEqual([]);
  });
});
