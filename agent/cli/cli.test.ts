import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCli, type CliIo } from './cli.js';

/** Runs the CLI in-process and captures what a script would see. */
async function cli(...args: string[]): Promise<{ code: number | undefined; out: string; err: string }> {
  let out = '';
  let err = '';
  let code: number | undefined;
  const io: CliIo = {
    out: (text) => (out += text),
    err: (text) => (err += text),
    exit: (c) => (code = c),
  };
  // As in main.ts, a usage failure ends the run before any command handler starts (there: exit 2).
  try {
    await buildCli(['--quiet', ...args], io)
      .exitProcess(false)
      .fail((message) => {
        throw new Error(message);
      })
      .parseAsync();
  } catch (error) {
    err += (error as Error).message;
    code = 2;
  }
  return { code, out, err };
}

function configFile(storage: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-cli-'));
  const path = join(dir, 'medusa.ini');
  writeFileSync(path, `[storage]\n${storage}\n`);
  return path;
}

const localConfig = () =>
  configFile(
    `storage_provider = local\nbase_path = ${mkdtempSync(join(tmpdir(), 'agent-bucket-'))}\nbucket_name = b\nfqdn = n1`,
  );

describe('medusa-agent exit codes and messages', () => {
  it('exits 2 with the file name when the config cannot be read', async () => {
    const result = await cli('--config-file', '/nonexistent/medusa.ini', 'list-backups');
    expect(result).toEqual({
      code: 2,
      out: '',
      err: "error: cannot read config file /nonexistent/medusa.ini: ENOENT: no such file or directory, open '/nonexistent/medusa.ini'\n",
    });
  });

  it('exits 2 naming section and key for an invalid value', async () => {
    const path = configFile(
      'storage_provider = local\nbase_path = /tmp\nbucket_name = b\nconcurrent_transfers = four',
    );
    expect(await cli('--config-file', path, 'list-backups')).toMatchObject({
      code: 2,
      err: "error: [storage] concurrent_transfers: 'four' is not an integer\n",
    });
  });

  it('lists nothing from an empty bucket (exit 0) and fails status of an unknown backup (exit 1)', async () => {
    const path = localConfig();
    expect(await cli('--config-file', path, 'list-backups')).toEqual({ code: 0, out: '', err: '' });
    expect(await cli('--config-file', path, 'list-backups', '-o', 'json')).toMatchObject({
      code: 0,
      out: '[]\n',
    });
    expect(await cli('--config-file', path, 'status', '--backup-name', 'nope')).toEqual({
      code: 1,
      out: '',
      err: 'error: No such backup: nope\n',
    });
    expect(await cli('--config-file', path, 'status', '--backup-name', 'nope', '-o', 'json')).toMatchObject({
      code: 1,
      out: '{}\n',
    });
    expect(await cli('--config-file', path, 'verify', '--backup-name', 'nope')).toMatchObject({
      code: 1,
      out: expect.stringContaining('backup nope does not exist'),
    });
    expect(await cli('--config-file', path, 'purge')).toMatchObject({
      code: 0,
      out: 'Purged 0 backups, 0 objects, 0.00 B; 0 orphaned objects kept within the grace period\n',
    });
  });

  it('rejects unknown commands and options as usage errors', async () => {
    expect((await cli('--config-file', localConfig(), 'frobnicate')).code).toBe(2);
    expect((await cli('--config-file', localConfig(), 'backup', '--mode', 'incremental')).code).toBe(2);
    expect((await cli('--config-file', localConfig(), 'status')).code).toBe(2);
  });

  it('refuses bad names and numbers with one line and exit 2, before touching anything', async () => {
    const path = localConfig();
    // The wording of name errors belongs to lib/storage/repository/names.ts; here: one line, exit 2.
    const refused = async (args: string[], message: string | RegExp) => {
      const result = await cli('--config-file', path, ...args);
      expect(result, args.join(' ')).toMatchObject({ code: 2, out: '' });
      expect(result.err, args.join(' ')).toMatch(/^error: [^\n]+\n$/);
      if (typeof message === 'string') expect(result.err).toBe(`error: ${message}\n`);
      else expect(result.err).toMatch(message);
    };
    // Today: '.' exits 0 writing into <fqdn>/meta; 300 characters fail inside nodetool, exit 1.
    await refused(['backup', '--backup-name', '.'], /^error: backup name/);
    await refused(['backup', '--backup-name', 'x'.repeat(300)], /^error: backup name .*(300|200|long)/);
    await refused(
      ['backup-cluster', '--backup-name', 'a/b'],
      /^error: backup name 'a\/b'|^error: backup name "a\/b"/,
    );
    await refused(['delete-backup', '--backup-name', 'ok', '--backup-name', '..'], /^error: backup name/);
    await refused(['snapshot', '--backup-name', 'bad name'], /^error: backup name/);
    await refused(['--fqdn', '../x', 'purge'], /^error: fqdn/);
    // Today: 'abc' became NaN and purge deleted a fresh orphan the 10-day grace would keep.
    await refused(
      ['--backup-grace-period-in-days', 'abc', 'purge'],
      "--backup-grace-period-in-days: 'abc' is not a whole number of days (0 to 36500)",
    );
    await refused(
      ['--backup-grace-period-in-days', '-1', 'purge'],
      "--backup-grace-period-in-days: '-1' is not a whole number of days (0 to 36500)",
    );
  });

  it('refuses absurd and negative medusa.ini numbers with one line and exit 2', async () => {
    const base = `storage_provider = local\nbase_path = /tmp\nbucket_name = b\nfqdn = n1\n`;
    const cases: [string, string][] = [
      [
        'concurrent_transfers = 99999999999',
        "[storage] concurrent_transfers: '99999999999' is out of range (1 to 512)",
      ],
      ['max_backup_count = -3', "[storage] max_backup_count: '-3' is out of range (0 to 1000000)"],
      ['max_backup_age = -1', "[storage] max_backup_age: '-1' is out of range (0 to 36500)"],
      [
        'backup_grace_period_in_days = -2',
        "[storage] backup_grace_period_in_days: '-2' is out of range (0 to 36500)",
      ],
      ['backup_grace_period_in_days = abc', "[storage] backup_grace_period_in_days: 'abc' is not an integer"],
      ['port = 70000', "[storage] port: '70000' is out of range (1 to 65535)"],
      ['multipart_chunksize = 6GB', "[storage] multipart_chunksize: '6GB' is out of range (1 to 5368709120)"],
      ['concurrent_transfers = 0', "[storage] concurrent_transfers: '0' is out of range (1 to 512)"],
    ];
    for (const [line, message] of cases) {
      expect(await cli('--config-file', configFile(base + line), 'list-backups'), line).toEqual({
        code: 2,
        out: '',
        err: `error: ${message}\n`,
      });
    }
  });

  it('delete-backup of a backup that does not exist exits 1, as Medusa does', async () => {
    expect(await cli('--config-file', localConfig(), 'delete-backup', '--backup-name', 'nope')).toEqual({
      code: 1,
      out: '',
      err: 'error: The backup nope does not exist\n',
    });
  });
});
