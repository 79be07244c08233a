import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';

// What a demo run killed outright leaves (its webhook, controller and harness services, its pods'
// processes, its Cassandra nodes), stopped by the next run from the session file: real processes
// stand in for each (sleep), started the way the bed starts them.

const dir = mkdtempSync(join(tmpdir(), 'medusa-demo-session-'));
process.env.MEDUSA_TESTBED_DIR = dir;
const proc = await import('../test/bed/proc.js');
const demo = await import('./demo-session.js');
const strays: number[] = [];

afterAll(() => {
  for (const pid of strays) if (proc.isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const dummy = (name: string) => {
  const pid = proc.startService({ name, command: 'sleep', args: ['300'] });
  strays.push(pid);
  return pid;
};

describe('a demo session left by a killed run', () => {
  it('is stopped by the next run: services, pod processes and Cassandra nodes, pid files removed', async () => {
    const services = ['webhook-demo-t', 'controller-demo-t', 'harness-demo-t', 'cassandra-demo-t-node1'];
    const pids = services.map(dummy);
    const pod = spawn('sleep', ['300'], {
      env: { ...process.env, POD_NAMESPACE: 'demo-t' },
      detached: true,
      stdio: 'ignore',
    });
    strays.push(pod.pid!);
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    demo.writeSession({
      pid: dead.pid!,
      namespace: 'demo-t',
      cluster: { name: 'demo-t', hosts: [250] },
      components: [],
    });

    const session = demo.readSession();
    expect(session?.namespace).toBe('demo-t');
    expect(demo.sessionRunning(session!)).toBe(false);
    const notes: string[] = [];
    await demo.stopSession(session!, (line) => notes.push(line));
    demo.removeSession();

    for (const pid of pids) expect(proc.isAlive(pid)).toBe(false);
    for (const name of services) expect(existsSync(proc.pidFile(name))).toBe(false);
    for (let i = 0; i < 50 && proc.podProcesses('demo-t').length > 0; i++) await sleep(100);
    expect(proc.podProcesses('demo-t')).toEqual([]);
    expect(demo.readSession()).toBeUndefined();
    // No apiserver here: removing the webhook registrations fails, and is only reported.
    expect(notes.every((n) => n.startsWith('could not stop webhook, controller and harness'))).toBe(true);
  });

  it("a session whose demo still runs is another user's demo, not a leftover", () => {
    expect(
      demo.sessionRunning({
        pid: process.pid,
        namespace: 'x',
        cluster: { name: 'x', hosts: [] },
        components: [],
      }),
    ).toBe(false);
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'demo.ts'], {
      stdio: 'ignore',
    });
    strays.push(other.pid!);
    expect(
      demo.sessionRunning({
        pid: other.pid!,
        namespace: 'x',
        cluster: { name: 'x', hosts: [] },
        components: [],
      }),
    ).toBe(true);
    other.kill('SIGKILL');
  });
});
