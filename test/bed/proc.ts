import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { portAnswers } from '../../lib/tcp-port.js';
import { runDir } from './paths.js';

/** A long-running component process started detached, tracked by a pid file. */
export interface ServiceSpec {
  /** Unique name: names the pid file and the log file. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export const pidFile = (name: string): string => join(runDir, 'pids', `${name}.pid`);
export const logFile = (name: string): string => join(runDir, 'logs', `${name}.log`);
const commandFile = (name: string): string => join(runDir, 'pids', `${name}.cmd`);

let refusing: string | undefined;

/**
 * From now on startService throws: a process shutting down (Ctrl-C in the demo) must not have a
 * step still in flight start a service after the stop path went past it.
 */
export function refuseNewServices(reason: string): void {
  refusing = reason;
}

/** Starts a service in its own process group with stdout and stderr appended to its log file. */
export function startService(spec: ServiceSpec): number {
  if (refusing) throw new Error(`not starting ${spec.name}: ${refusing}`);
  mkdirSync(dirname(pidFile(spec.name)), { recursive: true });
  mkdirSync(dirname(logFile(spec.name)), { recursive: true });
  const log = openSync(logFile(spec.name), 'a');
  writeFileSync(log, `\n=== ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  child.unref();
  // The pid file holds the pid alone (readers of any version parse it); the command goes beside it,
  // so that a pid left by a crashed run that now belongs to another process is not taken for ours.
  writeFileSync(commandFile(spec.name), `${spec.command}\n`);
  writeFileSync(pidFile(spec.name), String(child.pid));
  return child.pid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a live process runs `command` (Linux /proc): its path or file name among the arguments
 * (a script started through its #! line runs as `interpreter script`). True when unknown.
 */
function runsCommand(pid: number, command: string): boolean {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return true;
  }
  if (args.length === 0) return true; // a zombie, or a process that hid its arguments
  // A process may retitle itself (sshd: "sshd: /path/sshd -D [listener] ..."): look inside too.
  const words = args.flatMap((a) => a.split(/\s+/));
  const name = basename(command);
  return words.some((w) => w === command || basename(w) === name);
}

/**
 * The pid of a service started earlier and still running, if any. A pid file whose process is
 * gone, or whose pid now runs another command (reused after a reboot or a crash), is stale.
 */
export function runningPid(name: string): number | undefined {
  const file = pidFile(name);
  if (!existsSync(file)) return undefined;
  // A second line is the command, as pid files briefly held it.
  const [first = '', inline] = readFileSync(file, 'utf8').split('\n');
  const pid = Number(first.trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const command = existsSync(commandFile(name)) ? readFileSync(commandFile(name), 'utf8').trim() : inline;
  return !command || runsCommand(pid, command) ? pid : undefined;
}

/** Names of the services with a pid file (running or stale). */
export function knownServices(): string[] {
  const dir = dirname(pidFile('x'));
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => f.slice(0, -'.pid'.length));
}

/** SIGTERM the service's process group, then SIGKILL after the grace period. */
export async function stopService(name: string, graceMs = 30_000): Promise<void> {
  const pid = runningPid(name);
  if (pid !== undefined) {
    signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(200);
    if (isAlive(pid)) signalGroup(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(100);
  }
  rmSync(pidFile(name), { force: true });
  rmSync(commandFile(name), { force: true });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** The last lines of a service's log, for error messages. */
export function logTail(name: string, lines = 25): string {
  const file = logFile(name);
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/**
 * Polls `check` until it returns true. Fails early when the service died, and with the log tail
 * on timeout, so a failed start says why.
 */
export async function waitUntil(
  name: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    const pid = runningPid(name);
    if (existsSync(pidFile(name)) && pid === undefined) {
      throw new Error(`${name} exited during start-up; log ${logFile(name)}:\n${logTail(name)}`);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${name} not ready after ${timeoutMs / 1000}s; log ${logFile(name)}:\n${logTail(name)}`,
      );
    }
    await sleep(intervalMs);
  }
}

/** True when a TCP connection to host:port succeeds. */
export function portOpen(host: string, port: number): Promise<boolean> {
  return portAnswers(host, port, 1000);
}

/**
 * Processes a killed harness left behind for a namespace's pods (their containers run detached,
 * with POD_NAMESPACE in their environment): found through /proc.
 */
export function podProcesses(namespace: string): number[] {
  if (!existsSync('/proc')) return [];
  const mark = `POD_NAMESPACE=${namespace}`;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(mark);
      } catch {
        return false; // gone, or not ours to read
      }
    })
    .map(Number);
}

/** SIGTERM, then SIGKILL after graceMs, each process (and its group) that is still alive. */
export async function stopProcesses(pids: number[], graceMs = 10_000): Promise<void> {
  for (const pid of pids) signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(200);
  for (const pid of pids.filter(isAlive)) signalGroup(pid, 'SIGKILL');
}

/**
 * Throws when host:port answers while no pid file names a running `service`: a bed whose pid files
 * were lost (or written by another version). Starting over it fails on the port, and a start that
 * prepares fresh data (etcd, a Cassandra node) would wipe the data the untracked process serves.
 */
export async function refuseUntracked(service: string, port: number, host = '127.0.0.1'): Promise<void> {
  if (await portOpen(host, port)) {
    throw new Error(
      `${host}:${port} answers but ${pidFile(service)} names no running ${service}: a bed is running untracked; not starting (or wiping) anything over it (find it with ss -ltnp and stop it by its pid)`,
    );
  }
}
