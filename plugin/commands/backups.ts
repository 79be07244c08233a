// kubectl medusa backups [list|get|describe]: MedusaBackup objects.
import { tokenText } from '../../lib/json64.js';
import { formatAge } from '../../lib/units.js';
import type { GlobalArgs, NameArgs } from '../args.js';
import { colorStatus, type Io } from '../io.js';
import { printResources, type TableSpec } from '../printers/output.js';
import { renderFields, renderTable } from '../printers/table.js';
import { getResource, listResources, type MedusaResource } from '../resources.js';
import { ageOf, formatOf, kubeFrom, whenOf } from './common.js';
import { observeJob } from './backup.js';
import { renderProgress } from '../wait.js';

const plural = 'medusabackups';

interface BackupNode {
  host?: string;
  tokens?: (number | bigint | string)[];
  datacenter?: string;
  rack?: string;
}

const str = (v: unknown) => (v === undefined || v === null || v === '' ? '-' : String(v));

function duration(item: MedusaResource): string {
  const s = item.status ?? {};
  if (!s.startTime || !s.finishTime) return '-';
  return formatAge(new Date(s.finishTime as string).getTime() - new Date(s.startTime as string).getTime());
}

function table(io: Io): TableSpec<MedusaResource> {
  return {
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
  };
}

/** Newest first, as users look for the latest backup. */
const byStartDesc = (a: MedusaResource, b: MedusaResource) =>
  String(b.status?.startTime ?? b.metadata.creationTimestamp ?? '').localeCompare(
    String(a.status?.startTime ?? a.metadata.creationTimestamp ?? ''),
  );

export async function list(args: GlobalArgs, io: Io): Promise<void> {
  const kube = kubeFrom(args);
  const items = (await listResources(kube, plural)).sort(byStartDesc);
  printResources(io, items, formatOf(args), plural, table(io), {
    allNamespaces: kube.listNamespace === undefined,
    noHeaders: args.headers === false,
    emptyMessage: `No backups found${kube.listNamespace ? ` in namespace ${kube.listNamespace}` : ''}. Take one with: kubectl medusa backup <datacenter>`,
  });
}

export async function get(args: NameArgs, io: Io): Promise<void> {
  const kube = kubeFrom(args);
  const item = await getResource(kube, plural, args.name);
  printResources(io, [item], formatOf(args), plural, table(io), {
    noHeaders: args.headers === false,
    single: true,
  });
}

export async function describe(args: NameArgs, io: Io): Promise<void> {
  const kube = kubeFrom(args);
  const backup = await getResource(kube, plural, args.name);
  if (formatOf(args) === 'json' || formatOf(args) === 'yaml') {
    printResources(io, [backup], formatOf(args), plural, table(io), { single: true });
    return;
  }
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
      ? renderTable(
          ['host', 'datacenter', 'rack', 'tokens'],
          nodes.map((n) => {
            const tokens = (n.tokens ?? []).map(tokenText);
            return [
              str(n.host),
              str(n.datacenter),
              str(n.rack),
              tokens.length <= 3
                ? tokens.join(', ') || '-'
                : `${tokens.slice(0, 3).join(', ')} (+${tokens.length - 3} more)`,
            ];
          }),
        )
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n')
      : '  <none>',
  ];
  // The job of the same name carries per-node progress and failures.
  const job = await getResource(kube, 'medusabackupjobs', backup.metadata.name).catch(() => undefined);
  if (job) {
    const seen = observeJob(job);
    if (seen.nodes.length) {
      lines.push(
        '',
        'Job progress:',
        ...renderProgress(io, seen.nodes)
          .split('\n')
          .map((l) => `  ${l}`),
      );
    }
    if (seen.message) lines.push('', io.color.red(`Error: ${seen.message}`));
  }
  const conditions =
    (s.conditions as { type: string; status: string; reason: string; message: string }[]) ?? [];
  if (conditions.length) {
    lines.push(
      '',
      'Conditions:',
      ...renderTable(
        ['type', 'status', 'reason', 'message'],
        conditions.map((c) => [c.type, c.status, c.reason, c.message]),
      )
        .split('\n')
        .map((l) => `  ${l}`),
    );
  }
  io.out(lines.join('\n'));
  if (s.status === 'SUCCESS') {
    io.err(
      io.color.dim(
        `Restore it with: kubectl medusa restore --backup ${backup.metadata.name} -n ${str(backup.metadata.namespace)}`,
      ),
    );
  }
}
