import { describe, expect, it } from 'vitest';
import { cqlAddress, parseCassandraYaml, withTokenSettings } from './cassandra-yaml.js';

const yaml = `cluster_name: 'prod'
num_tokens: 16
# initial_token: 0
listen_address: 10.0.0.5
rpc_address: 0.0.0.0
broadcast_rpc_address: 10.0.0.5
native_transport_port: 9042
native_transport_port_ssl: 9142
client_encryption_options:
  enabled: true
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "10.0.0.1:7000, 10.0.0.2"
data_file_directories:
  - /var/lib/cassandra/data
commitlog_directory: /commit
`;

describe('parseCassandraYaml', () => {
  it('reads directories, addresses, ports and seeds', () => {
    const parsed = parseCassandraYaml(yaml);
    expect(parsed).toMatchObject({
      clusterName: 'prod',
      dataDirectory: '/var/lib/cassandra/data',
      commitlogDirectory: '/commit',
      savedCachesDirectory: '/var/lib/cassandra/saved_caches',
      listenAddress: '10.0.0.5',
      rpcAddress: '0.0.0.0',
      nativePort: 9142,
      storagePort: 7000,
      sslStoragePort: 7001,
      seeds: ['10.0.0.1:7000', '10.0.0.2'],
      numTokens: 16,
      clientEncryption: true,
    });
    expect(parsed.initialToken).toBeUndefined();
    // rpc_address 0.0.0.0 listens everywhere: connect to the broadcast address instead.
    expect(cqlAddress(parsed)).toBe('10.0.0.5');
  });

  it("uses Medusa's default data directory when none is configured", () => {
    expect(parseCassandraYaml('cluster_name: x\n').dataDirectory).toBe('/var/lib/cassandra/data');
    expect(cqlAddress(parseCassandraYaml('cluster_name: x\n'))).toBe('127.0.0.1');
  });

  it('refuses several data directories or none, naming the file', () => {
    expect(() => parseCassandraYaml('data_file_directories:\n  - /a\n  - /b\n', '/etc/c.yaml')).toThrow(
      '/etc/c.yaml: data_file_directories lists 2 directories',
    );
    expect(() => parseCassandraYaml('data_file_directories: []\n')).toThrow('must list one directory');
    expect(() => parseCassandraYaml('storage_port: abc\n')).toThrow("storage_port 'abc' is not a port");
  });
});

describe('withTokenSettings', () => {
  it('replaces existing settings in place and appends missing ones, keeping comments', () => {
    const edited = withTokenSettings(yaml, ['-100', '200']);
    expect(edited).toContain('num_tokens: 2\n# initial_token: 0\n');
    expect(edited.endsWith('initial_token: -100,200\nauto_bootstrap: false\n')).toBe(true);
    const parsed = parseCassandraYaml(edited);
    expect(parsed).toMatchObject({ numTokens: 2, initialToken: '-100,200', clusterName: 'prod' });
    // Applying it twice changes nothing more (a restarted restore).
    expect(withTokenSettings(edited, ['-100', '200'])).toBe(edited);
  });
});
