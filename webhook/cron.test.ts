import { describe, expect, it } from 'vitest';
import { checkCronSchedule, parseGoDuration } from './cron.js';

const now = new Date('2026-11-22T10:00:00Z');

describe('checkCronSchedule', () => {
  it.each([
    ['30 1 * * *', undefined, '2026-11-23T01:30:00.000Z'],
    ['30 1 * * *', 'Europe/Paris', '2026-11-23T00:30:00.000Z'],
    ['CRON_TZ=America/New_York 0 9 * * MON-FRI', undefined, '2026-11-23T14:00:00.000Z'],
    ['@daily', undefined, '2026-11-23T00:00:00.000Z'],
    ['@midnight', undefined, '2026-11-23T00:00:00.000Z'],
    ['@hourly', undefined, '2026-11-22T11:00:00.000Z'],
    ['*/15 * * * *', undefined, '2026-11-22T10:15:00.000Z'],
    ['0 0 ? * 0', undefined, '2026-11-29T00:00:00.000Z'],
    ['@every 1h30m', undefined, '2026-11-22T11:30:00.000Z'],
  ])('%s (%s) runs next at %s', (expression, zone, next) => {
    const result = checkCronSchedule(expression, zone, now);
    expect(result.ok && result.next.toISOString()).toBe(next);
  });

  it.each([
    ['? 8 0 0', /has 4 fields; expected 5/],
    ['0 0 3 * * *', /seconds field is not allowed/],
    ['61 * * * *', /got value 61 expected range 0-59/],
    ['0 0 L * *', /L, # and H are not supported/],
    ['0 0 * * 1#2', /L, # and H are not supported/],
    ['@fortnightly', /unknown descriptor/],
    ['@every', /@every needs a duration/],
    ['@every 0s', /@every needs a duration/],
    ['TZ=Nowhere/Land @daily', /unknown time zone "Nowhere\/Land"/],
    ['', /has 0 fields/],
  ])('refuses %j', (expression, message) => {
    const result = checkCronSchedule(expression, undefined, now);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(message);
  });

  it('parses Go durations', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5h')).toBe(5_400_000);
    expect(parseGoDuration('250ms')).toBe(250);
    expect(parseGoDuration('10 minutes')).toBeUndefined();
  });
});
