// kubectl medusa restores [list|get|describe]: MedusaRestoreJob objects.
import { colorStatus, type Io } from '../io.js';
import type { TableSpec } from '../printers/output.js';
import { renderFields, renderTable } from '../printers/table.js';
import type { MedusaResource } from '../resources.js';
import { renderProgress, type NodeProgress } from '../wait.js';
import { ageOf, whenOf, str } from './common.js';
import { indented, readCommands } from './read-commands.js';
import { observeRestore } from './restore.js';

const table = (io: Io): TableSpec<MedusaResource> => ({
  headers: ['name', 'backup', 'datacenter', 'phase', 'age'],
  row: (r) => [
    r.metadata.name,
    str(r.spec?.backup),
    str(r.spec?.cassandraDatacenter),
    colorStatus(io, observeRestore(r).phase),
    ageOf(r.status?.startTime ?? r.metadata.creationTimestamp),
  ],
  wideHeaders: ['started', 'finished', 'restore key'],
  wideRow: (r) => [str(r.status?.startTime), str(r.status?.finishTime), str(r.status?.restoreKey)],
});

export const { list, get, describe } = readCommands({
  plural: 'medusarestorejobs',
  table,
  empty: () => 'No restores found.',
  describe(io, job) {
    const s = job.status ?? {};
    const seen = observeRestore(job);
    const mapping =
      (s.restoreMapping as { host_map?: Record<string, { source: string[] }> } | undefined)?.host_map ?? {};
    const lines = [
      renderFields([
        ['Name', job.metadata.name],
        ['Namespace', str(job.metadata.namespace)],
        ['Backup', str(job.spec?.backup)],
        ['Datacenter', str(job.spec?.cassandraDatacenter)],
        ['Phase', colorStatus(io, seen.phase)],
        ['Restore key', str(s.restoreKey)],
        ['Started', whenOf(s.startTime)],
        ['Staged', s.prepareTask ? whenOf(s.prepared) : 'no (downloaded while stopped)'],
        ['Stop requested', whenOf(s.stopRequested)],
        ['Datacenter stopped', whenOf(s.datacenterStopped)],
        ['Datacenter restarted', whenOf(s.datacenterRestarted)],
        ['Downtime', s.downtimeSeconds !== undefined ? `${String(s.downtimeSeconds)}s` : '-'],
        ['Finished', whenOf(s.finishTime)],
      ]),
    ];
    const preparation = (s.preparation as NodeProgress[] | undefined) ?? [];
    if (preparation.length)
      lines.push(
        '',
        `Staged while running (${str(s.prepareTask)}):`,
        indented(renderProgress(io, preparation)),
      );
    if (Object.keys(mapping).length) {
      lines.push(
        '',
        'Node mapping:',
        indented(
          renderTable(
            ['target', 'source'],
            Object.entries(mapping).map(([t, m]) => [t, m.source.join(', ')]),
          ),
        ),
      );
    }
    if (seen.nodes.length) lines.push('', 'Progress:', indented(renderProgress(io, seen.nodes)));
    if (seen.message) lines.push('', io.color.red(`Message: ${seen.message}`));
    return lines.join('\n');
  },
});
