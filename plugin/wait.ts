// --wait: polls an object until its operation ends, rendering per-node progress.
import { classify } from '../lib/kube-retry.js';
import type { NodeProgressReport } from '../lib/node-report.js';
import { formatDuration, humanizeBytes } from '../lib/units.js';
import { exitCodes, MedusaError } from './errors.js';
import { colorStatus, type Io } from './io.js';
import { list } from './commands/common.js';
import { renderTable } from './printers/table.js';

/** One node's row: an agent's report as read back from status, where any phase may appear. */
export type NodeProgress = Omit<NodeProgressReport, 'phase'> & { phase: string };

export interface Observation {
  /** Phase of the whole operation, for change lines: Pending, Running, Succeeded, Failed. */
  phase: string;
  done: boolean;
  failed: boolean;
  /** Why it failed, or a note. */
  message?: string;
  nodes: NodeProgress[];
}

/**
 * Per-node rows of an operation: the agents' progress when there is some, else k8ssandra's pod lists
 * (inProgress, finished, failed). `finished` may hold task results ({podName}) instead of names.
 */
export function nodesOf(status: Record<string, unknown>): NodeProgress[] {
  const progress = (status.progress as NodeProgress[] | undefined) ?? [];
  if (progress.length > 0) return progress;
  const finished = (Array.isArray(status.finished) ? status.finished : []).map((f: unknown) =>
    typeof f === 'string' ? f : ((f as { podName?: string }).podName ?? '-'),
  );
  return [
    ...list(status.inProgress).map((node) => ({ node, phase: 'Running' })),
    ...finished.map((node) => ({ node, phase: 'Succeeded' })),
    ...list(status.failed).map((node) => ({ node, phase: 'Failed' })),
  ];
}

export interface WaitOptions<T> {
  what: string;
  fetch: () => Promise<T>;
  observe: (object: T) => Observation;
  timeoutMs?: number;
  intervalMs?: number;
}

const bar = (fraction: number, width = 20) => {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
};

/** The per-node progress table shown while waiting and in describe output. */
export function renderProgress(io: Io, nodes: NodeProgress[]): string {
  const rows = nodes.map((n) => {
    const fraction = n.bytesTotal ? (n.bytesDone ?? 0) / n.bytesTotal : n.phase === 'Succeeded' ? 1 : 0;
    return [
      n.node,
      colorStatus(io, n.phase),
      `${bar(fraction)} ${Math.floor(fraction * 100)}%`,
      n.bytesTotal !== undefined
        ? `${humanizeBytes(n.bytesDone ?? 0)} / ${humanizeBytes(n.bytesTotal)}`
        : '-',
      n.filesTotal !== undefined ? `${n.filesDone ?? 0}/${n.filesTotal}` : '-',
      n.bytesPerSecond !== undefined ? `${humanizeBytes(n.bytesPerSecond)}/s` : '-',
      n.etaSeconds !== undefined && n.phase === 'Running' ? formatDuration(n.etaSeconds * 1000) : '-',
      n.lastError ? io.color.red(n.lastError) : '',
    ];
  });
  return renderTable(['node', 'phase', 'progress', 'bytes', 'files', 'rate', 'eta', 'error'], rows);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits for the operation to end. Resolves with the last object; the exit code says how it ended:
 * 0 succeeded, 1 failed, 124 timed out (the operation itself goes on).
 */
export async function waitFor<T>(io: Io, options: WaitOptions<T>): Promise<{ object: T; exitCode: number }> {
  const started = Date.now();
  const interval = options.intervalMs ?? 1000;
  io.err(io.color.dim(`Waiting for ${options.what}. Ctrl-C stops waiting, not the operation.`));
  let lastPhases = '';
  let lastBlockLines = 0;
  let lastHeartbeat = started;
  let unanswered: string | undefined;
  for (;;) {
    let object: T;
    try {
      object = await options.fetch();
    } catch (error) {
      // The API server saying "try again" past the client's own retries (a restart, a long 503):
      // the operation goes on in the cluster, so the wait goes on until its timeout.
      const verdict = classify(error);
      if (!verdict.retry) throw error;
      if (unanswered !== verdict.reason) io.err(io.color.dim(`API server: ${verdict.reason}; still waiting`));
      unanswered = verdict.reason;
      if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) throw error;
      await sleep(interval);
      continue;
    }
    unanswered = undefined;
    const seen = options.observe(object);
    if (io.live) {
      // Rewrite the progress block in place.
      const header = `${options.what}: ${colorStatus(io, seen.phase)} (${formatDuration(Date.now() - started)})`;
      // Exactly the lines printed, so the next redraw moves up over this block and nothing above it.
      const block = [header, ...(seen.nodes.length ? [renderProgress(io, seen.nodes)] : [])].join('\n');
      if (lastBlockLines) process.stderr.write(`\u001b[${lastBlockLines}A\u001b[0J`);
      io.err(block);
      lastBlockLines = block.split('\n').length;
    } else {
      const phases = `${seen.phase} ${seen.nodes.map((n) => `${n.node}=${n.phase}`).join(' ')}`;
      if (phases !== lastPhases || Date.now() - lastHeartbeat >= 30_000) {
        const detail = seen.nodes
          .map(
            (n) =>
              `${n.node} ${n.phase}${n.bytesTotal ? ` ${Math.floor(((n.bytesDone ?? 0) / n.bytesTotal) * 100)}%` : ''}`,
          )
          .join(', ');
        io.err(
          `${formatDuration(Date.now() - started).padStart(6)}  ${options.what}: ${seen.phase}${detail ? ` (${detail})` : ''}`,
        );
        lastPhases = phases;
        lastHeartbeat = Date.now();
      }
    }
    if (seen.done) {
      if (!io.live && seen.nodes.length) io.err(renderProgress(io, seen.nodes));
      return { object, exitCode: seen.failed ? exitCodes.failed : exitCodes.ok };
    }
    if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) {
      throw new MedusaError(
        'MDS-CLI-E124',
        `timed out after ${formatDuration(options.timeoutMs)} waiting for ${options.what}`,
        {
          hint: 'the operation goes on; check it later with describe',
          exitCode: exitCodes.timeout,
        },
      );
    }
    await sleep(interval);
  }
}
