// The VenueClient facade: bad input survived (L13), readiness dropped synchronously, outcome codes before
// readiness, the MASTER address for subscriptions and queries while an agent signs (subscriptions were off
// in the reference when user_address was unset), and HTTP never blocking frame handling (L11).
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import { type WebSocket, WebSocketServer } from 'ws';
import { orderAction, orderWire } from '../../src/protocol/actions.ts';
import { formatPrice } from '../../src/protocol/format.ts';
import { generatePrivateKey, privateKeyToAddress } from '../../src/protocol/keys.ts';
import { signL1Action } from '../../src/protocol/signing.ts';
import { approveAgentAction, signUserSignedAction } from '../../src/protocol/user-signed.ts';
import type { UserFill } from '../../src/protocol/wire.ts';
import { type SimHandle, startSim } from '../../src/sim/index.ts';
import { defaultUniverse } from '../../src/sim/market/universe.ts';
import type { ReconcileSnapshot } from '../../src/venue/reconcile.ts';
import { VenueClient } from '../../src/venue/venue-client.ts';
import { fastScheduler, makeCloid, sleep, TestSigner, until } from './helpers.ts';

/** Server-side sockets are terminated first: wss.close() alone waits for every client to go (8 s idle). */
function closeServer(wss: WebSocketServer): Promise<void> {
  for (const c of wss.clients) c.terminate();
  return new Promise<void>((r) => wss.close(() => r()));
}

/** A bare WebSocket server on 127.0.0.1 standing in for the venue (closed after the test); its ws URL. */
async function fakeVenue(t: TestContext, onConnection: (ws: WebSocket) => void): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  t.after(() => closeServer(wss));
  wss.on('connection', onConnection);
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`;
}

const BBO = '{"channel":"bbo","data":{"coin":"BTC","time":1,"bbo":[{"px":"100.5","sz":"1","n":1},{"px":"101","sz":"2","n":3}]}}';

test('unknown channels, non-JSON and malformed frames are counted; the socket and the feed carry on', async (t) => {
  const wsUrl = await fakeVenue(t, (ws) => {
    ws.send('Websocket connection established.');
    ws.send('{"channel":"webData9","data":{"x":1}}');
    ws.send('not json at all');
    ws.send('{"channel":"bbo","data":{"coin":');
    ws.send('{"channel":"bbo","data":{"coin":"BTC","time":"x","bbo":[]}}');
    ws.send('{"channel":"error","data":"Error parsing JSON into valid websocket request: {"}');
    ws.send(BBO);
  });
  const client = new VenueClient({ wsUrl, markets: ['BTC'] });
  t.after(() => client.stop());
  const bids: number[] = [];
  client.onBbo((f) => bids.push(f.bidPx, f.askPx));
  client.start();
  await until(() => bids.length === 2, 'the valid bbo after the bad frames');
  assert.deepEqual(bids, [100.5, 101]);
  assert.equal(client.counters.unknownChannels, 1);
  assert.equal(client.counters.badFrames, 3);
  assert.equal(client.counters.errorFrames, 1);
  assert.equal(client.connection.stats.disconnects, 0);
  assert.equal(client.connection.isOpen, true);
});

test('bbo and activeAssetCtx frames with their keys in another order still arrive through the fast parsers', async (t) => {
  const wsUrl = await fakeVenue(t, (ws) => {
    // "data" before "channel": sniffChannel cannot name these, so they take the general parser first.
    ws.send('{"data":{"coin":"BTC","time":2,"bbo":[{"px":"99.5","sz":"1","n":1},null]},"channel":"bbo"}');
    ws.send(
      '{"data":{"coin":"BTC","ctx":{"funding":"0","openInterest":"1","prevDayPx":"100","dayNtlVlm":"1","premium":null,"oraclePx":"100.7","markPx":"100.7","midPx":"100.75","impactPxs":null,"dayBaseVlm":"1"}},"channel":"activeAssetCtx"}',
    );
  });
  const client = new VenueClient({ wsUrl, markets: ['BTC'] });
  t.after(() => client.stop());
  const seen: string[] = [];
  client.onBbo((f) => seen.push(`bbo ${f.bidPx} ${f.hasAsk}`));
  client.onAssetCtx((c) => seen.push(`ctx ${c.oraclePx}`));
  client.start();
  await until(() => seen.length === 2, 'both frames delivered');
  assert.deepEqual(seen, ['bbo 99.5 false', 'ctx 100.7']);
  assert.equal(client.counters.badFrames, 0);
  assert.equal(client.readiness.isMarketReady('BTC'), true);
});

test('the raw-frame tap sees every frame before parsing and closes after its handlers, even when one throws', async (t) => {
  const wsUrl = await fakeVenue(t, (ws) => {
    ws.send('not json at all');
    ws.send(BBO);
    ws.send(BBO);
  });
  const client = new VenueClient({ wsUrl, markets: ['BTC'] });
  t.after(() => client.stop());
  const trace: string[] = [];
  client.onRawFrame(
    (text) => trace.push(`before ${text.slice(0, 8)}`),
    () => trace.push('after'),
  );
  let bbos = 0;
  client.onBbo(() => {
    trace.push('bbo');
    if (++bbos === 1) throw new Error('handler bug');
  });
  client.start();
  await until(() => bbos === 2, 'both bbo frames');
  assert.deepEqual(trace, ['before not json', 'after', 'before {"channe', 'bbo', 'after', 'before {"channe', 'bbo', 'after']);
  assert.equal(client.counters.handlerErrors, 1);
});

/** hlsim on 10× virtual time (500 ms ticks) listing only `coins` (dexes '' and xyz), `user` funded with 100,000 USDC; stopped after the test. */
async function startFastSim(t: TestContext, user: string, coins: string[]): Promise<SimHandle> {
  const u = defaultUniverse();
  const sim = await startSim({
    adminPort: null,
    fund: { [user]: 100_000 },
    scheduler: fastScheduler(10),
    tickMs: 500,
    universe: { dexes: ['', 'xyz'], markets: u.markets.filter((m) => coins.includes(m.name)) },
  });
  t.after(() => sim.stop());
  return sim;
}

test('outcomes before readiness, and a disconnect drops readiness before anyone hears of it', async (t) => {
  const signer = new TestSigner();
  const sim = await startFastSim(t, signer.address, ['BTC', 'xyz:GOLD']);
  const client = new VenueClient({
    wsUrl: sim.wsUrl,
    httpUrl: sim.httpUrl,
    user: signer.address,
    markets: ['BTC', 'xyz:GOLD'],
    backoff: { initialMs: 10, maxMs: 20 },
    reconcile: { intervalMs: 0 },
  });
  t.after(() => client.stop());
  const noop = signer.sign({ type: 'noop' });
  assert.equal(client.sendAction(noop).outcome, 'notConnected');
  const states: Array<[boolean, number]> = [];
  // Connected but not ready, at two moments where that holds by construction: the socket has just opened
  // (nothing received yet), and the fills snapshot has just arrived (reconciliation not even started).
  const notReadyOutcomes: string[] = [];
  client.onConnection((ev) => {
    if (ev === 'open') notReadyOutcomes.push(`open:${client.sendAction(noop).outcome}`);
    if (ev === 'close') states.push([client.readiness.tradingReady || client.readiness.isMarketReady('BTC'), client.posts.inFlight]);
  });
  const offReadiness = client.onReadiness((_s, cause) => {
    if (cause === 'fillsSnapshot') notReadyOutcomes.push(`fillsSnapshot:${client.sendAction(noop).outcome}`);
  });
  client.start();
  await until(() => client.readiness.tradingReady, 'ready');
  offReadiness();
  assert.deepEqual(notReadyOutcomes, ['open:notReady', 'fillsSnapshot:notReady']);
  assert.equal(client.sendAction(signer.sign({ type: 'noop' })).outcome, 'sent');
  sim.faults.delayPostResponses(1000, 'action');
  assert.equal(client.sendAction(signer.sign({ type: 'noop' })).outcome, 'sent');
  sim.faults.dropAllConnections();
  await until(() => states.length === 1, 'close seen');
  assert.deepEqual(states[0], [false, 0], 'not ready and no post in flight by the time the close is announced');
});

test('an agent signs, the MASTER address subscribes and is reconciled', async (t) => {
  const masterKey = generatePrivateKey();
  const master = privateKeyToAddress(masterKey).toLowerCase();
  const agentKey = generatePrivateKey();
  const agent = privateKeyToAddress(agentKey).toLowerCase();
  const sim = await startFastSim(t, master, ['BTC', 'xyz:GOLD']);
  // The master approves the agent (user-signed, over HTTP as a wallet would).
  const nonce = Date.now();
  const approve = approveAgentAction({ hyperliquidChain: 'Mainnet', signatureChainId: '0x66eee', agentAddress: agent, nonce });
  const signature = signUserSignedAction({ action: approve, privateKey: masterKey } as Parameters<typeof signUserSignedAction>[0]);
  const res = await fetch(`${sim.httpUrl}/exchange`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: approve, nonce, signature }) });
  assert.deepEqual(await res.json(), { status: 'ok', response: { type: 'default' } });

  const client = new VenueClient({ wsUrl: sim.wsUrl, httpUrl: sim.httpUrl, user: master, markets: ['BTC', 'xyz:GOLD'], reconcile: { intervalMs: 0 } });
  t.after(() => client.stop());
  const fills: UserFill[] = [];
  const snaps: ReconcileSnapshot[] = [];
  client.onUserFills((f) => fills.push(...f.fills));
  client.onReconcile((s) => snaps.push(s));
  client.start();
  await until(() => client.readiness.tradingReady, 'ready with master subscriptions');
  for (const e of client.subscriptions.entries) if ('user' in e.sub) assert.equal(e.sub.user, master);

  const cloid = makeCloid('be', 5);
  const ask = sim.exchange.bestBidAsk('xyz:GOLD').ask!.px;
  const action = orderAction([orderWire({ asset: sim.exchange.assetId('xyz:GOLD')!, isBuy: true, px: formatPrice(ask * 1.01, 4, 'perp', 'up'), sz: '0.01', reduceOnly: false, tif: 'Ioc', cloid })]);
  const n = Date.now();
  const body = { action, nonce: n, signature: signL1Action({ privateKey: agentKey, action, nonce: n, isMainnet: true }) };
  assert.equal(client.sendAction(body, { cloids: [cloid] }).outcome, 'sent');
  await until(() => fills.some((f) => f.cloid === cloid), 'the agent’s fill arrives on the master’s channel');
  client.reconcileNow();
  await until(() => snaps.some((s) => s.reason === 'manual' && s.complete), 'reconciled');
  const pos = snaps.at(-1)!.accounts.find((a) => a.dex === 'xyz')!.positions.find((p) => p.position.coin === 'xyz:GOLD');
  assert.equal(pos?.position.szi, '0.01');
  assert.equal(sim.exchange.position(agent, 'xyz:GOLD'), null, 'nothing is booked on the agent');
});

test('slow HTTP never stalls frame handling (reconciliation runs off the hot path)', async (t) => {
  const signer = new TestSigner();
  const sim = await startFastSim(t, signer.address, ['BTC', 'xyz:GOLD', 'xyz:TSLA']);
  // An HTTP relay that holds every /info answer for 400 ms.
  const target = new URL(sim.httpUrl);
  let slow = false;
  let slowAnswers = 0;
  const relay = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        const out: Buffer[] = [];
        r.on('data', (c) => out.push(c));
        if (slow) slowAnswers++;
        r.on('end', () => setTimeout(() => res.writeHead(r.statusCode ?? 500, r.headers).end(Buffer.concat(out)), slow ? 400 : 0));
      });
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => relay.close(() => r())));
  const client = new VenueClient({
    wsUrl: sim.wsUrl,
    httpUrl: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    user: signer.address,
    markets: ['BTC', 'xyz:GOLD', 'xyz:TSLA'],
    reconcile: { intervalMs: 0 },
  });
  t.after(() => client.stop());
  let frames = 0;
  let reconciling = false;
  let framesDuringReconcile = 0;
  client.onBbo(() => {
    frames++;
    if (reconciling) framesDuringReconcile++;
  });
  client.onAssetCtx(() => {
    if (reconciling) framesDuringReconcile++;
  });
  client.onReconcile(() => {
    reconciling = false;
  });
  client.start();
  await until(() => client.readiness.tradingReady, 'ready');
  slow = true;
  reconciling = true;
  client.reconcileNow();
  await until(() => !reconciling, 'slow reconciliation done', 10_000);
  assert.ok(slowAnswers >= 4, 'the reconciliation went through the slow relay');
  assert.ok(framesDuringReconcile > 0, 'market data kept flowing while HTTP was slow');
  assert.ok(frames > 0);
  await sleep(1);
});

test('data arriving before the subscribe acks still makes markets ready (incident #5: the drain swallowed it)', async (t) => {
  const wsUrl = await fakeVenue(t, (ws) => {
    // Data first, acks only later (or never): readiness must not depend on the subscribe phase being over.
    ws.send(BBO);
    ws.send(
      '{"channel":"activeAssetCtx","data":{"coin":"BTC","ctx":{"funding":"0","openInterest":"1","prevDayPx":"100","dayNtlVlm":"1","premium":null,"oraclePx":"100.7","markPx":"100.7","midPx":"100.75","impactPxs":null,"dayBaseVlm":"1"}}}',
    );
  });
  const client = new VenueClient({ wsUrl, markets: ['BTC'] });
  t.after(() => client.stop());
  client.start();
  await until(() => client.readiness.isMarketReady('BTC'), 'BTC ready from data alone');
  assert.equal(client.subscriptions.entries.filter((e) => e.hasData).length, 2);
});

test('one unexpected element in a user-channel frame is dropped and counted; the rest is kept and the snapshot counts', async (t) => {
  const user = '0x' + 'ab'.repeat(20);
  const fill = { coin: 'BTC', px: '100.0', sz: '1.0', side: 'B', time: 1, startPosition: '0.0', dir: 'Open Long', closedPnl: '0.0', hash: `0x${'00'.repeat(32)}`, oid: 1, crossed: true, fee: '0.1', tid: 1, feeToken: 'USDC' };
  const badFill = { ...fill, tid: 2, startPosition: undefined };
  const order = { coin: 'BTC', side: 'B', limitPx: '100.0', sz: '1.0', oid: 7, timestamp: 1, origSz: '1.0' };
  const wsUrl = await fakeVenue(t, (ws) => {
    ws.on('message', (m) => {
      const msg = JSON.parse(String(m));
      if (msg.method !== 'subscribe') return;
      ws.send(JSON.stringify({ channel: 'subscriptionResponse', data: { method: 'subscribe', subscription: msg.subscription } }));
      if (msg.subscription.type === 'userFills') {
        ws.send(JSON.stringify({ channel: 'userFills', data: { user, isSnapshot: true, fills: [fill, badFill] } }));
      }
      if (msg.subscription.type === 'userEvents') {
        ws.send(JSON.stringify({ channel: 'orderUpdates', data: [{ order, status: 'open', statusTimestamp: 1 }, { order: { ...order, oid: 'x' }, status: 'open', statusTimestamp: 1 }] }));
        ws.send(JSON.stringify({ channel: 'user', data: { fills: [{ ...fill, tid: 3 }, { ...badFill, tid: 4 }] } }));
      }
    });
  });
  const client = new VenueClient({ wsUrl, markets: [], user, reconcile: { intervalMs: 0 } });
  t.after(() => client.stop());
  const snapshotFills: number[] = [];
  const eventFills: number[] = [];
  const updates: number[] = [];
  client.onUserFills((u) => {
    if (u.isSnapshot) snapshotFills.push(...u.fills.map((f) => f.tid));
  });
  client.onUserEvents((e) => {
    if ('fills' in e) eventFills.push(...e.fills.map((f) => f.tid));
  });
  client.onOrderUpdates((u) => updates.push(...u.map((x) => x.order.oid)));
  client.start();
  await until(() => client.readiness.state.fillsSnapshot && eventFills.length > 0 && updates.length > 0, 'snapshot, updates and events delivered');
  assert.equal(client.readiness.state.userSubscriptionsAcked, true);
  assert.deepEqual(snapshotFills, [1]);
  assert.deepEqual(eventFills, [3]);
  assert.deepEqual(updates, [7]);
  assert.equal(client.counters.badEntries, 3, 'one bad fill in the snapshot, one bad update, one bad event fill');
  assert.equal(client.counters.badFrames, 0, 'no frame was dropped whole');
});
