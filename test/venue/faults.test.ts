// The fault suite: the VenueClient against REAL hlsim through real sockets (issue 4, "Bad input and faults").
// Each incident of the reference system that concerns connectivity is a named case:
// - no resync after reconnect (L12) / READY deadlock (#5, #6): 50 forced disconnects, trading ready only after
//   acks + snapshot + reconciliation of the new connection, positions and open orders equal hlsim's;
// - fills missed while disconnected (L12): a fill during a server restart is present afterwards;
// - ~67 s to notice a silent socket (L12): a black-holed socket is replaced at the ping/pong deadline;
// - drop on any unparsable frame (L13): malformed frame, error payloads, error frames counted and survived;
// - post responses lost (L5, anchors §2.5): unknown, then resolved by orderStatus without a duplicate order.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatPrice } from '../../src/protocol/format.ts';
import { cancelByCloidAction, noopAction } from '../../src/protocol/actions.ts';
import type { FrontendOpenOrder, OrderStatusResponse, UserFill } from '../../src/protocol/wire.ts';
import { type SimHandle, type SimLimits, startSim, VENUE_LIMITS } from '../../src/sim/index.ts';
import { defaultUniverse } from '../../src/sim/market/universe.ts';
import type { CloseReason } from '../../src/venue/connection.ts';
import { DEFAULT_REST_LIMIT } from '../../src/venue/info.ts';
import type { PostResult } from '../../src/venue/posts.ts';
import type { ReadinessState } from '../../src/venue/readiness.ts';
import type { ReconcileSnapshot } from '../../src/venue/reconcile.ts';
import { VenueClient, type VenueClientOptions } from '../../src/venue/venue-client.ts';
import { fastScheduler, makeCloid, seededRandom, sleep, startBlackholeProxy, startFrameFilterProxy, TestSigner, until } from './helpers.ts';

const MARKETS = ['BTC', 'xyz:GOLD', 'xyz:TSLA', 'xyz:NVDA'];
const PREFIX = 'be';

interface Rig {
  sim: SimHandle;
  client: VenueClient;
  signer: TestSigner;
  results: PostResult[];
  snapshots: ReconcileSnapshot[];
  fills: Map<number, UserFill>;
  closes: CloseReason[];
  causes: string[];
  readyViolations: string[];
  readyTransitions: number;
  knownCloids: Set<string>;
}

async function rig(
  t: { after: (fn: () => unknown) => void },
  opts: {
    limits?: Partial<SimLimits>;
    client?: Partial<VenueClientOptions>;
    proxy?: boolean;
    /** Server frames withheld from the bot by a relay (set before the client connects). */
    dropFrames?: (text: string) => boolean;
    /** Called with hlsim before the client starts (faults that must precede the subscriptions). */
    beforeStart?: (sim: SimHandle) => void;
  } = {},
): Promise<Rig> {
  const signer = new TestSigner();
  const universe = defaultUniverse();
  const sim = await startSim({
    fund: { [signer.address]: 1_000_000 },
    seed: 7,
    scheduler: fastScheduler(10),
    tickMs: 500,
    adminPort: null,
    universe: { dexes: ['', 'xyz'], markets: universe.markets.filter((m) => MARKETS.includes(m.name)) },
    limits: { restWeightPerMinute: 1_000_000, ...opts.limits },
  });
  t.after(() => sim.stop());
  let wsUrl = sim.wsUrl;
  if (opts.proxy) {
    const proxy = await startBlackholeProxy(sim.port);
    t.after(() => proxy.close());
    wsUrl = proxy.url;
    (sim as SimHandle & { proxy?: typeof proxy }).proxy = proxy;
  }
  if (opts.dropFrames) {
    const filter = await startFrameFilterProxy(sim.wsUrl);
    t.after(() => filter.close());
    filter.state.drop = opts.dropFrames;
    wsUrl = filter.url;
  }
  opts.beforeStart?.(sim);
  const knownCloids = new Set<string>();
  const client = new VenueClient({
    wsUrl,
    httpUrl: sim.httpUrl,
    user: signer.address,
    markets: MARKETS,
    backoff: { initialMs: 10, maxMs: 40 },
    pingIntervalMs: 300,
    pongTimeoutMs: 300,
    connectTimeoutMs: 1000,
    ackTimeoutMs: 1000,
    actionTimeoutMs: 400,
    infoTimeoutMs: 2000,
    readiness: { ctxStaleMs: 1500, bboStaleMs: 30_000, allSilentMs: 1500, checkIntervalMs: 50 },
    restLimit: { maxWeight: 1_000_000 },
    infoRetryBaseMs: 20,
    reconcile: { intervalMs: 0, retryMs: 50, confirmDelayMs: 20, cloidPrefix: `0x${PREFIX}`, knownCloids: () => knownCloids },
    ...opts.client,
  });
  t.after(() => client.stop());
  const r: Rig = {
    sim,
    client,
    signer,
    results: [],
    snapshots: [],
    fills: new Map(),
    closes: [],
    causes: [],
    readyViolations: [],
    readyTransitions: 0,
    knownCloids,
  };
  client.onPostResult((p) => r.results.push(p));
  client.onReconcile((s) => {
    r.snapshots.push(s);
    for (const f of s.newFills) r.fills.set(f.tid, f);
  });
  client.onUserFills((u) => {
    for (const f of u.fills) {
      assert.ok(!r.fills.has(f.tid), `fill ${f.tid} delivered twice`);
      r.fills.set(f.tid, f);
    }
  });
  client.onConnection((ev, _s, reason) => {
    if (ev === 'close' && reason) r.closes.push(reason);
  });
  let wasReady = false;
  client.onReadiness((s: ReadinessState, cause, coin) => {
    r.causes.push(coin ? `${cause}:${coin}` : cause);
    if (s.tradingReady && !wasReady) {
      r.readyTransitions++;
      // Trading ready must mean: the user channels acked, the snapshot in, and a COMPLETE reconciliation of
      // THIS connection delivered — never a leftover from before the disconnect.
      const last = r.snapshots.at(-1);
      if (!client.subscriptions.userAcked()) r.readyViolations.push('ready before user acks');
      if (!s.fillsSnapshot) r.readyViolations.push('ready before fills snapshot');
      if (!last?.complete || last.session !== s.session) r.readyViolations.push(`ready without a reconciliation of session ${s.session}`);
      for (const e of client.subscriptions.entries) {
        if ('coin' in e.sub && client.readiness.isMarketReady(e.sub.coin) && (e.sub.type === 'bbo' || e.sub.type === 'activeAssetCtx')) {
          if (e.state !== 'acked' || !e.hasData) r.readyViolations.push(`ready market ${e.key} not acked/live`);
        }
      }
    }
    wasReady = s.tradingReady;
  });
  client.start();
  await until(() => client.readiness.tradingReady && client.readiness.state.readyMarkets === MARKETS.length, 'initial trading ready');
  return r;
}

function spec(sim: SimHandle, coin: string) {
  const def = sim.exchange.marketDef(coin)!;
  return { asset: sim.exchange.assetId(coin)!, szDecimals: def.szDecimals };
}

/** An IOC that crosses the book (a taker fill against hlsim's makers). */
function iocOrder(r: Rig, coin: string, isBuy: boolean, sz: string, cloid: string) {
  const { asset, szDecimals } = spec(r.sim, coin);
  const bb = r.sim.exchange.bestBidAsk(coin);
  const ref = isBuy ? bb.ask!.px * 1.01 : bb.bid!.px * 0.99;
  const px = formatPrice(ref, szDecimals, 'perp', isBuy ? 'up' : 'down');
  return r.signer.order({ asset, isBuy, px, sz, tif: 'Ioc', cloid });
}

/** A GTC far from the market: rests. */
function restingOrder(r: Rig, coin: string, sz: string, cloid: string) {
  const { asset, szDecimals } = spec(r.sim, coin);
  const px = formatPrice(r.sim.exchange.bestBidAsk(coin).bid!.px * 0.9, szDecimals, 'perp', 'down');
  return r.signer.order({ asset, isBuy: true, px, sz, tif: 'Gtc', cloid });
}

/** hlsim's own view of the account: signed size per coin, and open orders (oid → cloid). */
function venueTruth(r: Rig) {
  const summary = r.sim.exchange.accountSummary(r.signer.address);
  const positions = new Map(summary.positions.filter((p) => p.szi !== 0).map((p) => [p.coin, p.szi]));
  const orders = new Map<number, string | null>();
  for (const dex of ['', 'xyz']) {
    const res = r.sim.exchange.handleInfo({ type: 'frontendOpenOrders', user: r.signer.address, dex });
    for (const o of res.body as FrontendOpenOrder[]) orders.set(o.oid, o.cloid ?? null);
  }
  return { positions, orders };
}

function snapshotView(s: ReconcileSnapshot) {
  const positions = new Map<string, number>();
  for (const a of s.accounts) for (const p of a.positions) if (Number(p.position.szi) !== 0) positions.set(p.position.coin, Number(p.position.szi));
  const orders = new Map(s.openOrders.map((o) => [o.oid, o.cloid ?? null]));
  return { positions, orders };
}

function orderStatusAtVenue(r: Rig, cloid: string): OrderStatusResponse {
  return r.sim.exchange.handleInfo({ type: 'orderStatus', user: r.signer.address, oid: cloid }).body as OrderStatusResponse;
}

describe('venue faults against hlsim', () => {
  test('50 forced disconnects at random moments with live orders and positions', async (t) => {
    // 50 reconnects × 11 subscribes in seconds would drain the default bucket (1 token per 34 ms after a burst
    // of 60) and pace the resubscription; a larger burst keeps the test fast. hlsim still counts the wire.
    const r = await rig(t, { client: { wireBudget: { windowMs: 60_000, maxPerWindow: 1800, burst: 1500, reservedTokens: 10 } } });
    const rnd = seededRandom(42);
    const resting: string[] = [];
    const sent = new Map<number, string>();
    const unknown = new Set<string>();
    let n = 0;
    let refusedNotReady = 0;
    // onPostResult holds one handler: replace the rig's, keeping its list.
    const results = r.results;
    r.client.onPostResult((p) => {
      results.push(p);
      if (p.outcome.type === 'unknown') for (const c of (p.tag as string[]) ?? []) unknown.add(c);
    });
    const send = (body: ReturnType<typeof iocOrder> | ReturnType<TestSigner['sign']>, cloids: string[], requireReady = true) => {
      for (const c of cloids) r.knownCloids.add(c);
      const res = r.client.sendAction(body, { cloids, tag: cloids, requireReady });
      if (res.outcome === 'sent') sent.set(res.id, cloids.join(','));
      else if (res.outcome === 'notReady') refusedNotReady++;
      return res.outcome;
    };

    for (let round = 0; round < 50; round++) {
      const session = r.client.readiness.currentSession;
      // Activity right up to the drop: positions (IOC both ways), resting orders, cancels.
      const actions = 1 + Math.floor(rnd() * 3);
      for (let k = 0; k < actions; k++) {
        const x = rnd();
        const cloid = makeCloid(PREFIX, ++n);
        if (x < 0.35) send(iocOrder(r, 'xyz:GOLD', rnd() < 0.6, '0.01', cloid), [cloid]);
        else if (x < 0.55) send(iocOrder(r, 'BTC', rnd() < 0.5, '0.001', cloid), [cloid]);
        else if (x < 0.85 || resting.length === 0) {
          if (send(restingOrder(r, 'xyz:TSLA', '0.05', cloid), [cloid]) === 'sent') resting.push(cloid);
        } else {
          const victim = resting.splice(Math.floor(rnd() * resting.length), 1)[0];
          send(r.signer.sign(cancelByCloidAction([{ asset: spec(r.sim, 'xyz:TSLA').asset, cloid: victim }])), [], false);
        }
        if (rnd() < 0.5) await sleep(Math.floor(rnd() * 4));
      }
      // A random moment: answers delayed at random so some posts are still in flight when the socket dies.
      r.sim.faults.delayPostResponses(Math.floor(rnd() * 12), 'action');
      await sleep(Math.floor(rnd() * 10));
      assert.ok(r.sim.faults.dropAllConnections() >= 1);
      await until(() => r.client.readiness.currentSession > session, `reconnect ${round}`);
      await until(() => r.client.readiness.tradingReady, `trading ready after drop ${round}`);
      await until(() => r.client.subscriptions.allAcked(), `every subscription restored and acked ${round}`);
    }

    r.sim.faults.clear();
    // Let every post finish and every unknown outcome be resolved, then compare with hlsim.
    await until(() => r.client.posts.inFlight === 0 && r.client.reconciler!.unknownCloids.length === 0, 'unknowns resolved', 15_000);
    const final = await r.client.reconciler!.run('manual');
    assert.ok(final.complete, final.failures.join('; '));
    const truth = venueTruth(r);
    const mine = snapshotView(final);
    assert.deepEqual(mine.positions, truth.positions, 'positions equal hlsim');
    assert.deepEqual(mine.orders, truth.orders, 'open orders equal hlsim');
    assert.ok(truth.positions.size > 0 && truth.orders.size > 0, 'orders and positions were live');

    assert.deepEqual(r.readyViolations, []);
    assert.ok(r.readyTransitions >= 51, `ready ${r.readyTransitions} times`);
    assert.ok(r.client.connection.stats.disconnects >= 50);
    // Every written action got exactly one first result.
    const firstResults = r.results.filter((p) => p.kind === 'action' && !p.late);
    assert.equal(new Set(firstResults.map((p) => p.id)).size, firstResults.length);
    assert.equal(firstResults.length, sent.size);
    // Every unknown order outcome was resolved by reconciliation, and to the venue's own answer.
    const resolved = new Map<string, string>();
    for (const s of r.snapshots) for (const x of s.resolved) resolved.set(x.cloid, x.status);
    for (const c of unknown) {
      const lateAnswered = r.results.some((p) => p.late && (p.tag as string[]).includes(c));
      assert.ok(resolved.has(c) || lateAnswered, `unknown ${c} resolved`);
      const venue = orderStatusAtVenue(r, c);
      if (resolved.get(c) === 'notFound') assert.equal(venue.status, 'unknownOid');
    }
    // Fills: each tid once (asserted on delivery) and all of hlsim's fills for us are known.
    const venueFills = r.sim.exchange.handleInfo({ type: 'userFills', user: r.signer.address }).body as UserFill[];
    for (const f of venueFills) assert.ok(r.fills.has(f.tid), `fill ${f.tid} known to the bot`);
    assert.ok(r.sim.stats().maxMessagesPerMinute < 2000);
    assert.equal(r.sim.stats().limitErrors, 0);
    t.diagnostic(
      `disconnects ${r.client.connection.stats.disconnects}, actions sent ${sent.size}, unknown ${unknown.size}, refused notReady ${refusedNotReady}, fills ${r.fills.size}`,
    );
  });

  test('a fill at hlsim during a server restart is present after reconnect; the restart is survived', async (t) => {
    const r = await rig(t);
    const before = r.sim.exchange.position(r.signer.address, 'xyz:GOLD')?.szi ?? 0;
    // An order of the bot resting before the restart…
    const restingBefore = makeCloid(PREFIX, 9001);
    r.knownCloids.add(restingBefore);
    assert.equal(r.client.sendAction(restingOrder(r, 'xyz:TSLA', '0.05', restingBefore)).outcome, 'sent');
    await until(() => r.results.some((p) => p.outcome.type === 'action'), 'resting order placed');
    const session = r.client.readiness.currentSession;
    const restart = r.sim.restart({ downMs: 300 });
    await until(() => !r.client.readiness.isConnected, 'client saw the restart');
    assert.equal(r.client.readiness.tradingReady, false);
    // While the bot is away an order of its account fills at the venue.
    const cloid = makeCloid(PREFIX, 9999);
    const bb = r.sim.exchange.bestBidAsk('xyz:GOLD');
    const st = r.sim.exchange.internalPlaceOrders(r.signer.address, [
      { coin: 'xyz:GOLD', isBuy: true, px: formatPrice(bb.ask!.px * 1.01, 4, 'perp', 'up'), sz: '0.02', tif: 'Ioc', cloid },
    ]);
    assert.ok('filled' in st[0], JSON.stringify(st[0]));
    // …and one placed at the venue while the bot is away.
    const restingDuring = makeCloid(PREFIX, 9002);
    const bid = r.sim.exchange.bestBidAsk('xyz:NVDA').bid!.px;
    const st2 = r.sim.exchange.internalPlaceOrders(r.signer.address, [
      { coin: 'xyz:NVDA', isBuy: true, px: formatPrice(bid * 0.9, spec(r.sim, 'xyz:NVDA').szDecimals, 'perp', 'down'), sz: '0.1', tif: 'Gtc', cloid: restingDuring },
    ]);
    assert.ok('resting' in st2[0], JSON.stringify(st2[0]));
    await restart;
    await until(() => r.client.readiness.tradingReady && r.client.readiness.currentSession > session, 'ready after restart');
    const missed = [...r.fills.values()].filter((f) => f.cloid === cloid);
    assert.ok(missed.length >= 1, 'the fill made while disconnected reached the bot');
    const last = r.snapshots.at(-1)!;
    assert.equal(last.session, r.client.readiness.currentSession);
    assert.deepEqual(snapshotView(last).positions, venueTruth(r).positions);
    assert.deepEqual(snapshotView(last).orders, venueTruth(r).orders, 'open orders equal hlsim');
    const openCloids = [...snapshotView(last).orders.values()];
    assert.ok(openCloids.includes(restingBefore) && openCloids.includes(restingDuring), 'both resting orders known after the restart');
    assert.equal(venueTruth(r).positions.get('xyz:GOLD'), before + 0.02);
    assert.ok(r.client.connection.stats.connectFailures >= 1, 'reconnect attempts failed while the server was down');
    assert.deepEqual(r.readyViolations, []);
  });

  test('a silenced ctx channel makes only that market unhealthy; the others and the socket carry on', async (t) => {
    const r = await rig(t);
    const disconnects = r.client.connection.stats.disconnects;
    const from = r.causes.length;
    r.sim.faults.silenceChannel({ channel: 'activeAssetCtx', coin: 'xyz:GOLD' });
    await until(() => r.client.readiness.health('xyz:GOLD') === 'stale', 'GOLD stale');
    assert.equal(r.client.readiness.isTradingReady('xyz:GOLD'), false);
    for (const m of MARKETS.filter((c) => c !== 'xyz:GOLD')) {
      assert.equal(r.client.readiness.health(m), 'ready', `${m} unaffected`);
      assert.ok(r.client.readiness.isTradingReady(m));
    }
    assert.deepEqual(
      r.causes.slice(from).filter((c) => c.startsWith('marketStale')),
      ['marketStale:xyz:GOLD'],
    );
    assert.equal(r.client.connection.stats.disconnects, disconnects);
    r.sim.faults.unsilenceChannel({ channel: 'activeAssetCtx', coin: 'xyz:GOLD' });
    await until(() => r.client.readiness.health('xyz:GOLD') === 'ready', 'GOLD back');
  });

  test('a quiet market with no bbo frame is seeded from l2Book and becomes ready; a market silenced after ready still goes stale', async (t) => {
    // hlsim publishes no bbo for NVDA (silenced before subscribe); the relay withholds the one bbo snapshot
    // hlsim still sends after the ack. Only the seed can make NVDA ready.
    const quiet = 'xyz:NVDA';
    const seeded: Array<{ coin: string; bid: number; ask: number }> = [];
    const r = await rig(t, {
      beforeStart: (sim) => sim.faults.silenceChannel({ channel: 'bbo', coin: quiet }),
      dropFrames: (text) => text.startsWith(`{"channel":"bbo","data":{"coin":"${quiet}"`),
      client: { bboSeedMs: 200, readiness: { ctxStaleMs: 1500, bboStaleMs: 2000, allSilentMs: 1500, checkIntervalMs: 50 } },
    });
    assert.equal(r.client.readiness.isMarketReady(quiet), true);
    assert.equal(r.client.counters.bboSeeds, 1);
    const entry = r.client.subscriptions.get({ type: 'bbo', coin: quiet })!;
    assert.equal(entry.state, 'acked');
    assert.equal(entry.hasData, false, 'no bbo frame ever arrived for it');
    const venueBook = r.sim.exchange.bestBidAsk(quiet);
    assert.ok(venueBook.bid && venueBook.ask);
    // The seed reached the bbo handler with the book's best levels (the book may have moved since: loose check).
    r.client.onBbo((f) => {
      if (f.coin === quiet) seeded.push({ coin: f.coin, bid: f.bidPx, ask: f.askPx });
    });
    // A market silenced after it was ready goes stale — the seed is for a missing FIRST bbo only.
    const gold = 'xyz:GOLD';
    r.sim.faults.silenceChannel({ channel: 'bbo', coin: gold });
    await until(() => r.client.readiness.health(gold) === 'stale', 'GOLD stale');
    await until(() => r.client.readiness.health(quiet) === 'stale', 'the seeded market goes stale too without bbo frames');
    assert.equal(r.client.counters.bboSeeds, 1, 'never re-seeded on the same connection');
    assert.equal(seeded.length, 0);
    assert.equal(r.client.readiness.health('BTC'), 'ready');
    // A new connection seeds again.
    r.sim.faults.dropAllConnections();
    await until(() => r.client.counters.bboSeeds === 2 && r.client.readiness.isMarketReady(quiet), 'seeded again after reconnect');
    assert.equal(seeded.length, 1);
    const mid = (venueBook.bid.px + venueBook.ask.px) / 2;
    assert.ok(seeded[0].bid < seeded[0].ask && Math.abs(seeded[0].bid / mid - 1) < 0.05, JSON.stringify({ seeded, venueBook }));
  });

  test('every market silent while pongs still flow: half-open, reconnect', async (t) => {
    const r = await rig(t);
    for (const coin of MARKETS) {
      r.sim.faults.silenceChannel({ channel: 'activeAssetCtx', coin });
      r.sim.faults.silenceChannel({ channel: 'bbo', coin });
    }
    await until(() => r.closes.includes('halfOpen'), 'half-open reconnect');
    r.sim.faults.clear();
    await until(() => r.client.readiness.tradingReady, 'ready after half-open');
    assert.deepEqual(r.readyViolations, []);
  });

  test('a fully silent (black-holed) socket is replaced at the ping/pong deadline', async (t) => {
    const r = await rig(t, { proxy: true });
    const proxy = (r.sim as SimHandle & { proxy: { blackhole(): number } }).proxy;
    const session = r.client.readiness.currentSession;
    assert.equal(proxy.blackhole(), 1);
    await until(() => r.closes.length > 0, 'dead socket noticed');
    assert.equal(r.closes[0], 'pongTimeout');
    await until(() => r.client.readiness.tradingReady && r.client.readiness.currentSession > session, 'replacement ready');
    assert.deepEqual(r.readyViolations, []);
  });

  test('a dropped post response becomes unknown and resolves to the real outcome without a duplicate', async (t) => {
    const r = await rig(t);
    // A resting order whose answer is lost.
    r.sim.faults.dropPostResponses(2, 'action');
    const c1 = makeCloid(PREFIX, 1);
    const c2 = makeCloid(PREFIX, 2);
    r.knownCloids.add(c1).add(c2);
    const firstWritten = r.client.outbound.stats.actionsWritten;
    assert.equal(r.client.sendAction(restingOrder(r, 'xyz:TSLA', '0.05', c1), { cloids: [c1] }).outcome, 'sent');
    // No cloids listed: they are taken from the order action itself.
    assert.equal(r.client.sendAction(iocOrder(r, 'xyz:GOLD', true, '0.01', c2)).outcome, 'sent');
    await until(() => r.results.length === 2, 'both timed out');
    assert.ok(r.results.every((p) => p.outcome.type === 'unknown' && p.outcome.reason === 'timeout'));
    await until(() => r.client.reconciler!.unknownCloids.length === 0, 'resolved');
    const resolved = new Map(r.snapshots.flatMap((s) => s.resolved).map((x) => [x.cloid, x]));
    assert.equal(resolved.get(c1)?.status, 'open');
    assert.equal(resolved.get(c2)?.status, 'filled');
    assert.equal(resolved.get(c1)?.order?.cloid, c1);
    // Nothing was re-sent: two actions on the wire, one order per cloid at the venue.
    assert.equal(r.client.outbound.stats.actionsWritten - firstWritten, 2);
    const open = [...venueTruth(r).orders.values()].filter((c) => c === c1);
    assert.equal(open.length, 1);
    const goldFills = (r.sim.exchange.handleInfo({ type: 'userFills', user: r.signer.address }).body as UserFill[]).filter((f) => f.cloid === c2);
    assert.ok(goldFills.length >= 1);
    assert.equal(new Set(goldFills.map((f) => f.oid)).size, 1, 'one order for the cloid');
    assert.ok(r.sim.stats().postResponsesDropped >= 2);
    const stats = r.client.stats();
    assert.equal(stats['posts.timedOut'], 2);
    assert.equal(stats.unknownOrders, 0);
  });

  test('a malformed frame, an error frame and an error payload are counted and survived', async (t) => {
    const r = await rig(t, { limits: { inFlightPosts: 3 } });
    const connects = r.client.connection.stats.connects;
    assert.ok(r.sim.faults.sendMalformedFrame() >= 1);
    await until(() => r.client.counters.badFrames >= 1, 'bad frame counted');
    // Error payload: the venue answers a post with {type:'error'} (rate limited); the info call retries.
    r.sim.faults.rateLimitNext(1);
    const mids = await r.client.info<Record<string, string>>({ type: 'allMids' }, 'ws');
    assert.equal(typeof mids, 'object');
    assert.ok(r.client.infoClient.stats.retries >= 1);
    // Error frame: more posts in flight than hlsim allows → "too many pending post requests id=N".
    r.sim.faults.delayPostResponses(200, 'info');
    const burst = Array.from({ length: 6 }, () => r.client.info({ type: 'allMids' }, 'ws').catch(() => null));
    await until(() => r.client.counters.errorFrames >= 1, 'error frame counted');
    r.sim.faults.clear();
    await Promise.all(burst);
    assert.equal(r.client.connection.stats.connects, connects, 'the socket survived all three');
    assert.ok(r.client.readiness.tradingReady);
  });

  test('a burst of 3000 outbound messages stays under 2000/min at hlsim; posts in flight never exceed 100', async (t) => {
    // Bucket: 1700 back to back, then 100 more per minute — 1800 in any minute. Without it the burst would
    // put all 3000 on the wire at once.
    const r = await rig(t, {
      client: { wireBudget: { windowMs: 60_000, maxPerWindow: 1800, burst: 1700, reservedTokens: 10 }, maxQueuedInfo: 5000 },
    });
    r.sim.faults.delayPostResponses(50, 'info');
    const pending = Array.from({ length: 3000 }, () => r.client.info({ type: 'allMids' }, 'ws').then(
      () => 'ok',
      () => 'failed',
    ));
    await until(() => r.client.outbound.stats.written >= 1700, 'burst written', 20_000);
    // Actions still go out while info is queued behind the bucket reserve.
    for (let i = 0; i < 5; i++) assert.equal(r.client.sendAction(r.signer.sign(noopAction()), { requireReady: false }).outcome, 'sent');
    await sleep(300);
    const stats = r.sim.stats();
    assert.ok(stats.maxMessagesPerMinute <= 1800, `hlsim counted ${stats.maxMessagesPerMinute}/min`);
    assert.ok(stats.maxMessagesPerMinute < 2000);
    assert.ok(stats.maxMessagesPerMinute >= 1700, 'the burst really reached the wire');
    assert.ok(r.client.outbound.queuedInfo > 1000, 'the rest waits for tokens instead of breaking the limit');
    assert.ok(stats.maxInFlightPosts <= 100, `in flight ${stats.maxInFlightPosts}`);
    assert.ok(stats.maxInFlightPosts >= 80, 'in-flight limit was actually exercised');
    assert.ok(r.client.outbound.stats.maxInFlightSeen <= 100);
    assert.equal(stats.limitErrors, 0);
    r.client.stop();
    const outcomes = await Promise.all(pending);
    assert.ok(outcomes.filter((o) => o === 'ok').length >= 1600);
  });

  test('in-flight action posts stop at 100 with a distinct outcome', async (t) => {
    const r = await rig(t, { client: { wireBudget: { windowMs: 60_000, maxPerWindow: 1800, burst: 1000, reservedTokens: 0 }, actionTimeoutMs: 5000 } });
    r.sim.faults.delayPostResponses(500, 'action');
    const outcomes = Array.from({ length: 130 }, () => r.client.sendAction(r.signer.sign(noopAction())).outcome);
    assert.equal(outcomes.filter((o) => o === 'sent').length, 100);
    assert.equal(outcomes.filter((o) => o === 'inFlightFull').length, 30);
    await until(() => r.results.length === 100, 'answers');
    assert.ok(r.sim.stats().maxInFlightPosts <= 100);
    assert.equal(r.sim.stats().limitErrors, 0);
  });

  test('timed-out posts keep their in-flight slots until answered: never over 100 at hlsim, never "too many pending"', async (t) => {
    const r = await rig(t, { client: { wireBudget: { windowMs: 60_000, maxPerWindow: 1800, burst: 1000, reservedTokens: 0 }, actionTimeoutMs: 200 } });
    r.sim.faults.delayPostResponses(1500, 'action');
    const first = Array.from({ length: 100 }, () => r.client.sendAction(r.signer.sign(noopAction())).outcome);
    assert.deepEqual(new Set(first), new Set(['sent']));
    await until(() => r.results.filter((p) => !p.late).length === 100, 'all 100 timed out at the client');
    assert.ok(r.results.every((p) => p.outcome.type === 'unknown'));
    // hlsim still holds all 100: the client must not write more.
    const second = Array.from({ length: 100 }, () => r.client.sendAction(r.signer.sign(noopAction())).outcome);
    assert.deepEqual(new Set(second), new Set(['inFlightFull']));
    const info = r.client.info<Record<string, string>>({ type: 'allMids' }, 'ws');
    await until(() => r.results.filter((p) => p.late).length === 100, 'the late answers arrive');
    assert.equal(r.client.posts.inFlight, 0);
    assert.equal(typeof (await info), 'object', 'the queued info post went out once slots were free');
    assert.equal(r.client.sendAction(r.signer.sign(noopAction())).outcome, 'sent');
    assert.ok(r.sim.stats().maxInFlightPosts <= 100, `hlsim saw ${r.sim.stats().maxInFlightPosts} in flight`);
    assert.equal(r.sim.stats().limitErrors, 0);
    assert.equal(r.client.counters.errorFrames, 0, 'no "too many pending post requests"');
  });

  test('venue error frames complete their post as an error, not unknown (too many pending; unparsable post)', async (t) => {
    const r = await rig(t, { limits: { inFlightPosts: 2 }, client: { actionTimeoutMs: 2000 } });
    r.sim.faults.delayPostResponses(300, 'action');
    const ids = Array.from({ length: 3 }, () => r.client.sendAction(r.signer.sign(noopAction())).id);
    assert.ok(ids.every((id) => id > 0));
    await until(() => r.results.some((p) => p.id === ids[2]), 'the third post completed');
    const third = r.results.find((p) => p.id === ids[2])!;
    assert.deepEqual(third.outcome, { type: 'error', message: `too many pending post requests id=${ids[2]}` });
    // A post the venue cannot read is echoed back in "Error parsing JSON …": matched by the id in the echo.
    const bad = r.client.sendAction('{"action":', { requireReady: false }).id;
    await until(() => r.results.some((p) => p.id === bad), 'the unparsable post completed');
    const outcome = r.results.find((p) => p.id === bad)!.outcome;
    assert.equal(outcome.type, 'error');
    assert.match((outcome as { message: string }).message, /^Error parsing JSON into valid websocket request/);
    await until(() => r.results.length === 4, 'the two delayed answers');
    assert.equal(r.client.posts.stats.timedOut, 0, 'nothing was left to time out as unknown');
    assert.equal(r.client.posts.stats.errorFrames, 2);
    assert.equal(r.client.posts.inFlight, 0);
  });

  test('subscribes held back by the wire budget are not retried early: the ack deadline starts at the write', async (t) => {
    // 20 messages/s after a burst of 2: the 11 subscribes take ~0.5 s to reach the wire, the ack deadline is 300 ms.
    const r = await rig(t, {
      client: { wireBudget: { windowMs: 1000, maxPerWindow: 22, burst: 2, reservedTokens: 0 }, ackTimeoutMs: 300, subscribeAttempts: 2 },
    });
    for (const e of r.client.subscriptions.entries) assert.equal(e.attempts, 1, `${e.key} sent once`);
    assert.equal(r.client.counters.errorFrames, 0, 'no "Already subscribed" from early retries');
  });

  test('DEFAULT limits on both sides: HTTP actions are charged to the REST limiter, so hlsim never answers 429', async (t) => {
    // The venue's 1200/min REST weight at hlsim, the client's default 1100/min limiter: nothing raised.
    const r = await rig(t, { limits: { ...VENUE_LIMITS }, client: { restLimit: DEFAULT_REST_LIMIT, actionTimeoutMs: 10_000 } });
    assert.equal(r.client.infoClient.limiter.config.maxWeight, 1100);
    const spentOnStartup = r.client.infoClient.limiter.windowWeight;
    assert.ok(spentOnStartup > 0, 'reconciliation was charged');
    // 200 cancel batches of 200 cloids (weight 1 + floor(200/40) = 6 each): 1200 weight asked for at once.
    const asset = spec(r.sim, 'xyz:TSLA').asset;
    const outcomes: string[] = [];
    for (let i = 0; i < 200; i++) {
      const cancels = Array.from({ length: 200 }, (_, k) => ({ asset, cloid: makeCloid('cc', i * 200 + k) }));
      outcomes.push(r.client.sendActionHttp(r.signer.sign(cancelByCloidAction(cancels)), { requireReady: false }).outcome);
    }
    const sent = outcomes.filter((o) => o === 'sent').length;
    assert.equal(sent, Math.floor((1100 - spentOnStartup) / 6), 'admitted while the window has room for 6');
    assert.equal(outcomes.filter((o) => o === 'rateLimited').length, 200 - sent);
    await until(() => r.results.length === sent, 'every admitted action answered', 20_000);
    for (const p of r.results) {
      assert.equal(p.outcome.type, 'action', JSON.stringify(p.outcome).slice(0, 200));
      assert.equal((p.outcome as { payload: { status: string } }).payload.status, 'ok');
    }
    assert.equal(r.sim.stats().rateLimited, 0, 'hlsim never had to refuse');
    assert.ok(r.client.infoClient.limiter.windowWeight <= 1100);
    // The order path over WS is not charged to REST weight and still goes out.
    assert.equal(r.client.sendAction(r.signer.sign(noopAction())).outcome, 'sent');
    await until(() => r.results.length === sent + 1, 'the WS action answered');
    assert.equal(r.results.at(-1)!.outcome.type, 'action');
    assert.equal(r.sim.stats().limitErrors, 0);
  });

  test('a subscription hlsim refuses is retried, then surfaced as an error; the account never becomes ready', async (t) => {
    // 4 markets × 2 + 3 user channels = 11 subscriptions; hlsim accepts 10, so userEvents is refused with the
    // venue's error string and never acked.
    const signer = new TestSigner();
    const universe = defaultUniverse();
    const sim = await startSim({
      fund: { [signer.address]: 1_000 },
      scheduler: fastScheduler(10),
      tickMs: 500,
      adminPort: null,
      universe: { dexes: ['', 'xyz'], markets: universe.markets.filter((m) => MARKETS.includes(m.name)) },
      limits: { subscriptions: 10 },
    });
    t.after(() => sim.stop());
    const client = new VenueClient({ wsUrl: sim.wsUrl, httpUrl: sim.httpUrl, user: signer.address, markets: MARKETS, ackTimeoutMs: 150, subscribeAttempts: 2 });
    t.after(() => client.stop());
    const errors: string[] = [];
    client.onSubscriptionError((e) => errors.push(`${e.sub.type}:${e.reason}`));
    client.start();
    await until(() => errors.length > 0, 'subscription error surfaced');
    assert.deepEqual(errors, ['userEvents:ackTimeout']);
    assert.ok(client.counters.errorFrames >= 2, 'both attempts were refused by the venue');
    assert.equal(client.readiness.state.readyMarkets, MARKETS.length, 'market data unaffected');
    assert.equal(client.readiness.accountReady, false);
    assert.equal(client.readiness.tradingReady, false);
    assert.equal(client.sendAction(signer.sign(noopAction())).outcome, 'notReady');
  });
});
