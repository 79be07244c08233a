// kubectl medusa status [datacenter]: one gathered status object per datacenter, then rendered.
// Partial failure is data: a section that cannot be read says why and the rest still prints.
import { stringify } from 'yaml';
import { configurationAnnotation, prefixAnnotation } from '../../crds/binding.js';
import { cassOperator, findDatacenter, type Datacenter } from '../../lib/datacenter.js';
import { nextRuns } from '../../lib/schedule.js';
import type { StatusArgs } from '../args.js';
import { MedusaError } from '../errors.js';
import { colorStatus, type Io } from '../io.js';
import type { Kube } from '../kube.js';
import { renderFields, renderTable } from '../printers/table.js';
import { listResources, type MedusaResource } from '../resources.js';
import { observeJob } from './backup.js';
import { formatOf, kubeFrom, whenOf } from './common.js';

export interface DatacenterStatus {
  name: string;
  namespace: string;
  kind: Datacenter['kind'];
  configuration: string | null;
  /** The bound MedusaConfiguration's conditions (null: not bound, or it does not exist). */
  configurationStatus: ConfigurationStatus | null;
  prefix: string | null;
  pods: { name: string; phase: string; agent: boolean; restoreInit: boolean }[];
  lastSuccessfulBackup: { name: string; finished: string | null; type: string; size: string | null } | null;
  lastFailedBackup: { name: string; finished: string | null } | null;
  backups: number;
  schedules: { name: string; cron: string; suspended: boolean; next: string | null }[];
  running: { name: string; kind: string; phase: string; nodes: string }[];
  errors: string[];
}

export interface ConfigurationStatus {
  ready: string;
  secretAvailable: string;
  storageReachable: string;
  lastStorageCheck: string | null;
  /** The message of each condition that is not True. */
  problems: string[];
}

type Condition = { type: string; status: string; message?: string };

function configurationStatus(configuration: MedusaResource | undefined): ConfigurationStatus | null {
  if (!configuration) return null;
  const conditions = (configuration.status?.conditions as Condition[] | undefined) ?? [];
  const of = (type: string) => conditions.find((c) => c.type === type);
  const types = ['SecretAvailable', 'StorageReachable'];
  return {
    ready: of('Ready')?.status ?? 'Unknown',
    secretAvailable: of('SecretAvailable')?.status ?? 'Unknown',
    storageReachable: of('StorageReachable')?.status ?? 'Unknown',
    lastStorageCheck: (configuration.status?.lastStorageCheck as string | undefined) ?? null,
    problems: types.flatMap((t) => {
      const c = of(t);
      return c && c.status !== 'True' && c.message ? [`${t}: ${c.message}`] : [];
    }),
  };
}

async function datacenterNames(kube: Kube, namespace: string): Promise<string[]> {
  const names = new Set<string>();
  const cassdcs = await kube.custom
    .listNamespacedCustomObject({
      group: cassOperator.group,
      version: cassOperator.version,
      plural: cassOperator.plural,
      namespace,
    })
    .catch(() => ({ items: [] }));
  for (const dc of (cassdcs as { items: MedusaResource[] }).items) {
    if (dc.metadata.annotations?.[configurationAnnotation]) names.add(dc.metadata.name);
  }
  const sets = await kube.apps.listNamespacedStatefulSet({ namespace });
  for (const sts of sets.items) {
    if (sts.metadata?.annotations?.[configurationAnnotation] && sts.metadata.name)
      names.add(sts.metadata.name);
  }
  return [...names].sort();
}

async function gather(
  kube: Kube,
  dc: Datacenter,
  objects: Record<string, MedusaResource[]>,
): Promise<DatacenterStatus> {
  const errors: string[] = [];
  const forDc = (items: MedusaResource[], path: (o: MedusaResource) => unknown) =>
    items.filter((o) => path(o) === dc.name);
  const pods = await kube.core
    .listNamespacedPod({
      namespace: dc.namespace,
      ...(dc.podSelector ? { labelSelector: dc.podSelector } : {}),
    })
    .then((l) =>
      l.items.map((p) => ({
        name: p.metadata?.name ?? '',
        phase: p.status?.phase ?? 'Unknown',
        agent: (p.spec?.containers ?? []).some((c) => c.name === 'medusa'),
        restoreInit: (p.spec?.initContainers ?? []).some((c) => c.name === 'medusa-restore'),
      })),
    )
    .catch((e: unknown) => {
      errors.push(`pods: ${(e as Error).message}`);
      return [];
    });
  const backups = forDc(objects.medusabackups ?? [], (b) => b.spec?.cassandraDatacenter).sort((a, b) =>
    String(b.status?.finishTime ?? '').localeCompare(String(a.status?.finishTime ?? '')),
  );
  const good = backups.find((b) => b.status?.status === 'SUCCESS');
  const bad = backups.find((b) => b.status?.status === 'FAILED');
  const schedules = forDc(
    objects.medusabackupschedules ?? [],
    (s) => (s.spec?.backupSpec as { cassandraDatacenter?: string })?.cassandraDatacenter,
  );
  const jobs = forDc(objects.medusabackupjobs ?? [], (j) => j.spec?.cassandraDatacenter).filter(
    (j) => !j.status?.finishTime,
  );
  const restores = forDc(objects.medusarestorejobs ?? [], (j) => j.spec?.cassandraDatacenter).filter(
    (j) => !j.status?.finishTime,
  );
  return {
    name: dc.name,
    namespace: dc.namespace,
    kind: dc.kind,
    configuration: dc.annotations[configurationAnnotation] ?? null,
    configurationStatus: configurationStatus(
      (objects.medusaconfigurations ?? []).find(
        (c) => c.metadata.name === dc.annotations[configurationAnnotation],
      ),
    ),
    prefix: dc.annotations[prefixAnnotation] ?? null,
    pods,
    lastSuccessfulBackup: good
      ? {
          name: good.metadata.name,
          finished: (good.status?.finishTime as string | undefined) ?? null,
          type: String(good.spec?.backupType ?? ''),
          size: (good.status?.totalSize as string | undefined) ?? null,
        }
      : null,
    lastFailedBackup: bad
      ? { name: bad.metadata.name, finished: (bad.status?.finishTime as string | undefined) ?? null }
      : null,
    backups: backups.length,
    schedules: schedules.map((s) => {
      let next: string | null = null;
      if (!s.spec?.disabled) {
        try {
          next =
            nextRuns(
              String(s.spec?.cronSchedule),
              s.spec?.timeZone ? { timeZone: String(s.spec.timeZone) } : {},
            )[0]?.toISOString() ?? null;
        } catch (e) {
          errors.push(`schedule ${s.metadata.name}: ${(e as Error).message}`);
        }
      }
      return {
        name: s.metadata.name,
        cron: String(s.spec?.cronSchedule ?? ''),
        suspended: Boolean(s.spec?.disabled),
        next,
      };
    }),
    running: [
      ...jobs.map((j) => {
        const seen = observeJob(j);
        return {
          name: j.metadata.name,
          kind: 'backup',
          phase: seen.phase,
          nodes: `${seen.nodes.filter((n) => n.phase === 'Succeeded').length}/${seen.nodes.length}`,
        };
      }),
      ...restores.map((r) => ({
        name: r.metadata.name,
        kind: 'restore',
        phase: r.status?.datacenterStopped ? 'Restoring' : 'Preparing',
        nodes: '-',
      })),
    ],
    errors,
  };
}

function render(io: Io, s: DatacenterStatus): string {
  const injected = s.pods.filter((p) => p.agent && p.restoreInit).length;
  const agentLine =
    s.pods.length === 0
      ? io.color.yellow('no pods')
      : injected === s.pods.length
        ? io.color.green(`${injected}/${s.pods.length} pods injected`)
        : io.color.red(`${injected}/${s.pods.length} pods injected`);
  const good = s.lastSuccessfulBackup;
  const c = s.configurationStatus;
  const state = (type: string, value: string) =>
    `${type} ${value === 'True' ? io.color.green(value) : value === 'False' ? io.color.red(value) : io.color.yellow(value)}`;
  const conditionsLine = c
    ? [
        state('Ready', c.ready),
        state('SecretAvailable', c.secretAvailable),
        state('StorageReachable', c.storageReachable) +
          (c.lastStorageCheck ? ` (checked ${whenOf(c.lastStorageCheck)})` : ''),
      ].join('  ')
    : io.color.red(s.configuration ? 'the MedusaConfiguration does not exist' : '-');
  const lines = [
    io.color.bold(`Datacenter ${s.namespace}/${s.name}`) + ` (${s.kind})`,
    renderFields([
      ['Configuration', s.configuration ?? io.color.red('not bound')],
      ['Conditions', conditionsLine],
      ...(c?.problems ?? []).map((p): [string, string] => ['Problem', io.color.red(p)]),
      ['Prefix', s.prefix ?? '(from the configuration)'],
      ['Backup agent', agentLine],
      [
        'Last good backup',
        good
          ? `${good.name}  ${whenOf(good.finished)}  ${good.type}${good.size ? `  ${good.size}` : ''}`
          : io.color.yellow('none yet'),
      ],
      [
        'Last failed backup',
        s.lastFailedBackup
          ? io.color.red(`${s.lastFailedBackup.name}  ${whenOf(s.lastFailedBackup.finished)}`)
          : '-',
      ],
      ['Backups', String(s.backups)],
    ]),
  ];
  lines.push('', 'Schedules:');
  lines.push(
    s.schedules.length
      ? renderTable(
          ['name', 'schedule', 'suspended', 'next run'],
          s.schedules.map((x) => [x.name, x.cron, String(x.suspended), x.next ? whenOf(x.next) : '-']),
        )
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n')
      : io.color.yellow('  none: backups run only on demand'),
  );
  lines.push('', 'Running operations:');
  lines.push(
    s.running.length
      ? renderTable(
          ['name', 'type', 'phase', 'nodes done'],
          s.running.map((r) => [r.name, r.kind, colorStatus(io, r.phase), r.nodes]),
        )
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n')
      : '  none',
  );
  if (s.pods.length) {
    lines.push('', 'Pods:');
    lines.push(
      renderTable(
        ['name', 'phase', 'medusa', 'medusa-restore'],
        s.pods.map((p) => [
          p.name,
          colorStatus(io, p.phase),
          p.agent ? 'yes' : io.color.red('missing'),
          p.restoreInit ? 'yes' : io.color.red('missing'),
        ]),
      )
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  if (s.errors.length)
    lines.push(
      '',
      io.color.red('Errors while gathering status:'),
      ...s.errors.map((e) => io.color.red(`  ${e}`)),
    );
  return lines.join('\n');
}

export async function status(args: StatusArgs, io: Io): Promise<void> {
  const kube = kubeFrom(args);
  const names = args.datacenter ? [args.datacenter] : await datacenterNames(kube, kube.namespace);
  if (names.length === 0) {
    io.err(`No datacenter in namespace ${kube.namespace} is bound to a MedusaConfiguration.`);
    io.err(
      io.color.dim(
        `Bind one with: kubectl annotate statefulset <name> ${configurationAnnotation}=<configuration>`,
      ),
    );
    return;
  }
  const plurals = [
    'medusabackups',
    'medusabackupschedules',
    'medusabackupjobs',
    'medusarestorejobs',
    'medusaconfigurations',
  ];
  const objects: Record<string, MedusaResource[]> = {};
  const namespaced = { ...kube, listNamespace: kube.namespace };
  await Promise.all(plurals.map(async (p) => (objects[p] = await listResources(namespaced, p))));
  const statuses: DatacenterStatus[] = [];
  for (const name of names) {
    const dc = await findDatacenter(kube, kube.namespace, name);
    if (!dc)
      throw new MedusaError(
        'MDS-STATUS-E001',
        `datacenter "${name}" not found in namespace "${kube.namespace}"`,
      );
    statuses.push(await gather(kube, dc, objects));
  }
  const format = formatOf(args);
  if (format === 'json') io.out(JSON.stringify(args.datacenter ? statuses[0] : statuses, null, 2));
  else if (format === 'yaml') io.out(stringify(args.datacenter ? statuses[0] : statuses));
  else io.out(statuses.map((s) => render(io, s)).join('\n\n'));
}
