// `download` (medusa/download.py): this node's backup into a directory, laid out as Medusa lays it
// out: `<dir>/<keyspace>/<table dir>/<file>` (secondary index files in their `.<index>` folder),
// then `manifest.json`, `schema.cql` and `tokenmap.json` at the top. The files come through the
// restore's own download (planRestore + stageFiles): every object checked against its size and the
// checksum the backup recorded as it streams, refused before it lands when it does not match.
import { stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { humanizeBytes } from '../../lib/units.js';
import type { TableFilter } from '../backup/snapshot-files.js';
import { stageFiles } from '../restore/download.js';
import { planRestore, RestoreRefused, type RestoreNodeOptions } from '../restore/restore-node.js';
import { alwaysRestored } from '../restore/stored-backup.js';
import type { NodeContext } from './context.js';
import { CommandFailed } from './node-commands.js';

export interface DownloadArgs {
  backupName: string;
  destination: string;
  /** Medusa's --keyspace and --table values (`ks`, `ks.table`). */
  include: string[];
  /** Medusa's --ignore-system-keyspaces: with a selection, leave out the system keyspaces it adds. */
  ignoreSystemKeyspaces: boolean;
}

export interface DownloadResult {
  destination: string;
  files: number;
  bytes: number;
  downloaded: number;
}

/** The meta files Medusa downloads beside the data (download_data's last step). */
const metaFiles = ['manifest.json', 'schema.cql', 'tokenmap.json'] as const;

export async function runDownload(ctx: NodeContext, args: DownloadArgs): Promise<DownloadResult> {
  const destination = resolve(args.destination);
  if (!(await stat(destination).catch(() => undefined))?.isDirectory())
    throw new CommandFailed(`${args.destination} is not a directory`);
  const { store, layout } = ctx.catalog();
  const { backupName, include } = args;
  if (!(await store.head(layout.meta(ctx.fqdn, backupName, 'schema.cql'))))
    throw new CommandFailed('No such backup');
  const filter: TableFilter = { include };
  const options: RestoreNodeOptions = {
    backupName,
    fqdn: ctx.fqdn,
    prefix: ctx.prefix,
    store,
    // Only the staging folder is written: the destination itself, under its parent.
    dataDirectory: destination,
    commitlogDirectory: destination,
    inPlace: true,
    filter,
    stagingRoot: dirname(destination),
    stagingDir: destination,
    verifyChecksums: true,
    requireChecksums: ctx.config.checks.enableMd5Checks,
    multipartChunksize: ctx.config.storage.multipartChunksize,
    concurrency: ctx.config.storage.concurrentTransfers,
    logger: ctx.log,
  };
  try {
    const planned = await planRestore(options);
    // Medusa's filter_fqtns: a selection keeps the system keyspaces unless --ignore-system-keyspaces.
    const staged =
      include.length && args.ignoreSystemKeyspaces
        ? planned.staged.filter((s) => !alwaysRestored.has(s.section.keyspace))
        : planned.staged;
    const plan = { ...planned, staged, bytes: staged.reduce((sum, s) => sum + s.object.size, 0) };
    const downloaded = await stageFiles(options, plan, ctx.log);
    for (const file of metaFiles)
      await writeFile(
        join(destination, file),
        await store.readBytes(layout.meta(ctx.fqdn, backupName, file)),
      );
    return { destination, files: plan.staged.length, bytes: plan.bytes, downloaded };
  } catch (error) {
    if (error instanceof RestoreRefused) throw new CommandFailed(error.message);
    throw error;
  }
}

export const downloadSummary = (backupName: string, fqdn: string, result: DownloadResult) =>
  `Downloaded ${backupName} of ${fqdn} into ${result.destination}: ${result.files} files, ` +
  `${humanizeBytes(result.bytes)} (${result.downloaded} downloaded, the others already there and verified)`;
