import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCli, type CliIo } from './cli.js';
import { metered, nodeBackupMetrics, purgeMetrics } from './command-metrics.js';
import { localMetricLine, monitoringOf } from './monitoring.js';
import { humanReadableSize } from './report-last-backup.js';

const section = (monitoringProvider: string) => ({ monitoringProvider, sendBackupNameTag: false });

describe('[monitoring] monitoring_provider', () => {
  it("writes Medusa's metrics.json lines: json.dumps separators, ints, floats with .0, ASCII only", () => {
    expect(localMetricLine(0, ['medusa-node-backup', 'seconds-since-backup', 'b1'], 12)).toBe(
      '{"seq": 0, "tags": ["medusa-node-backup", "seconds-since-backup", "b1"], "value": 12}',
    );
    expect(localMetricLine(3, ['a', 'backup-duration', 'b'], 7, true)).toBe(
      '{"seq": 3, "tags": ["a", "backup-duration", "b"], "value": 7.0}',
    );
    expect(localMetricLine(1, ['a', 'b', 'é"'], 2.5, true)).toBe(
      '{"seq": 1, "tags": ["a", "b", "\\u00e9\\""], "value": 2.5}',
    );
  });

  it('local appends to metrics.json in the working directory, numbering from 0 per run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-metrics-'));
    writeFileSync(join(dir, 'metrics.json'), 'earlier\n');
    const monitoring = monitoringOf(section('local'), dir);
    await monitoring.send(['x', 'y', 'z'], 1);
    await monitoring.send(['x', 'y', 'z'], 2);
    expect(readFileSync(join(dir, 'metrics.json'), 'utf8')).toBe(
      'earlier\n{"seq": 0, "tags": ["x", "y", "z"], "value": 1}\n{"seq": 1, "tags": ["x", "y", "z"], "value": 2}\n',
    );
    expect(monitoringOf(section('None'), dir).provider).toBe('None');
  });

  it('refuses dog-statsd and unknown providers instead of dropping the metrics', () => {
    for (const provider of ['dog-statsd', 'prometheus', 'none'])
      expect(() => monitoringOf(section(provider))).toThrow(
        `[monitoring] monitoring_provider: '${provider}' is not supported by medusa-agent (supported: None, local; see docs/agent.md)`,
      );
  });

  it('report-last-backup with an unsupported provider exits 2 with one line, before reading storage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-cli-'));
    const path = join(dir, 'medusa.ini');
    writeFileSync(
      path,
      `[storage]\nstorage_provider = local\nbase_path = ${dir}\nbucket_name = b\nfqdn = n1\n[monitoring]\nmonitoring_provider = dog-statsd\n`,
    );
    let out = '';
    let err = '';
    let code: number | undefined;
    const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), exit: (c) => (code = c) };
    await buildCli(['--quiet', '--config-file', path, 'report-last-backup', '--push-metrics'], io)
      .exitProcess(false)
      .parseAsync();
    expect({ code, out, err }).toEqual({
      code: 2,
      out: '',
      err: "error: [monitoring] monitoring_provider: 'dog-statsd' is not supported by medusa-agent (supported: None, local; see docs/agent.md)\n",
    });
  });

  it("prints sizes as Medusa's human_readable_size", () => {
    expect(humanReadableSize(0)).toBe('0.00 B');
    expect(humanReadableSize(1023)).toBe('1023.00 B');
    expect(humanReadableSize(1536)).toBe('1.50 KiB');
    expect(humanReadableSize(5 * 1024 ** 3)).toBe('5.00 GiB');
  });

  it("sends a command's figures then its error flag 0, or only the flag 1 when it fails, as Medusa", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-metrics-'));
    const monitoring = monitoringOf(section('local'), dir);
    await metered(monitoring, nodeBackupMetrics('b1'), async () => ({ bytes: 2048, durationMs: 3000 }));
    await expect(
      metered(monitoring, purgeMetrics, () => Promise.reject(new Error('storage down'))),
    ).rejects.toThrow('storage down');
    expect(readFileSync(join(dir, 'metrics.json'), 'utf8').split('\n')).toEqual([
      '{"seq": 0, "tags": ["medusa-node-backup", "backup-duration", "b1"], "value": 3.0}',
      '{"seq": 1, "tags": ["medusa-node-backup", "backup-size", "b1"], "value": 2048}',
      '{"seq": 2, "tags": ["medusa-node-backup", "backup-error", "b1"], "value": 0}',
      '{"seq": 3, "tags": ["medusa-node-backup", "purge-error", "PURGE-ERROR"], "value": 1}',
      '',
    ]);
  });
});
