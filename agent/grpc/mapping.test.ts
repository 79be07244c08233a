import { describe, expect, it } from 'vitest';
import type { ClusterBackupEntry } from '../catalog/catalog.js';
import { backupSummary, nodeBackupStatus, overallStatus, statusTime } from './mapping.js';
import { medusaPackage } from './medusa-proto.js';

const tokenMap = {
  'node-a': { tokens: ['-9223372036854775808', '3074457345618258602'], is_up: true, rack: 'r1', dc: 'dc1' },
  'node-b': { tokens: ['9223372036854775807'], is_up: true, rack: 'r2', dc: 'dc1' },
};

function cluster(over: Partial<ClusterBackupEntry>): ClusterBackupEntry {
  return {
    name: 'b1',
    nodes: [],
    tokenMap,
    started: 1_700_000_000,
    finished: 1_700_000_100,
    complete: true,
    completedNodes: ['node-a', 'node-b'],
    incompleteNodes: [],
    missingNodes: [],
    differential: true,
    ...over,
  };
}

describe('Medusa gRPC messages from the catalog', () => {
  it('summarises a complete backup as Medusa does, tokens kept exact', () => {
    expect(backupSummary(cluster({}), { size: 4096, objects: 12 })).toEqual({
      backupName: 'b1',
      startTime: 1_700_000_000,
      finishTime: 1_700_000_100,
      totalNodes: 2,
      finishedNodes: 2,
      nodes: [
        {
          host: 'node-a',
          tokens: ['-9223372036854775808', '3074457345618258602'],
          datacenter: 'dc1',
          rack: 'r1',
        },
        { host: 'node-b', tokens: ['9223372036854775807'], datacenter: 'dc1', rack: 'r2' },
      ],
      status: 'SUCCESS',
      backupType: 'differential',
      totalSize: 4096,
      totalObjects: 12,
    });
  });

  it('an unfinished backup has finishTime 0 and is IN_PROGRESS, however many nodes finished', () => {
    const summary = backupSummary(
      cluster({ complete: false, finished: undefined, completedNodes: ['node-a'], differential: false }),
      { size: 10, objects: 1 },
    );
    expect(summary).toMatchObject({
      finishTime: 0,
      status: 'IN_PROGRESS',
      finishedNodes: 1,
      backupType: 'full',
    });
  });

  it('overallStatus: UNKNOWN when empty, else the worst in Medusa order', () => {
    expect(overallStatus([])).toBe('UNKNOWN');
    expect(overallStatus([{ status: 'SUCCESS' }, { status: 'SUCCESS' }])).toBe('SUCCESS');
    expect(overallStatus([{ status: 'SUCCESS' }, { status: 'IN_PROGRESS' }])).toBe('IN_PROGRESS');
    expect(overallStatus([{ status: 'FAILED' }, { status: 'IN_PROGRESS' }])).toBe('FAILED');
    expect(overallStatus([{ status: 'FAILED' }, { status: 'UNKNOWN' }])).toBe('UNKNOWN');
  });

  it("a node backup's status: running, failed, or finished in storage", () => {
    const requested = new Date();
    expect(nodeBackupStatus({ requested, running: true }, false)).toBe('IN_PROGRESS');
    expect(nodeBackupStatus({ requested, running: false, error: 'boom' }, true)).toBe('FAILED');
    expect(nodeBackupStatus({ requested, running: false }, true)).toBe('SUCCESS');
    // Not run by this server: Medusa's rule, finished or failed.
    expect(nodeBackupStatus(undefined, true)).toBe('SUCCESS');
    expect(nodeBackupStatus(undefined, false)).toBe('FAILED');
  });

  it("BackupStatus' times are Python's %Y-%m-%d %H:%M:%S in local time, empty when unknown", () => {
    const epoch = new Date(2026, 0, 2, 3, 4, 5).getTime() / 1000;
    expect(statusTime(epoch)).toBe('2026-01-02 03:04:05');
    expect(statusTime(undefined)).toBe('');
  });

  it('the descriptor serves /Medusa/<Method> and round-trips 64-bit tokens and enum names', () => {
    const service = medusaPackage().Medusa as unknown as Record<
      string,
      { path: string } & Record<string, unknown>
    >;
    expect(Object.values(service).map((m) => m.path)).toEqual([
      '/Medusa/Backup',
      '/Medusa/AsyncBackup',
      '/Medusa/BackupStatus',
      '/Medusa/DeleteBackup',
      '/Medusa/GetBackup',
      '/Medusa/GetBackups',
      '/Medusa/PurgeBackups',
      '/Medusa/PrepareRestore',
    ]);
    const method = service.GetBackups as unknown as {
      responseSerialize: (value: unknown) => Buffer;
      responseDeserialize: (bytes: Buffer) => unknown;
    };
    const response = {
      backups: [backupSummary(cluster({}), { size: 2 ** 40, objects: 3 })],
      overallStatus: 'SUCCESS',
    };
    const decoded = method.responseDeserialize(method.responseSerialize(response)) as {
      backups: { nodes: { tokens: string[] }[]; totalSize: string; status: string }[];
      overallStatus: string;
    };
    expect(decoded.overallStatus).toBe('SUCCESS');
    expect(decoded.backups[0]!.nodes[0]!.tokens).toEqual(['-9223372036854775808', '3074457345618258602']);
    expect(decoded.backups[0]!.totalSize).toBe(String(2 ** 40));
    expect(decoded.backups[0]!.status).toBe('SUCCESS');
  });
});
