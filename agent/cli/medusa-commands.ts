// cassandra-medusa's read, index and report commands in the `medusa-agent` tree:
// get-last-complete-cluster-backup, fetch-tokenmap, build-index, report-last-backup and download,
// each with Medusa 0.31's name, flags and output.
import type { Argv } from 'yargs';
import { downloadSummary, runDownload } from './download-command.js';
import { buildIndex, fetchTokenmap, lastCompleteClusterBackup } from './index-commands.js';
import { monitoringOf } from './monitoring.js';
import { reportLastBackup } from './report-last-backup.js';
import { list, run, type CliIo, type GlobalArgs } from './run.js';

export function medusaCommands<T>(tree: Argv<T>, io: CliIo): Argv<T> {
  return tree
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
      'report-last-backup',
      'Print how long ago the last node and cluster backups finished (and push it as metrics)',
      (y) =>
        y.option('push-metrics', {
          type: 'boolean',
          default: false,
          describe: 'Also send the figures to [monitoring] monitoring_provider (None or local)',
        }),
      (argv) =>
        run(argv as unknown as GlobalArgs, io, async (ctx) => {
          // The provider is checked before anything is read: an unsupported one exits 2.
          const monitoring = monitoringOf(ctx.config.monitoring);
          await reportLastBackup(ctx, {
            pushMetrics: argv['push-metrics'],
            monitoring,
            say: (line) => io.out(`${line}\n`),
          });
        }),
    )
    .command(
      'download',
      "Download this node's backup into a directory, as Medusa lays it out, every file verified",
      (y) =>
        y
          .option('backup-name', { type: 'string', demandOption: true })
          .option('download-destination', {
            type: 'string',
            demandOption: true,
            describe: 'An existing directory',
          })
          .option('keyspace', { type: 'string', array: true, describe: 'Only this keyspace (repeatable)' })
          .option('table', { type: 'string', array: true, describe: 'Only this keyspace.table (repeatable)' })
          .option('ignore-system-keyspaces', {
            type: 'boolean',
            default: false,
            describe: 'With --keyspace/--table, leave out the system keyspaces added to them',
          }),
      (argv) =>
        run(argv as unknown as GlobalArgs, io, async (ctx) => {
          const result = await runDownload(ctx, {
            backupName: argv['backup-name'],
            destination: argv['download-destination'],
            include: [...list(argv.keyspace), ...list(argv.table)],
            ignoreSystemKeyspaces: argv['ignore-system-keyspaces'],
          });
          io.out(downloadSummary(argv['backup-name'], ctx.fqdn, result) + '\n');
        }),
    );
}
