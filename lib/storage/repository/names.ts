/**
 * Names that end up in object keys. cassandra-medusa parses the index with substring matching
 * and regular expressions, so some names that are valid strings would be misread by it.
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

export class InvalidNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidNameError';
  }
}

function common(kind: string, value: string): void {
  if (value === '') throw new InvalidNameError(`${kind} must not be empty`);
  if (value.length > 200) throw new InvalidNameError(`${kind} '${value}' is longer than 200 characters`);
  if (value.includes('/') || value.includes('\\')) {
    throw new InvalidNameError(`${kind} '${value}' must not contain '/' or '\\' (it names one folder)`);
  }
  if (value === '.' || value === '..') throw new InvalidNameError(`${kind} must not be '.' or '..'`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\s]/.test(value)) {
    throw new InvalidNameError(`${kind} '${value}' must not contain whitespace or control characters`);
  }
  const lower = value.toLowerCase();
  const word = INDEX_WORDS.find((w) => lower.includes(w));
  if (word) {
    throw new InvalidNameError(
      `${kind} '${value}' contains '${word}', which cassandra-medusa's index lookup would misread`,
    );
  }
}

/** Backup names: one folder, no words Medusa's index lookup matches by substring. */
export function validateBackupName(name: string): string {
  common('backup name', name);
  if (!/^[A-Za-z0-9][A-Za-z0-9._:@+=-]*$/.test(name)) {
    throw new InvalidNameError(
      `backup name '${name}' may use letters, digits and . _ : @ + = - (starting with a letter or digit)`,
    );
  }
  return name;
}

/** Node identities (fqdn, IP or pod name): also used inside index file names. */
export function validateFqdn(fqdn: string): string {
  common('fqdn', fqdn);
  const extension = STRIPPED_EXTENSIONS.find((e) => fqdn.toLowerCase().includes(e));
  if (extension) {
    throw new InvalidNameError(
      `fqdn '${fqdn}' contains '${extension}', which Medusa strips when reading its index`,
    );
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(fqdn)) {
    throw new InvalidNameError(
      `fqdn '${fqdn}' may use letters, digits and . _ : - (starting with a letter or digit)`,
    );
  }
  return fqdn;
}

/** Storage prefix: one folder; one character is refused (Medusa treats it inconsistently). */
export function validatePrefix(prefix: string | undefined): string | undefined {
  if (prefix === undefined || prefix === '') return undefined;
  common('prefix', prefix);
  if (prefix.length === 1) {
    throw new InvalidNameError(
      `prefix '${prefix}' is one character; Medusa ignores such prefixes for its index`,
    );
  }
  return prefix;
}

/**
 * Medusa deletes a backup by listing `<fqdn>/<name>` without a trailing slash, so deleting `b1`
 * with Medusa also deletes `b10`. Refuse a new name that is a prefix of, or prefixed by, another.
 */
export function assertNoPrefixCollision(name: string, existing: Iterable<string>): void {
  for (const other of existing) {
    if (other !== name && (other.startsWith(name) || name.startsWith(other))) {
      throw new InvalidNameError(
        `backup name '${name}' and existing backup '${other}' share a prefix; cassandra-medusa's purge of one would delete the other`,
      );
    }
  }
}
