import type { V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { renderMedusaIni } from './medusa-ini.js';
import { cassandraApiOf } from './mutate.js';

const sts = (annotations: Record<string, string> = {}): V1StatefulSet => ({
  metadata: { name: 'dc1', annotations },
});
const cassdc = {
  apiVersion: 'cassandra.datastax.com/v1beta1',
  kind: 'CassandraDatacenter',
  metadata: { name: 'dc1' },
};

describe('how the agent reaches Cassandra', () => {
  it('uses the management API of a CassandraDatacenter and Jolokia for a plain StatefulSet', () => {
    expect(cassandraApiOf(sts(), cassdc)).toBe('management-api');
    expect(cassandraApiOf(sts(), undefined)).toBe('jolokia');
  });

  it('follows the annotation, and refuses a value it does not know, naming the annotation', () => {
    expect(cassandraApiOf(sts({ 'medusa.k8ssandra.io/cassandra-api': 'jolokia' }), cassdc)).toBe('jolokia');
    expect(() => cassandraApiOf(sts({ 'medusa.k8ssandra.io/cassandra-api': 'jmx' }), undefined)).toThrow(
      /must be one of management-api, jolokia, not "jmx"/,
    );
  });

  it('renders Jolokia in medusa.ini as cassandra-medusa reads it: use_mgmt_api off and its URL', () => {
    const storage = {
      storageProvider: 's3' as const,
      bucketName: 'b',
      maxBackupAge: 0,
      maxBackupCount: 0,
      transferMaxBandwidth: '50MB/s',
      concurrentTransfers: 0,
      multiPartUploadThreshold: 104857600,
    };
    const ini = renderMedusaIni({ storage: storage as never, prefix: 'p', cassandraApi: 'jolokia' });
    const kubernetes = ini.slice(ini.indexOf('[kubernetes]'));
    expect(kubernetes).toMatch(/use_mgmt_api = 0/);
    expect(kubernetes).toMatch(/cassandra_url = http:\/\/127\.0\.0\.1:8778\/jolokia\//);
    expect(renderMedusaIni({ storage: storage as never, prefix: 'p' })).toMatch(/use_mgmt_api = 1/);
  });
});
