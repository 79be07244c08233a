// The restore contract between the controller (which configures a restore on the pod template),
// the webhook (which injects the medusa-restore init container and keeps what the controller set)
// and the agent (the init container restores; the sidecar checks a filter before the datacenter
// stops): the container's name, its env and the JSON that env carries. k8ssandra-operator's names
// (RESTORE_KEY, BACKUP_NAME, RESTORE_MAPPING) are kept; RESTORE_JOB and RESTORE_FILTER are ours.
import { tableFilter } from '../crds/common.js';
import { restoreMappingSchema } from '../crds/schemas/medusarestorejob.js';
import { formatPath } from '../crds/validate.js';

/** The init container that restores a node before Cassandra starts. */
export const restoreInitContainer = 'medusa-restore';

/** Env of the restore init container: set on the pod template for a restore, removed after it. */
export const restoreEnv = {
  key: 'RESTORE_KEY',
  backup: 'BACKUP_NAME',
  mapping: 'RESTORE_MAPPING',
  job: 'RESTORE_JOB',
  /** JSON `{include?, exclude?}`: restore only these keyspaces/tables (absent: everything). */
  filter: 'RESTORE_FILTER',
} as const;
export const restoreEnvNames: readonly string[] = Object.values(restoreEnv);

/**
 * Annotation of a MedusaRestoreJob: `"false"` restores as k8ssandra-operator does (the datacenter is
 * stopped first and every node downloads its backup while it is down); absent or `"true"`, every
 * node's sidecar first stages and verifies its backup while Cassandra runs (a prepare_restore
 * MedusaTask), and the datacenter is stopped only for the move into place.
 */
export const stagedRestoreAnnotation = 'medusa.k8ssandra.io/staged-restore';

/** Whether a restore job stages first; throws on a value other than "true" or "false". */
export function stagesRestore(job: { metadata?: { annotations?: Record<string, string> } }): boolean {
  const value = job.metadata?.annotations?.[stagedRestoreAnnotation];
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw new RestoreContractError(
    `annotation ${stagedRestoreAnnotation} is "${value}": it must be "true" or "false"`,
  );
}

/** The prepare_restore MedusaTask a staged restore job creates. */
export const prepareTaskName = (job: string): string => `${job.slice(0, 245)}-prepare`;

/** A prepared restore's staging folder on the data volume is `medusa-prepared-<restore key>`. */
export const preparedFolderPrefix = 'medusa-prepared-';
const restoreKeyPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * A restore key names a folder on the node's data volume, so it must be one safe folder name
 * (letters, digits, `.`, `_`, `-`; no `/`, no `..`): the key, or throws saying why not.
 */
export function checkRestoreKey(key: string): string {
  if (!restoreKeyPattern.test(key) || key.includes('..'))
    throw new RestoreContractError(
      `restore key "${key.slice(0, 140)}" cannot name a staging folder: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'`,
    );
  return key;
}

/** Which backed-up node each target pod restores (MedusaRestoreJob status.restoreMapping). */
export interface RestoreMapping {
  in_place: boolean;
  host_map: Record<string, { source: string[]; seed: boolean }>;
}

/** `ks` names a keyspace, `ks.table` a table; excludes win over includes. Always normalised (no `ks.*`). */
export interface RestoreFilter {
  include?: string[];
  exclude?: string[];
}

/** What the controller hands to one restore, and the init container reads back. */
export interface RestoreConfiguration {
  key: string;
  backup: string;
  job: string;
  mapping: RestoreMapping;
  filter?: RestoreFilter;
}

/** A restore env the init container cannot use: it restores nothing and fails. */
export class RestoreContractError extends Error {}

export interface FilterProblem {
  /** Path below the filter: `include[0]`, `exclude[1]`, or '' for the whole filter. */
  path: string;
  message: string;
}

const normalise = (entry: string) => entry.replace(/\.\*$/, '');
const keyspaceOf = (entry: string) => entry.split('.')[0]!;

/**
 * Checks a filter as the MedusaRestoreJob spec carries it (`ks`, `ks.table`, `ks.*`) and returns it
 * normalised (`ks.*` -> `ks`), or undefined when it selects by nothing (no entries: restore all).
 */
export function validateRestoreFilter(value: unknown): {
  filter?: RestoreFilter;
  problems: FilterProblem[];
} {
  if (value === undefined || value === null) return { problems: [] };
  // A field we do not know (`keyspaces`, a typo) must not quietly mean "restore everything".
  const unknown =
    typeof value === 'object' && !Array.isArray(value)
      ? Object.keys(value).filter((key) => key !== 'include' && key !== 'exclude')
      : [];
  if (unknown.length) {
    return {
      problems: unknown.map((key) => ({ path: key, message: 'unknown field: only include and exclude' })),
    };
  }
  const parsed = tableFilter().safeParse(value);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue) => ({
        path: formatPath(issue.path),
        message: issue.message,
      })),
    };
  }
  const include = (parsed.data.include ?? []).map(normalise);
  const exclude = (parsed.data.exclude ?? []).map(normalise);
  const problems: FilterProblem[] = [];
  for (const [list, entries] of [
    ['include', include],
    ['exclude', exclude],
  ] as const) {
    entries.forEach((entry, i) => {
      const first = entries.indexOf(entry);
      if (first < i)
        problems.push({ path: `${list}[${i}]`, message: `"${entry}" repeats ${list}[${first}]` });
    });
  }
  include.forEach((entry, i) => {
    const j = exclude.findIndex((e) => e === entry || (!e.includes('.') && e === keyspaceOf(entry)));
    if (j >= 0) {
      problems.push({
        path: `include[${i}]`,
        message: `"${parsed.data.include![i]}" is excluded by exclude[${j}] ("${parsed.data.exclude![j]}"): it would restore nothing`,
      });
    }
  });
  if (problems.length || (!include.length && !exclude.length)) return { problems };
  return {
    filter: { ...(include.length ? { include } : {}), ...(exclude.length ? { exclude } : {}) },
    problems,
  };
}

const describe = (problems: FilterProblem[], at: string) =>
  problems.map((p) => `${p.path ? `${at}.${p.path}` : at}: ${p.message}`).join('; ');

/** The filter of a MedusaRestoreJob spec, normalised; throws with field paths when it is invalid. */
export function restoreFilterOf(spec: { filter?: unknown } | undefined): RestoreFilter | undefined {
  const { filter, problems } = validateRestoreFilter(spec?.filter);
  if (problems.length) throw new RestoreContractError(describe(problems, 'spec.filter'));
  return filter;
}

/**
 * A filtered restore is checked by every pod's sidecar against the backup before the datacenter
 * stops: this is the state in which the controller waits for those checks and the sidecars do them.
 */
export function awaitsFilterCheck(job: {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}): boolean {
  const status = job.status ?? {};
  if (!status.restorePrepared || status.datacenterStopped || status.finishTime) return false;
  return validateRestoreFilter(job.spec?.filter).filter !== undefined;
}

/** Validates a mapping (status.restoreMapping, or the RESTORE_MAPPING JSON). */
export function parseRestoreMapping(value: unknown, what: string = restoreEnv.mapping): RestoreMapping {
  const parsed = restoreMappingSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new RestoreContractError(
      `${what}${first.path.length ? `.${formatPath(first.path)}` : ''}: ${first.message}`,
    );
  }
  return { in_place: parsed.data.in_place, host_map: parsed.data.host_map ?? {} };
}

function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RestoreContractError(`${name} is not JSON: ${(error as Error).message}`);
  }
}

/** The init container's env for a restore. */
export function restoreEnvironment(c: RestoreConfiguration): { name: string; value: string }[] {
  return [
    { name: restoreEnv.key, value: c.key },
    { name: restoreEnv.backup, value: c.backup },
    { name: restoreEnv.mapping, value: JSON.stringify(c.mapping) },
    { name: restoreEnv.job, value: c.job },
    ...(c.filter ? [{ name: restoreEnv.filter, value: JSON.stringify(c.filter) }] : []),
  ];
}

/** What the init container reads; mapping undefined means "in place" (k8ssandra without a mapping). */
export interface RestoreRequest {
  key: string;
  backup: string;
  job?: string;
  mapping?: RestoreMapping;
  filter?: RestoreFilter;
}

/** The restore configured in an env, undefined when there is none; throws on a malformed value. */
export function parseRestoreEnvironment(env: NodeJS.ProcessEnv): RestoreRequest | undefined {
  const key = env[restoreEnv.key];
  const backup = env[restoreEnv.backup];
  if (!key || !backup) return undefined;
  const mappingText = env[restoreEnv.mapping];
  const filterText = env[restoreEnv.filter];
  let filter: RestoreFilter | undefined;
  if (filterText) {
    const checked = validateRestoreFilter(parseJson(restoreEnv.filter, filterText));
    if (checked.problems.length)
      throw new RestoreContractError(describe(checked.problems, restoreEnv.filter));
    filter = checked.filter;
  }
  const job = env[restoreEnv.job];
  return {
    key,
    backup,
    ...(job ? { job } : {}),
    ...(mappingText ? { mapping: parseRestoreMapping(parseJson(restoreEnv.mapping, mappingText)) } : {}),
    ...(filter ? { filter } : {}),
  };
}

/** Which backed-up node a pod restores from, or why it restores nothing. */
export function restoreSource(
  mapping: RestoreMapping | undefined,
  pod: string,
  ownFqdn: string,
): { skip: string } | { fqdn: string; inPlace: boolean } {
  if (!mapping || mapping.in_place) return { fqdn: ownFqdn, inPlace: true };
  const source = mapping.host_map[pod]?.source[0];
  if (!source) return { skip: `POD_NAME ${pod} not found in mapping` };
  return { fqdn: source, inPlace: false };
}
