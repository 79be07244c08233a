// What a `npm run demo` run started, written down as it goes (.testbed/demo/session.json), so that
// Ctrl-C, SIGTERM or a failure stops exactly that, and a run after one that was killed outright
// (SIGKILL, a closed terminal) finds and stops what the killed run left.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { down, type Component } from '../test/bed/bed.js';
import { CassandraCluster } from '../test/bed/cassandra.js';
import { runDir } from '../test/bed/paths.js';
import { isAlive, podProcesses, stopProcesses } from '../test/bed/proc.js';
import { stopStack } from '../test/support/stack.js';

export interface DemoSession {
  /** The demo process. */
  pid: number;
  namespace: string;
  /** The demo's own Cassandra nodes (run by the harness for the datacenter's pods). */
  cluster: { name: string; hosts: number[] };
  /** Test bed components this run started (those up before it are not listed, and stay up). */
  components: Component[];
}

export const sessionFile = (): string => join(runDir, 'demo', 'session.json');

export function readSession(): DemoSession | undefined {
  const file = sessionFile();
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DemoSession;
  } catch {
    return undefined; // half-written by a run killed mid-write: nothing to go on
  }
}

export function writeSession(session: DemoSession): void {
  mkdirSync(dirname(sessionFile()), { recursive: true });
  writeFileSync(sessionFile(), JSON.stringify(session, null, 2));
}

export const removeSession = (): void => rmSync(sessionFile(), { force: true });

/** True when the session's demo process still runs (another demo, not a leftover). */
export function sessionRunning(session: DemoSession): boolean {
  if (session.pid === process.pid || !isAlive(session.pid)) return false;
  try {
    return readFileSync(`/proc/${session.pid}/cmdline`, 'utf8').includes('demo.ts');
  } catch {
    return true;
  }
}

/**
 * Stops what a session started, in order: the stack (harness first: it stops its pods' processes
 * and nodes), pod processes a killed harness left, the demo's Cassandra nodes, then the test bed
 * components the session started. Each step runs even when an earlier one failed.
 */
export async function stopSession(session: DemoSession, log: (line: string) => void): Promise<void> {
  const steps: [string, () => Promise<void>][] = [
    ['webhook, controller and harness', () => stopStack(session.namespace)],
    ['processes of the pods', () => stopProcesses(podProcesses(session.namespace))],
    [`Cassandra nodes (${session.cluster.name})`, () => new CassandraCluster(session.cluster).stop()],
    [
      `test bed (${session.components.join(', ') || 'none started by the demo'})`,
      () => down(session.components),
    ],
  ];
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (error) {
      log(`could not stop ${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
