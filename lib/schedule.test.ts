import { describe, expect, it } from 'vitest';
import { lastDueRun, nextRuns, parseSchedule } from './schedule.js';

describe('schedules', () => {
  const from = new Date('2026-11-22T10:30:00Z');

  it('computes the next runs in UTC by default', () => {
    expect(nextRuns('0 2 * * *', { from, count: 2 }).map((d) => d.toISOString())).toEqual([
      '2026-11-23T02:00:00.000Z',
      '2026-11-24T02:00:00.000Z',
    ]);
  });

  it('honours the timeZone field and a CRON_TZ prefix alike', () => {
    const viaField = nextRuns('0 2 * * *', { from, timeZone: 'Europe/Paris' })[0]!.toISOString();
    const viaPrefix = nextRuns('CRON_TZ=Europe/Paris 0 2 * * *', { from })[0]!.toISOString();
    expect(viaField).toBe('2026-11-23T01:00:00.000Z');
    expect(viaPrefix).toBe(viaField);
  });

  it('refuses bad expressions and unknown zones with a message', () => {
    expect(() => parseSchedule('61 * * * *')).toThrow();
    expect(() => parseSchedule('0 2 * * *', 'Mars/Olympus')).toThrow(/unknown time zone "Mars\/Olympus"/);
  });

  it('finds the latest due run since the last execution, if any', () => {
    const since = new Date('2026-11-22T09:59:00Z');
    expect(lastDueRun('*/10 * * * *', since, from)?.toISOString()).toBe('2026-11-22T10:30:00.000Z');
    expect(lastDueRun('0 2 * * *', since, from)).toBeUndefined();
  });
});
