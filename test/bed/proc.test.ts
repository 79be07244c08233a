import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';

// The stop path of the test bed's services, on real processes: what Ctrl-C in the demo and a run
// after an interrupted one rely on.

const dir = mkdtempSync(join(tmpdir(), 'medusa-proc-'));
process.env.MEDUSA_TESTBED_DIR = dir;
const proc = await import('./proc.js');
const strays: number[] = [];

afterAll(() => {
  for (const pid of strays) if (proc.isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

describe('test bed services (test/bed/proc.ts)', () => {
  it('a started service is running under its pid file; stopping it kills it and removes the file', async () => {
    const pid = proc.startService({ name: 'dummy', command: 'sleep', args: ['300'] });
    strays.push(pid);
    expect(proc.runningPid('dummy')).toBe(pid);
    // The pid alone, as every reader of pid files parses it.
    expect(readFileSync(proc.pidFile('dummy'), 'utf8')).toBe(String(pid));
    expect(existsSync(proc.logFile('dummy'))).toBe(true);
    await proc.stopService('dummy');
    expect(proc.isAlive(pid)).toBe(false);
    expect(existsSync(proc.pidFile('dummy'))).toBe(false);
    expect(proc.runningPid('dummy')).toBeUndefined();
  });

  it('a service that ignores SIGTERM is killed after the grace period, with the processes it started', async () => {
    const childFile = join(dir, 'child.pid');
    const pid = proc.startService({
      name: 'stubborn',
      command: 'sh',
      args: ['-c', `trap '' TERM; sleep 300 & echo $! > ${childFile}; wait`],
    });
    strays.push(pid);
    await until(() => existsSync(childFile) && readFileSync(childFile, 'utf8').trim() !== '');
    const child = Number(readFileSync(childFile, 'utf8'));
    strays.push(child);
    const t0 = Date.now();
    await proc.stopService('stubborn', 700);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(650);
    expect(proc.isAlive(pid)).toBe(false);
    await until(() => !proc.isAlive(child));
    expect(existsSync(proc.pidFile('stubborn'))).toBe(false);
  });

  it('a stale pid file whose pid now runs another command is not taken for the service (and not killed)', async () => {
    const other = spawn('sleep', ['300'], { stdio: 'ignore' });
    strays.push(other.pid!);
    writeFileSync(proc.pidFile('etcd-like'), String(other.pid));
    writeFileSync(proc.pidFile('etcd-like').replace(/\.pid$/, '.cmd'), '/opt/etcd/bin/etcd\n');
    expect(proc.runningPid('etcd-like')).toBeUndefined();
    await proc.stopService('etcd-like', 200);
    expect(proc.isAlive(other.pid!)).toBe(true);
    expect(existsSync(proc.pidFile('etcd-like'))).toBe(false);
    other.kill('SIGKILL');
  });

  it('a service started through its #! line (interpreter + script) is recognised', async () => {
    const wrapper = join(dir, 'wrapper.sh');
    writeFileSync(wrapper, '#!/bin/sh\nsleep 300\n', { mode: 0o755 });
    const pid = proc.startService({ name: 'scripted', command: wrapper, args: [] });
    strays.push(pid);
    await sleep(200);
    expect(proc.runningPid('scripted')).toBe(pid);
    await proc.stopService('scripted');
    expect(proc.isAlive(pid)).toBe(false);
  });

  it('reads pid files of every format: pid alone, and pid with the command on a second line', async () => {
    const live = spawn('sleep', ['300'], { stdio: 'ignore' });
    strays.push(live.pid!);
    writeFileSync(proc.pidFile('plain'), String(live.pid));
    expect(proc.runningPid('plain')).toBe(live.pid);
    writeFileSync(proc.pidFile('two-lines'), `${live.pid}\nsleep\n`);
    expect(proc.runningPid('two-lines')).toBe(live.pid);
    writeFileSync(proc.pidFile('two-lines-other'), `${live.pid}\n/usr/bin/etcd\n`);
    expect(proc.runningPid('two-lines-other')).toBeUndefined();
    live.kill('SIGKILL');
  });

  it('a pid file whose process is gone is stale', async () => {
    const gone = spawn('true');
    await new Promise((r) => gone.on('exit', r));
    writeFileSync(proc.pidFile('gone'), `${gone.pid}\ntrue\n`);
    expect(proc.runningPid('gone')).toBeUndefined();
    expect(proc.knownServices()).toContain('gone');
  });

  it("finds and stops a namespace's pod processes left by a killed harness", async () => {
    const pod = spawn('sleep', ['300'], {
      env: { ...process.env, POD_NAMESPACE: 'proc-test-ns' },
      detached: true,
      stdio: 'ignore',
    });
    strays.push(pod.pid!);
    const other = spawn('sleep', ['300'], {
      env: { ...process.env, POD_NAMESPACE: 'elsewhere' },
      stdio: 'ignore',
    });
    strays.push(other.pid!);
    await until(() => proc.podProcesses('proc-test-ns').length > 0);
    expect(proc.podProcesses('proc-test-ns')).toEqual([pod.pid]);
    await proc.stopProcesses(proc.podProcesses('proc-test-ns'), 2000);
    await until(() => !proc.isAlive(pod.pid!) || proc.podProcesses('proc-test-ns').length === 0);
    expect(proc.podProcesses('proc-test-ns')).toEqual([]);
    expect(proc.isAlive(other.pid!)).toBe(true);
    other.kill('SIGKILL');
  });

  it('refuses to start over a port that answers untracked', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await expect(proc.refuseUntracked('etcd', port)).rejects.toThrow(
      `127.0.0.1:${port} answers but ${proc.pidFile('etcd')} names no running etcd`,
    );
    await new Promise((resolve) => server.close(resolve));
    await expect(proc.refuseUntracked('etcd', port)).resolves.toBeUndefined();
  });

  it('after refuseNewServices nothing more starts', () => {
    proc.refuseNewServices('stopping');
    expect(() => proc.startService({ name: 'late', command: 'sleep', args: ['300'] })).toThrow(
      'not starting late: stopping',
    );
    expect(existsSync(proc.pidFile('late'))).toBe(false);
  });
});
