export * from './control.js';
export * from './cassandra-yaml.js';
export { CqlSession, type CqlOptions, type ServerVersion, type TokenMap, type TokenMapEntry } from './cql.js';
export { JolokiaControl, type JolokiaOptions } from './jolokia.js';
export { NodetoolControl, parseInfoTokens, parseListSnapshots, type NodetoolOptions } from './nodetool.js';
export { ManagementApiControl, managementApiOrigin, type ManagementApiOptions } from './management-api.js';
export { findSnapshotDirectories, type SnapshotDirectory } from './snapshot-dirs.js';
export { cassandraControlFor, cqlOptionsFor } from './factory.js';
export { nodeName } from './hostnames.js';
