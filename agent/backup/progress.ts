import { EventEmitter } from 'node:events';
import { formatDuration, humanizeBytes } from '../../lib/units.js';

/** A snapshot of a transfer's progress. */
export interface Progress {
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
  /** Files counted done without transferring (differential reuse). */
  filesSkipped: number;
  elapsedMs: number;
  /** Bytes per second over the recent window (0 until measurable). */
  rate: number;
  /** Estimated time left in ms, or undefined while the rate is unknown. */
  etaMs: number | undefined;
}

export interface ProgressOptions {
  /** Minimum time between 'progress' events; the final state is always emitted. */
  intervalMs?: number;
  /** Window over which the rate is measured. */
  rateWindowMs?: number;
  now?: () => number;
}

/**
 * Counts bytes and files of a backup or restore and emits 'progress' (throttled) with rate and ETA.
 * Bytes skipped by differential reuse count as done at once but not towards the rate.
 */
export class ProgressTracker extends EventEmitter<{ progress: [Progress] }> {
  private bytesDone = 0;
  private filesDone = 0;
  private filesSkipped = 0;
  private readonly startedAt: number;
  private lastEmit = -Infinity;
  /** (time, transferred bytes so far) samples for the rate window. */
  private samples: [number, number][] = [];
  private transferred = 0;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly rateWindowMs: number;

  constructor(
    private readonly bytesTotal: number,
    private readonly filesTotal: number,
    options: ProgressOptions = {},
  ) {
    super();
    this.now = options.now ?? Date.now;
    this.intervalMs = options.intervalMs ?? 5_000;
    this.rateWindowMs = options.rateWindowMs ?? 30_000;
    this.startedAt = this.now();
    this.samples.push([this.startedAt, 0]);
  }

  /** Bytes moved (call as chunks stream). */
  addBytes(bytes: number): void {
    this.bytesDone += bytes;
    this.transferred += bytes;
    this.sample();
    this.maybeEmit();
  }

  /** A file finished transferring (its bytes already reported through addBytes). */
  fileDone(): void {
    this.filesDone++;
    this.maybeEmit();
  }

  /** A file needing no transfer (already in storage): done at once, outside the rate. */
  fileSkipped(size: number): void {
    this.bytesDone += size;
    this.filesDone++;
    this.filesSkipped++;
    this.maybeEmit();
  }

  private sample(): void {
    const at = this.now();
    this.samples.push([at, this.transferred]);
    while (this.samples.length > 2 && this.samples[1]![0] <= at - this.rateWindowMs) this.samples.shift();
  }

  snapshot(): Progress {
    const at = this.now();
    const [firstAt, firstBytes] = this.samples[0]!;
    const seconds = (at - firstAt) / 1000;
    const rate = seconds > 0 ? (this.transferred - firstBytes) / seconds : 0;
    const left = Math.max(0, this.bytesTotal - this.bytesDone);
    return {
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      filesSkipped: this.filesSkipped,
      elapsedMs: at - this.startedAt,
      rate,
      etaMs: left === 0 ? 0 : rate > 0 ? (left / rate) * 1000 : undefined,
    };
  }

  private maybeEmit(): void {
    const at = this.now();
    const finished = this.filesDone >= this.filesTotal;
    if (!finished && at - this.lastEmit < this.intervalMs) return;
    this.lastEmit = at;
    this.emit('progress', this.snapshot());
  }

  /** Emits the current state now (e.g. at the start and the end). */
  flush(): void {
    this.lastEmit = this.now();
    this.emit('progress', this.snapshot());
  }
}

/** One human line: "1.20 GB of 3.40 GB (35%), 120/340 files, 45.30 MB/s, ETA 1m05s". */
export function formatProgress(progress: Progress): string {
  const percent =
    progress.bytesTotal > 0 ? Math.floor((progress.bytesDone / progress.bytesTotal) * 100) : 100;
  const parts = [
    `${humanizeBytes(progress.bytesDone)} of ${humanizeBytes(progress.bytesTotal)} (${percent}%)`,
    `${progress.filesDone}/${progress.filesTotal} files`,
  ];
  if (progress.filesSkipped > 0) parts.push(`${progress.filesSkipped} unchanged`);
  if (progress.rate > 0) parts.push(`${humanizeBytes(progress.rate)}/s`);
  if (progress.etaMs !== undefined && progress.bytesDone < progress.bytesTotal) {
    parts.push(`ETA ${formatDuration(progress.etaMs)}`);
  }
  return parts.join(', ');
}
