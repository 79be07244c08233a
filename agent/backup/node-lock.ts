import { open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Medusa's local "backup in progress" marker (<tmp>/medusa_backup_in_progress): the k8s entrypoint
 * checks it before restarting the sidecar. Here it is also a lock: one backup per node at a time.
 * A marker left by a dead process is taken over.
 */
export class NodeBackupLock {
  private constructor(readonly path: string) {}

  static defaultPath(): string {
    return join(tmpdir(), 'medusa_backup_in_progress');
  }

  static async acquire(backupName: string, path = NodeBackupLock.defaultPath()): Promise<NodeBackupLock> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(path, 'wx');
        await handle.writeFile(JSON.stringify({ pid: process.pid, backup: backupName }));
        await handle.close();
        return new NodeBackupLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = await NodeBackupLock.holder(path);
        if (holder && isAlive(holder.pid)) {
          throw new Error(`backup ${holder.backup} is already running on this node (pid ${holder.pid})`);
        }
        await rm(path, { force: true });
      }
    }
    throw new Error(`cannot take the backup lock ${path}`);
  }

  static async holder(
    path = NodeBackupLock.defaultPath(),
  ): Promise<{ pid: number; backup: string } | undefined> {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as { pid: number; backup: string };
    } catch {
      return undefined;
    }
  }

  async release(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
