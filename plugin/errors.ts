// Errors the plugin reports, with a stable code, whose fault it is, a hint and an exit code.

/** Exit codes a script can rely on (documented in docs/plugin.md and the help epilogue). */
export const exitCodes = {
  ok: 0,
  /** An error, or the operation waited on ended Failed. */
  failed: 1,
  /** Usage error: bad flag or missing argument. */
  usage: 2,
  /** --timeout expired while waiting; the operation keeps running. */
  timeout: 124,
} as const;

export class MedusaError extends Error {
  readonly code: string;
  readonly source: 'user' | 'system';
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(
    code: string,
    message: string,
    options: { source?: 'user' | 'system'; hint?: string; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'MedusaError';
    this.code = code;
    this.source = options.source ?? 'user';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? exitCodes.failed;
  }
}

export const isMedusaError = (e: unknown): e is MedusaError => e instanceof MedusaError;
