// What every medusa-agent command shares: global options, the exit codes, and `run`, which checks
// the command line, loads the node context, runs the action and maps errors to one line and a code.
import { CassandraYamlError } from '../cassandra/cassandra-yaml.js';
import type { ConfigOverrides } from '../config/environment.js';
import { ConfigError } from '../config/medusa-ini.js';
import { IniSyntaxError } from '../config/ini.js';
import { InvalidNameError, validateBackupName, validateFqdn } from '../../lib/storage/repository/names.js';
import { NoSuchBackupError } from '../purge/purge.js';
import { cliLogger, NodeContext } from './context.js';
import { CommandFailed } from './node-commands.js';

/** Exit codes a script can rely on. */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  exit: (code: number) => void;
}

export interface GlobalArgs {
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

export function overridesOf(argv: GlobalArgs): ConfigOverrides {
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
export const checkNames =
  (names: readonly string[] | string | undefined, rule: (name: string) => string = validateBackupName) =>
  () => {
    for (const name of typeof names === 'string' ? [names] : (names ?? [])) rule(name);
  };

/**
 * Checks the command line (`check`, then the global overrides), loads the node context, runs the
 * action, maps errors to one-line messages and exit codes.
 */
export async function run(
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

export const list = (value: string[] | undefined) =>
  value
    ?.flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean) ?? [];

/**
 * cassandra-medusa 0.31 options we do not implement yet (docs/agent.md, "Medusa 0.31 commands and
 * flags"): accepted by the parser only to be refused with one clear line and exit 2, never ignored.
 */
export const notYetOptions = ['use-sstableloader'] as const;

export function refuseNotYet(argv: object): void {
  for (const option of notYetOptions)
    if ((argv as Record<string, unknown>)[option] !== undefined)
      throw new UsageError(`--${option} is not supported yet by medusa-agent (see docs/agent.md)`);
}
