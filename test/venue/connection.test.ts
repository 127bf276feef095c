// The connection against real `ws` servers on 127.0.0.1:0: reconnect on any close with backoff, liveness from
// any inbound frame, a silent socket detected by the ping/pong deadline (the reference took ~67 s, L12).
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import fc from 'fast-check';
import { WebSocketServer } from 'ws';
import { backoffDelay, type CloseReason, DEFAULT_BACKOFF, VenueConnection } from '../../src/venue/connection.ts';
import { ManualClock, until } from './helpers.ts';

async function server(onConn: (ws: import('ws').WebSocket) => void) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', onConn);
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    wss,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
}

/** A server that accepts and then says nothing at all, like a half-open TCP connection; closed after the test. */
async function silentServer(t: TestContext): Promise<{ url: string; connections: () => number }> {
  let n = 0;
  const srv = await server(() => {
    n++;
  });
  t.after(() => srv.close());
  return { url: srv.url, connections: () => n };
}

test('backoff: 250 ms → 5 s with jitter, unlimited by default', () => {
  assert.deepEqual(DEFAULT_BACKOFF, { initialMs: 250, maxMs: 5000, factor: 2, maxAttempts: 0 });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, u) => {
      const d = backoffDelay(DEFAULT_BACKOFF, attempt, () => u);
      const nominal = Math.min(5000, 250 * 2 ** (attempt - 1));
      return d >= nominal / 2 && d <= nominal;
    }),
  );
  assert.equal(backoffDelay(DEFAULT_BACKOFF, 1, () => 0), 125);
  assert.equal(backoffDelay(DEFAULT_BACKOFF, 100, () => 1), 5000);
});

test('reconnects after every server-side close; onClose fires once per session', async (t) => {
  let conns = 0;
  const srv = await server((ws) => {
    conns++;
    ws.send('Websocket connection established.');
    if (conns <= 3) setTimeout(() => ws.terminate(), 5);
  });
  t.after(() => srv.close());
  const opens: number[] = [];
  const closes: Array<[number, CloseReason]> = [];
  const c = new VenueConnection(
    { url: srv.url, backoff: { initialMs: 5, maxMs: 20 } },
    { onOpen: (s) => opens.push(s), onFrame: () => {}, onClose: (s, r) => closes.push([s, r]), sendPing: () => {} },
  );
  t.after(() => c.stop());
  c.start();
  await until(() => opens.length === 4 && c.isOpen, 'fourth session');
  assert.deepEqual(opens, [1, 2, 3, 4]);
  assert.deepEqual(
    closes.map(([s]) => s),
    [1, 2, 3],
  );
  assert.ok(closes.every(([, r]) => r === 'remoteClose' || r === 'socketError'));
});

test('keeps retrying while the server is down, connects when it is back', async (t) => {
  const probe = await server(() => {});
  const url = probe.url;
  const port = Number(new URL(url).port);
  await probe.close();
  let opened = 0;
  const c = new VenueConnection(
    { url, backoff: { initialMs: 5, maxMs: 10 } },
    { onOpen: () => opened++, onFrame: () => {}, onClose: () => {}, sendPing: () => {} },
  );
  t.after(() => c.stop());
  c.start();
  await until(() => c.stats.connectFailures >= 3, 'failed attempts');
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  t.after(() => new Promise<void>((r) => wss.close(() => r())));
  await until(() => opened === 1, 'connected after the server came back');
});

test('any inbound frame proves liveness: no pong needed while data flows', async (t) => {
  const srv = await server((ws) => {
    const timer = setInterval(() => ws.send('{"channel":"bbo","data":{}}'), 2);
    ws.on('close', () => clearInterval(timer));
  });
  t.after(() => srv.close());
  let pings = 0;
  let frames = 0;
  const c = new VenueConnection(
    { url: srv.url, pingIntervalMs: 40, pongTimeoutMs: 60 },
    { onOpen: () => {}, onFrame: () => frames++, onClose: () => {}, sendPing: () => pings++ },
  );
  t.after(() => c.stop());
  c.start();
  await until(() => pings >= 8, 'eight pings');
  assert.equal(c.stats.pongTimeouts, 0);
  assert.equal(c.stats.connects, 1);
  assert.ok(frames > 0);
});

test('a silent socket is declared dead at the pong deadline and replaced', async (t) => {
  const srv = await silentServer(t);
  const closes: CloseReason[] = [];
  const c = new VenueConnection(
    { url: srv.url, pingIntervalMs: 20, pongTimeoutMs: 20, backoff: { initialMs: 5, maxMs: 5 } },
    { onOpen: () => {}, onFrame: () => {}, onClose: (_s, r) => closes.push(r), sendPing: () => c.send('{"method":"ping"}') },
  );
  t.after(() => c.stop());
  c.start();
  await until(() => srv.connections() >= 2 && c.isOpen, 'replacement socket');
  assert.equal(closes[0], 'pongTimeout');
  assert.ok(c.stats.pongTimeouts >= 1);
});

test('stop() ends the session and never reconnects', async (t) => {
  const srv = await silentServer(t);
  const closes: CloseReason[] = [];
  const c = new VenueConnection(
    { url: srv.url, backoff: { initialMs: 1, maxMs: 1 } },
    { onOpen: () => {}, onFrame: () => {}, onClose: (_s, r) => closes.push(r), sendPing: () => {} },
  );
  c.start();
  await until(() => c.isOpen, 'open');
  c.stop();
  assert.deepEqual(closes, ['stopped']);
  assert.equal(c.send('x'), false);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(srv.connections(), 1);
});

test('the pong deadline counts frames since the ping it belongs to, even when later pings go out before it', async (t) => {
  let peer: import('ws').WebSocket | null = null;
  const srv = await server((ws) => {
    peer = ws;
  });
  t.after(() => srv.close());
  const clock = new ManualClock();
  let frames = 0;
  const c = new VenueConnection(
    { url: srv.url, clock, pingIntervalMs: 10, pongTimeoutMs: 35 },
    { onOpen: () => {}, onFrame: () => frames++, onClose: () => {}, sendPing: () => {} },
  );
  t.after(() => c.stop());
  c.start();
  await until(() => c.isOpen && peer !== null, 'open');
  clock.advance(10); // ping 1: its deadline is at 45
  peer!.send('{"channel":"pong"}');
  await until(() => frames === 1, 'the answer');
  clock.advance(30); // pings 2, 3, 4 go out; nothing else arrives
  clock.advance(5); // the deadline of ping 1: a frame came after it
  assert.equal(c.stats.pongTimeouts, 0);
  assert.equal(c.isOpen, true);
  clock.advance(40); // the next deadline: no frame since its ping
  assert.equal(c.stats.pongTimeouts, 1);
});
