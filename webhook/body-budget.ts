import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Bounds the admission bodies held in memory at once. A request reserves its Content-Length (the
 * body limit when it sends none) before its body is read and waits, first come first served, while
 * the budget is spent. A waiting request's bytes stay in the kernel's socket buffers, not in the
 * heap, so a burst of large reviews cannot push the webhook past its memory limit (the chart's
 * 256Mi; a burst of twenty 5 MB reviews took it to 494 MB before). A request still waiting at the
 * receive deadline gets the server's 408 like any slow client. The reservation is returned when
 * the response ends or the connection closes, so the parsed review is covered too.
 */
export function bodyBudget(totalBytes: number, bodyLimitBytes: number): RequestHandler {
  let available = totalBytes;
  const waiting: { bytes: number; start: () => void }[] = [];

  const pump = () => {
    while (waiting.length > 0 && waiting[0]!.bytes <= available) {
      const next = waiting.shift()!;
      available -= next.bytes;
      next.start();
    }
  };

  return (req: Request, res: Response, next: NextFunction) => {
    const declared = Number(req.headers['content-length']);
    // Too large: the body parser answers 413 from the header alone, without reading the body.
    if (Number.isFinite(declared) && declared > bodyLimitBytes) return next();
    const wanted = Number.isFinite(declared) && declared >= 0 ? declared : bodyLimitBytes;
    const entry = { bytes: Math.min(totalBytes, wanted), start: () => undefined as void };
    let held = false;
    let ended = false;
    const release = () => {
      ended = true;
      if (held) available += entry.bytes;
      else if (waiting.includes(entry)) waiting.splice(waiting.indexOf(entry), 1);
      held = false;
      pump();
    };
    entry.start = () => {
      held = true;
      if (ended) release();
      else next();
    };
    res.once('close', release);
    waiting.push(entry);
    pump();
  };
}
