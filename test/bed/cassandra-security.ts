import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, issueCert, type KeyPair } from './pki.js';

/** Credentials of one login. */
export interface Login {
  username: string;
  password: string;
}

/**
 * What a secured test cluster asks of its clients, as a production cluster would: CQL logins
 * (PasswordAuthenticator, CassandraAuthorizer) over TLS with client certificates required, JMX with a
 * password file, and Jolokia over HTTPS with basic authentication.
 */
export interface CassandraSecurity {
  /** The built-in superuser Cassandra creates at first start. */
  superuser: Login;
  /** The JMX login (readwrite); Jolokia takes the same one. */
  jmx: Login;
  /** nodetool -pwf file: "user password". */
  jmxPasswordFile: string;
  /** CA of every certificate below (medusa.ini certfile). */
  caCert: string;
  /** Client certificate and key for mutual TLS (medusa.ini usercert/userkey). */
  client: KeyPair;
  dir: string;
}

/** Creates (or reuses) the PKI and JMX files of a secured cluster under dir. */
export function createSecurity(dir: string, nodeAddresses: string[]): CassandraSecurity {
  mkdirSync(dir, { recursive: true });
  const ca = createCa(dir, 'medusa-test-cassandra-ca');
  for (const address of nodeAddresses) {
    const node = issueCert(ca, dir, `node-${address}`, address, [`IP:${address}`]);
    // PEMBasedSslContextFactory reads the private key and its chain from one file.
    writeFileSync(
      nodeKeystore(dir, address),
      readFileSync(node.key, 'utf8') + readFileSync(node.cert, 'utf8'),
    );
  }
  const client = issueCert(ca, dir, 'client', 'medusa', ['DNS:medusa']);
  const jmx = { username: 'medusa-jmx', password: 'jmx-Secret-42' };
  // The JMX agent refuses a password file that others can read.
  const passwordFile = join(dir, 'jmxremote.password');
  writeFileSync(passwordFile, `${jmx.username} ${jmx.password}\n`);
  chmodSync(passwordFile, 0o600);
  writeFileSync(join(dir, 'jmxremote.access'), `${jmx.username} readwrite\n`);
  const nodetoolPasswordFile = join(dir, 'nodetool.password');
  writeFileSync(nodetoolPasswordFile, `${jmx.username} ${jmx.password}\n`);
  chmodSync(nodetoolPasswordFile, 0o600);
  return {
    superuser: { username: 'cassandra', password: 'cassandra' },
    jmx,
    jmxPasswordFile: nodetoolPasswordFile,
    caCert: ca.cert,
    client,
    dir,
  };
}

export const nodeKeystore = (dir: string, address: string) => join(dir, `node-${address}.pem`);

/** cassandra.yaml lines for a secured node. */
export function securedYaml(security: CassandraSecurity, address: string): string {
  return `authenticator: PasswordAuthenticator
authorizer: CassandraAuthorizer
role_manager: CassandraRoleManager
client_encryption_options:
  enabled: true
  optional: false
  require_client_auth: true
  ssl_context_factory:
    class_name: org.apache.cassandra.security.PEMBasedSslContextFactory
  keystore: ${nodeKeystore(security.dir, address)}
  truststore: ${security.caCert}
`;
}

/** JVM flags for a secured node: JMX password authentication, Jolokia over HTTPS with a login. */
export function securedJvmFlags(
  security: CassandraSecurity,
  address: string,
): {
  jmx: string[];
  jolokiaOptions: string;
} {
  const { dir, jmx } = security;
  return {
    jmx: [
      '-Dcom.sun.management.jmxremote.authenticate=true',
      `-Dcom.sun.management.jmxremote.password.file=${join(dir, 'jmxremote.password')}`,
      `-Dcom.sun.management.jmxremote.access.file=${join(dir, 'jmxremote.access')}`,
    ],
    jolokiaOptions: [
      'protocol=https',
      `serverCert=${join(dir, `node-${address}.crt`)}`,
      `serverKey=${join(dir, `node-${address}.key`)}`,
      `caCert=${security.caCert}`,
      `user=${jmx.username}`,
      `password=${jmx.password}`,
    ].join(','),
  };
}
