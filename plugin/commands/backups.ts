// kubectl medusa backups [list|get|describe]: MedusaBackup objects.
import { tokenText } from '../../lib/json64.js';
import { formatAge } from '../../lib/units.js';
import { colorStatus, type Io } from '../io.js';
import type { TableSpec } from '../printers/output.js';
import { renderFields, renderTable } from '../printers/table.js';
import { getResource, type MedusaResource } from '../resources.js';
import { renderProgress } from '../wait.js';
import { observeJob } from './backup.js';
import { ageOf, whenOf, str } from './common.js';
import { indented, readCommands } from './read-commands.js';

interface BackupNode {
  host?: string;
  tokens?: (number | bigint | string)[];
  datacenter?: string;
  rack?: string;
}

function duration(item: MedusaResource): string {
  const s = item.status ?? {};
  if (!s.startTime || !s.finishTime) return '-';
  return formatAge(new Date(s.finishTime as string).getTime() - new Date(s.startTime as string).getTime());
}

const table = (io: Io): TableSpec<MedusaResource> => ({
  headers: ['name', 'datacenter', 'type', 'status', 'nodes', 'files', 'size', 'age'],
  row: (b) => [
    b.metadata.name,
    str(b.spec?.cassandraDatacenter),
    str(b.spec?.backupType),
    colorStatus(io, str(b.status?.status)),
    b.status?.totalNodes !== undefined
      ? `${str(b.status?.finishedNodes ?? 0)}/${str(b.status?.totalNodes)}`
      : '-',
    str(b.status?.totalFiles),
    str(b.status?.totalSize),
    ageOf(b.status?.startTime ?? b.metadata.creationTimestamp),
  ],
  wideHeaders: ['started', 'finished', 'duration'],
  wideRow: (b) => [str(b.status?.startTime), str(b.status?.finishTime), duration(b)],
});

const tokensText = (tokens: BackupNode['tokens']) => {
  const list = (tokens ?? []).map(tokenText);
  return list.length <= 3
    ? list.join(', ') || '-'
    : `${list.slice(0, 3).join(', ')} (+${list.length - 3} more)`;
};

export const { list, get, describe } = readCommands({
  plural: 'medusabackups',
  table,
  empty: (ns) =>
    `No backups found${ns ? ` in namespace ${ns}` : ''}. Take one with: kubectl medusa backup <datacenter>`,
  // Newest first, as users look for the latest backup.
  sort: (a, b) =>
    String(b.status?.startTime ?? b.metadata.creationTimestamp ?? '').localeCompare(
      String(a.status?.startTime ?? a.metadata.creationTimestamp ?? ''),
    ),
  async describe(io, backup, kube) {
    const s = backup.status ?? {};
    const nodes = (s.nodes as BackupNode[] | undefined) ?? [];
    const lines = [
      renderFields([
        ['Name', backup.metadata.name],
        ['Namespace', str(backup.metadata.namespace)],
        ['Datacenter', str(backup.spec?.cassandraDatacenter)],
        ['Type', str(backup.spec?.backupType)],
        ['Status', colorStatus(io, str(s.status))],
        ['Started', whenOf(s.startTime)],
        ['Finished', whenOf(s.finishTime)],
        ['Duration', duration(backup)],
        [
          'Nodes',
          s.totalNodes !== undefined ? `${str(s.finishedNodes ?? 0)} of ${str(s.totalNodes)} finished` : '-',
        ],
        ['Files', str(s.totalFiles)],
        ['Size', str(s.totalSize)],
      ]),
      '',
      'Nodes:',
      nodes.length
        ? indented(
            renderTable(
              ['host', 'datacenter', 'rack', 'tokens'],
              nodes.map((n) => [str(n.host), str(n.datacenter), str(n.rack), tokensText(n.tokens)]),
            ),
          )
        : '  <none>',
    ];
    // The job of the same name carries per-node progress and failures.
    const job = await getResource(kube, 'medusabackupjobs', backup.metadata.name).catch(() => undefined);
    if (job) {
      const seen = observeJob(job);
      if (seen.nodes.length) lines.push('', 'Job progress:', indented(renderProgress(io, seen.nodes)));
      if (seen.message) lines.push('', io.color.red(`Error: ${seen.message}`));
    }
    const conditions =
      (s.conditions as { type: string; status: string; reason: string; message: string }[]) ?? [];
    if (conditions.length) {
      lines.push(
        '',
        'Conditions:',
        indented(
          renderTable(
            ['type', 'status', 'reason', 'message'],
            conditions.map((c) => [c.type, c.status, c.reason, c.message]),
          ),
        ),
      );
    }
    return lines.join('\n');
  },
  hint: (b) =>
    b.status?.status === 'SUCCESS'
      ? `Restore it with: kubectl medusa restore --backup ${b.metadata.name} -n ${str(b.metadata.namespace)}`
      : undefined,
});
