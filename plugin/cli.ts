// The yargs command tree of `kubectl medusa`. Handlers load their modules on demand, so --help and
// completion never load the Kubernetes client.
import yargs, { type Argv } from 'yargs';
import type {
  BackupArgs,
  GlobalArgs,
  NameArgs,
  RestoreArgs,
  ScheduleCreateArgs,
  StatusArgs,
  TaskArgs,
} from './args.js';
import { exitCodes } from './errors.js';
import { run } from './run.js';

const list = (value: string[] | undefined) =>
  value
    ?.flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

function waitOptions<T>(y: Argv<T>) {
  return y
    .option('wait', {
      type: 'boolean',
      default: false,
      describe: 'Wait until it finishes, showing per-node progress',
    })
    .option('timeout', { type: 'string', describe: 'With --wait: give up after this long (30s, 10m, 2h)' })
    .option('dry-run', {
      type: 'boolean',
      default: false,
      describe: 'Print the object instead of creating it',
    });
}

function filterOptions<T>(
  y: Argv<T>,
  describe = {
    keyspaces: 'Only these keyspaces or keyspace.table (comma-separated or repeated)',
    exclude: 'Skip these keyspaces or keyspace.table',
  },
) {
  return y
    .option('keyspaces', { type: 'string', array: true, describe: describe.keyspaces, coerce: list })
    .option('exclude', { type: 'string', array: true, describe: describe.exclude, coerce: list });
}

const restoreFilterHelp = {
  keyspaces:
    'Restore only these keyspaces or keyspace.table (comma-separated or repeated), with the system keyspaces as Medusa does; every other table keeps its data',
  exclude: 'Leave these keyspaces or keyspace.table as they are (system keyspaces are always restored)',
};

/** sync|purge <datacenter>: tasks that name the datacenter they run on. */
const datacenterTaskOptions = <T>(y: Argv<T>) =>
  waitOptions(
    y.positional('datacenter', { type: 'string', demandOption: true }).option('name', { type: 'string' }),
  );

/** Creates a MedusaTask of `operation` (sync, purge, verify) from the command's arguments. */
const runTask = (argv: TaskArgs, operation: TaskArgs['operation']) =>
  run(argv, async (io) => (await import('./commands/tasks.js')).createTask({ ...argv, operation }, io));

const nameArg = <T>(y: Argv<T>) => y.positional('name', { type: 'string', demandOption: true });

/** list (default), get <name>, describe <name> for a kind of object. */
function readCommands<T>(y: Argv<T>, module: string, noun: string) {
  return y
    .command(
      ['list', '$0'],
      `List ${noun}s`,
      (l) =>
        l.option('watch', {
          alias: 'w',
          type: 'boolean',
          default: false,
          describe: 'After listing, print changes until Ctrl-C',
        }),
      (argv) => run(argv as GlobalArgs, async (io) => (await import(module)).list(argv, io)),
    )
    .command(`get <name>`, `Show one ${noun} as a table row (or -o yaml|json)`, {}, (argv) =>
      run(argv as GlobalArgs, async (io) => (await import(module)).get(argv, io)),
    )
    .command(`describe <name>`, `Show everything about one ${noun}`, {}, (argv) =>
      run(argv as GlobalArgs, async (io) => (await import(module)).describe(argv, io)),
    );
}

export function buildCli(argv: string[]) {
  return yargs(argv)
    .scriptName('kubectl medusa')
    .usage('kubectl medusa <command> [options]\n\nBackup and restore Apache Cassandra on Kubernetes.')
    .strict()
    .recommendCommands()
    .showHelpOnFail(false, 'run with --help for usage')
    .env('KUBECTL_MEDUSA')
    .option('namespace', {
      alias: 'n',
      type: 'string',
      describe: "Namespace (default: the context's)",
      global: true,
    })
    .option('all-namespaces', {
      alias: 'A',
      type: 'boolean',
      describe: 'List across all namespaces',
      global: true,
    })
    .option('context', { type: 'string', describe: 'Kubeconfig context to use', global: true })
    .option('kubeconfig', { type: 'string', describe: 'Path to the kubeconfig file', global: true })
    .option('output', {
      alias: 'o',
      choices: ['table', 'wide', 'json', 'yaml', 'name'] as const,
      describe: 'Output format',
      global: true,
    })
    .option('headers', {
      type: 'boolean',
      default: true,
      describe: 'Print table headers (--no-headers to omit)',
      global: true,
    })
    .option('color', {
      choices: ['auto', 'always', 'never'] as const,
      default: 'auto' as const,
      global: true,
    })
    .option('debug', {
      type: 'boolean',
      default: false,
      describe: 'Show stack traces of errors',
      global: true,
    })
    .group(
      ['namespace', 'all-namespaces', 'context', 'kubeconfig', 'output', 'headers', 'color', 'debug'],
      'Global options:',
    )
    .command<BackupArgs>(
      'backup <datacenter>',
      'Back up every node of a datacenter now (creates a MedusaBackupJob)',
      (y) =>
        filterOptions(
          waitOptions(
            y
              .positional('datacenter', {
                type: 'string',
                demandOption: true,
                describe: 'CassandraDatacenter or bound StatefulSet',
              })
              .option('name', { type: 'string', describe: 'Backup name (default: <datacenter>-<UTC time>)' })
              .option('type', {
                choices: ['full', 'differential'] as const,
                default: 'differential' as const,
              })
              .option('plan', {
                type: 'boolean',
                describe:
                  'Upload nothing: show per node what the backup would upload after reuse, the disk it needs and whether storage is writable (spec.dryRun)',
              }),
          ),
        )
          .example('kubectl medusa backup dc1 --type full --wait', 'full backup of dc1, with progress')
          .example('kubectl medusa backup dc1 --plan', 'what a backup of dc1 would upload, as a table'),
      (argv) => run(argv, async (io) => (await import('./commands/backup.js')).createBackup(argv, io)),
    )
    .command('backups', 'List, get and describe backups (MedusaBackups)', (y) =>
      readCommands(y, './commands/backups.js', 'backup'),
    )
    .command<RestoreArgs>(
      'restore',
      'Restore a backup into a datacenter (creates a MedusaRestoreJob)',
      (y) =>
        filterOptions(
          waitOptions(
            y
              .option('backup', {
                type: 'string',
                demandOption: true,
                describe: 'The MedusaBackup to restore',
              })
              .option('dc', { type: 'string', describe: "Target datacenter (default: the backup's)" })
              .option('name', {
                type: 'string',
                describe: 'Restore job name (default: restore-<backup>-<time>)',
              })
              .option('staging', {
                type: 'boolean',
                default: true,
                describe:
                  'Stage and verify the backup on every node while Cassandra runs, then stop the datacenter only to move the files into place. --no-staging: download while the datacenter is stopped, as k8ssandra-operator does (the downtime then grows with the size of the backup)',
              }),
          ),
          restoreFilterHelp,
        )
          .example('kubectl medusa restore --backup dc1-20261122t101500 --wait', 'restore in place')
          .example(
            'kubectl medusa restore --backup dc1-20261122t101500 --keyspaces shop --wait',
            'restore keyspace shop only',
          )
          .example(
            'kubectl medusa restore --backup dc1-20261122t101500 --no-staging --wait',
            'download while the datacenter is stopped (no staging)',
          ),
      (argv) => run(argv, async (io) => (await import('./commands/restore.js')).createRestore(argv, io)),
    )
    .command('restores', 'List, get and describe restores (MedusaRestoreJobs)', (y) =>
      readCommands(y, './commands/restores.js', 'restore'),
    )
    .command('schedule', 'Create and manage backup schedules (MedusaBackupSchedules)', (y) =>
      readCommands(y, './commands/schedules.js', 'schedule')
        .command<ScheduleCreateArgs>(
          'create <name>',
          'Create a schedule',
          (c) =>
            c
              .positional('name', { type: 'string', demandOption: true })
              .option('dc', { type: 'string', demandOption: true, describe: 'Datacenter to back up' })
              .option('cron', {
                type: 'string',
                demandOption: true,
                describe: 'Cron expression, e.g. "0 2 * * *"',
              })
              .option('type', {
                choices: ['full', 'differential'] as const,
                default: 'differential' as const,
              })
              .option('timezone', {
                type: 'string',
                describe: 'IANA time zone of the cron expression (default UTC)',
              })
              .option('concurrency-policy', { choices: ['Allow', 'Forbid', 'Replace'] as const })
              .option('operation', { choices: ['backup', 'purge'] as const, default: 'backup' as const })
              .option('suspend', { type: 'boolean', default: false, describe: 'Create it disabled' })
              .option('dry-run', {
                type: 'boolean',
                default: false,
                describe: 'Print the object instead of creating it',
              }),
          (argv) => run(argv, async (io) => (await import('./commands/schedules.js')).create(argv, io)),
        )
        .command<NameArgs>('suspend <name>', 'Stop a schedule from starting backups', nameArg, (argv) =>
          run(argv, async (io) => (await import('./commands/schedules.js')).setDisabled(argv, io, true)),
        )
        .command<NameArgs>('resume <name>', 'Let a suspended schedule start backups again', nameArg, (argv) =>
          run(argv, async (io) => (await import('./commands/schedules.js')).setDisabled(argv, io, false)),
        )
        .command<NameArgs>('delete <name>', 'Delete a schedule (its backups stay)', nameArg, (argv) =>
          run(argv, async (io) => (await import('./commands/schedules.js')).remove(argv, io)),
        ),
    )
    .command<TaskArgs>(
      'sync <datacenter>',
      'Make MedusaBackup objects match the backups in storage',
      datacenterTaskOptions,
      (argv) => runTask(argv, 'sync'),
    )
    .command<TaskArgs>(
      'purge <datacenter>',
      'Delete backups past their retention (maxBackupAge, maxBackupCount)',
      datacenterTaskOptions,
      (argv) => runTask(argv, 'purge'),
    )
    .command<TaskArgs & { backup: string }>(
      'verify <backup>',
      'Check that every file of a backup is in storage, with the right size and checksum',
      (y) =>
        waitOptions(
          y.positional('backup', { type: 'string', demandOption: true }).option('name', { type: 'string' }),
        ),
      (argv) => runTask({ ...argv, datacenter: '' }, 'verify'),
    )
    .command('tasks', 'List, get and describe tasks (MedusaTasks: sync, purge, verify)', (y) =>
      readCommands(y, './commands/tasks.js', 'task'),
    )
    .command<StatusArgs>(
      'status [datacenter]',
      'Backup health of the datacenters: agents, last good backup, schedules, running jobs',
      (y) => y.positional('datacenter', { type: 'string' }),
      (argv) => run(argv, async (io) => (await import('./commands/status.js')).status(argv, io)),
    )
    .completion(
      'completion',
      'Print a shell completion script (bash, zsh): source <(kubectl medusa completion)',
    )
    .demandCommand(1, 'name a command')
    .epilogue(
      `Exit codes: ${exitCodes.ok} success; ${exitCodes.failed} error or the waited-on operation failed; ` +
        `${exitCodes.usage} usage error; ${exitCodes.timeout} --timeout expired (the operation goes on).`,
    )
    .help()
    .alias('help', 'h')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100));
}
