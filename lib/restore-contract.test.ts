import { describe, expect, it } from 'vitest';
import { managedEnv } from '../webhook/inject/containers.js';
import {
  RestoreContractError,
  awaitsFilterCheck,
  parseRestoreEnvironment,
  parseRestoreMapping,
  restoreEnvNames,
  restoreEnvironment,
  restoreFilterOf,
  restoreSource,
  prepareTaskName,
  stagesRestore,
  validateRestoreFilter,
} from './restore-contract.js';

const mapping = {
  in_place: false,
  host_map: { 'dc1-0': { source: ['10.0.0.1'], seed: true }, 'dc1-1': { source: ['10.0.0.2'], seed: false } },
};
const configured = { key: 'k1', backup: 'b1', job: 'r1', mapping };

describe('the restore filter', () => {
  it('normalises ks.* to ks and leaves an empty filter undefined (restore everything)', () => {
    expect(validateRestoreFilter({ include: ['app.*', 'audit.events'], exclude: ['app.sessions'] })).toEqual({
      filter: { include: ['app', 'audit.events'], exclude: ['app.sessions'] },
      problems: [],
    });
    expect(validateRestoreFilter(undefined)).toEqual({ problems: [] });
    expect(validateRestoreFilter({ include: [], exclude: [] })).toEqual({ problems: [] });
  });

  it('refuses bad entries with their paths', () => {
    expect(validateRestoreFilter({ include: ['app', 'bad name'] }).problems).toEqual([
      { path: 'include[1]', message: 'must be "keyspace", "keyspace.table" or "keyspace.*"' },
    ]);
    expect(validateRestoreFilter({ include: 'app' }).problems.map((p) => p.path)).toEqual(['include']);
    expect(validateRestoreFilter({ include: [1] }).problems.map((p) => p.path)).toEqual(['include[0]']);
    expect(validateRestoreFilter({ keyspaces: ['app'] }).problems).toEqual([
      { path: 'keyspaces', message: 'unknown field: only include and exclude' },
    ]);
  });

  it('refuses entries that repeat or that the excludes remove entirely', () => {
    expect(validateRestoreFilter({ include: ['app', 'app.*'] }).problems).toEqual([
      { path: 'include[1]', message: '"app" repeats include[0]' },
    ]);
    expect(validateRestoreFilter({ include: ['app.users', 'shop'], exclude: ['app.*'] }).problems).toEqual([
      {
        path: 'include[0]',
        message: '"app.users" is excluded by exclude[0] ("app.*"): it would restore nothing',
      },
    ]);
    // Excluding one table of an included keyspace is what exclude is for.
    expect(validateRestoreFilter({ include: ['app'], exclude: ['app.sessions'] }).problems).toEqual([]);
  });

  it('restoreFilterOf reads a spec and throws with spec.filter paths', () => {
    expect(restoreFilterOf({ filter: { include: ['app'] } })).toEqual({ include: ['app'] });
    expect(restoreFilterOf({})).toBeUndefined();
    expect(() => restoreFilterOf({ filter: { include: ['a b'] } })).toThrow(
      new RestoreContractError(
        'spec.filter.include[0]: must be "keyspace", "keyspace.table" or "keyspace.*"',
      ),
    );
  });
});

describe('the init container env', () => {
  it('round-trips through the env, the filter only when there is one', () => {
    const env = Object.fromEntries(
      restoreEnvironment({ ...configured, filter: { include: ['app'] } }).map((e) => [e.name, e.value]),
    );
    expect(env).toEqual({
      RESTORE_KEY: 'k1',
      BACKUP_NAME: 'b1',
      RESTORE_MAPPING: JSON.stringify(mapping),
      RESTORE_JOB: 'r1',
      RESTORE_FILTER: '{"include":["app"]}',
    });
    expect(parseRestoreEnvironment(env)).toEqual({ ...configured, filter: { include: ['app'] } });
    expect(restoreEnvironment(configured).map((e) => e.name)).not.toContain('RESTORE_FILTER');
  });

  it('is nothing to do without a key or a backup name, as k8ssandra has it', () => {
    expect(parseRestoreEnvironment({ BACKUP_NAME: 'b1' })).toBeUndefined();
    expect(parseRestoreEnvironment({ RESTORE_KEY: 'k1', RESTORE_FILTER: 'not json' })).toBeUndefined();
    expect(parseRestoreEnvironment({ RESTORE_KEY: 'k1', BACKUP_NAME: 'b1' })).toEqual({
      key: 'k1',
      backup: 'b1',
    });
  });

  it('refuses malformed JSON and entries, naming the variable', () => {
    const base = { RESTORE_KEY: 'k1', BACKUP_NAME: 'b1' };
    expect(() => parseRestoreEnvironment({ ...base, RESTORE_FILTER: '{"include":' })).toThrow(
      /^RESTORE_FILTER is not JSON: /,
    );
    expect(() => parseRestoreEnvironment({ ...base, RESTORE_FILTER: '{"include":["x;y"]}' })).toThrow(
      'RESTORE_FILTER.include[0]: must be "keyspace", "keyspace.table" or "keyspace.*"',
    );
    expect(() => parseRestoreEnvironment({ ...base, RESTORE_FILTER: '["app"]' })).toThrow(
      RestoreContractError,
    );
    expect(() => parseRestoreEnvironment({ ...base, RESTORE_MAPPING: '{in_place: true}' })).toThrow(
      /^RESTORE_MAPPING is not JSON: /,
    );
    expect(() => parseRestoreEnvironment({ ...base, RESTORE_MAPPING: '{"host_map":{}}' })).toThrow(
      /^RESTORE_MAPPING\.in_place: /,
    );
    expect(() =>
      parseRestoreMapping({ in_place: false, host_map: { 'dc1-0': { source: 'x', seed: true } } }),
    ).toThrow(/^RESTORE_MAPPING\.host_map\.dc1-0\.source: /);
  });

  it('keeps clear of the env the webhook manages, so a re-injection keeps the restore', () => {
    for (const name of restoreEnvNames) expect(managedEnv as readonly string[]).not.toContain(name);
  });
});

describe('restoreSource', () => {
  it('restores in place from the node itself, else from the mapped source, else nothing', () => {
    expect(restoreSource(undefined, 'dc1-0', 'me')).toEqual({ fqdn: 'me', inPlace: true });
    expect(restoreSource({ in_place: true, host_map: {} }, 'dc1-0', 'me')).toEqual({
      fqdn: 'me',
      inPlace: true,
    });
    expect(restoreSource(mapping, 'dc1-1', 'me')).toEqual({ fqdn: '10.0.0.2', inPlace: false });
    expect(restoreSource(mapping, 'dc1-9', 'me')).toEqual({ skip: 'POD_NAME dc1-9 not found in mapping' });
  });
});

describe('awaitsFilterCheck', () => {
  const job = (status: Record<string, unknown>, filter?: unknown) => ({
    spec: { backup: 'b1', cassandraDatacenter: 'dc1', ...(filter ? { filter } : {}) },
    status,
  });
  it('holds between the mapping and the stop, for a filtered restore only', () => {
    expect(awaitsFilterCheck(job({ restorePrepared: true }, { include: ['app'] }))).toBe(true);
    expect(awaitsFilterCheck(job({ restorePrepared: true }))).toBe(false);
    expect(awaitsFilterCheck(job({ restorePrepared: true }, { include: [] }))).toBe(false);
    expect(awaitsFilterCheck(job({}, { include: ['app'] }))).toBe(false);
    expect(
      awaitsFilterCheck(job({ restorePrepared: true, datacenterStopped: 'x' }, { include: ['app'] })),
    ).toBe(false);
    expect(awaitsFilterCheck(job({ restorePrepared: true, finishTime: 'x' }, { include: ['app'] }))).toBe(
      false,
    );
  });
});

describe('staged restores', () => {
  const withAnnotation = (value?: string) => ({
    metadata: value === undefined ? {} : { annotations: { 'medusa.k8ssandra.io/staged-restore': value } },
  });
  it('stage by default; "false" restores as k8ssandra does; any other value is refused', () => {
    expect(stagesRestore(withAnnotation())).toBe(true);
    expect(stagesRestore(withAnnotation('true'))).toBe(true);
    expect(stagesRestore(withAnnotation('false'))).toBe(false);
    expect(() => stagesRestore(withAnnotation('no'))).toThrow(
      'annotation medusa.k8ssandra.io/staged-restore is "no": it must be "true" or "false"',
    );
  });
  it('name the prepare task after the job, within an object name', () => {
    expect(prepareTaskName('r1')).toBe('r1-prepare');
    expect(prepareTaskName('x'.repeat(253)).length).toBeLessThanOrEqual(253);
  });
});
