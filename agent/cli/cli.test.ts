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
});
