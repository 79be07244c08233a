import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCli, type CliIo } from './cli.js';

/** Runs the CLI in-process as main.ts does (a usage failure: exit 2 before any handler). */
async function cli(...args: string[]): Promise<{ code: number | undefined; out: string; err: string }> {
  let out = '';
  let err = '';
  let code: number | undefined;
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), exit: (c) => (code = c) };
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

function emptyBucket(): { config: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'agent-download-'));
  const config = join(dir, 'medusa.ini');
  writeFileSync(
    config,
    `[storage]\nstorage_provider = local\nbase_path = ${dir}\nbucket_name = b\nfqdn = n1\n`,
  );
  return { config, dir };
}

describe('download: Medusa flags and exit codes', () => {
  it('needs --backup-name and --download-destination (exit 2)', async () => {
    const { config } = emptyBucket();
    expect((await cli('--config-file', config, 'download', '--backup-name', 'b1')).code).toBe(2);
    expect((await cli('--config-file', config, 'download', '--download-destination', '/tmp')).code).toBe(2);
  });

  it('refuses a destination that is not a directory, then an unknown backup, exit 1 as Medusa', async () => {
    const { config, dir } = emptyBucket();
    const file = join(dir, 'medusa.ini');
    expect(
      await cli('--config-file', config, 'download', '--backup-name', 'b1', '--download-destination', file),
    ).toEqual({ code: 1, out: '', err: `error: ${file} is not a directory\n` });
    expect(
      await cli('--config-file', config, 'download', '--backup-name', 'b1', '--download-destination', dir),
    ).toEqual({ code: 1, out: '', err: 'error: No such backup\n' });
  });

  it('get-last-complete-cluster-backup on an empty bucket prints Medusa sentence, exit 0', async () => {
    const { config } = emptyBucket();
    expect(await cli('--config-file', config, 'get-last-complete-cluster-backup')).toEqual({
      code: 0,
      out: 'Could not find any full backup for the cluster\n',
      err: '',
    });
  });
});
