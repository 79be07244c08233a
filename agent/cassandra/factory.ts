import type { MedusaConfig } from '../config/types.js';
import type { CassandraYaml } from './cassandra-yaml.js';
import { cqlAddress } from './cassandra-yaml.js';
import type { CassandraControl } from './control.js';
import { JolokiaControl } from './jolokia.js';
import { ManagementApiControl } from './management-api.js';
import { NodetoolControl } from './nodetool.js';
import type { CqlOptions } from './cql.js';

/**
 * The transport Medusa would use for this config: in Kubernetes mode the management API
 * (use_mgmt_api) or Jolokia at cassandra_url; otherwise nodetool.
 */
export function cassandraControlFor(config: MedusaConfig, yaml: CassandraYaml): CassandraControl {
  const { kubernetes, cassandra } = config;
  const tls = { caCert: kubernetes.caCert, tlsCert: kubernetes.tlsCert, tlsKey: kubernetes.tlsKey };
  if (kubernetes.enabled && kubernetes.cassandraUrl) {
    if (kubernetes.useMgmtApi) {
      return new ManagementApiControl({ url: kubernetes.cassandraUrl, nodeAddress: cqlAddress(yaml), tls });
    }
    return new JolokiaControl({
      url: kubernetes.cassandraUrl,
      username: cassandra.nodetoolUsername,
      password: cassandra.nodetoolPassword,
      tls,
    });
  }
  return new NodetoolControl({
    executable: cassandra.nodetoolExecutable,
    flags: cassandra.nodetoolFlags,
    host: cassandra.nodetoolHost,
    port: cassandra.nodetoolPort,
    username: cassandra.nodetoolUsername,
    password: cassandra.nodetoolPassword,
    passwordFile: cassandra.nodetoolPasswordFilePath,
    ssl: cassandra.nodetoolSsl,
  });
}

/** CQL connection settings from medusa.ini and cassandra.yaml. */
export function cqlOptionsFor(config: MedusaConfig, yaml: CassandraYaml): CqlOptions {
  const { cassandra } = config;
  return {
    address: cqlAddress(yaml),
    port: yaml.nativePort,
    username: cassandra.cqlUsername,
    password: cassandra.cqlPassword,
    certfile: cassandra.certfile,
    usercert: cassandra.usercert,
    userkey: cassandra.userkey,
    resolveIpAddresses: cassandra.resolveIpAddresses,
    k8sMode: config.kubernetes.enabled,
  };
}
