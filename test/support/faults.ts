// Shared pieces of the fault-injection tests (issue 14): an agent run in its own process group,
// listings by us and by the real cassandra-medusa, and a MinIO of a test's own that it can stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { artefacts, repoRoot } from '../bed/paths.js';
import { minio } from '../bed/stores.js';
import { runTool, type ToolRun } from './agent-cli.js';
import { entryArgs } from './entry.js';

export interface AgentRun {
  child: ChildProcess;
  done: Promise<ToolRun & { signal: NodeJS.Signals | null }>;
  kill: () => void;
}

/** A medusa-agent run in its own process group (a kill takes its nodetool children too). */
export function startAgent(ini: string, args: string[], env: Record<string, string> = {}): AgentRun {
  const child = spawn(process.execPath, [...entryArgs('agent'), '--quiet', '--config-file', ini, ...args], {
    cwd: repoRoot,
    detached: true,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<ToolRun & { signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr })),
  );
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return { child, done, kill };
}

export interface Listed {
  name: string;
  finished: number | null;
}

export async function ourListing(ini: string, env: Record<string, string> = {}): Promise<Listed[]> {
  const run = await startAgent(ini, ['list-backups', '-o', 'json'], env).done;
  if (run.code !== 0) throw new Error(`medusa-agent list-backups exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Listed[];
}

export async function medusaListing(ini: string): Promise<Listed[]> {
  const result = await runTool(artefacts.medusa, ['--config-file', ini, 'list-backups', '--output', 'json']);
  if (result.code !== 0)
    throw new Error(`medusa list-backups exited ${result.code}: ${result.stderr.slice(-2000)}`);
  return JSON.parse(result.stdout) as Listed[];
}

export const complete = (listing: Listed[]) => listing.filter((b) => b.finished !== null).map((b) => b.name);

/** A MinIO server of one test's own (same keys as the bed's), on its own address, that it may stop. */
export class OwnMinio {
  private child: ChildProcess | undefined;
  readonly endpoint: string;

  constructor(
    readonly dir: string,
    readonly host: string,
    readonly port: number,
  ) {
    this.endpoint = `http://${host}:${port}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    this.child = spawn(
      artefacts.minio,
      [
        'server',
        this.dir,
        '--address',
        `${this.host}:${this.port}`,
        '--console-address',
        `${this.host}:${this.port + 1}`,
        '--quiet',
      ],
      {
        env: {
          ...process.env,
          MINIO_ROOT_USER: minio.accessKeyId,
          MINIO_ROOT_PASSWORD: minio.secretAccessKey,
          MINIO_BROWSER: 'off',
          MINIO_UPDATE: 'off',
        },
        stdio: 'ignore',
      },
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = await fetch(`${this.endpoint}/minio/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`minio on ${this.endpoint} not ready after 60 s`);
      await sleep(200);
    }
  }

  /** SIGKILL: the storage is gone at once, as when a network path drops. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
