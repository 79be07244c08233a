import { describe, expect, it } from 'vitest';
import { PathMap } from './path-map.js';

const map = new PathMap([
  { containerPath: '/var/lib/cassandra', localPath: '/bed/node1/data', volume: 'server-data' },
  { containerPath: '/etc/cassandra/', localPath: '/bed/node1/conf', volume: 'server-config' },
  { containerPath: '/etc/certificates', localPath: '/pod/certs', volume: 'certificates' },
  { containerPath: '/etc/certificates/usercert', localPath: '/pod/usercert', volume: 'usercert' },
]);

describe('PathMap', () => {
  it('rewrites whole path segments inside shell commands and ini lines', () => {
    expect(map.rewrite(`echo $POD_NAME > /var/lib/cassandra/marker`)).toBe(
      'echo $POD_NAME > /bed/node1/data/marker',
    );
    expect(map.rewrite('config_file = /etc/cassandra/cassandra.yaml')).toBe(
      'config_file = /bed/node1/conf/cassandra.yaml',
    );
    expect(map.rewrite("MEDUSA_TMP_DIR='/var/lib/cassandra'")).toBe("MEDUSA_TMP_DIR='/bed/node1/data'");
  });

  it('prefers the longest mount and leaves look-alike paths alone', () => {
    expect(map.rewrite('usercert = /etc/certificates/usercert/tls.crt')).toBe(
      'usercert = /pod/usercert/tls.crt',
    );
    expect(map.rewrite('/var/lib/cassandra2/x /opt/var/lib/cassandra')).toBe(
      '/var/lib/cassandra2/x /opt/var/lib/cassandra',
    );
    expect(map.rewrite('https://host/var/lib/cassandra')).toBe('https://host/var/lib/cassandra');
  });

  it('resolves single paths', () => {
    expect(map.resolve('/var/lib/cassandra/data')).toBe('/bed/node1/data/data');
    expect(map.resolve('/etc/cassandra')).toBe('/bed/node1/conf');
    expect(map.resolve('/opt')).toBeUndefined();
  });
});
