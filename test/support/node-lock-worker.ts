// A child process for agent/backup/node-lock.test.ts: on each 'go' message it tries to take the
// node lock once and reports whether it got it; on 'release' it releases it.
import { NodeBackupLock } from '../../agent/backup/node-lock.js';

let held: NodeBackupLock | undefined;

process.on('message', (message: { op: 'go' | 'release' | 'exit'; path: string; round: number }) => {
  void (async () => {
    if (message.op === 'go') {
      try {
        held = await NodeBackupLock.acquire(`round-${message.round}`, message.path);
        process.send!({ round: message.round, acquired: true });
      } catch (error) {
        process.send!({ round: message.round, acquired: false, error: (error as Error).message });
      }
    } else if (message.op === 'release') {
      await held?.release();
      held = undefined;
      process.send!({ round: message.round, released: true });
    } else {
      process.exit(0);
    }
  })();
});
process.send!({ ready: true });
