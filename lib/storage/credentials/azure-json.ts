import { readFile } from 'node:fs/promises';
import { parseJsonKeyFile } from './json-key-file.js';

/** Medusa's Azure key file: `{"storage_account": "<name>", "key": "<account key>"}`. */
export interface AzureAccountKey {
  storageAccount: string;
  key: string;
}

export function parseAzureKeyFile(text: string, source = 'key file'): AzureAccountKey {
  const record = parseJsonKeyFile(text, source);
  const storageAccount = record.storage_account;
  const key = record.key;
  if (typeof storageAccount !== 'string' || storageAccount === '' || typeof key !== 'string' || key === '') {
    throw new Error(`${source} must hold {"storage_account": "...", "key": "..."}`);
  }
  return { storageAccount, key };
}

export async function readAzureKeyFile(path: string): Promise<AzureAccountKey> {
  return parseAzureKeyFile(await readFile(path, 'utf8'), path);
}
