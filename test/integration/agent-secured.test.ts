import { auth, Client } from 'cassandra-driver';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCassandraYaml } from '../../agent/cassandra/cassandra-yaml.js';
import { cassandraControlFor } from '../../agent/cassandra/factory.js';
import { JolokiaControl } from '../../agent/cassandra/jolokia.js';
import { parseMedusaIni } from '../../agent/config/index.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { nodeCommand } from '../bed/medusa.js';
import { localStorageSection } from '../support/agent-cli.js';
import { artefacts, repoRoot, runDir } from '../bed/paths.js';
import { createCa } from '../bed/pki.js';
import { localStorageDir } from '../bed/stores.js';

// The agent against a node secured as production nodes are: CQL logins (PasswordAuthenticator,
// CassandraAuthorizer) over TLS that requires a client certificate, JMX with a password file, and
// Jolokia over HTTPS with a login. The medusa.ini carries the credentials the way Medusa's does.
const cluster = new CassandraCluster({ name: 'agent-secured', hosts: [12], secured: true });
const node = cluster.nodes[0]!;
const security = () => cluster.security!;
const bucket = `agent-secured-${process.pid}`;
const keyspace = 'secured';
const workDir = join(runDir, `agent-secured-${process.pid}`);
const medusaLogin = { username: 'medusa', password: 'cql-Secret-7' };
let client: Client;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function agent(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'agent', 'main.ts'), ...args],
      { cwd: repoRoot, timeout: 600_000, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** medusa.ini for the secured node; `cassandra` lines replace or add to the credentials. */
function writeConfig(name: string, cassandra: Record<string, string> = {}, extra = ''): string {
  const keys: Record<string, string> = {
    config_file: node.configFile,
    nodetool_executable: artefacts.nodetool,
    nodetool_host: '127.0.0.1',
    nodetool_port: String(node.jmxPort),
    nodetool_username: security().jmx.username,
    nodetool_password_file_path: security().jmxPasswordFile,
    cql_username: medusaLogin.username,
    cql_password: medusaLogin.password,
    certfile: security().caCert,
    usercert: security().client.cert,
    userkey: security().client.key,
    resolve_ip_addresses: 'False',
    use_sudo: 'False',
    stop_cmd: nodeCommand('stop', cluster, 1),
    start_cmd: nodeCommand('start', cluster, 1),
    ...cassandra,
  };
  const path = join(workDir, `${name}.ini`);
  writeFileSync(
    path,
    `[cassandra]
${Object.entries(keys)
  .filter(([, value]) => value !== '')
  .map(([key, value]) => `${key} = ${value}`)
  .join('\n')}

${localStorageSection({ bucket, fqdn: node.address, extra })}`,
  );
  return path;
}

/** Every secret of the bed: none may appear in anything the agent prints. */
const secrets = () => [medusaLogin.password, security().jmx.password, 'wrong-Secret-9'];

function expectNoSecret(run: Run): void {
  for (const secret of secrets()) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}

async function ids(): Promise<number[]> {
  const result = await client.execute(`SELECT id FROM ${keyspace}.rows`);
  return result.rows.map((row) => row.id as number).sort((a, b) => a - b);
}

async function connect(): Promise<void> {
  client = new Client({
    contactPoints: [node.address],
    localDataCenter: cluster.datacenter,
    authProvider: new auth.PlainTextAuthProvider(
      security().superuser.username,
      security().superuser.password,
    ),
    sslOptions: {
      ca: [readFileSync(security().caCert)],
      cert: readFileSync(security().client.cert),
      key: readFileSync(security().client.key),
      checkServerIdentity: () => undefined,
    },
  });
  await client.connect();
}

describe('medusa-agent on a node with CQL and JMX logins and client TLS', () => {
  beforeAll(async () => {
    mkdirSync(workDir, { recursive: true });
    mkdirSync(localStorageDir, { recursive: true });
    await cluster.start();
    await connect();
    // A login of its own for the agent, not a superuser: what an operator would give Medusa.
    await client.execute(
      `CREATE ROLE IF NOT EXISTS ${medusaLogin.username} WITH LOGIN = true AND PASSWORD = '${medusaLogin.password}'`,
    );
    await client.execute(`GRANT SELECT ON ALL KEYSPACES TO ${medusaLogin.username}`);
    await client.execute(
      `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(`CREATE TABLE IF NOT EXISTS ${keyspace}.rows (id int PRIMARY KEY, value text)`);
    await client.execute(`TRUNCATE ${keyspace}.rows`);
    for (let id = 0; id < 40; id++) {
      await client.execute(`INSERT INTO ${keyspace}.rows (id, value) VALUES (?, ?)`, [id, `v${id}`], {
        prepare: true,
      });
    }
  });

  afterAll(async () => {
    await client?.shutdown().catch(() => undefined);
    await cluster.stop();
    rmSync(join(localStorageDir, bucket), { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  });

  it('backs up, lists and verifies with the CQL login, client certificate and JMX password file', async () => {
    const config = writeConfig('secured');
    const backup = await agent('--config-file', config, 'backup', '--backup-name', 'sec1', '--mode', 'full');
    expect(backup.stderr + backup.stdout).not.toMatch(/error/i);
    expect(backup.code).toBe(0);
    expectNoSecret(backup);

    const list = await agent('--config-file', config, 'list-backups');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^sec1 \(started: .*, finished: /m);

    const verify = await agent('--config-file', config, 'verify', '--backup-name', 'sec1');
    expect(verify.code).toBe(0);
    expectNoSecret(verify);

    // The backup carries what only an authenticated CQL session could read.
    const meta = join(localStorageDir, bucket, node.address, 'sec1', 'meta');
    expect(readFileSync(join(meta, 'schema.cql'), 'utf8')).toContain(`CREATE TABLE ${keyspace}.rows`);
    // Tokens are JSON numbers beyond double precision: compare the text.
    const tokenmap = readFileSync(join(meta, 'tokenmap.json'), 'utf8').replace(/\s/g, '');
    expect(tokenmap).toBe(
      `{"${node.address}":{"tokens":[${cluster.initialToken(0)}],"is_up":true,"rack":"rack1","dc":"dc1"}}`,
    );
  });

  it('restore-node stops, restores and restarts the secured node: exactly the backed-up rows are back', async () => {
    await client.execute(`TRUNCATE ${keyspace}.rows`);
    await client.execute(`INSERT INTO ${keyspace}.rows (id, value) VALUES (1000, 'after')`);
    const restore = await agent(
      '--config-file',
      writeConfig('secured'),
      'restore-node',
      '--backup-name',
      'sec1',
    );
    expect(restore.stderr).not.toMatch(/^error/m);
    expect(restore.code).toBe(0);
    expectNoSecret(restore);
    await client.shutdown();
    await connect();
    expect(await ids()).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('a wrong CQL password fails the backup with exit 1, naming the login failure, not the password', async () => {
    const config = writeConfig('wrong-cql', { cql_password: 'wrong-Secret-9' });
    const run = await agent('--config-file', config, 'backup', '--backup-name', 'bad-cql');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^error: .*cannot connect to CQL at 127\.0\.0\.12:9042.*(credentials|password)/im,
    );
    expectNoSecret(run);
    expect((await agent('--config-file', config, 'list-backups')).stdout).not.toContain('bad-cql');
  });

  it('without a client certificate the TLS handshake is refused and the backup fails with exit 1', async () => {
    const config = writeConfig('no-client-cert', { usercert: '', userkey: '' });
    const run = await agent('--config-file', config, 'backup', '--backup-name', 'bad-tls');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: .*cannot connect to CQL at 127\.0\.0\.12:9042.*certificate/im);
  });

  it('a wrong JMX password fails the snapshot with exit 1 and the password stays out of the message', async () => {
    const config = writeConfig('wrong-jmx', {
      nodetool_password_file_path: '',
      nodetool_password: 'wrong-Secret-9',
    });
    const run = await agent('--config-file', config, 'backup', '--backup-name', 'bad-jmx');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: nodetool \w+: Invalid username or password$/m);
    expectNoSecret(run);
  });

  it('in Kubernetes mode the agent reaches Jolokia over HTTPS with the login and CA of medusa.ini', async () => {
    const ini = readFileSync(writeConfig('k8s'), 'utf8').replace(
      '[storage]',
      `nodetool_password = ${security().jmx.password}

[kubernetes]
enabled = True
cassandra_url = ${node.jolokiaUrl}
use_mgmt_api = False
ca_cert = ${security().caCert}

[storage]`,
    );
    const { config } = parseMedusaIni(ini);
    const control = cassandraControlFor(config, await readCassandraYaml(node.configFile));
    expect(control).toBeInstanceOf(JolokiaControl);
    const tag = `secured-${Date.now()}`;
    await control.takeSnapshot(tag, [keyspace]);
    expect(await control.listSnapshots()).toContain(tag);
    await control.clearSnapshot(tag);
    expect(await control.listSnapshots()).not.toContain(tag);
    expect((await control.nodeState()).nativeTransportRunning).toBe(true);

    const anonymous = new JolokiaControl({ url: node.jolokiaUrl, tls: { caCert: security().caCert } });
    await expect(anonymous.tokens()).rejects.toThrow(/HTTP 401/);
    const untrusted = new JolokiaControl({
      url: node.jolokiaUrl,
      username: security().jmx.username,
      password: security().jmx.password,
      tls: { caCert: createCa(join(workDir, 'other-ca'), 'another-ca').cert },
    });
    await expect(untrusted.tokens()).rejects.toThrow(/certificate/);
  });
});
