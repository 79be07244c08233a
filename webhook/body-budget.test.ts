import express from 'express';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bodyBudget } from './body-budget.js';

// A real HTTP server with the budget in front of express.json, and handlers that hold their
// request until the test lets it go: how many bodies are being handled at once.

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function start(totalBytes: number, limitBytes: number) {
  const held: (() => void)[] = [];
  let handling = 0;
  let most = 0;
  const app = express();
  app.post('/', bodyBudget(totalBytes, limitBytes), express.json({ limit: limitBytes }), (req, res) => {
    handling++;
    most = Math.max(most, handling);
    held.push(() => {
      handling--;
      res.json({ size: JSON.stringify(req.body).length });
    });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server!.once('listening', resolve));
  const port = (server!.address() as AddressInfo).port;
  const post = (body: string) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': body.length },
    });
    const answer = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
    req.end(body);
    return { req, answer };
  };
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };
  return { held, post, until, stats: () => ({ handling, most }) };
}

const body = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes - 10) });

describe('bodyBudget', () => {
  it('holds only as many bodies as the budget takes; the others wait their turn and are all answered', async () => {
    const t = await start(2500, 2000);
    const answers = Array.from({ length: 5 }, () => t.post(body(1000)).answer);
    await t.until(() => t.stats().handling === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.stats().handling).toBe(2); // 2 x 1000 bytes fit in 2500, a third does not
    for (let released = 0; released < 5; released++) {
      await t.until(() => t.held.length > released);
      t.held[released]!();
    }
    expect(await Promise.all(answers)).toEqual([200, 200, 200, 200, 200]);
    expect(t.stats().most).toBe(2);
  });

  it('answers 413 at once to a body over the limit, whatever the budget holds', async () => {
    const t = await start(2500, 2000);
    const first = t.post(body(1500)).answer;
    await t.until(() => t.stats().handling === 1);
    expect(await t.post(body(3000)).answer).toBe(413);
    t.held[0]!();
    expect(await first).toBe(200);
  });

  it('gives back the place of a client that goes away while waiting', async () => {
    const t = await start(1500, 1500);
    const first = t.post(body(1000)).answer;
    await t.until(() => t.stats().handling === 1);
    const quitter = t.post(body(1000));
    quitter.answer.catch(() => undefined);
    const third = t.post(body(400)).answer;
    await new Promise((r) => setTimeout(r, 50));
    quitter.req.destroy();
    // The third (400 bytes) fits beside the first once the quitter is gone.
    await t.until(() => t.stats().handling === 2);
    t.held[0]!();
    t.held[1]!();
    expect(await Promise.all([first, third])).toEqual([200, 200]);
  });
});
