import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimExchange } from '../../src/sim/exchange/exchange.ts';
import { type MarketAgentEvent, startMarketDynamics } from '../../src/sim/market/dynamics.ts';
import type { QuoteRecord } from '../../src/sim/market/maker.ts';
import { type ScenarioConfig, scenario, scenarioNames } from '../../src/sim/market/scenarios.ts';
import { VirtualScheduler } from '../../src/sim/market/scheduler.ts';
import { defaultUniverse, type SimMarketDef } from '../../src/sim/market/universe.ts';

const universe = defaultUniverse();
const pick = (...names: string[]): SimMarketDef[] => universe.markets.filter((m) => names.includes(m.name));

type Quote = Extract<MarketAgentEvent, { kind: 'quote' }>;
type Oracle = Extract<MarketAgentEvent, { kind: 'oracle' }>;

function start(seed: number, sc: ScenarioConfig, markets: SimMarketDef[]) {
  const scheduler = new VirtualScheduler();
  const dexes = [...new Set(['', ...markets.map((m) => m.dex)])];
  const exchange = new SimExchange({ markets, dexes, now: () => scheduler.now() });
  const events: MarketAgentEvent[] = [];
  const dynamics = startMarketDynamics({ port: exchange, scheduler, seed, scenario: sc, markets, onEvent: (e) => events.push(e) });
  return { scheduler, exchange, events, dynamics };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const mid = (q: QuoteRecord): number => {
  const bid = Math.max(...q.orders.filter((o) => o.isBuy).map((o) => Number(o.px)));
  const ask = Math.min(...q.orders.filter((o) => !o.isBuy).map((o) => Number(o.px)));
  return (bid + ask) / 2;
};

test('makers re-quote around a new oracle only after their lag, inside the configured window', () => {
  const lags = [
    { kind: 'uniform', minMs: 30, maxMs: 200 },
    { kind: 'lognormal', medianMs: 300, sigma: 0.6, minMs: 100, maxMs: 1500 },
  ] as const;
  const sc = scenario('calm', { makers: [{ lag: lags[0] }, { lag: lags[1] }], oracle: { jumpsPerMinute: 2, jumpMeanBps: 40 } });
  const markets = pick('xyz:GOLD', 'xyz:TSLA', 'ETH');
  const { scheduler, events, dynamics } = start(21, sc, markets);
  scheduler.advance(120_000);
  dynamics.stop();
  const makersByCoin = new Map<string, string[]>();
  for (const a of dynamics.agents()) if (a.role === 'maker') makersByCoin.set(a.coin, [...(makersByCoin.get(a.coin) ?? []), a.address]);
  const oracles = events.filter((e): e is Oracle => e.kind === 'oracle');
  let checked = 0;
  for (const [i, o] of oracles.entries()) {
    if (i < markets.length) continue; // the starting publication is quoted at once
    if (o.time > scheduler.now() - 1500) continue; // its re-quote would fall after stop()
    const makers = makersByCoin.get(o.coin)!;
    makers.forEach((maker, k) => {
      const after = events.filter((e): e is Quote => e.kind === 'quote' && e.maker === maker && e.time >= o.time);
      const requote = after.find((q) => q.reason === 'oracle')!;
      const lag = requote.time - o.time;
      assert.ok(lag >= lags[k]!.minMs && lag <= lags[k]!.maxMs, `${o.coin} maker ${k} lag ${lag}`);
      assert.equal(requote.seenOraclePx, o.oraclePx);
      // jitter re-quotes inside the stale window still use the old oracle: the window is not closed early
      for (const q of after) if (q.time < requote.time) assert.notEqual(q.reason, 'oracle');
      const prevPx = oracles.slice(0, i).findLast((p) => p.coin === o.coin)!.oraclePx;
      for (const q of after) if (q.time < requote.time) assert.equal(q.seenOraclePx, prevPx);
      checked++;
    });
  }
  assert.ok(checked > 100);
  assert.deepEqual(dynamics.stats().recentErrors, []);
});

test('a stale window exists after an oracle jump and closes after the slowest maker', () => {
  const sc = scenario('jumpy');
  const markets = pick('xyz:GOLD', 'xyz:XYZ100', 'xyz:SILVER', 'xyz:NVDA');
  const { scheduler, exchange, dynamics } = start(4, sc, markets);
  const maxLag = Math.max(...sc.makers.map((m) => m.lag.maxMs));
  let staleSeen = 0;
  let closed = 0;
  const last = new Map(markets.map((m) => [m.name, m.initialPx]));
  // step through time; at each publication compare the book with the new oracle right away and after maxLag
  for (let t = 0; t < 300_000; t += 100) {
    scheduler.advance(100);
    for (const m of markets) {
      const path = dynamics.oraclePath(m.name);
      const px = path[path.length - 1]!;
      const prev = last.get(m.name)!;
      if (px === prev) continue;
      last.set(m.name, px);
      const moveBps = (px / prev - 1) * 1e4;
      if (Math.abs(moveBps) < 30) continue;
      const top = exchange.bestBidAsk(m.name);
      // up move: asks still below the new oracle (buyable cheap); down move: bids still above it
      if (moveBps > 0 ? top.ask!.px < px : top.bid!.px > px) staleSeen++;
      const hist = dynamics.oracleHistory(m.name);
      const publishedAt = hist[hist.length - 1]!.time;
      const check = (): void => {
        const now = exchange.bestBidAsk(m.name);
        const midNow = (now.bid!.px + now.ask!.px) / 2;
        if (Math.abs(midNow / px - 1) * 1e4 < Math.abs(moveBps) / 2) closed++;
      };
      scheduler.setTimeout(check, publishedAt + maxLag + 1 - scheduler.now());
    }
  }
  dynamics.stop();
  scheduler.advance(maxLag + 10);
  assert.ok(staleSeen >= 5, `stale windows seen: ${staleSeen}`);
  assert.ok(closed >= staleSeen * 0.9, `closed ${closed} of ${staleSeen}`);
  assert.deepEqual(dynamics.stats().recentErrors, []);
});

test('structural-basis books sit at the configured offset from the oracle, for good', () => {
  const markets = pick('xyz:GOLD', 'xyz:SILVER', 'xyz:CL', 'xyz:TSLA', 'BTC');
  const sc = scenario('structural-basis', { perMarket: { 'xyz:GOLD': { basis: 25 } } });
  const { scheduler, events, dynamics, exchange } = start(9, sc, markets);
  // the live book mid against the live oracle, sampled every second
  const bookOffsets = new Map<string, number[]>(markets.map((m) => [m.name, []]));
  for (let t = 0; t < 180; t++) {
    scheduler.advance(1000);
    for (const m of markets) {
      const top = exchange.bestBidAsk(m.name);
      const path = dynamics.oraclePath(m.name);
      bookOffsets.get(m.name)!.push((((top.bid!.px + top.ask!.px) / 2) / path[path.length - 1]! - 1) * 1e4);
    }
  }
  dynamics.stop();
  assert.equal(dynamics.config('xyz:GOLD').basisBps, 25);
  const signs = new Set<number>();
  for (const m of markets) {
    const basis = dynamics.config(m.name).basisBps;
    assert.ok(Math.abs(basis) >= 15 && Math.abs(basis) <= 40, `${m.name} ${basis}`);
    signs.add(Math.sign(basis));
    const quotes = events.filter((e): e is Quote => e.kind === 'quote' && e.coin === m.name && e.reason !== 'jitter');
    assert.ok(quotes.length > 50);
    const offsets: number[] = [];
    for (const q of quotes) {
      assert.ok(Math.abs((q.centerPx / q.seenOraclePx - 1) * 1e4 - basis) < 1e-6);
      offsets.push((mid(q) / q.seenOraclePx - 1) * 1e4);
    }
    // quoted mids equal the centre up to rounding, except while Alo pulls a ladder behind another maker's
    // stale quote: the typical one sits at the basis
    assert.ok(Math.abs(median(offsets) - basis) < 2, `${m.name} median quoted offset ${median(offsets)} vs ${basis}`);
    const sampled = bookOffsets.get(m.name)!;
    assert.ok(Math.abs(median(sampled) - basis) < 3, `${m.name} median exchange offset ${median(sampled)} vs ${basis}`);
  }
  assert.equal(signs.size, 2, 'random sign gives both premium and discount books');
  assert.deepEqual(dynamics.stats().recentErrors, []);
});

test('ladders follow the calibration: real-snapshot spreads, tight markets tight, wide ones wide', () => {
  const markets = pick('xyz:XYZ100', 'xyz:COST');
  const { scheduler, events, dynamics } = start(2, scenario('calm'), markets);
  scheduler.advance(1);
  dynamics.stop();
  const first = (coin: string) => events.find((e): e is Quote => e.kind === 'quote' && e.coin === coin)!;
  const spreadBps = (q: QuoteRecord) => {
    const bid = Math.max(...q.orders.filter((o) => o.isBuy).map((o) => Number(o.px)));
    const ask = Math.min(...q.orders.filter((o) => !o.isBuy).map((o) => Number(o.px)));
    return ((ask - bid) / mid(q)) * 1e4;
  };
  assert.ok(spreadBps(first('xyz:XYZ100')) < 2); // real impact spread 0.33 bps
  assert.ok(spreadBps(first('xyz:COST')) > 50); // real impact spread 225 bps
  // the impact price of the real snapshot lies inside the ladder
  const cost = first('xyz:COST');
  const worstAsk = Math.max(...cost.orders.filter((o) => !o.isBuy).map((o) => Number(o.px)));
  assert.ok(worstAsk >= 1030.5 * (1 + 224.96 / 2 / 1e4) * 0.999);
});

test('thin is thinner and wider than calm; every scenario runs without a single rejected agent order', () => {
  const markets = pick('xyz:GOLD', 'xyz:HOOD', 'xyz:EUR', 'xyz:NATGAS', 'SOL');
  const depth: Record<string, number> = {};
  const spread: Record<string, number> = {};
  for (const name of scenarioNames()) {
    const { scheduler, exchange, dynamics } = start(1, scenario(name), markets);
    scheduler.advance(60_000);
    const levels = exchange.l2BookData('xyz:GOLD')!.levels;
    depth[name] = [...levels[0], ...levels[1]].reduce((s, l) => s + Number(l.px) * Number(l.sz), 0);
    const top = exchange.bestBidAsk('xyz:GOLD');
    spread[name] = ((top.ask!.px - top.bid!.px) / top.bid!.px) * 1e4;
    dynamics.stop();
    const s = dynamics.stats();
    assert.deepEqual(s.recentErrors, [], name);
    assert.equal(s.makerRejects + s.takerRejects + s.oracleRefusals, 0, name);
    assert.ok(s.makerQuotes > 0 && s.takerOrders > 0, name);
  }
  assert.ok(depth.thin! < depth.calm! / 5, JSON.stringify(depth));
  assert.ok(spread.thin! > 3 * spread.calm!, JSON.stringify(spread));
  assert.deepEqual(scenarioNames().sort(), ['calm', 'jumpy', 'structural-basis', 'thin']);
  assert.throws(() => scenario('nope'), /unknown scenario 'nope'/);
});

test('agent accounts are funded, distinct and derived from the seed', () => {
  const markets = pick('xyz:GOLD', 'BTC');
  const a = start(77, scenario('calm'), markets);
  const b = start(77, scenario('calm'), markets);
  a.dynamics.stop();
  b.dynamics.stop();
  const addrs = a.dynamics.agents().map((x) => x.address);
  assert.deepEqual(addrs, b.dynamics.agents().map((x) => x.address));
  assert.equal(new Set(addrs).size, addrs.length);
  for (const x of addrs) {
    assert.match(x, /^0x[0-9a-f]{40}$/);
    assert.deepEqual(a.exchange.accountSummary(x).depositsMicro, { '': 10_000_000e6, xyz: 10_000_000e6 });
  }
});
