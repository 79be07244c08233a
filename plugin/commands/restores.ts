// kubectl medusa restores [list|get|describe]: MedusaRestoreJob objects.
import type { GlobalArgs, NameArgs } from '../args.js';
import { colorStatus, type Io } from '../io.js';
import { printResources, type TableSpec } from '../printers/output.js';
import { renderFields, renderTable } from '../printers/table.js';
import { getResource, listResources, type MedusaResource } from '../resources.js';
import { renderProgress } from '../wait.js';
import { ageOf, formatOf, kubeFrom, whenOf } from './common.js';
import { observeRestore } from './restore.js';

const plural = 'medusarestorejobs';
const str = (v: unknown) => (v === undefined || v === null || v === '' ? '-' : String(v));

function table(io: Io): TableSpec<MedusaResource> {
  return {
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
  };
}

export async function list(args: GlobalArgs, io: Io): Promise<void> {
  const kube = kubeFrom(args);
  const items = await listResources(kube, plural);
  printResources(io, items, formatOf(args), plural, table(io), {
    allNamespaces: kube.listNamespace === undefined,
    noHeaders: args.headers === false,
    emptyMessage: 'No restores found.',
  });
}

export async function get(args: NameArgs, io: Io): Promise<void> {
  const kube = kubeFrom(args);
  printResources(io, [await getResource(kube, plural, args.name)], formatOf(args), plural, table(io), {
    noHeaders: args.headers === false,
    single: true,
  });
}

export async function describe(args: NameArgs, io: Io): Promise<void> {
  const kube = kubeFrom(args);
  const job = await getResource(kube, plural, args.name);
  if (formatOf(args) === 'json' || formatOf(args) === 'yaml') {
    printResources(io, [job], formatOf(args), plural, table(io), { single: true });
    return;
  }
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
      ['Datacenter stopped', whenOf(s.datacenterStopped)],
      ['Finished', whenOf(s.finishTime)],
    ]),
  ];
  if (Object.keys(mapping).length) {
    lines.push(
      '',
      'Node mapping:',
      ...renderTable(
        ['target', 'source'],
        Object.entries(mapping).map(([t, m]) => [t, m.source.join(', ')]),
      )
        .split('\n')
        .map((l) => `  ${l}`),
    );
  }
  if (seen.nodes.length)
    lines.push(
      '',
      'Progress:',
      ...renderProgress(io, seen.nodes)
        .split('\n')
        .map((l) => `  ${l}`),
    );
  if (seen.message) lines.push('', io.color.red(`Message: ${seen.message}`));
  io.out(lines.join('\n'));
}
