// The command-line options several medusa-agent commands share (table filter, backup, restore and
// cluster options) and what they become: the arguments of the node and cluster operations.
import type { Argv } from 'yargs';
import { parseNodeConfigs } from './cluster-commands.js';
import type { NodeDirectory } from './cluster-nodes.js';
import type { NodeContext } from './context.js';
import { defaultBackupName, type BackupArgs } from './node-commands.js';
import { list, overridesOf, type GlobalArgs } from './run.js';

export function filterOptions<T>(y: Argv<T>) {
  return y
    .option('keyspace', { type: 'string', array: true, describe: 'Only this keyspace (repeatable)' })
    .option('table', { type: 'string', array: true, describe: 'Only this keyspace.table (repeatable)' })
    .option('exclude', {
      type: 'string',
      array: true,
      describe: 'Skip this keyspace or keyspace.table (repeatable)',
    });
}

export const filterOf = (argv: { keyspace?: string[]; table?: string[]; exclude?: string[] }) => ({
  include: [...list(argv.keyspace), ...list(argv.table)],
  exclude: list(argv.exclude),
});

export function backupOptions<T>(y: Argv<T>) {
  return filterOptions(
    y
      .option('backup-name', {
        type: 'string',
        describe: 'Backup name (default: local time as YYYYMMDDHHMM)',
      })
      .option('mode', { choices: ['full', 'differential'] as const, default: 'differential' as const })
      .option('keep-snapshot', {
        type: 'boolean',
        default: false,
        describe: 'Keep the Cassandra snapshot afterwards',
      })
      .option('enable-md5-checks', {
        type: 'boolean',
        default: false,
        describe: 'Compare hashes, not only sizes',
      }),
  );
}

/** `backup` only: backup-cluster's node step says the snapshot it took is this backup's. */
export const useExistingSnapshotOption = <T>(y: Argv<T>) =>
  y.option('use-existing-snapshot', {
    type: 'boolean',
    default: false,
    describe: 'Back up the snapshot medusa-<backup name> taken for this backup (by backup-cluster)',
  });

export const backupArgsOf = (argv: {
  'backup-name'?: string;
  mode: 'full' | 'differential';
  'keep-snapshot': boolean;
  'enable-md5-checks': boolean;
  'use-existing-snapshot'?: boolean;
  keyspace?: string[];
  table?: string[];
  exclude?: string[];
}): BackupArgs => ({
  backupName: argv['backup-name'] ?? defaultBackupName(),
  mode: argv.mode,
  filter: filterOf(argv),
  keepSnapshot: argv['keep-snapshot'],
  md5Checks: argv['enable-md5-checks'],
  useExistingSnapshot: argv['use-existing-snapshot'],
});

export function restoreOptions<T>(y: Argv<T>) {
  return filterOptions(
    y
      .option('backup-name', { type: 'string', demandOption: true })
      .option('keep-auth', {
        type: 'boolean',
        default: false,
        describe: 'Keep this cluster system_auth (remote only)',
      })
      .option('temp-dir', { type: 'string', describe: 'Staging directory (default: the data volume)' })
      .option('verify', { type: 'boolean', default: true, describe: 'Verify checksums of downloaded files' }),
  );
}

export const clusterOptions = <T>(y: Argv<T>) =>
  y
    .option('node-config', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: 'Reach this node through a medusa.ini readable here: <fqdn>=<path> (repeatable)',
    })
    .option('ssh-config', {
      type: 'string',
      describe: 'OpenSSH client config (ssh -F) for the nodes reached over SSH',
    })
    .option('remote-agent', {
      type: 'string',
      default: 'medusa-agent',
      describe: 'The agent command on nodes reached over SSH',
    })
    .option('remote-config', {
      type: 'string',
      describe: 'medusa.ini path on nodes reached over SSH (default: --config-file)',
    });

/** How the cluster commands reach the nodes (see cluster-nodes.ts). */
export function nodeDirectory(
  ctx: NodeContext,
  argv: GlobalArgs & {
    'node-config': string[];
    'ssh-config'?: string;
    'remote-agent': string;
    'remote-config'?: string;
  },
): NodeDirectory {
  return {
    self: ctx,
    configs: parseNodeConfigs(argv['node-config']),
    ssh: {
      ssh: ctx.config.ssh,
      configFile: argv['ssh-config'],
      remoteAgent: argv['remote-agent'],
      remoteConfig: argv['remote-config'] ?? argv['config-file'],
    },
    overrides: overridesOf(argv),
    log: ctx.log,
  };
}
