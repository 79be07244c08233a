/**
 * The one owner of the rules for names that end up in object keys: backup names, node identities
 * (fqdn) and storage prefixes. The webhook, the controller, the plugin and the agent all call
 * these functions, so what one admits the others accept. cassandra-medusa parses its index with
 * substring matching and regular expressions, so some names that are valid strings would be
 * misread by it; those are refused here.
 */

/** Words Medusa looks for anywhere in an index key to classify it (medusa/index.py). */
export const INDEX_WORDS = [
  'manifest',
  'schema',
  'tokenmap',
  'started',
  'finished',
  'differential',
  'incremental',
];

/** Substrings Medusa strips from index file names to recover the fqdn. */
const STRIPPED_EXTENSIONS = ['.json', '.cql', '.txt', '.timestamp'];

/**
 * The longest backup name or prefix. 63 keeps every consumer of a backup name valid: a
 * Kubernetes label value (the MedusaBackup carries `medusa.k8ssandra.io/backup-job: <name>`, at
 * most 63), a Kubernetes object name (at most 253), and the snapshot tag `medusa-<name>`, which
 * Cassandra uses as a directory name (at most 255 bytes).
 */
export const MAX_NAME_LENGTH = 63;

/** DNS host names, which node identities are, are at most 253 characters. */
const MAX_FQDN_LENGTH = 253;

/** Kubernetes object names (RFC 1123 subdomain), which the apiserver enforces. */
const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** The message is always one line (the agent CLI prints it and exits 2). */
export class InvalidNameError extends Error {
  constructor(message: string) {
    super(message.replace(/[\r\n]+/g, ' '));
    this.name = 'InvalidNameError';
  }
}

/** Shows a name in a message on one line, whatever it contains. */
const shown = (value: string): string => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

/** Every problem of a name, in a fixed order (the webhook reports them all at once). */
function commonProblems(kind: string, value: string, maxLength: number): string[] {
  if (value === '') return [`${kind} must not be empty`];
  const problems: string[] = [];
  if (value.length > maxLength)
    problems.push(
      `${kind} ${shown(value)} is ${value.length} characters long; at most ${maxLength} are allowed`,
    );
  if (value === '.' || value === '..') problems.push(`${kind} must not be '.' or '..'`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    problems.push(`${kind} ${shown(value)} must not contain control characters`);
  else if (/\s/.test(value)) problems.push(`${kind} ${shown(value)} must not contain whitespace`);
  const lower = value.toLowerCase();
  const word = INDEX_WORDS.find((w) => lower.includes(w));
  if (word)
    problems.push(
      `${kind} ${shown(value)} contains '${word}', which cassandra-medusa's index lookup would misread`,
    );
  return problems;
}

const folderCharacters = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const folderRule = "may only contain letters, digits, '.', '_' and '-', starting with a letter or digit";

/** Every problem of a backup name (one folder in storage, one snapshot tag); empty when valid. */
export function backupNameProblems(name: string): string[] {
  const problems = commonProblems('backup name', name, MAX_NAME_LENGTH);
  if (name !== '' && !folderCharacters.test(name))
    problems.push(`backup name ${shown(name)} ${folderRule} (it names one folder)`);
  return problems;
}

/** What is wrong with a backup name (one folder in storage, one snapshot tag), or undefined. */
export function backupNameProblem(name: string): string | undefined {
  return backupNameProblems(name)[0];
}

/**
 * What is wrong with a name that is both a Kubernetes object name and a backup name (a
 * MedusaBackupJob's, whose name becomes the backup's): the backup-name rule, and the apiserver's
 * RFC 1123 subdomain rule (lower case letters, digits, '-' and '.').
 */
export function kubernetesBackupNameProblem(name: string): string | undefined {
  const problem = backupNameProblem(name);
  if (problem) return problem;
  if (!dnsSubdomain.test(name))
    return `backup name ${shown(name)} must be a Kubernetes object name: lower case letters, digits, '-' and '.', starting and ending with a letter or digit`;
  return undefined;
}

/** Backup names: one folder, no words Medusa's index lookup matches by substring. */
export function validateBackupName(name: string): string {
  const problem = backupNameProblem(name);
  if (problem) throw new InvalidNameError(problem);
  return name;
}

/**
 * Names of backups that already exist (to delete one): any name cassandra-medusa could have
 * written is accepted, as long as it is one folder. The stricter rule above is for new backups.
 */
export function validateExistingBackupName(name: string): string {
  // eslint-disable-next-line no-control-regex
  if (name === '' || name === '.' || name === '..' || /[/\\\u0000-\u001f\u007f]/.test(name))
    throw new InvalidNameError(`backup name ${shown(name)} is not one folder of the bucket`);
  return name;
}

/** What is wrong with a node identity (fqdn, IP or pod name, also used inside index file names). */
export function fqdnProblem(fqdn: string): string | undefined {
  const problems = commonProblems('fqdn', fqdn, MAX_FQDN_LENGTH);
  const extension = STRIPPED_EXTENSIONS.find((e) => fqdn.toLowerCase().includes(e));
  if (extension)
    problems.push(`fqdn ${shown(fqdn)} contains '${extension}', which Medusa strips when reading its index`);
  if (fqdn !== '' && !/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(fqdn))
    problems.push(
      `fqdn ${shown(fqdn)} may only contain letters, digits, '.', '_', ':' and '-', starting with a letter or digit`,
    );
  return problems[0];
}

export function validateFqdn(fqdn: string): string {
  const problem = fqdnProblem(fqdn);
  if (problem) throw new InvalidNameError(problem);
  return fqdn;
}

/** Every problem of a storage prefix (one top-level folder); empty when valid. */
export function prefixProblems(prefix: string): string[] {
  const problems = commonProblems('prefix', prefix, MAX_NAME_LENGTH);
  if (prefix.length === 1)
    problems.push(`prefix ${shown(prefix)} is one character; Medusa ignores such prefixes for its index`);
  if (prefix !== '' && !folderCharacters.test(prefix))
    problems.push(`prefix ${shown(prefix)} ${folderRule} (it is one top-level folder)`);
  return problems;
}

export function prefixProblem(prefix: string): string | undefined {
  return prefixProblems(prefix)[0];
}

/** Storage prefix: none (undefined or ''), or one valid folder name. */
export function validatePrefix(prefix: string | undefined): string | undefined {
  if (prefix === undefined || prefix === '') return undefined;
  const problem = prefixProblem(prefix);
  if (problem) throw new InvalidNameError(problem);
  return prefix;
}

/**
 * Medusa deletes a backup by listing `<fqdn>/<name>` without a trailing slash, so deleting `b1`
 * with Medusa also deletes `b10`. A new name that is a prefix of, or prefixed by, another is refused.
 */
export function prefixCollision(name: string, existing: Iterable<string>): string | undefined {
  for (const other of existing) {
    if (other !== name && (other.startsWith(name) || name.startsWith(other))) {
      return `backup name ${shown(name)} and existing backup ${shown(other)} share a prefix; cassandra-medusa's purge of one would delete the other`;
    }
  }
  return undefined;
}

export function assertNoPrefixCollision(name: string, existing: Iterable<string>): void {
  const problem = prefixCollision(name, existing);
  if (problem) throw new InvalidNameError(problem);
}

/** The digits a schedule appends: `<schedule>-<unix seconds>` (10 digits until the year 2286). */
const scheduledSuffix = '-0000000000';

/**
 * What is wrong with a MedusaBackupSchedule's name: the jobs it creates are named
 * `<schedule>-<unix seconds>`, and those names must be valid backup names.
 */
export function scheduleNameProblem(name: string): string | undefined {
  const problem = kubernetesBackupNameProblem(`${name}${scheduledSuffix}`);
  if (!problem) return undefined;
  const longest = MAX_NAME_LENGTH - scheduledSuffix.length;
  if (name.length > longest)
    return `schedule name ${shown(name)} is ${name.length} characters long; at most ${longest} are allowed, as its backups are named <schedule>-<unix seconds>`;
  return `the backups of this schedule are named <schedule>-<unix seconds>: ${problem}`;
}
