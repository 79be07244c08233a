// Structured JSON-lines logging shared by the agent, webhook and controller.
// Secrets never reach logs: values under secret-looking keys are replaced before writing.

export type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Keys whose values are never logged (case-insensitive): anything naming a secret, password,
 * credential or key, and keys ending in "token" (bearer tokens), but not Cassandra's ring `tokens`.
 */
const secretKey =
  /(secret|password|passwd|credential|authorization|private|access_?key|accountkey|sas)|token$/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { message: value.message, name: value.name };
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      secretKey.test(k) ? '[redacted]' : redact(v, depth + 1),
    ]),
  );
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: Level;
  write?: (line: string) => void;
}

export function createLogger(
  component: string,
  options: LoggerOptions = {},
  bound: Record<string, unknown> = {},
): Logger {
  const minimum =
    order[options.level ?? (process.env.LOG_LEVEL as Level | undefined) ?? 'info'] ?? order.info;
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (order[level] < minimum) return;
    const record = { time: new Date().toISOString(), level, component, msg, ...bound, ...fields };
    write(JSON.stringify(redact(record)));
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger(component, options, { ...bound, ...fields }),
  };
}
