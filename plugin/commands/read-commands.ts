// list, get and describe for one kind of object: the same flags and outputs for every kind.
import type { GlobalArgs, NameArgs } from '../args.js';
import type { Io } from '../io.js';
import type { Kube } from '../kube.js';
import { printResources, type TableSpec } from '../printers/output.js';
import { getResource, listResources, type MedusaResource } from '../resources.js';
import { formatOf, kubeFrom } from './common.js';

export interface ReadCommandsSpec {
  plural: string;
  table: (io: Io) => TableSpec<MedusaResource>;
  /** What to say when a list is empty (stderr). */
  empty: (namespace: string | undefined) => string;
  sort?: (a: MedusaResource, b: MedusaResource) => number;
  /** The text of describe; json and yaml print the object instead. */
  describe: (io: Io, object: MedusaResource, kube: Kube) => Promise<string> | string;
  /** A hint printed after describe (stderr), such as the next command to run. */
  hint?: (object: MedusaResource) => string | undefined;
}

export function readCommands(spec: ReadCommandsSpec) {
  return {
    async list(args: GlobalArgs & { watch?: boolean }, io: Io): Promise<void> {
      const kube = kubeFrom(args);
      const items = await listResources(kube, spec.plural);
      if (spec.sort) items.sort(spec.sort);
      const options = { allNamespaces: kube.listNamespace === undefined, noHeaders: args.headers === false };
      printResources(io, items, formatOf(args), spec.plural, spec.table(io), {
        ...options,
        emptyMessage: spec.empty(kube.listNamespace),
      });
      if (args.watch) await watchList(kube, io, args, spec, items, options);
    },
    async get(args: NameArgs, io: Io): Promise<void> {
      const kube = kubeFrom(args);
      printResources(
        io,
        [await getResource(kube, spec.plural, args.name)],
        formatOf(args),
        spec.plural,
        spec.table(io),
        {
          noHeaders: args.headers === false,
          single: true,
        },
      );
    },
    async describe(args: NameArgs, io: Io): Promise<void> {
      const kube = kubeFrom(args);
      const object = await getResource(kube, spec.plural, args.name);
      const format = formatOf(args);
      if (format === 'json' || format === 'yaml') {
        printResources(io, [object], format, spec.plural, spec.table(io), { single: true });
        return;
      }
      io.out(await spec.describe(io, object, kube));
      const hint = spec.hint?.(object);
      if (hint) io.err(io.color.dim(hint));
    },
  };
}

/**
 * -w/--watch, as kubectl get -w: after the table, one more row whenever an object appears or
 * changes, and a row marked deleted when it goes; until Ctrl-C. Polls every 2 s.
 */
async function watchList(
  kube: Kube,
  io: Io,
  args: GlobalArgs,
  spec: ReadCommandsSpec,
  initial: MedusaResource[],
  options: { allNamespaces: boolean; noHeaders: boolean },
): Promise<void> {
  const key = (o: MedusaResource) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const version = (o: MedusaResource) =>
    String((o.metadata as { resourceVersion?: string }).resourceVersion ?? '');
  const seen = new Map(initial.map((o) => [key(o), version(o)]));
  let stopped = false;
  process.once('SIGINT', () => (stopped = true));
  const intervalMs = Number(process.env.MEDUSA_PLUGIN_WATCH_INTERVAL_MS ?? 2000);
  const print = (items: MedusaResource[]) =>
    printResources(io, items, formatOf(args), spec.plural, spec.table(io), { ...options, noHeaders: true });
  while (!stopped) {
    await new Promise((r) => setTimeout(r, intervalMs));
    const now = await listResources(kube, spec.plural);
    const changed = now.filter((o) => seen.get(key(o)) !== version(o));
    const gone = [...seen.keys()].filter((k) => !now.some((o) => key(o) === k));
    if (changed.length) print(changed);
    for (const k of gone) io.out(`${k.split('/')[1]}   (deleted)`);
    seen.clear();
    for (const o of now) seen.set(key(o), version(o));
  }
}

/** A rendered table indented under a section title of describe output. */
export const indented = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
