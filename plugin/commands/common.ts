// Helpers shared by the command modules.
import { stringify } from 'yaml';
import { stringifyJson } from '../../lib/json64.js';
import { apiVersion } from '../../crds/common.js';
import { formatAge } from '../../lib/units.js';
import type { GlobalArgs } from '../args.js';
import { exitCodes, MedusaError } from '../errors.js';
import type { Io } from '../io.js';
import { connect, type Kube } from '../kube.js';
import type { OutputFormat } from '../printers/output.js';
import type { MedusaResource } from '../resources.js';

export const kubeFrom = (args: GlobalArgs): Kube =>
  connect({
    kubeconfig: args.kubeconfig,
    context: args.context,
    namespace: args.namespace,
    allNamespaces: args.allNamespaces,
  });

export const formatOf = (args: GlobalArgs): OutputFormat => args.output ?? 'table';

/** "5m" for a timestamp five minutes ago; "-" when unset. */
export function ageOf(time: unknown, now = Date.now()): string {
  if (time === undefined || time === null || time === '') return '-';
  const ms = new Date(time as string).getTime();
  return Number.isNaN(ms) ? '-' : formatAge(now - ms);
}

/** "2026-11-22 10:15:00 UTC (5m ago)"; "-" when unset. */
export function whenOf(time: unknown, now = Date.now()): string {
  if (time === undefined || time === null || time === '') return '-';
  const date = new Date(time as string);
  if (Number.isNaN(date.getTime())) return '-';
  const absolute = date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  const delta = now - date.getTime();
  return `${absolute} (${delta >= 0 ? `${formatAge(delta)} ago` : `in ${formatAge(-delta)}`})`;
}

/** A DNS-1123 name from a prefix and the current UTC time: dc1-20261122101500. */
export function timestampedName(prefix: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').replace(/\..*$/, '');
  return `${prefix}-${stamp}`.toLowerCase().slice(0, 253);
}

/** Parses --timeout values: 90, 30s, 10m, 2h. */
export function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) {
    throw new MedusaError('MDS-CLI-E001', `--timeout "${text}" is not a duration`, {
      hint: 'use a number with a unit: 30s, 10m, 2h',
      exitCode: exitCodes.usage,
    });
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

/** The manifest of a new object (printed by --dry-run, created otherwise). */
export function manifest(
  kind: string,
  name: string,
  namespace: string,
  spec: Record<string, unknown>,
): MedusaResource {
  return { apiVersion, kind, metadata: { name, namespace }, spec };
}

export function printDryRun(io: Io, object: MedusaResource, format: OutputFormat): void {
  io.out(format === 'json' ? stringifyJson(object, 2) : stringify(object));
}

/** Keyspace filter from --keyspaces/--exclude, or undefined when neither is given. */
export function filterOf(args: { keyspaces?: string[] | undefined; exclude?: string[] | undefined }) {
  if (!args.keyspaces?.length && !args.exclude?.length) return undefined;
  return {
    ...(args.keyspaces?.length ? { include: args.keyspaces } : {}),
    ...(args.exclude?.length ? { exclude: args.exclude } : {}),
  };
}

/** A table or describe cell: `-` when the value is unset. */
export const str = (v: unknown): string => (v === undefined || v === null || v === '' ? '-' : String(v));

export const list = (value: unknown): string[] => (Array.isArray(value) ? (value as string[]) : []);
