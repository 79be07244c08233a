import { describe, expect, it } from 'vitest';
import { expandReferences } from './env.js';
import { localMedusaIni } from './medusa-ini.js';
import { PathMap } from './path-map.js';

// How the kubelet stand-in turns container paths into local ones.

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

describe('MEDUSA_INI', () => {
  const ini = [
    '[cassandra]',
    'use_sudo = false',
    '',
    '[storage]',
    'key_file = /etc/medusa-secrets/credentials',
    '',
  ].join('\n');
  const withSecrets = new PathMap([
    ...map.mappings,
    { containerPath: '/etc/medusa-secrets', localPath: '/pod/secrets', volume: 'medusa-secrets' },
  ]);

  it('rewrites its paths and names the local cassandra.yaml, which Medusa would look for at /etc/cassandra', () => {
    expect(localMedusaIni(ini, withSecrets)).toBe(
      [
        '[cassandra]',
        'config_file = /bed/node1/conf/cassandra.yaml',
        'use_sudo = false',
        '',
        '[storage]',
        'key_file = /pod/secrets/credentials',
        '',
      ].join('\n'),
    );
  });

  it('keeps a config_file that is there, and adds the section when missing', () => {
    const own = '    [cassandra]\n    config_file = /etc/cassandra/other.yaml\n';
    expect(localMedusaIni(own, map)).toBe('    [cassandra]\n    config_file = /bed/node1/conf/other.yaml\n');
    expect(localMedusaIni('[storage]\nbucket_name = b\n', map)).toBe(
      '[storage]\nbucket_name = b\n\n[cassandra]\nconfig_file = /bed/node1/conf/cassandra.yaml\n',
    );
  });

  it('is left alone when the container does not mount the Cassandra config', () => {
    const noConfig = new PathMap([{ containerPath: '/tmp', localPath: '/pod/tmp', volume: 'medusa-tmp' }]);
    expect(localMedusaIni(ini, noConfig)).toBe(ini);
  });
});

describe('$(VAR) references', () => {
  it('expands variables defined before, keeps unknown ones and unescapes $$', () => {
    const env = { POD_NAME: 'dc1-0', EMPTY: '' };
    expect(expandReferences('$(POD_NAME).$(EMPTY)x $(NOPE) $$(POD_NAME)', env)).toBe(
      'dc1-0.x $(NOPE) $(POD_NAME)',
    );
  });
});
