// Terminal output: results to stdout, everything else to stderr; colour only where it helps.
import { Chalk, type ChalkInstance } from 'chalk';

export type ColorMode = 'auto' | 'always' | 'never';

export interface Io {
  /** Results (tables, objects): stdout. */
  out(text: string): void;
  /** Progress, notices, hints: stderr. */
  err(text: string): void;
  color: ChalkInstance;
  /** True when stderr is an interactive terminal outside CI: live redraws allowed. */
  live: boolean;
}

/** auto: colour when stdout is a TTY and neither NO_COLOR nor CI asks otherwise. */
export function createIo(
  mode: ColorMode = 'auto',
  streams = { stdout: process.stdout, stderr: process.stderr },
): Io {
  const envNoColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  const colorOn = mode === 'always' || (mode === 'auto' && !envNoColor && Boolean(streams.stdout.isTTY));
  const live = Boolean(streams.stderr.isTTY) && !process.env.CI;
  return {
    out: (text) => streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => streams.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    color: new Chalk({ level: colorOn ? 1 : 0 }),
    live,
  };
}

/** Semantic colour of a phase or status word: green done, yellow in progress, red failed. */
export function colorStatus(io: Io, status: string): string {
  const s = status.toUpperCase();
  if (['SUCCESS', 'SUCCEEDED', 'COMPLETED', 'OK', 'TRUE', 'UN'].includes(s)) return io.color.green(status);
  if (['FAILED', 'ERROR', 'FALSE', 'DN'].includes(s)) return io.color.red(status);
  if (s === '-' || s === '') return status;
  return io.color.yellow(status);
}
