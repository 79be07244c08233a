import { readFile } from 'node:fs/promises';
import { parseJsonKeyFile } from './json-key-file.js';

/** The fields of a Google service-account key file that the GCS client needs. */
export interface GcsServiceAccount {
  type: 'service_account';
  project_id: string;
  client_email: string;
  private_key: string;
  [field: string]: unknown;
}

export function parseGcsKeyFile(text: string, source = 'key file'): GcsServiceAccount {
  const record = parseJsonKeyFile(text, source);
  for (const field of ['project_id', 'client_email', 'private_key']) {
    if (typeof record[field] !== 'string' || record[field] === '') {
      throw new Error(`${source} is not a service-account key: '${field}' is missing`);
    }
  }
  if (record.type !== 'service_account') {
    throw new Error(`${source}: expected "type": "service_account", got ${JSON.stringify(record.type)}`);
  }
  return record as GcsServiceAccount;
}

export async function readGcsKeyFile(path: string): Promise<GcsServiceAccount> {
  return parseGcsKeyFile(await readFile(path, 'utf8'), path);
}
