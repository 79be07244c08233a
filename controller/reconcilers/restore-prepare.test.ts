import { describe, expect, it } from 'vitest';
import { prepareOutcome } from './restore-prepare.js';

// What the controller makes of each node's prepare report before it stops a datacenter.
const at = '2026-12-07T10:00:00Z';
const staged = (node: string, bytesTotal: number) => ({
  node,
  phase: 'Succeeded' as const,
  bytesTotal,
  lastUpdateTime: at,
});

describe('the prepare of a staged restore', () => {
  it('goes on when every node staged, with the bytes staged in all', () => {
    expect(prepareOutcome('dc1', [staged('dc1-0', 1024 ** 3), staged('dc1-1', 1024 ** 3)])).toEqual({
      silent: [],
      summary:
        '2 of 2 nodes of dc1 staged and verified their backup (2.00 GB in all); stopping the datacenter',
    });
  });

  it('refuses, before the stop, when a sidecar found the backup cannot be staged', () => {
    const full = {
      node: 'dc1-1',
      phase: 'Failed' as const,
      lastUpdateTime: at,
      lastError:
        'not enough free space for restoring b1 in /var/lib/cassandra/medusa-prepared-k: 2.0 GiB needed, 1.0 GiB available',
    };
    const outcome = prepareOutcome('dc1', [staged('dc1-0', 10), full]);
    expect(outcome).toEqual({
      message: `staging failed, dc1 was not stopped: dc1-1: ${full.lastError}`,
      reports: [full],
    });
  });

  it('goes on without staging a node whose sidecar never answered: it downloads while stopped', () => {
    const silent = { node: 'dc1-2', phase: 'Failed' as const, lastError: 'the agent of dc1-2 never started' };
    const outcome = prepareOutcome('dc1', [staged('dc1-0', 10), staged('dc1-1', 10), silent]);
    expect(outcome).toMatchObject({ silent: ['dc1-2'] });
    expect('summary' in outcome && outcome.summary).toContain(
      '2 of 3 nodes of dc1 staged and verified their backup (20.00 B in all); dc1-2 never answered and will download while stopped',
    );
  });

  it('refuses a sidecar that stopped reporting mid-way (its entry is stamped)', () => {
    const stale = {
      node: 'dc1-0',
      phase: 'Failed' as const,
      lastUpdateTime: at,
      lastError: 'stopped reporting',
    };
    expect(prepareOutcome('dc1', [stale])).toMatchObject({
      message: 'staging failed, dc1 was not stopped: dc1-0: stopped reporting',
    });
  });

  it('refuses a task that ran on no node, with the task’s reason', () => {
    expect(prepareOutcome('dc1', [], [{ message: 'datacenter dc1 has no pods' }])).toEqual({
      message: 'staging failed, dc1 was not stopped: datacenter dc1 has no pods',
      reports: [],
    });
  });
});
