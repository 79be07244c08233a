import { describe, expect, it } from 'vitest';
import { lastDueRun, nextRuns, parseGoDuration, parseSchedule, scheduleProblem } from './schedule.js';

const now = new Date('2026-11-22T10:00:00Z');

describe('schedules', () => {
  const from = new Date('2026-11-22T10:30:00Z');

  it('computes the next runs in UTC by default', () => {
    expect(nextRuns('0 2 * * *', { from, count: 2 }).map((d) => d.toISOString())).toEqual([
      '2026-11-23T02:00:00.000Z',
      '2026-11-24T02:00:00.000Z',
    ]);
  });

  it('honours the timeZone field and a CRON_TZ prefix alike, but not both', () => {
    const viaField = nextRuns('0 2 * * *', { from, timeZone: 'Europe/Paris' })[0]!.toISOString();
    const viaPrefix = nextRuns('CRON_TZ=Europe/Paris 0 2 * * *', { from })[0]!.toISOString();
    expect(viaField).toBe('2026-11-23T01:00:00.000Z');
    expect(viaPrefix).toBe(viaField);
    expect(scheduleProblem('TZ=UTC 0 2 * * *', 'UTC')?.field).toBe('timeZone');
  });

  it('refuses bad expressions and unknown zones with a message and the field', () => {
    expect(() => parseSchedule('61 * * * *')).toThrow(/minute 61 is outside 0-59/);
    expect(() => parseSchedule('0 2 * * *', 'Mars/Olympus')).toThrow(/unknown time zone "Mars\/Olympus"/);
    expect(scheduleProblem('0 2 * * *', 'Mars/Olympus')?.field).toBe('timeZone');
    expect(scheduleProblem('TZ=Mars/Olympus 0 2 * * *')?.field).toBe('cronSchedule');
  });

  it('finds the latest due run since the last execution, if any', () => {
    const since = new Date('2026-11-22T09:59:00Z');
    expect(lastDueRun('*/10 * * * *', since, from)?.toISOString()).toBe('2026-11-22T10:30:00.000Z');
    expect(lastDueRun('0 2 * * *', since, from)).toBeUndefined();
  });

  it.each([
    ['30 1 * * *', undefined, '2026-11-23T01:30:00.000Z'],
    ['30 1 * * *', 'Europe/Paris', '2026-11-23T00:30:00.000Z'],
    ['CRON_TZ=America/New_York 0 9 * * MON-FRI', undefined, '2026-11-23T14:00:00.000Z'],
    ['@daily', undefined, '2026-11-23T00:00:00.000Z'],
    ['@midnight', undefined, '2026-11-23T00:00:00.000Z'],
    ['@hourly', undefined, '2026-11-22T11:00:00.000Z'],
    ['*/15 * * * *', undefined, '2026-11-22T10:15:00.000Z'],
    ['0 0 ? * 0', undefined, '2026-11-29T00:00:00.000Z'],
    ['? 11 * * *', undefined, '2026-11-22T11:00:00.000Z'],
    ['@every 1h30m', undefined, '2026-11-22T11:30:00.000Z'],
  ])('%s (%s) runs next at %s', (expression, zone, next) => {
    expect(nextRuns(expression, { from: now, ...(zone ? { timeZone: zone } : {}) })[0]?.toISOString()).toBe(
      next,
    );
  });

  it.each([
    ['? 8 0 0', /has 4 fields; expected 5/],
    ['0 0 3 * * *', /seconds field is not allowed/],
    ['0 0 L * *', /day-of-month "L" is not a number/],
    ['0 0 * * 1#2', /day-of-week "1#2" is not a number/],
    ['0 0 * * 7', /day-of-week 7 is outside 0-6/],
    ['0 5-3 * * *', /ends before it starts/],
    ['0 0 31 4 *', /never runs: none of its months has those days/],
    ['0 0 30,31 2 *', /never runs/],
    ['*/0 * * * *', /step of 0/],
    ['@fortnightly', /unknown descriptor/],
    ['@DAILY', /unknown descriptor/],
    ['@every', /@every needs a positive Go duration/],
    ['@every 0s', /@every needs a positive Go duration/],
    ['@every soon', /@every needs a positive Go duration/],
    ['TZ=Nowhere/Land @daily', /unknown time zone "Nowhere\/Land"/],
    ['', /has 0 fields/],
  ])('refuses %j', (expression, message) => {
    expect(scheduleProblem(expression)?.message).toMatch(message);
    expect(() => nextRuns(expression, { from: now })).toThrow(message);
  });

  // Was admitted by the webhook and then thrown on by the controller, so the schedule never ran.
  it('@every 1h: accepted (as by robfig/cron) and run every hour from the previous run', () => {
    expect(scheduleProblem('@every 1h')).toBeUndefined();
    expect(nextRuns('@every 1h', { from: now, count: 2 }).map((d) => d.toISOString())).toEqual([
      '2026-11-22T11:00:00.000Z',
      '2026-11-22T12:00:00.000Z',
    ]);
    const since = new Date('2026-11-22T07:00:00.400Z');
    expect(lastDueRun('@every 1h', since, now)?.toISOString()).toBe('2026-11-22T10:00:00.000Z');
    expect(lastDueRun('@every 1h', now, new Date('2026-11-22T10:59:59Z'))).toBeUndefined();
  });

  it('parses Go durations', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5h')).toBe(5_400_000);
    expect(parseGoDuration('250ms')).toBe(250);
    expect(parseGoDuration('10 minutes')).toBeUndefined();
  });
});
