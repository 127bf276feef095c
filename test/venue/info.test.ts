// Info client: a sliding-window limiter over the venue's REST weights (src/protocol/limits.ts), jittered retry on 429/5xx
// against a real HTTP server on 127.0.0.1:0, and no retry on other client errors.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { exchangeActionWeight } from '../../src/protocol/limits.ts';
import { httpInfoTransport, InfoClient, InfoError, RestLimiter } from '../../src/venue/info.ts';
import { ManualClock } from './helpers.ts';

test('the limiter keeps every window under its cap and releases as the window slides', async () => {
  const clock = new ManualClock();
  const lim = new RestLimiter(clock, { maxWeight: 100, windowMs: 60_000, actionReserve: 0 });
  const granted: number[] = [];
  const all = Array.from({ length: 12 }, (_, i) => lim.acquire(20).then(() => granted.push(i)));
  await new Promise((r) => setImmediate(r));
  assert.equal(granted.length, 5, '5 × 20 fill the window');
  assert.equal(lim.windowWeight, 100);
  clock.advance(60_001);
  await new Promise((r) => setImmediate(r));
  assert.equal(granted.length, 10);
  clock.advance(60_001);
  await Promise.all(all);
  assert.deepEqual(granted, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 'FIFO');
});

test('actions are charged 1 + floor(batch/40), never wait, and may spend the reserve info may not', async () => {
  assert.equal(exchangeActionWeight({ action: { type: 'order', orders: new Array(79).fill({}) } }), 2);
  assert.equal(exchangeActionWeight({ action: { type: 'cancelByCloid', cancels: new Array(200).fill({}) } }), 6);
  assert.equal(exchangeActionWeight({ action: { type: 'noop' } }), 1);
  const clock = new ManualClock();
  const lim = new RestLimiter(clock, { maxWeight: 100, windowMs: 60_000, actionReserve: 10 });
  let infoGranted = 0;
  const infos = Array.from({ length: 5 }, () => lim.acquire(20).then(() => infoGranted++));
  await new Promise((r) => setImmediate(r));
  assert.equal(infoGranted, 4, 'info stops at 90: 100 less the action reserve');
  assert.equal(lim.tryTake(10), true);
  assert.equal(lim.tryTake(10), true, 'an action uses the reserve');
  assert.equal(lim.windowWeight, 100);
  assert.equal(lim.tryTake(1), false, 'refused, not queued');
  clock.advance(60_001);
  await new Promise((r) => setImmediate(r));
  assert.equal(infoGranted, 5);
  // stop(): waiting requests fail, no timer is left.
  for (let i = 0; i < 3; i++) await lim.acquire(20);
  const waiting = lim.acquire(20);
  lim.stop();
  await assert.rejects(waiting, /stopped/);
  await Promise.all(infos);
  assert.equal(clock.pending, 0);
});

async function httpServer(handler: (n: number, body: string) => [number, string]) {
  let n = 0;
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const [status, text] = handler(++n, body);
      res.writeHead(status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    calls: () => n,
    close: () => new Promise<void>((r) => srv.close(() => r())),
  };
}

test('HTTP 429 and 5xx are retried with backoff; the body is returned once it succeeds', async (t) => {
  const bodies: string[] = [];
  const srv = await httpServer((n, body) => {
    bodies.push(body);
    if (n === 1) return [429, 'rate limited'];
    if (n === 2) return [502, 'bad gateway'];
    return [200, '{"universe":[]}'];
  });
  t.after(() => srv.close());
  const info = new InfoClient({ http: httpInfoTransport({ httpUrl: srv.url }), retryBaseMs: 1, retryMaxMs: 4 });
  assert.deepEqual(await info.meta('xyz'), { universe: [] });
  assert.equal(srv.calls(), 3);
  assert.equal(info.stats.retries, 2);
  assert.deepEqual(JSON.parse(bodies[0]), { type: 'meta', dex: 'xyz' });
});

test('a 4xx other than 429 fails at once, and retries stop after maxRetries', async (t) => {
  const srv = await httpServer((n) => (n === 1 ? [400, 'bad request'] : [500, 'boom']));
  t.after(() => srv.close());
  const info = new InfoClient({ http: httpInfoTransport({ httpUrl: srv.url }), retryBaseMs: 1, retryMaxMs: 2, maxRetries: 2 });
  await assert.rejects(info.perpDexs(), (e: unknown) => e instanceof InfoError && e.status === 400 && !e.retryable);
  assert.equal(srv.calls(), 1);
  await assert.rejects(info.perpDexs(), (e: unknown) => e instanceof InfoError && e.status === 500);
  assert.equal(srv.calls(), 1 + 3);
});

test('a body that is not JSON is an error, never a silent undefined', async (t) => {
  const srv = await httpServer(() => [200, '<html>']);
  t.after(() => srv.close());
  const info = new InfoClient({ http: httpInfoTransport({ httpUrl: srv.url }) });
  await assert.rejects(info.allPerpMetas(), /not JSON/);
});
