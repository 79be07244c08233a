import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { Logger } from '../lib/log.js';

// The serving certificate, read from files (a mounted Secret) and reloaded when they change.
// Kubernetes swaps a Secret volume's `..data` symlink, so the directory is watched, with a poll as
// a safety net for file systems that do not report events.

export interface CertificateFiles {
  cert: string;
  key: string;
}

export interface KeyMaterial {
  cert: Buffer;
  key: Buffer;
}

export async function readKeyMaterial(files: CertificateFiles): Promise<KeyMaterial> {
  const [cert, key] = await Promise.all([readFile(files.cert), readFile(files.key)]);
  // Throws when the pair does not match or a file is half written: the caller keeps the old pair.
  createSecureContext({ cert, key });
  return { cert, key };
}

const fingerprint = (m: KeyMaterial) => createHash('sha256').update(m.cert).update(m.key).digest('hex');

export interface CertificateWatcher {
  close(): void;
  /** Re-reads the files now; resolves to true when a new pair was applied. */
  check(): Promise<boolean>;
}

export function watchCertificates(
  files: CertificateFiles,
  initial: KeyMaterial,
  apply: (material: KeyMaterial) => void,
  log: Logger,
  onResult: (result: 'reloaded' | 'failed') => void,
  pollMs = 10_000,
): CertificateWatcher {
  let current = fingerprint(initial);
  let pending: NodeJS.Timeout | undefined;
  const check = async (): Promise<boolean> => {
    try {
      const material = await readKeyMaterial(files);
      const next = fingerprint(material);
      if (next === current) return false;
      apply(material);
      current = next;
      onResult('reloaded');
      log.info('serving certificate reloaded', { cert: files.cert });
      return true;
    } catch (error) {
      onResult('failed');
      log.warn('serving certificate not reloaded; keeping the previous one', {
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
  };
  // Debounced: a rotation writes several files in a row.
  const soon = () => {
    clearTimeout(pending);
    pending = setTimeout(() => void check(), 200);
  };
  const watchers: FSWatcher[] = [...new Set([dirname(files.cert), dirname(files.key)])].flatMap((dir) => {
    try {
      return [watch(dir, soon)];
    } catch {
      return [];
    }
  });
  const poll = setInterval(() => void check(), pollMs);
  poll.unref();
  return {
    check,
    close() {
      clearTimeout(pending);
      clearInterval(poll);
      watchers.forEach((w) => w.close());
    },
  };
}
