import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the lock file holds: who holds it, and a nonce naming this very acquisition. */
export interface LockHolder {
  pid: number;
  backup: string;
  /** Unique per acquisition: a takeover replaces exactly the stale lock it read, never a fresh one. */
  nonce: string;
  /** The holder's process start time (/proc/<pid>/stat field 22), so a reused pid is not taken as alive. */
  started?: string;
}

/** The node lock is held by a live process: the caller must not start. */
export class NodeLockBusyError extends Error {
  constructor(readonly holder: LockHolder) {
    super(`backup ${holder.backup} is already running on this node (pid ${holder.pid})`);
    this.name = 'NodeLockBusyError';
  }
}

/** Takeovers of takeovers (each needs a crash during the previous takeover): bounded. */
const MAX_DEPTH = 6;
/** How long a caller waits for another process to finish taking over a stale lock. */
const TAKEOVER_WAIT_MS = 10_000;
/** A lock file that cannot be parsed (a foreign marker, or an old agent mid-write) is stale after this. */
const UNREADABLE_STALE_MS = 5_000;

/**
 * Medusa's local "backup in progress" marker (<tmp>/medusa_backup_in_progress): the k8s entrypoint
 * checks it before restarting the sidecar. Here it is also the node lock: one backup, purge or
 * delete-backup per node at a time.
 *
 * Exclusive under concurrent starts: the lock file appears atomically with its content (link() of a
 * complete temporary file, which fails if the lock exists). A lock whose holder is dead is taken
 * over by one process only: the taker must first win the lock named after the stale lock's nonce
 * (`<lock>.takeover-<nonce>`, the same algorithm one level down), then re-read the lock and, only
 * if it still holds that nonce, rename its own file over it. A taker killed half-way leaves a
 * takeover lock whose holder is dead, which the next taker takes over in turn.
 */
export class NodeBackupLock {
  private constructor(
    readonly path: string,
    readonly holder: LockHolder,
  ) {}

  static defaultPath(): string {
    return join(tmpdir(), 'medusa_backup_in_progress');
  }

  /** Takes the lock for `backupName` (or a purge); rejects with NodeLockBusyError if it is held. */
  static async acquire(backupName: string, path = NodeBackupLock.defaultPath()): Promise<NodeBackupLock> {
    const me: LockHolder = {
      pid: process.pid,
      backup: backupName,
      nonce: randomBytes(8).toString('hex'),
      started: ownStart,
    };
    const outcome = await acquireAt(path, me, 0);
    if (outcome !== 'acquired') throw new NodeLockBusyError(outcome);
    await removeLeftovers(path);
    return new NodeBackupLock(path, me);
  }

  /** The current holder, if the lock file exists and can be read. */
  static async holder(path = NodeBackupLock.defaultPath()): Promise<LockHolder | undefined> {
    return (await readHolder(path)).holder;
  }

  /** Removes the lock if it is still this acquisition's (never another process's lock). */
  async release(): Promise<void> {
    const { holder } = await readHolder(this.path);
    if (holder?.nonce === this.holder.nonce) await rm(this.path, { force: true });
  }
}

type Outcome = 'acquired' | LockHolder;

async function acquireAt(path: string, me: LockHolder, depth: number): Promise<Outcome> {
  if (depth > MAX_DEPTH) throw new Error(`cannot take the node lock ${path}: too many stale takeovers`);
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    if (await createExclusive(path, me)) return 'acquired';
    const seen = await readHolder(path);
    if (!seen.exists) continue; // released in between: try again
    if (seen.holder && isAlive(seen.holder)) return seen.holder;
    if (!seen.holder && Date.now() - seen.mtimeMs < UNREADABLE_STALE_MS) {
      await sleep(50);
      continue;
    }
    const staleId = seen.holder?.nonce ?? `raw-${seen.mtimeMs}-${seen.size}`;
    const takeover = `${path}.takeover-${staleId}`;
    const won = await acquireAt(takeover, me, depth + 1);
    if (won === 'acquired') {
      try {
        const now = await readHolder(path);
        const same = now.exists && (now.holder?.nonce ?? `raw-${now.mtimeMs}-${now.size}`) === staleId;
        if (same) {
          const temporary = temporaryName(path, me);
          await writeFile(temporary, JSON.stringify(me), { flag: 'wx' });
          await rename(temporary, path);
          return 'acquired';
        }
      } finally {
        await rm(takeover, { force: true });
      }
    } else if (Date.now() > deadline) {
      return won; // another live process has been taking it over for too long
    } else {
      await sleep(20 + Math.random() * 30);
    }
  }
}

const temporaryName = (path: string, me: LockHolder) => `${path}.${me.pid}-${me.nonce}.tmp`;

/** Creates `path` with the holder's record, atomically and only if it does not exist. */
async function createExclusive(path: string, me: LockHolder): Promise<boolean> {
  const temporary = temporaryName(path, me);
  await writeFile(temporary, JSON.stringify(me), { flag: 'wx' });
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

async function readHolder(
  path: string,
): Promise<{ exists: boolean; holder?: LockHolder; mtimeMs: number; size: number }> {
  try {
    const [text, stats] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { exists: true, holder: parseHolder(text), mtimeMs: stats.mtimeMs, size: stats.size };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, mtimeMs: 0, size: 0 };
    throw error;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || !Number.isInteger(value.pid)) return undefined;
    return {
      pid: value.pid,
      backup: typeof value.backup === 'string' ? value.backup : '?',
      // A lock written by an older agent has no nonce: its pid stands for it.
      nonce: typeof value.nonce === 'string' ? value.nonce : `pid-${value.pid}`,
      started: typeof value.started === 'string' ? value.started : undefined,
    };
  } catch {
    return undefined;
  }
}

/** The process's start time in clock ticks since boot, where /proc has it. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const ownStart = processStart(process.pid);

function isAlive(holder: LockHolder): boolean {
  // Our own pid without a start time is an older lock of a process that had our pid (a container
  // restart): this process holds no lock it does not know the nonce of.
  if (holder.pid === process.pid && holder.started === undefined && ownStart !== undefined) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The pid exists; it is the holder only if it is the same process (pids are reused, notably in
  // containers, where a restarted agent often gets the pid of the one that crashed).
  if (holder.started !== undefined) {
    const started = processStart(holder.pid);
    if (started !== undefined && started !== holder.started) return false;
  }
  return true;
}

/** Takeover locks and temporary files left by processes that died: removed once the lock is ours. */
async function removeLeftovers(path: string): Promise<void> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`${base}.`)) continue;
    const rest = name.slice(base.length + 1);
    const full = join(dir, name);
    if (rest.startsWith('takeover-')) {
      const { exists, holder } = await readHolder(full).catch(() => ({ exists: false, holder: undefined }));
      if (exists && holder && !isAlive(holder)) await rm(full, { force: true });
    } else {
      const temp = /^(\d+)-[0-9a-f]+\.tmp$/.exec(rest);
      if (temp && !isAlive({ pid: Number(temp[1]), backup: '', nonce: '' })) await rm(full, { force: true });
    }
  }
}
