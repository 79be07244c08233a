import { CronExpressionParser } from 'cron-parser';

// cronSchedule as k8ssandra-operator reads it (robfig/cron ParseStandard): five fields or a
// descriptor, optionally behind CRON_TZ=/TZ=. Parsed with cron-parser, which accepts more (a seconds
// field, L, #, H): those are refused so that both operators read a schedule the same way.

export type CronCheck =
  { ok: true; next: Date; timeZone: string; expression: string } | { ok: false; message: string };

const descriptors: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const goDurationUnits: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go time.ParseDuration, in milliseconds ("1h30m", "90s", "1.5h"); undefined when invalid. */
export function parseGoDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(match[1]) * (goDurationUnits[match[2] ?? ''] ?? 0);
  }
  return total;
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Checks a schedule and computes its next run after `now`. */
export function checkCronSchedule(schedule: string, timeZone?: string, now = new Date()): CronCheck {
  let expression = schedule.trim();
  let zone = timeZone ?? 'UTC';
  const prefixed = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(expression);
  if (prefixed) {
    zone = prefixed[1] ?? zone;
    expression = (prefixed[2] ?? '').trim();
  }
  if (!isTimeZone(zone))
    return { ok: false, message: `unknown time zone "${zone}" (use an IANA name such as Europe/Paris)` };
  if (expression.startsWith('@every')) {
    const duration = parseGoDuration(expression.slice('@every'.length).trim());
    if (duration === undefined || duration <= 0) {
      return { ok: false, message: `"${expression}": @every needs a duration such as 1h, 30m or 1h30m` };
    }
    // robfig rounds intervals below one second up to one second.
    return { ok: true, next: new Date(now.getTime() + Math.max(1000, duration)), timeZone: zone, expression };
  }
  const standard = expression.startsWith('@') ? descriptors[expression.toLowerCase()] : expression;
  if (standard === undefined) {
    return {
      ok: false,
      message: `unknown descriptor "${expression}" (allowed: ${Object.keys(descriptors).join(', ')}, @every <duration>)`,
    };
  }
  const fields = standard.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) {
    const hint =
      fields.length === 6 ? ': a seconds field is not allowed ("0 3 * * *" runs daily at 03:00)' : '';
    return {
      ok: false,
      message: `"${expression}" has ${fields.length} fields; expected 5 (minute hour day-of-month month day-of-week)${hint}`,
    };
  }
  if (/[LH#]/.test(standard.replace(/[A-Z]{3}/g, ''))) {
    return {
      ok: false,
      message: `"${expression}": L, # and H are not supported by k8ssandra-operator's cron parser`,
    };
  }
  try {
    const next = CronExpressionParser.parse(standard, { currentDate: now, tz: zone }).next().toDate();
    return { ok: true, next, timeZone: zone, expression };
  } catch (error) {
    return {
      ok: false,
      message: `"${expression}": ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
