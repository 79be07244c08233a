import { describe, expect, it } from 'vitest';
import type { ClusterBackupEntry } from '../catalog/catalog.js';
import { latestComplete } from './index-commands.js';

const backup = (name: string, finished: number | undefined, complete: boolean) =>
  ({ name, started: 1, finished, complete }) as ClusterBackupEntry;

describe('latestComplete', () => {
  it('picks the complete backup that finished last, never an incomplete one', () => {
    expect(latestComplete([])).toBeUndefined();
    expect(latestComplete([backup('a', undefined, false)])).toBeUndefined();
    expect(
      latestComplete([backup('a', 200, true), backup('b', 100, true), backup('c', undefined, false)])?.name,
    ).toBe('a');
  });
});
