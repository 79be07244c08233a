// One gathered object or list, many renderings: table, wide, json, yaml, name.
import { stringify } from 'yaml';
import { stringifyJson } from '../../lib/json64.js';
import type { Io } from '../io.js';
import { qualifiedName, type MedusaResource } from '../resources.js';
import { renderTable } from './table.js';

export const outputFormats = ['table', 'wide', 'json', 'yaml', 'name'] as const;
export type OutputFormat = (typeof outputFormats)[number];

export interface TableSpec<T> {
  headers: string[];
  row: (item: T) => string[];
  /** Extra columns for -o wide. */
  wideHeaders?: string[];
  wideRow?: (item: T) => string[];
}

/** Strips managedFields, which only add noise to -o yaml|json (kubectl hides them too). */
function clean<T extends MedusaResource>(item: T): T {
  const { managedFields: _managed, ...metadata } = item.metadata as T['metadata'] & {
    managedFields?: unknown;
  };
  return { ...item, metadata };
}

export function printResources<T extends MedusaResource>(
  io: Io,
  items: T[],
  format: OutputFormat,
  plural: string,
  table: TableSpec<T>,
  options: { allNamespaces?: boolean; noHeaders?: boolean; single?: boolean; emptyMessage?: string } = {},
): void {
  if (format === 'json' || format === 'yaml') {
    const value =
      options.single && items.length === 1
        ? clean(items[0]!)
        : { apiVersion: 'v1', kind: 'List', items: items.map(clean), metadata: { resourceVersion: '' } };
    io.out(format === 'json' ? stringifyJson(value, 2) : stringify(value));
    return;
  }
  if (format === 'name') {
    for (const item of items) io.out(qualifiedName(plural, item.metadata.name));
    return;
  }
  if (items.length === 0) {
    io.err(options.emptyMessage ?? 'No resources found.');
    return;
  }
  const wide = format === 'wide';
  const headers = [
    ...(options.allNamespaces ? ['namespace'] : []),
    ...table.headers,
    ...(wide ? (table.wideHeaders ?? []) : []),
  ];
  const rows = items.map((item) => [
    ...(options.allNamespaces ? [item.metadata.namespace ?? ''] : []),
    ...table.row(item),
    ...(wide && table.wideRow ? table.wideRow(item) : []),
  ]);
  io.out(renderTable(headers, rows, { noHeaders: options.noHeaders ?? false }));
}
