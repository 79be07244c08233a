import { statfs } from 'node:fs/promises';
import { humanizeBytes } from '../../lib/units.js';

export class InsufficientSpaceError extends Error {
  constructor(
    readonly path: string,
    readonly needed: number,
    readonly available: number,
    what: string,
  ) {
    super(
      `not enough free space for ${what} in ${path}: ${humanizeBytes(needed)} needed, ${humanizeBytes(available)} available`,
    );
    this.name = 'InsufficientSpaceError';
  }
}

/** Bytes an unprivileged process may still write on the filesystem holding `path`. */
export async function freeBytes(path: string): Promise<number> {
  const stats = await statfs(path);
  return stats.bavail * stats.bsize;
}

/** Fails before any work when the filesystem holding `path` cannot take `needed` bytes. */
export async function ensureFreeSpace(path: string, needed: number, what: string): Promise<void> {
  const available = await freeBytes(path);
  if (available < needed) throw new InsufficientSpaceError(path, needed, available, what);
}
