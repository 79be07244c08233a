import { describe, expect, it } from 'vitest';
import { formatProgress, ProgressTracker, type Progress } from './progress.js';

describe('ProgressTracker', () => {
  it('reports bytes, files, rate and ETA, throttled to the interval', () => {
    let now = 0;
    const tracker = new ProgressTracker(1000, 4, { now: () => now, intervalMs: 1000, rateWindowMs: 10_000 });
    const events: Progress[] = [];
    tracker.on('progress', (p) => events.push(p));

    now = 1000;
    tracker.addBytes(100); // first event
    now = 1500;
    tracker.addBytes(100); // throttled
    tracker.fileDone();
    expect(events).toHaveLength(1);
    now = 2000;
    tracker.fileSkipped(300); // reused file: done, not part of the rate
    expect(events).toHaveLength(2);
    expect(events[1]).toEqual({
      bytesDone: 500,
      bytesTotal: 1000,
      filesDone: 2,
      filesTotal: 4,
      filesSkipped: 1,
      elapsedMs: 2000,
      rate: 100, // 200 bytes transferred in 2 s
      etaMs: 5000, // 500 bytes left at 100 B/s
    });
    expect(formatProgress(events[1]!)).toBe(
      '500.00 B of 1000.00 B (50%), 2/4 files, 1 unchanged, 100.00 B/s, ETA 5s',
    );

    now = 2100;
    tracker.addBytes(500);
    tracker.fileDone();
    tracker.fileDone(); // the last file is always reported, whatever the interval
    const last = events.at(-1)!;
    expect(last).toMatchObject({ bytesDone: 1000, filesDone: 4, etaMs: 0 });
    expect(formatProgress(last)).toMatch(/^1000\.00 B of 1000\.00 B \(100%\), 4\/4 files/);
  });

  it('measures the rate over the recent window only', () => {
    let now = 0;
    const tracker = new ProgressTracker(10_000, 1, { now: () => now, rateWindowMs: 10_000 });
    for (let second = 1; second <= 30; second++) {
      now = second * 1000;
      tracker.addBytes(second <= 20 ? 100 : 10); // slows down after 20 s
    }
    expect(tracker.snapshot().rate).toBeCloseTo(10, 0);
    expect(new ProgressTracker(0, 0).snapshot()).toMatchObject({ rate: 0, etaMs: 0 });
  });
});
