// The yargs command tree of `medusa-agent`: cassandra-medusa's commands and options for one node or a
// whole cluster, reading a medusa.ini-compatible file.
import yargs, { type Argv } from 'yargs';
import { snapshotTag } from '../backup/stale-snapshots.js';
import { validateExistingBackupName } from '../../lib/storage/repository/names.js';
import { restoreFromEnvironment } from '../restore/k8s-restore.js';
import { runBackupCluster, runRestoreCluster } from './cluster-commands.js';
import type { NodeContext } from './context.js';
import {
  clusterBackupMetrics,
  clusterRestoreMetrics,
  deleteMetrics,
  nodeBackupMetrics,
  purgeMetrics,
  withMetrics,
} from './command-metrics.js';
import { medusaCommands } from './medusa-commands.js';
import { retentionSummary, runDeleteBackup } from './retention-commands.js';
import {
  backupStatus,
  backupSummary,
  listBackups,
  restoreSummary,
  runBackup,
  runPurge,
  runRestoreNode,
  runVerify,
  startCassandra,
  stopCassandra,
} from './node-commands.js';
import {
  backupArgsOf,
  backupOptions,
  clusterOptions,
  filterOf,
  nodeDirectory,
  restoreOptions,
  useExistingSnapshotOption,
} from './options.js';
import { checkNames, exitCodes, list, run, type CliIo, type GlobalArgs } from './run.js';

export { exitCodes, notYetOptions, parseGraceDays, UsageError, type CliIo } from './run.js';

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

export function buildCli(args: string[], io: CliIo): Argv {
  const tree = yargs(args)
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
            const args = backupArgsOf(argv);
            const result = await withMetrics(ctx, nodeBackupMetrics(args.backupName), () =>
              runBackup(ctx, args),
            );
            io.out(backupSummary(result) + '\n');
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
            const args = backupArgsOf(argv);
            const summaries = await withMetrics(ctx, clusterBackupMetrics(args.backupName), () =>
              runBackupCluster(directory, args),
            );
            for (const summary of summaries) {
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
          const { mapping, inPlace, summaries } = await withMetrics(
            ctx,
            clusterRestoreMetrics(argv['backup-name']),
            () =>
              runRestoreCluster(directory, targets, {
                backupName: argv['backup-name'],
                inPlace: true,
                forceRemote: argv.remote,
                keepAuth: argv['keep-auth'],
                filter: filterOf(argv),
                tempDir: argv['temp-dir'],
                verifyChecksums: argv.verify,
                manageCassandra: false,
              }),
          );
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
          const stats = await withMetrics(ctx, purgeMetrics, () =>
            runPurge(ctx, argv['allow-no-complete-backup']),
          );
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
            const stats = await withMetrics(ctx, deleteMetrics, () =>
              runDeleteBackup(ctx, argv['backup-name'], argv['all-nodes'] && !argv['current-node']),
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
    );
  return medusaCommands(tree, io).demandCommand(1, 'name a command').strict().help();
}
