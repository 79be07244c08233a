// The yargs command tree of `medusa-agent`: cassandra-medusa's commands and options for one node or a
// whole cluster, reading a medusa.ini-compatible file.
import yargs, { type Argv } from 'yargs';
import { CassandraYamlError } from '../cassandra/cassandra-yaml.js';
import type { ConfigOverrides } from '../config/environment.js';
import { ConfigError } from '../config/medusa-ini.js';
import { IniSyntaxError } from '../config/ini.js';
import { snapshotTag } from '../backup/stale-snapshots.js';
import {
  InvalidNameError,
  validateBackupName,
  validateExistingBackupName,
  validateFqdn,
} from '../../lib/storage/repository/names.js';
import { NoSuchBackupError } from '../purge/purge.js';
import { restoreFromEnvironment } from '../restore/k8s-restore.js';
import { parseNodeConfigs, runBackupCluster, runRestoreCluster } from './cluster-commands.js';
import type { NodeDirectory } from './cluster-nodes.js';
import { cliLogger, NodeContext } from './context.js';
import { buildIndex, fetchTokenmap, lastCompleteClusterBackup } from './index-commands.js';
import { retentionSummary, runDeleteBackup } from './retention-commands.js';
import {
  backupStatus,
  backupSummary,
  CommandFailed,
  defaultBackupName,
  listBackups,
  restoreSummary,
  runBackup,
  runPurge,
  runRestoreNode,
  runVerify,
  startCassandra,
  stopCassandra,
  type BackupArgs,
} from './node-commands.js';

/** Exit codes a script can rely on. */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  exit: (code: number) => void;
}

interface GlobalArgs {
  'config-file': string;
  'bucket-name'?: string;
  prefix?: string;
  fqdn?: string;
  'key-file'?: string;
  /** A string, so that 'abc' is refused here instead of becoming NaN (which would turn grace off). */
  'backup-grace-period-in-days'?: string;
  verbose: number;
  quiet: boolean;
}

/** A command-line value that is refused before anything runs (exit 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A whole number of days, 0 to 36500 (Medusa's int()); anything else is refused, never NaN. */
export function parseGraceDays(value: string, what: string): number {
  const text = value.trim();
  if (!/^\d+$/.test(text) || Number(text) > 36500)
    throw new UsageError(`${what}: '${value}' is not a whole number of days (0 to 36500)`);
  return Number(text);
}

function overridesOf(argv: GlobalArgs): ConfigOverrides {
  const grace = argv['backup-grace-period-in-days'];
  if (argv.fqdn !== undefined) validateFqdn(argv.fqdn);
  return {
    bucketName: argv['bucket-name'],
    prefix: argv.prefix,
    fqdn: argv.fqdn,
    keyFile: argv['key-file'],
    backupGracePeriodInDays:
      grace === undefined ? undefined : parseGraceDays(String(grace), '--backup-grace-period-in-days'),
  };
}

/** Backup names a command creates (or, with `validateExistingBackupName`, deletes), checked before anything else runs. */
const checkNames =
  (names: readonly string[] | string | undefined, rule: (name: string) => string = validateBackupName) =>
  () => {
    for (const name of typeof names === 'string' ? [names] : (names ?? [])) rule(name);
  };

/**
 * Checks the command line (`check`, then the global overrides), loads the node context, runs the
 * action, maps errors to one-line messages and exit codes.
 */
async function run(
  argv: GlobalArgs,
  io: CliIo,
  action: (ctx: NodeContext) => Promise<number | void>,
  check: () => void = () => undefined,
) {
  const log = cliLogger(argv.verbose, argv.quiet);
  let ctx: NodeContext | undefined;
  try {
    refuseNotYet(argv);
    check();
    const overrides = overridesOf(argv);
    ctx = await NodeContext.load(argv['config-file'], overrides, log);
    io.exit((await action(ctx)) ?? exitCodes.ok);
  } catch (error) {
    const usage =
      error instanceof ConfigError ||
      error instanceof IniSyntaxError ||
      error instanceof CassandraYamlError ||
      error instanceof UsageError ||
      error instanceof InvalidNameError;
    if (error instanceof NoSuchBackupError) {
      io.err(`error: ${error.message}\n`);
      io.exit(exitCodes.failed);
      return;
    }
    io.err(`error: ${(error as Error).message}\n`);
    if (!usage && !(error instanceof CommandFailed)) log.debug('failure', { stack: (error as Error).stack });
    io.exit(usage ? exitCodes.usage : exitCodes.failed);
  } finally {
    await ctx?.close();
  }
}

const list = (value: string[] | undefined) =>
  value
    ?.flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean) ?? [];

function filterOptions<T>(y: Argv<T>) {
  return y
    .option('keyspace', { type: 'string', array: true, describe: 'Only this keyspace (repeatable)' })
    .option('table', { type: 'string', array: true, describe: 'Only this keyspace.table (repeatable)' })
    .option('exclude', {
      type: 'string',
      array: true,
      describe: 'Skip this keyspace or keyspace.table (repeatable)',
    });
}

const filterOf = (argv: { keyspace?: string[]; table?: string[]; exclude?: string[] }) => ({
  include: [...list(argv.keyspace), ...list(argv.table)],
  exclude: list(argv.exclude),
});

function backupOptions<T>(y: Argv<T>) {
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
const useExistingSnapshotOption = <T>(y: Argv<T>) =>
  y.option('use-existing-snapshot', {
    type: 'boolean',
    default: false,
    describe: 'Back up the snapshot medusa-<backup name> taken for this backup (by backup-cluster)',
  });

const backupArgsOf = (argv: {
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

function restoreOptions<T>(y: Argv<T>) {
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

const clusterOptions = <T>(y: Argv<T>) =>
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
function nodeDirectory(
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

/** A node-level step of the cluster commands, run on the node by backup-cluster/restore-cluster. */
const nodeStep =
  (io: CliIo, step: (ctx: NodeContext) => Promise<void>, check?: () => void) => (argv: unknown) =>
    run(argv as GlobalArgs, io, step, check);

/** Takes or clears the snapshot of a backup on this node (`medusa-<backup name>`). */
const snapshotStep = (io: CliIo, backupName: string, outcome: 'taken' | 'cleared') =>
  nodeStep(
    io,
    async (ctx) => {
      const tag = snapshotTag(backupName);
      const control = await ctx.control();
      await (outcome === 'taken' ? control.takeSnapshot(tag) : control.clearSnapshot(tag));
      io.out(`Snapshot ${tag} ${outcome} on ${ctx.fqdn}\n`);
    },
    checkNames(backupName),
  );

/**
 * cassandra-medusa 0.31 options we do not implement yet (docs/agent.md, "Medusa 0.31 commands and
 * flags"): accepted by the parser only to be refused with one clear line and exit 2, never ignored.
 */
export const notYetOptions = ['use-sstableloader'] as const;

function refuseNotYet(argv: object): void {
  for (const option of notYetOptions)
    if ((argv as Record<string, unknown>)[option] !== undefined)
      throw new UsageError(`--${option} is not supported yet by medusa-agent (see docs/agent.md)`);
}

export function buildCli(args: string[], io: CliIo): Argv {
  return yargs(args)
    .scriptName('medusa-agent')
    .usage(
      '$0 <command> [options]\n\nBackup and restore of Cassandra nodes in cassandra-medusa bucket layout.',
    )
    .option('config-file', {
      type: 'string',
      default: '/etc/medusa/medusa.ini',
      describe: 'medusa.ini to read',
    })
    .option('bucket-name', { type: 'string' })
    .option('prefix', { type: 'string' })
    .option('fqdn', { type: 'string', describe: 'This node identity in storage (source node for restores)' })
    .option('key-file', { type: 'string' })
    .option('backup-grace-period-in-days', {
      type: 'string',
      describe: 'Days an orphaned file is kept (whole number)',
    })
    .option('use-sstableloader', { type: 'boolean', hidden: true })
    .option('verbose', { alias: 'v', type: 'count', describe: 'More logging' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Only warnings and errors' })
    .command(
      ['backup', 'backup-node'],
      'Back up this node',
      (y) => useExistingSnapshotOption(backupOptions(y)),
      (argv) =>
        run(
          argv as unknown as GlobalArgs,
          io,
          async (ctx) => {
            io.out(backupSummary(await runBackup(ctx, backupArgsOf(argv))) + '\n');
          },
          checkNames(argv['backup-name']),
        ),
    )
    .command(
      'backup-cluster',
      'Back up every node of the datacenter (nodes without --node-config over SSH)',
      (y) => clusterOptions(backupOptions(y)),
      (argv) =>
        run(
          argv as unknown as GlobalArgs,
          io,
          async (ctx) => {
            const directory = nodeDirectory(ctx, argv as unknown as Parameters<typeof nodeDirectory>[1]);
            for (const summary of await runBackupCluster(directory, backupArgsOf(argv))) {
              io.out(summary + '\n');
            }
          },
          checkNames(argv['backup-name']),
        ),
    )
    .command(
      'snapshot',
      'Take the snapshot of a backup on this node (the first step of backup-cluster)',
      (y) => y.option('backup-name', { type: 'string', demandOption: true }),
      (argv) => snapshotStep(io, argv['backup-name'], 'taken')(argv),
    )
    .command(
      'clear-snapshot',
      'Clear the snapshot of a backup on this node',
      (y) => y.option('backup-name', { type: 'string', demandOption: true }),
      (argv) => snapshotStep(io, argv['backup-name'], 'cleared')(argv),
    )
    .command(
      'stop-cassandra',
      'Stop Cassandra with stop_cmd and wait until CQL is closed',
      (y) => y,
      nodeStep(io, (ctx) => stopCassandra(ctx)),
    )
    .command(
      'start-cassandra',
      'Start Cassandra with start_cmd and wait for CQL',
      (y) => y,
      nodeStep(io, (ctx) => startCassandra(ctx)),
    )
    .command(
      'restore-node',
      'Restore this node (Cassandra is stopped with stop_cmd and started with start_cmd)',
      (y) =>
        restoreOptions(y)
          .option('in-place', {
            type: 'boolean',
            default: true,
            describe: '--no-in-place (or --remote): another cluster',
          })
          .option('remote', { type: 'boolean', default: false })
          .option('restore-key', { type: 'string', describe: 'Skip when this key was already restored' })
          .option('into-current-schema', {
            type: 'boolean',
            default: false,
            describe: 'Keep the node schema: restore table data into the current tables (ids mapped)',
          })
          .option('manage-cassandra', {
            type: 'boolean',
            default: true,
            describe: '--no-manage-cassandra: Cassandra is already stopped and is started by the caller',
          }),
      (argv) =>
        run(argv as unknown as GlobalArgs, io, async (ctx) => {
          const result = await runRestoreNode(ctx, {
            backupName: argv['backup-name'],
            inPlace: argv['in-place'] && !argv.remote,
            keepAuth: argv['keep-auth'],
            filter: filterOf(argv),
            tempDir: argv['temp-dir'],
            restoreKey: argv['restore-key'],
            verifyChecksums: argv.verify,
            manageCassandra: argv['manage-cassandra'],
            intoCurrentSchema: argv['into-current-schema'],
          });
          io.out(restoreSummary(argv['backup-name'], ctx.fqdn, result) + '\n');
        }),
    )
    .command(
      'restore-cluster',
      'Restore every node of a backup onto the target nodes (default: its own nodes, in place)',
      (y) =>
        clusterOptions(restoreOptions(y))
          .option('remote', { type: 'boolean', default: false })
          .option('node', {
            type: 'string',
            array: true,
            default: [] as string[],
            describe: 'A target node reached over SSH (repeatable; --node-config ones are targets too)',
          }),
      (argv) =>
        run(argv as unknown as GlobalArgs, io, async (ctx) => {
          const directory = nodeDirectory(ctx, argv as unknown as Parameters<typeof nodeDirectory>[1]);
          const targets = [...new Set([...directory.configs.keys(), ...list(argv.node)])];
          const { mapping, inPlace, summaries } = await runRestoreCluster(directory, targets, {
            backupName: argv['backup-name'],
            inPlace: true,
            forceRemote: argv.remote,
            keepAuth: argv['keep-auth'],
            filter: filterOf(argv),
            tempDir: argv['temp-dir'],
            verifyChecksums: argv.verify,
            manageCassandra: false,
          });
          io.out(`Restored ${argv['backup-name']} ${inPlace ? 'in place' : 'into another cluster'}:\n`);
          mapping.forEach(([source, target], i) => io.out(`  ${source} -> ${target}: ${summaries[i]}\n`));
        }),
    )
    .command(
      'list-backups',
      'List backups',
      (y) =>
        y
          .option('show-all', { type: 'boolean', default: false, describe: 'Also backups without this node' })
          .option('output', { alias: 'o', choices: ['text', 'json'] as const, default: 'text' as const }),
      (argv) =>
        run(argv as unknown as GlobalArgs, io, async (ctx) => {
          const text = await listBackups(ctx, argv['show-all'], argv.output);
          if (text) io.out(text + '\n');
        }),
    )
    .command(
      'status',
      'Show one backup',
      (y) =>
        y
          .option('backup-name', { type: 'string', demandOption: true })
          .option('output', { alias: 'o', choices: ['text', 'json'] as const, default: 'text' as const }),
      (argv) =>
        run(argv as unknown as GlobalArgs, io, async (ctx) => {
          const text = await backupStatus(ctx, argv['backup-name'], argv.output);
          io.out(text + '\n');
          return text === '{}' ? exitCodes.failed : exitCodes.ok;
        }),
    )
    .command(
      'get-last-complete-cluster-backup',
      'Print the name of the latest complete cluster backup',
      (y) => y,
      (argv) =>
        run(argv as unknown as GlobalArgs, io, async (ctx) => {
          io.out((await lastCompleteClusterBackup(ctx)) + '\n');
        }),
    )
    .command(
      'fetch-tokenmap',
      "Print a backup's tokenmap: each host, then its tokens",
      (y) => y.option('backup-name', { type: 'string', demandOption: true }),
      (argv) =>
        run(argv as unknown as GlobalArgs, io, async (ctx) => {
          io.out((await fetchTokenmap(ctx, argv['backup-name'])) + '\n');
        }),
    )
    .command(
      'build-index',
      "Rebuild the index from the node folders of the ring's nodes",
      (y) =>
        y.option('noop', {
          type: 'boolean',
          default: false,
          describe: 'Compute and print the index only. Do not upload',
        }),
      (argv) =>
        run(argv as unknown as GlobalArgs, io, async (ctx) => {
          const indexed = await buildIndex(ctx, argv.noop);
          for (const backup of indexed)
            io.out(`${argv.noop ? 'Would index' : 'Indexed'} ${backup.name} of ${backup.fqdn}\n`);
        }),
    )
    .command(
      'verify',
      'Check that every file of a backup is in storage with the right size (and hash)',
      (y) =>
        y
          .option('backup-name', { type: 'string', demandOption: true })
          .option('enable-md5-checks', { type: 'boolean', default: false }),
      (argv) =>
        run(argv as unknown as GlobalArgs, io, async (ctx) => {
          const result = await runVerify(ctx, argv['backup-name'], argv['enable-md5-checks']);
          io.out(`Validating ${result.backupName} ...\n`);
          for (const warning of result.warnings) io.out(`  warning: ${warning}\n`);
          for (const error of result.errors) io.out(`  - ${error}\n`);
          io.out(
            result.ok
              ? `- Completed: OK, ${result.objectsChecked} files checked\n`
              : `- Manifest validation failed: ${result.errors.length} problems\n`,
          );
          return result.ok ? exitCodes.ok : exitCodes.failed;
        }),
    )
    .command(
      'purge',
      'Delete this node backups beyond max_backup_age / max_backup_count (complete ones count), then orphaned files',
      (y) =>
        y.option('allow-no-complete-backup', {
          type: 'boolean',
          default: false,
          describe: 'Let the rules delete the last complete backup of this node (kept otherwise)',
        }),
      (argv) =>
        run(argv as unknown as GlobalArgs, io, async (ctx) => {
          const stats = await runPurge(ctx, argv['allow-no-complete-backup']);
          io.out(retentionSummary('Purged', stats) + '\n');
        }),
    )
    .command(
      'delete-backup',
      'Delete the given backup on the current node (or on all nodes), complete or not',
      (y) =>
        y
          .option('backup-name', {
            type: 'string',
            array: true,
            demandOption: true,
            describe: 'Backup name (repeat for multiple names)',
          })
          .option('all-nodes', {
            alias: 'a',
            type: 'boolean',
            default: false,
            describe: 'Delete backups on all nodes (default: current node only; -c, --current-node)',
          })
          .option('current-node', { alias: 'c', type: 'boolean', default: false, hidden: true }),
      (argv) =>
        run(
          argv as unknown as GlobalArgs,
          io,
          async (ctx) => {
            const stats = await runDeleteBackup(
              ctx,
              argv['backup-name'],
              argv['all-nodes'] && !argv['current-node'],
            );
            io.out(retentionSummary('Deleted', stats) + '\n');
          },
          checkNames(argv['backup-name'], validateExistingBackupName),
        ),
    )
    .command(
      'k8s-restore',
      'Init-container restore from BACKUP_NAME, RESTORE_KEY, RESTORE_MAPPING and POD_NAME (MEDUSA_MODE=RESTORE)',
      (y) => y,
      (argv) =>
        run(argv as unknown as GlobalArgs, io, async (ctx) => {
          const outcome = await restoreFromEnvironment(ctx, process.env, ctx.log);
          io.out(`${outcome.message}\n`);
        }),
    )
    .demandCommand(1, 'name a command')
    .strict()
    .help();
}
