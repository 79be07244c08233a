import { describe, expect, it } from 'vitest';
import type { NodePlan } from '../../crds/index.js';
import { renderPlan } from '../../plugin/commands/backup.js';
import { planSummary } from './backupjob.js';

const plan = (
  node: string,
  upload: [number, number],
  reused: [number, number],
  problems: string[] = [],
): NodePlan => ({
  node,
  snapshotFiles: upload[0] + reused[0],
  snapshotBytes: upload[1] + reused[1],
  uploadFiles: upload[0],
  uploadBytes: upload[1],
  reusedFiles: reused[0],
  reusedBytes: reused[1],
  storageReachable: problems.length === 0,
  storageWritable: problems.length === 0,
  problems,
});

describe('the plan of a dryRun job', () => {
  it('sums what the nodes would upload and reuse', () => {
    const summary = planSummary([plan('dc1-0', [3, 3072], [10, 1 << 20]), plan('dc1-1', [1, 1024], [0, 0])]);
    expect(summary.ready).toBe(true);
    expect(summary.message).toBe(
      'plan: 2 nodes would upload 4 files (4.00 KB) and reuse 10 (1.00 MB); nothing in storage was written',
    );
  });

  it("is not ready when a node has a problem, and says which node's", () => {
    const summary = planSummary([
      plan('dc1-0', [1, 1], [0, 0]),
      plan('dc1-1', [1, 1], [0, 0], ['cannot write to storage: Access Denied']),
    ]);
    expect(summary.ready).toBe(false);
    expect(summary.message).toMatch(/problems: dc1-1: cannot write to storage: Access Denied$/);
  });

  it('shows one row per node, a total, and the problems', () => {
    const text = renderPlan([
      plan('dc1-1', [1, 1024], [2, 2048], ['storage is not reachable: timeout']),
      plan('dc1-0', [3, 3072], [0, 0]),
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^NODE\s+UPLOAD FILES\s+UPLOAD\s+REUSED FILES/);
    expect(lines[1]).toMatch(/^dc1-0\s+3\s+3.00 KB\s+0\s+0.00 B/);
    expect(lines[2]).toMatch(/^dc1-1\s+1\s+1.00 KB\s+2\s+2.00 KB.*NO\/NO$/);
    expect(lines[3]).toMatch(/^TOTAL\s+4\s+4.00 KB\s+2\s+2.00 KB/);
    expect(lines.slice(4)).toEqual(['Problems:', '  dc1-1: storage is not reachable: timeout']);
  });
});
