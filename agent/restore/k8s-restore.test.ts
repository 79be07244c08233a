import { describe, expect, it } from 'vitest';
import type { ManifestSection } from '../../lib/storage/repository/manifest.js';
import { filterProblem } from './k8s-restore.js';

const id = '0123456789abcdef0123456789abcdef';
const section = (keyspace: string, table: string): ManifestSection => ({
  keyspace,
  columnfamily: `${table}-${id}`,
  objects: [],
});
const manifest = [
  section('system', 'local'),
  section('system_schema', 'tables'),
  section('system_auth', 'roles'),
  section('app', 'users'),
  section('app', 'sessions'),
  section('audit', 'events'),
];

describe('filterProblem: a filter is checked against the node backup before anything stops', () => {
  it('accepts keyspaces and tables the backup holds', () => {
    expect(filterProblem({ include: ['app'] }, manifest, 'b1')).toBeUndefined();
    expect(
      filterProblem({ include: ['audit.events', 'app'], exclude: ['app.sessions'] }, manifest, 'b1'),
    ).toBe(undefined);
    expect(filterProblem({ exclude: ['audit'] }, manifest, 'b1')).toBeUndefined();
    expect(filterProblem({ include: ['system_auth'] }, manifest, 'b1')).toBeUndefined();
  });

  it('names every entry the backup does not hold, includes and excludes alike', () => {
    expect(filterProblem({ include: ['ap', 'app.user'], exclude: ['audit.event'] }, manifest, 'b1')).toBe(
      'the filter names what is not in backup b1: "ap", "app.user", "audit.event" (keyspaces in it: app, audit, system, system_auth, system_schema)',
    );
    // Names are compared as Cassandra stores them.
    expect(filterProblem({ include: ['App'] }, manifest, 'b1')).toMatch(/not in backup b1: "App"/);
  });

  it('refuses to exclude what Medusa always restores', () => {
    expect(filterProblem({ exclude: ['system_schema', 'audit'] }, manifest, 'b1')).toBe(
      '"system_schema" cannot be excluded: the system keyspaces are always restored, as Medusa does',
    );
  });

  it('refuses a filter that keeps no table', () => {
    expect(
      filterProblem({ exclude: ['app', 'audit', 'system', 'system_auth', 'system_schema'] }, manifest, 'b1'),
    ).toMatch(/cannot be excluded/);
    expect(filterProblem({ include: ['app.users'], exclude: ['app.users'] }, manifest, 'b1')).toBe(
      'the filter selects no table of backup b1',
    );
  });
});
