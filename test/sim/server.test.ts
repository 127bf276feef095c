// hlsim transport over the wire: greeting, ping/pong, subscription acks and error strings, limits, idle close,
// HTTP status codes, and the faults that act on sockets. Exchange behaviour is in wire.test.ts.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { GREETING, LIMIT_ERRORS, MALFORMED_FRAME, type SimHandle, startSim, VirtualScheduler } from '../../src/sim/index.ts';
import { type Frame, HttpClient, randomPrivateKey, Signer, sleep, WsClient } from './client.ts';
import { startSimWithClients } from './helpers.ts';
import { documented, invented } from './strings.ts';

const isError = (text: string) => (f: Frame) => f.channel === 'error' && f.data === text;
// Every string below is asserted with its kind (docs/hlsim.md "Strings: source"): the WS error strings and
// the greeting are venue-documented (§4.1); the limit strings other than in-flight, and the WS post error
// rendering, are hlsim's own.

async function withClient(sim: SimHandle, clients: WsClient[]): Promise<WsClient> {
  const c = await WsClient.connect(sim.wsUrl);
  clients.push(c);
  return c;
}

describe('hlsim transport', () => {
  let sim: SimHandle;
  const clients: WsClient[] = [];
  before(async () => {
    sim = await startSim({ dynamics: false, limits: { subscriptions: 6, uniqueUsers: 2 } });
  });
  after(async () => {
    for (const c of clients) await c.close();
    await sim.stop();
  });

  test('greets with the venue plain-text frame and answers ping with pong', async () => {
    const c = await withClient(sim, clients);
    await c.ping();
    documented(c.texts[0], 'Websocket connection established.');
    assert.equal(GREETING, c.texts[0]);
    assert.deepEqual(c.on('pong')[0], { channel: 'pong' });
  });

  test('acks echo the normalised subscription', async () => {
    const c = await withClient(sim, clients);
    const l2 = await c.subscribe({ type: 'l2Book', coin: 'BTC' });
    assert.deepEqual(l2.data, { method: 'subscribe', subscription: { type: 'l2Book', coin: 'BTC', nSigFigs: null, mantissa: null } });
    const user = new Signer(randomPrivateKey()).address;
    const upper = `0x${user.slice(2).toUpperCase()}`;
    const ou = await c.subscribe({ type: 'orderUpdates', user: upper });
    assert.deepEqual(ou.data, { method: 'subscribe', subscription: { type: 'orderUpdates', user } });
    const ue = await c.subscribe({ type: 'userEvents', user });
    assert.deepEqual(ue.data, { method: 'subscribe', subscription: { type: 'userEvents', user } });
    const un = await c.unsubscribe({ type: 'l2Book', coin: 'BTC' });
    assert.deepEqual(un.data, { method: 'unsubscribe', subscription: { type: 'l2Book', coin: 'BTC', nSigFigs: null, mantissa: null } });
    const agg = await c.subscribe({ type: 'l2Book', coin: 'ETH', nSigFigs: 5, mantissa: 2 });
    assert.deepEqual(agg.data, { method: 'subscribe', subscription: { type: 'l2Book', coin: 'ETH', nSigFigs: 5, mantissa: 2 } });
  });

  test('answers bad requests with the venue error strings (venue-documented, §4.1)', async () => {
    const c = await withClient(sim, clients);
    await c.subscribe({ type: 'bbo', coin: 'BTC' });
    const sub = { type: 'bbo', coin: 'BTC' };
    let e = c.waitFor(isError(`Already subscribed: ${JSON.stringify(sub)}`));
    c.send({ method: 'subscribe', subscription: sub });
    documented((await e).data, `Already subscribed: ${JSON.stringify(sub)}`);

    const bad = { type: 'l2Book', coin: 'BTC', nSigFigs: 9 };
    e = c.waitFor(isError(`Invalid subscription ${JSON.stringify(bad)}`));
    c.send({ method: 'subscribe', subscription: bad });
    await e;

    const unknownType = { type: 'noSuchFeed' };
    e = c.waitFor(isError(`Invalid subscription ${JSON.stringify(unknownType)}`));
    c.send({ method: 'subscribe', subscription: unknownType });
    await e;

    const never = { type: 'trades', coin: 'ETH' };
    e = c.waitFor(isError(`Already unsubscribed: ${JSON.stringify(never)}`));
    c.send({ method: 'unsubscribe', subscription: never });
    await e;

    e = c.waitFor(isError('Error parsing JSON into valid websocket request: {not json'));
    c.send('{not json');
    await e;

    const unknownMethod = '{"method":"dance"}';
    e = c.waitFor(isError(`Error parsing JSON into valid websocket request: ${unknownMethod}`));
    c.send(unknownMethod);
    await e;

    const postWithoutId = '{"method":"post","request":{"type":"info","payload":{"type":"meta"}}}';
    e = c.waitFor(isError(`Error parsing JSON into valid websocket request: ${postWithoutId}`));
    c.send(postWithoutId);
    await e;
    // The socket survives every one of them.
    await c.ping();
  });

  test('limits subscriptions and unique users per IP (hlsim-invented strings: the venue documents the limits, not its answers)', async () => {
    const c = await withClient(sim, clients);
    const users = [new Signer().address, new Signer().address, new Signer().address];
    // Other tests of this suite hold subscriptions too: count from what the server reports.
    const before = sim.stats().subscriptions;
    const free = 6 - before;
    assert.ok(free >= 2, `test needs 2 free subscription slots, has ${free}`);
    // Two new users may be tracked only if the IP tracks none yet; this suite's earlier test tracks one.
    const e = c.waitFor(isError(LIMIT_ERRORS.users(2)));
    c.send({ method: 'subscribe', subscription: { type: 'userFills', user: users[0] } });
    c.send({ method: 'subscribe', subscription: { type: 'userFills', user: users[1] } });
    c.send({ method: 'subscribe', subscription: { type: 'userFills', user: users[2] } });
    invented((await e).data, 'Cannot track more than 2 total users.', 'limit.users');
    const coins = ['BTC', 'ETH', 'SOL', 'HYPE', 'xyz:XYZ100', 'xyz:TSLA', 'xyz:NVDA'];
    const s = c.waitFor(isError(LIMIT_ERRORS.subscriptions(6)));
    for (const coin of coins) c.send({ method: 'subscribe', subscription: { type: 'trades', coin } });
    invented((await s).data, 'Cannot subscribe to more than 6 channels.', 'limit.subscriptions');
    assert.equal(sim.stats().subscriptions, 6);
    assert.ok(sim.stats().maxSubscriptions <= 6);
  });

  test('HTTP: health text, content-type, bad JSON, wrong method, unknown path', async () => {
    const health = await fetch(`${sim.httpUrl}/`);
    assert.equal(health.status, 200);
    assert.match(await health.text(), /hlsim/);
    const http = new HttpClient(sim.httpUrl);
    const noType = await http.raw('/info', '{"type":"meta"}', { 'content-type': 'text/plain' });
    assert.equal(noType.status, 415);
    const badJson = await http.raw('/exchange', '{"action":');
    assert.equal(badJson.status, 400);
    assert.match(badJson.text, /^Failed to parse the request body as JSON: /);
    assert.equal((await fetch(`${sim.httpUrl}/info`)).status, 405);
    assert.equal((await http.raw('/nope', '{}')).status, 404);
  });

  test('WS upgrade only at /ws', async () => {
    await assert.rejects(WsClient.connect(sim.wsUrl.replace('/ws', '/other')), /HTTP 404/);
  });
});

describe('hlsim limits: messages per minute, in-flight posts, connections', () => {
  test('the 2000-messages-per-minute limit (configured 5) answers an error (hlsim-invented string) and counts every message', async (t) => {
    const { sim, ws: [c] } = await startSimWithClients(t, { dynamics: false, adminPort: null, limits: { wsMessagesPerMinute: 5 } });
    for (let i = 0; i < 5; i++) await c.ping();
    const e = c.waitFor(isError(LIMIT_ERRORS.messages(5)));
    c.send({ method: 'ping' });
    invented((await e).data, 'Cannot send more than 5 messages per minute.', 'limit.messages');
    assert.equal(c.on('pong').length, 5);
    const stats = sim.stats();
    assert.equal(stats.maxMessagesPerMinute, 6);
    assert.equal(stats.maxMessagesPerMinutePerConnection, 6);
    assert.equal(stats.inboundMessages, 6);
  });

  test('in-flight posts beyond the limit (configured 2) get `too many pending post requests id=<id>` (venue-documented)', async (t) => {
    const { sim, ws: [c] } = await startSimWithClients(t, { dynamics: false, adminPort: null, limits: { inFlightPosts: 2 } });
    sim.faults.delayPostResponses(300, 'any');
    const replies = [c.post('info', { type: 'meta' }), c.post('info', { type: 'meta' })];
    const id = c.takePostId();
    const e = c.waitFor(isError(`too many pending post requests id=${id}`));
    c.send({ method: 'post', id, request: { type: 'info', payload: { type: 'meta' } } });
    documented((await e).data, `too many pending post requests id=${id}`, 'limit.inFlight');
    await Promise.all(replies);
    assert.equal(sim.stats().maxInFlightPosts, 2);
  });

  test('connections beyond the limit (configured 2) are refused at upgrade with 429', async (t) => {
    const { sim } = await startSimWithClients(t, { dynamics: false, adminPort: null, limits: { connections: 2 } }, 2);
    await assert.rejects(WsClient.connect(sim.wsUrl), /HTTP 429/);
    assert.equal(sim.stats().connectionsRejected, 1);
  });
});

describe('hlsim REST weight: HTTP only', () => {
  test('WS posts do not consume the REST weight (§6.1: WS has its own limits); HTTP /info and /exchange do', async (t) => {
    // 40 weight a minute = two `meta` requests (20 each).
    const { sim, ws: [c] } = await startSimWithClients(t, { dynamics: false, adminPort: null, limits: { restWeightPerMinute: 40 } });
    const http = new HttpClient(sim.httpUrl);
    for (let i = 0; i < 5; i++) {
      const r = await c.post('info', { type: 'meta' });
      assert.equal(r.type, 'info', `WS post ${i + 1}: ${JSON.stringify(r).slice(0, 80)}`);
    }
    assert.equal((await http.info({ type: 'meta' })).status, 200);
    assert.equal((await http.info({ type: 'meta' })).status, 200);
    assert.equal((await http.info({ type: 'meta' })).status, 429, 'the third HTTP meta exceeds 40');
    // The HTTP budget being spent does not touch WS posts either.
    assert.equal((await c.post('info', { type: 'meta' })).type, 'info');
    assert.equal(sim.stats().rateLimited, 1);
  });
});

describe('hlsim idle close', () => {
  test('closes a connection that sent nothing for the idle timeout; one that pings stays open', async (t) => {
    const { sim, ws: [silent, chatty] } = await startSimWithClients(t, { dynamics: false, adminPort: null, idleTimeoutMs: 600 }, 2);
    let keepPinging = true;
    const pinger = (async () => {
      while (keepPinging && !chatty.isClosed) {
        chatty.send({ method: 'ping' });
        await sleep(50);
      }
    })();
    const closed = await silent.closedWithin();
    assert.equal(closed.code, 1000);
    assert.equal(chatty.isClosed, false);
    keepPinging = false;
    await pinger;
    assert.ok(sim.stats().idleClosed >= 1);
  });
});

describe('hlsim socket faults', () => {
  test('dropAllConnections, sendMalformedFrame and restart are observable by a client; the port is kept', async (t) => {
    const { sim, ws: clients } = await startSimWithClients(t, { dynamics: false }, 0);
    const a = await WsClient.connect(sim.wsUrl);
    clients.push(a);
    await a.ping();
    assert.equal(sim.faults.sendMalformedFrame(), 1);
    await a.ping();
    assert.deepEqual(a.nonJson, [GREETING, MALFORMED_FRAME]);

    assert.equal(sim.faults.dropAllConnections(), 1);
    const dropped = await a.closedWithin();
    assert.equal(dropped.code, 1006, 'an abrupt drop has no close frame');

    const b = await WsClient.connect(sim.wsUrl);
    clients.push(b);
    await b.subscribe({ type: 'bbo', coin: 'BTC' });
    await sim.restart({ downMs: 50 });
    await b.closedWithin();
    const c = await WsClient.connect(sim.wsUrl);
    clients.push(c);
    await c.ping();
    // The server keeps no session: the new connection has no subscriptions until it resubscribes.
    assert.equal(sim.stats().subscriptions, 0);
  });

  test('rateLimitNext answers HTTP 429 and the WS post error payload', async (t) => {
    const { sim, ws: [c] } = await startSimWithClients(t, { dynamics: false, adminPort: null });
    const http = new HttpClient(sim.httpUrl);
    sim.faults.rateLimitNext(2);
    assert.equal((await http.info({ type: 'meta' })).status, 429);
    const r = await c.post('info', { type: 'meta' });
    assert.equal(r.type, 'error');
    invented(r.payload, '429 Too Many Requests'); // §4.2: mirrors the HTTP status; the rendering is hlsim's
    assert.notEqual((await http.info({ type: 'meta' })).status, 429);
  });

  test('the admin endpoint runs faults and reports stats and fault state', async (t) => {
    const { sim, ws: [c] } = await startSimWithClients(t, { dynamics: false });
    const post = (name: string, body: unknown) =>
      fetch(`${sim.adminUrl}/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const r = await post('sendMalformedFrame', {});
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { ok: true, sent: 1 });
    await c.ping();
    assert.ok(c.nonJson.includes(MALFORMED_FRAME));
    assert.equal((await post('rejectNextActions', { n: 2, error: 'boom' })).status, 200);
    assert.equal((await post('silenceChannel', { channel: 'bbo', coin: 'BTC' })).status, 200);
    const state = (await (await fetch(`${sim.adminUrl}/faults`)).json()) as { rejectNextActions: number; silenced: string[] };
    assert.equal(state.rejectNextActions, 2);
    assert.deepEqual(state.silenced, ['bbo|BTC']);
    assert.equal((await post('rejectNextActions', { n: 'x' })).status, 400);
    assert.equal((await post('noSuchFault', {})).status, 404);
    const stats = (await (await fetch(`${sim.adminUrl}/stats`)).json()) as { connectionsOpen: number };
    assert.equal(stats.connectionsOpen, 1);
    assert.equal((await post('restart', { downMs: 0 })).status, 200);
    await c.closedWithin();
  });
});

describe('hlsim robustness', () => {
  test('any message (random JSON or text) is answered or refused without hurting the connection or the server', async (t) => {
    // Only WS traffic: the REST weight limit does not apply to it, so the venue's default limits stand.
    const { sim, ws: [c] } = await startSimWithClients(t, { dynamics: false, adminPort: null });
    const message = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ method: fc.constantFrom('subscribe', 'unsubscribe', 'post', 'ping', 'pong'), subscription: fc.anything(), id: fc.anything(), request: fc.anything() }, { requiredKeys: ['method'] }),
      fc.record({ method: fc.constant('post'), id: fc.nat(), request: fc.record({ type: fc.constantFrom('info', 'action'), payload: fc.jsonValue() }) }),
    );
    await fc.assert(
      fc.asyncProperty(message, async (m) => {
        c.send(typeof m === 'string' ? m : JSON.stringify(m));
        await c.ping();
      }),
      { numRuns: 150 },
    );
    assert.equal(c.isClosed, false);
    assert.equal(sim.stats().internalErrors, 0, 'the exchange never threw on what it was given');
  });
});

describe('startSim failing to start leaves nothing running', () => {
  /** A listener holding a loopback port, so that startSim cannot bind it. */
  async function occupyPort(t: { after: (fn: () => Promise<void>) => void }): Promise<number> {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    return (blocker.address() as AddressInfo).port;
  }

  test('an occupied admin port: startSim rejects and no timer of the exchange or the market is left scheduled', async (t) => {
    const port = await occupyPort(t);
    for (const dynamics of [false, true]) {
      const scheduler = new VirtualScheduler(1_800_000_000_000);
      await assert.rejects(startSim({ dynamics, scheduler, adminPort: port }), /EADDRINUSE/);
      assert.equal(scheduler.pendingTimers(), 0, `dynamics ${dynamics}: timers left after a failed start`);
    }
  });

  test('an occupied main port: startSim rejects and no timer is left scheduled', async (t) => {
    const port = await occupyPort(t);
    const scheduler = new VirtualScheduler(1_800_000_000_000);
    await assert.rejects(startSim({ dynamics: true, scheduler, port }), /EADDRINUSE/);
    assert.equal(scheduler.pendingTimers(), 0);
  });
});
