import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  NodetoolControl,
  nodetoolFailureMessage,
  parseDownNodes,
  parseInfoTokens,
  parseListSnapshots,
} from './nodetool.js';

describe('nodetool output', () => {
  it('lists distinct snapshot names from listsnapshots', () => {
    const output = `Snapshot Details: 
Snapshot name Keyspace name Column family name True size Size on disk Creation time            Expiration time
medusa-b1     shop          orders             0 bytes   10.57 KiB    2026-11-22T10:16:22.546Z
medusa-b1     shop          items              0 bytes   5.17 KiB     2026-11-22T10:16:22.546Z
smoke         system_schema tables             10.57 KiB 10.57 KiB    2026-11-22T10:16:22.546Z

Total TrueDiskSpaceUsed: 10.57 KiB

`;
    expect(parseListSnapshots(output)).toEqual(['medusa-b1', 'smoke']);
    expect(parseListSnapshots('Snapshot Details: \nThere are no snapshots\n')).toEqual([]);
  });

  it('reads every token of info -T', () => {
    expect(parseInfoTokens('ID : x\nToken                  : -9223372036854775808\nToken : 42\n')).toEqual([
      '-9223372036854775808',
      '42',
    ]);
  });

  it('builds the command line as Medusa does: JVM flags first, then ssl, credentials, host, port', () => {
    const control = new NodetoolControl({
      flags: '-Dcom.sun.jndi.rmiURLParsing=legacy  -Dx=y',
      ssl: true,
      username: 'jmx',
      passwordFile: '/etc/jmx.pw',
      host: '127.0.0.1',
      port: 7299,
    });
    expect(control.baseArguments()).toEqual([
      '-Dcom.sun.jndi.rmiURLParsing=legacy',
      '-Dx=y',
      '--ssl',
      '-u',
      'jmx',
      '-pwf',
      '/etc/jmx.pw',
      '-h',
      '127.0.0.1',
      '-p',
      '7299',
    ]);
    expect(new NodetoolControl({ flags: '' }).baseArguments()).toEqual([]);
  });

  it('keeps the JMX password out of error messages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodetool-'));
    const script = join(dir, 'nodetool');
    writeFileSync(script, '#!/bin/sh\necho "rejected: $@" >&2\nexit 1\n', { mode: 0o755 });
    const control = new NodetoolControl({
      executable: script,
      flags: '',
      username: 'jmx',
      password: 'hunter2',
    });
    const failure = control.listSnapshots();
    await expect(failure).rejects.toThrow('nodetool listsnapshots: rejected: -u jmx -pw *** listsnapshots');
    await expect(failure).rejects.not.toThrow('hunter2');
  });
});

describe('nodetool failures', () => {
  it('keep the message nodetool states and drop the stack trace under it', () => {
    const denied = [
      'error: Invalid username or password',
      '-- StackTrace --',
      'javax.security.auth.login.FailedLoginException: Invalid username or password',
      '\tat java.management/com.sun.jmx.remote.security.FileLoginModule.attemptAuthentication(FileLoginModule.java:460)',
      '\tat java.base/java.lang.Thread.run(Thread.java:840)',
    ].join('\n');
    expect(nodetoolFailureMessage(denied)).toBe('Invalid username or password');
    expect(
      nodetoolFailureMessage(
        "Requested creating snapshot(s) for [nosuchks]\nnodetool: Keyspace nosuchks does not exist\nSee 'nodetool help'.\n",
      ),
    ).toBe('Keyspace nosuchks does not exist');
  });

  it('fall back to the first lines that are not stack frames', () => {
    expect(
      nodetoolFailureMessage(
        'Exception in thread "main" java.lang.OutOfMemoryError\n\tat a.b(C.java:1)\n\t... 3 more\n',
      ),
    ).toBe('Exception in thread "main" java.lang.OutOfMemoryError');
  });
});

describe('nodetool status', () => {
  it('lists the nodes marked Down in every datacenter', () => {
    const status = [
      'Datacenter: dc1',
      '===============',
      'Status=Up/Down',
      '|/ State=Normal/Leaving/Joining/Moving',
      '--  Address     Load        Tokens  Owns    Host ID   Rack',
      'UN  127.0.0.13  120.1 KiB   1       50.0%   a1        rack1',
      'DN  127.0.0.14  118.4 KiB   1       50.0%   b2        rack1',
      'Datacenter: dc2',
      '===============',
      'DL  10.0.0.9    1 GiB       16      ?       c3        r1',
      'UJ  10.0.0.8    1 GiB       16      ?       d4        r1',
    ].join('\n');
    expect(parseDownNodes(status)).toEqual(['10.0.0.9', '127.0.0.14']);
  });
});
