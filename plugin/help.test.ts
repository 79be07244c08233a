import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const forbid = join(root, 'test', 'support', 'forbid-kube-client.mjs');
const medusa = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', '--import', forbid, join(root, 'plugin', 'main.ts'), ...args], {
    env: { ...process.env, KUBECONFIG: '/nonexistent', NO_COLOR: '1' },
  });

// Each test starts Node processes: minutes, not the default 5 s, on a loaded 2-core machine.
describe('kubectl medusa start-up', { timeout: 60_000 }, () => {
  it('answers --help and subcommand help without loading the Kubernetes client', async () => {
    const { stdout } = await medusa('--help');
    for (const command of [
      'backup <datacenter>',
      'backups',
      'restore',
      'schedule',
      'status [datacenter]',
      'completion',
    ]) {
      expect(stdout).toContain(`kubectl medusa ${command}`);
    }
    expect(stdout).toMatch(/Exit codes: 0 success; 1 error/);
    expect((await medusa('backup', '--help')).stdout).toContain('--keyspaces');
    expect((await medusa('restore', '--help')).stdout.replace(/\s+/g, ' ')).toContain(
      '--no-staging: download while the datacenter is stopped, as k8ssandra-operator does',
    );
  });

  it('does load it for a command that talks to the cluster (so the check above can fail)', async () => {
    await expect(medusa('backups')).rejects.toMatchObject({
      stderr: expect.stringContaining('the Kubernetes client was loaded'),
    });
  });

  it('prints a bash completion script', async () => {
    const { stdout } = await medusa('completion');
    expect(stdout).toContain('complete -o bashdefault -o default -F');
    expect(stdout).toContain('--get-yargs-completions');
  });
});
