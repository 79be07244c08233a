import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeBackupLock } from './node-lock.js';

// The lock between processes: many acquirers start at once in separate processes, over a stale lock,
// a stale takeover left by a taker killed half-way, or no lock at all; exactly one may hold it.
const WORKERS = 6;
const ROUNDS = 60;
const deadPid = 2 ** 22 + 12345; // above Linux's pid_max: never alive

const worker = join(import.meta.dirname, '..', '..', 'test', 'support', 'node-lock-worker.ts');

interface Reply {
  ready?: boolean;
  round?: number;
  acquired?: boolean;
  released?: boolean;
  error?: string;
}

function startWorker(): Promise<{ child: ChildProcess; next: () => Promise<Reply> }> {
  const child = fork(worker, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: Reply[] = [];
  const waiting: ((reply: Reply) => void)[] = [];
  child.on('message', (reply: Reply) => {
    const resolve = waiting.shift();
    if (resolve) resolve(reply);
    else queue.push(reply);
  });
  const next = () =>
    new Promise<Reply>((resolve) => {
      const queued = queue.shift();
      if (queued) resolve(queued);
      else waiting.push(resolve);
    });
  return next().then(() => ({ child, next }));
}

describe('NodeBackupLock across processes', () => {
  let workers: Awaited<ReturnType<typeof startWorker>>[] = [];
  beforeAll(async () => {
    workers = await Promise.all(Array.from({ length: WORKERS }, startWorker));
  }, 60_000);
  afterAll(() => {
    for (const { child } of workers) child.kill('SIGKILL');
  });

  it(`lets exactly one of ${WORKERS} concurrent acquirers in, in each of ${ROUNDS} rounds`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-lock-race-'));
    const path = join(dir, 'medusa_backup_in_progress');
    const holders: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const setup = round % 4;
      // 0, 1: a stale lock of a dead process (new and old format); 2: stale lock plus the takeover
      // lock of a taker that died half-way; 3: no lock at all.
      if (setup === 0)
        writeFileSync(path, JSON.stringify({ pid: deadPid, backup: 'crashed', nonce: `n${round}` }));
      if (setup === 1) writeFileSync(path, JSON.stringify({ pid: deadPid, backup: 'crashed' }));
      if (setup === 2) {
        writeFileSync(path, JSON.stringify({ pid: deadPid, backup: 'crashed', nonce: `s${round}` }));
        writeFileSync(
          `${path}.takeover-s${round}`,
          JSON.stringify({ pid: deadPid + 1, backup: 'killed-taker', nonce: `t${round}` }),
        );
      }
      for (const { child } of workers) child.send({ op: 'go', path, round });
      const replies = await Promise.all(workers.map((w) => w.next()));
      const winners = replies.map((reply, i) => (reply.acquired ? i : -1)).filter((i) => i >= 0);
      holders.push(winners.length);
      expect(winners, `round ${round}: ${JSON.stringify(replies)}`).toHaveLength(1);
      for (const reply of replies.filter((r) => !r.acquired))
        expect(reply.error).toMatch(
          new RegExp(`^backup round-${round} is already running on this node \\(pid \\d+\\)$`),
        );
      const winner = workers[winners[0]!]!;
      expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({
        pid: winner.child.pid,
        backup: `round-${round}`,
      });
      winner.child.send({ op: 'release', path, round });
      await winner.next();
    }
    expect(holders.every((count) => count === 1)).toBe(true);
    // Nothing left behind: no lock, no takeover locks, no temporary files.
    expect(readdirSync(dir)).toEqual([]);
  }, 180_000);
});

describe('NodeBackupLock in one process', () => {
  it('refuses while held, takes over a dead holder, and releases only its own lock', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'agent-lock-')), 'medusa_backup_in_progress');
    const lock = await NodeBackupLock.acquire('b1', path);
    await expect(NodeBackupLock.acquire('b2', path)).rejects.toThrow(
      `backup b1 is already running on this node (pid ${process.pid})`,
    );
    await lock.release();
    const again = await NodeBackupLock.acquire('b2', path);
    await again.release();

    writeFileSync(path, JSON.stringify({ pid: deadPid, backup: 'crashed' }));
    const takeover = await NodeBackupLock.acquire('b3', path);
    expect(await NodeBackupLock.holder(path)).toMatchObject({ pid: process.pid, backup: 'b3' });
    // A lock that is no longer ours (taken over after a pid check went wrong) is left alone.
    writeFileSync(path, JSON.stringify({ pid: process.pid, backup: 'other', nonce: 'x', started: 'y' }));
    await takeover.release();
    expect(await NodeBackupLock.holder(path)).toMatchObject({ backup: 'other' });
  });
});
