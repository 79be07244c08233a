import { describe, expect, it } from 'vitest';
import { localMedusaIni, podLoopback } from './medusa-ini.js';
import { PathMap } from './path-map.js';

describe('medusa.ini for a pod run by the harness', () => {
  it('points pod-local URLs at the pod address and leaves other hosts alone', () => {
    const ini =
      '[kubernetes]\ncassandra_url = http://127.0.0.1:8778/jolokia/\n[storage]\nhost = 127.0.0.12\n';
    expect(podLoopback(ini, '127.0.0.5')).toBe(
      '[kubernetes]\ncassandra_url = http://127.0.0.5:8778/jolokia/\n[storage]\nhost = 127.0.0.12\n',
    );
    expect(podLoopback('url = https://localhost:8080/api', '127.0.0.5')).toBe(
      'url = https://127.0.0.5:8080/api',
    );
    expect(podLoopback(ini, undefined)).toBe(ini);
  });

  it('rewrites mounted paths and adds the cassandra.yaml of the node', () => {
    const paths = new PathMap([
      { containerPath: '/etc/cassandra', localPath: '/bed/node1/conf', volume: 'server-config' },
      { containerPath: '/mnt/backups', localPath: '/bed/storage/local', volume: 'medusa-backups' },
    ]);
    const ini = localMedusaIni(
      '[cassandra]\nuse_sudo = false\n[storage]\nbase_path = /mnt/backups\n',
      paths,
      '127.0.0.5',
    );
    expect(ini).toContain('config_file = /bed/node1/conf/cassandra.yaml');
    expect(ini).toContain('base_path = /bed/storage/local');
  });
});
