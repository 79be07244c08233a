import { readFile } from 'node:fs/promises';

export interface AwsKeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Sections of an INI file; keys lower-cased, `#`/`;` comments and blank lines skipped. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (header) {
      // ~/.aws/config spells non-default profiles `[profile name]`.
      const name = header[1]!.replace(/^profile\s+/, '');
      current = sections.get(name) ?? new Map<string, string>();
      sections.set(name, current);
      continue;
    }
    const separator = line.search(/[=:]/);
    if (separator < 0 || !current) continue;
    current.set(line.slice(0, separator).trim().toLowerCase(), line.slice(separator + 1).trim());
  }
  return sections;
}

/**
 * Reads Medusa's `key_file` for the S3 family: an AWS shared-credentials INI file, profile
 * `apiProfile` or `default`. Like Medusa, only the key id and secret are used.
 */
export function awsKeyPairFromIni(text: string, profile = 'default', source = 'key file'): AwsKeyPair {
  const sections = parseIni(text);
  const section = sections.get(profile || 'default');
  if (!section) {
    throw new Error(
      `${source} has no profile '${profile}' (profiles: ${[...sections.keys()].join(', ') || 'none'})`,
    );
  }
  const accessKeyId = section.get('aws_access_key_id');
  const secretAccessKey = section.get('aws_secret_access_key');
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      `${source}, profile '${profile}': aws_access_key_id and aws_secret_access_key are required`,
    );
  }
  return { accessKeyId, secretAccessKey };
}

export async function readAwsKeyFile(path: string, profile?: string): Promise<AwsKeyPair> {
  return awsKeyPairFromIni(await readFile(path, 'utf8'), profile, path);
}
