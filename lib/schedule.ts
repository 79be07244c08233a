// Cron expressions of MedusaBackupSchedules: parsing, time zones and next runs.
import { CronExpressionParser } from 'cron-parser';

export interface ParsedSchedule {
  expression: string;
  timeZone: string;
}

/**
 * Splits a cronSchedule into expression and time zone. The zone comes from a CRON_TZ= or TZ=
 * prefix (as Kubernetes CronJobs accept) or the timeZone field; UTC otherwise.
 */
export function parseSchedule(cronSchedule: string, timeZone?: string): ParsedSchedule {
  const prefixed = /^\s*(?:CRON_)?TZ=(\S+)\s+(.*)$/.exec(cronSchedule);
  const expression = (prefixed?.[2] ?? cronSchedule).trim();
  const zone = prefixed?.[1] ?? timeZone ?? 'UTC';
  if (!isTimeZone(zone))
    throw new Error(`unknown time zone "${zone}" (use an IANA name such as Europe/Paris)`);
  // Validate now, so callers get the parser's message for a bad expression.
  CronExpressionParser.parse(expression, { tz: zone, strict: false });
  return { expression, timeZone: zone };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The next `count` run times strictly after `from`. */
export function nextRuns(
  cronSchedule: string,
  options: { timeZone?: string; from?: Date; count?: number } = {},
): Date[] {
  const { expression, timeZone } = parseSchedule(cronSchedule, options.timeZone);
  const cron = CronExpressionParser.parse(expression, {
    tz: timeZone,
    currentDate: options.from ?? new Date(),
    strict: false,
  });
  return cron.take(options.count ?? 1).map((d) => d.toDate());
}

/** The latest run time at or before `now`, after `since` (undefined when none is due). */
export function lastDueRun(
  cronSchedule: string,
  since: Date,
  now: Date,
  timeZone?: string,
): Date | undefined {
  const next = nextRuns(cronSchedule, { from: since, count: 1, ...(timeZone ? { timeZone } : {}) })[0];
  if (!next || next > now) return undefined;
  let due = next;
  for (;;) {
    const after = nextRuns(cronSchedule, { from: due, count: 1, ...(timeZone ? { timeZone } : {}) })[0];
    if (!after || after > now) return due;
    due = after;
  }
}
