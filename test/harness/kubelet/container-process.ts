import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runDir } from '../../bed/paths.js';
import type { ProcessSpec } from './process-spec.js';

/** Where a container's stdout and stderr go: .testbed/logs/<namespace>.<pod>.<container>.log */
export const containerLogFile = (namespace: string, pod: string, container: string): string =>
  join(runDir, 'logs', `${namespace}.${pod}.${container}.log`);

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One run of a container's process, in its own process group, logging to its file. */
export class ContainerProcess {
  readonly exited: Promise<Exit>;
  readonly startedAt = new Date();
  private readonly child: ChildProcess;
  private exit: Exit | undefined;

  constructor(spec: ProcessSpec, logFile: string) {
    mkdirSync(join(logFile, '..'), { recursive: true });
    mkdirSync(spec.cwd, { recursive: true });
    const log = openSync(logFile, 'a');
    writeFileSync(log, `\n=== ${this.startedAt.toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
    this.child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.exited = new Promise((resolve) => {
      // 'error' (e.g. command not found) comes without 'exit': report it as exit code 127.
      this.child.once('error', (error) => {
        writeFileSync(logFile, `${error.message}\n`, { flag: 'a' });
        this.exit ??= { code: 127, signal: null };
        resolve(this.exit);
      });
      this.child.once('exit', (code, signal) => {
        this.exit ??= { code, signal };
        resolve(this.exit);
      });
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** SIGTERM to the process group, SIGKILL after the grace period. */
  async stop(graceMs: number): Promise<Exit> {
    if (!this.running) return this.exited;
    this.signal('SIGTERM');
    const done = await Promise.race([this.exited, sleep(graceMs).then(() => undefined)]);
    if (done) return done;
    this.signal('SIGKILL');
    return this.exited;
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      this.child.kill(signal);
    }
  }
}
