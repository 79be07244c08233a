// Cron expressions of MedusaBackupSchedules: the one parser and the one dialect. The webhook
// admits, the controller schedules and the plugin shows exactly what this module accepts.
//
// The dialect is k8ssandra-operator's (robfig/cron ParseStandard): five fields (minute hour
// day-of-month month day-of-week) or a descriptor (@yearly, @annually, @monthly, @weekly, @daily,
// @midnight, @hourly, @every <Go duration>), optionally behind CRON_TZ=<zone> or TZ=<zone>.
// cron-parser computes the run times; it reads more (seconds, L, W, #, H, day-of-week 7), which
// the grammar below refuses so that both operators read a schedule the same way. A schedule that
// can never run (day 31 of April only) is refused too.
import { CronExpressionParser } from 'cron-parser';

export interface ParsedSchedule {
  /** The expression without its time-zone prefix. */
  expression: string;
  timeZone: string;
  /** The first run strictly after `after`. */
  next(after: Date): Date;
}

/** A schedule the controller cannot run; `field` is the spec field at fault. */
export class ScheduleError extends Error {
  constructor(
    readonly field: 'cronSchedule' | 'timeZone',
    message: string,
  ) {
    super(message);
    this.name = 'ScheduleError';
  }
}

const descriptors: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** The number of the first name (months start at 1). */
  nameBase?: number;
}

const fieldRules: FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: months, nameBase: 1 },
  { name: 'day-of-week', min: 0, max: 6, names: weekdays, nameBase: 0 },
];

const goDurationUnits: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go time.ParseDuration, in milliseconds ("1h30m", "90s", "1.5h"); undefined when invalid. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (!/^[+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(match[1]) * (goDurationUnits[match[2] ?? ''] ?? 0);
  }
  return total;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** One value of a field: a number in range or (months, weekdays) a three-letter name. */
function valueOf(text: string, rule: FieldRule, expression: string): number {
  const named = rule.names?.indexOf(text.toLowerCase()) ?? -1;
  const value = named >= 0 ? named + (rule.nameBase ?? 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(value))
    throw new ScheduleError(
      'cronSchedule',
      `"${expression}": ${rule.name} "${text}" is not a number${rule.names ? ' or a name' : ''}`,
    );
  if (value < rule.min || value > rule.max)
    throw new ScheduleError(
      'cronSchedule',
      `"${expression}": ${rule.name} ${value} is outside ${rule.min}-${rule.max}`,
    );
  return value;
}

/**
 * Checks one field against robfig's grammar (`*`/`?`, values, ranges, `N/step` = N-max/step, comma
 * lists) and writes it the way cron-parser reads it as robfig does: a field robfig marks as a star
 * (it holds `*` or `?` without a step above 1) becomes `*`, which decides how day-of-month and
 * day-of-week combine (both restricted: either matches; otherwise both must); any other field
 * becomes the sorted list of its values (cron-parser refuses duplicates, robfig merges them).
 */
function checkField(text: string, rule: FieldRule, expression: string): string {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const match = /^([^/-]+)(?:-([^/-]+))?(?:\/(\d+))?$/.exec(part);
    const low = match?.[1] ?? '';
    const high = match?.[2];
    if (!match || ((low === '*' || low === '?') && high !== undefined)) {
      throw new ScheduleError(
        'cronSchedule',
        `"${expression}": ${rule.name} "${part}" is not a value, range or step`,
      );
    }
    const step = match[3] === undefined ? 1 : Number(match[3]);
    if (step === 0)
      throw new ScheduleError('cronSchedule', `"${expression}": ${rule.name} "${part}" has a step of 0`);
    let start = rule.min;
    let end = rule.max;
    if (low === '*' || low === '?') {
      if (step === 1) star = true;
    } else {
      start = valueOf(low, rule, expression);
      end = high !== undefined ? valueOf(high, rule, expression) : match[3] !== undefined ? rule.max : start;
      if (end < start)
        throw new ScheduleError(
          'cronSchedule',
          `"${expression}": ${rule.name} range "${part}" ends before it starts`,
        );
    }
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return star ? '*' : [...values].sort((a, b) => a - b).join(',');
}

function everySchedule(expression: string, zone: string): ParsedSchedule {
  const duration = expression.startsWith('@every ')
    ? parseGoDuration(expression.slice('@every '.length))
    : undefined;
  if (duration === undefined || duration <= 0) {
    throw new ScheduleError(
      'cronSchedule',
      `"${expression}": @every needs a positive Go duration such as 1h, 30m or 1h30m`,
    );
  }
  // robfig: at least one second, whole seconds, counted from the previous run (whole seconds).
  const delay = Math.max(1000, Math.floor(duration / 1000) * 1000);
  return {
    expression,
    timeZone: zone,
    next: (after) => new Date(Math.floor(after.getTime() / 1000) * 1000 + delay),
  };
}

/**
 * Parses a cronSchedule in k8ssandra-operator's dialect. The zone comes from a CRON_TZ= or TZ=
 * prefix or the timeZone field (not both); UTC otherwise. Throws a ScheduleError with the field.
 */
export function parseSchedule(cronSchedule: string, timeZone?: string): ParsedSchedule {
  let expression = cronSchedule.trim();
  let zone = timeZone ?? 'UTC';
  const prefixed = /^(?:CRON_TZ|TZ)=(\S*)(?:\s+(.*))?$/.exec(expression);
  if (prefixed) {
    if (timeZone !== undefined)
      throw new ScheduleError(
        'timeZone',
        'set the time zone either with a CRON_TZ= prefix or with timeZone, not both',
      );
    zone = prefixed[1] ?? '';
    expression = (prefixed[2] ?? '').trim();
  }
  if (!isTimeZone(zone) || zone === '') {
    throw new ScheduleError(
      prefixed || timeZone === undefined ? 'cronSchedule' : 'timeZone',
      `unknown time zone "${zone}" (use an IANA name such as Europe/Paris)`,
    );
  }
  if (expression.startsWith('@every')) return everySchedule(expression, zone);
  const standard = expression.startsWith('@') ? descriptors[expression] : expression;
  if (standard === undefined) {
    throw new ScheduleError(
      'cronSchedule',
      `unknown descriptor "${expression}" (allowed: ${Object.keys(descriptors).join(', ')}, @every <duration>)`,
    );
  }
  const fields = standard.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) {
    const hint =
      fields.length === 6 ? ': a seconds field is not allowed ("0 3 * * *" runs daily at 03:00)' : '';
    throw new ScheduleError(
      'cronSchedule',
      `"${expression}" has ${fields.length} fields; expected 5 (minute hour day-of-month month day-of-week)${hint}`,
    );
  }
  const checked = fields.map((field, i) => checkField(field, fieldRules[i]!, expression)).join(' ');
  try {
    CronExpressionParser.parse(checked, { tz: zone });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    // robfig accepts such a schedule and never finds a run (k8ssandra-operator then loops on it).
    const reason = /Invalid explicit day of month/.test(text)
      ? 'never runs: none of its months has those days of the month'
      : text;
    throw new ScheduleError('cronSchedule', `"${expression}": ${reason}`);
  }
  return {
    expression,
    timeZone: zone,
    next: (after) => CronExpressionParser.parse(checked, { tz: zone, currentDate: after }).next().toDate(),
  };
}

/** What is wrong with a schedule, with the field at fault; undefined when the controller can run it. */
export function scheduleProblem(
  cronSchedule: string,
  timeZone?: string,
): { field: 'cronSchedule' | 'timeZone'; message: string } | undefined {
  try {
    parseSchedule(cronSchedule, timeZone);
    return undefined;
  } catch (error) {
    if (error instanceof ScheduleError) return { field: error.field, message: error.message };
    throw error;
  }
}

/** The next `count` run times strictly after `from`. */
export function nextRuns(
  cronSchedule: string,
  options: { timeZone?: string; from?: Date; count?: number } = {},
): Date[] {
  const schedule = parseSchedule(cronSchedule, options.timeZone);
  const runs: Date[] = [];
  let after = options.from ?? new Date();
  for (let i = 0; i < (options.count ?? 1); i++) {
    after = schedule.next(after);
    runs.push(after);
  }
  return runs;
}

/** The latest run time at or before `now`, after `since` (undefined when none is due). */
export function lastDueRun(
  cronSchedule: string,
  since: Date,
  now: Date,
  timeZone?: string,
): Date | undefined {
  const schedule = parseSchedule(cronSchedule, timeZone);
  let due = schedule.next(since);
  if (due > now) return undefined;
  if (schedule.expression.startsWith('@every')) {
    // Runs are evenly spaced: jump to the last one instead of walking (a 1s schedule is legal).
    const step = schedule.next(due).getTime() - due.getTime();
    return new Date(due.getTime() + Math.floor((now.getTime() - due.getTime()) / step) * step);
  }
  for (;;) {
    const after = schedule.next(due);
    if (after > now) return due;
    due = after;
  }
}
