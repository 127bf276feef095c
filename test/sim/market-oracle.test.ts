import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isValidPrice } from '../../src/protocol/format.ts';
import { SimExchange } from '../../src/sim/exchange/exchange.ts';
import { type MarketAgentEvent, type MarketDynamics, startMarketDynamics } from '../../src/sim/market/dynamics.ts';
import { priceToWire } from '../../src/sim/market/prices.ts';
import { type ScenarioConfig, scenario } from '../../src/sim/market/scenarios.ts';
import { VirtualScheduler } from '../../src/sim/market/scheduler.ts';
import { defaultUniverse, type SimMarketDef } from '../../src/sim/market/universe.ts';

const universe = defaultUniverse();
const pick = (...names: string[]): SimMarketDef[] => universe.markets.filter((m) => names.includes(m.name));

interface Run {
  dynamics: MarketDynamics;
  exchange: SimExchange;
  events: MarketAgentEvent[];
  scheduler: VirtualScheduler;
  trades: number;
}

function run(seed: number, sc: ScenarioConfig, markets: SimMarketDef[], ms: number, during?: (r: Run) => void): Run {
  const scheduler = new VirtualScheduler();
  const dexes = [...new Set(['', ...markets.map((m) => m.dex)])];
  const exchange = new SimExchange({ markets, dexes, now: () => scheduler.now() });
  const events: MarketAgentEvent[] = [];
  const dynamics = startMarketDynamics({ port: exchange, scheduler, seed, scenario: sc, markets, onEvent: (e) => events.push(e) });
  const r: Run = { dynamics, exchange, events, scheduler, trades: 0 };
  exchange.onEvent((e) => {
    if (e.kind === 'trades') r.trades += e.data.length;
  });
  during?.(r);
  scheduler.advance(ms);
  dynamics.stop();
  assert.equal(scheduler.pendingTimers(), 0, 'stop() leaves no timer behind');
  return r;
}

const noAgents = (sc: ScenarioConfig): ScenarioConfig => ({ ...sc, makers: [], takers: { ...sc.takers, arrivalsPerMinute: 0 } });

test('oracle spacing ≥ 2.5 s, every step ≤ 1 % (oracle and mark), prices on the grid: property over seeds', () => {
  // big, frequent jumps so that the cap binds often
  const sc = noAgents(scenario('jumpy', { oracle: { jumpsPerMinute: 6, jumpMeanBps: 150, volBpsPerSqrtSec: 4 } }));
  const markets = pick('BTC', 'HYPE', 'xyz:XYZ100', 'xyz:EUR', 'xyz:NATGAS', 'xyz:COPPER');
  let cappedSteps = 0;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (seed) => {
      const { dynamics } = run(seed, sc, markets, 300_000);
      for (const m of markets) {
        const h = dynamics.oracleHistory(m.name);
        assert.ok(h.length >= 300_000 / 3300);
        for (let i = 1; i < h.length; i++) {
          const a = h[i - 1]!;
          const b = h[i]!;
          assert.ok(b.time - a.time >= 2500, `${m.name} spacing ${b.time - a.time}`);
          assert.ok(Math.abs(b.oraclePx / a.oraclePx - 1) <= 0.01 + 1e-12, `${m.name} oracle step ${a.oraclePx} → ${b.oraclePx}`);
          assert.ok(Math.abs(b.externalMarkPx / a.externalMarkPx - 1) <= 0.01 + 1e-12, `${m.name} mark step`);
          assert.ok(isValidPrice(priceToWire(b.oraclePx, m.szDecimals), m.szDecimals, 'perp'));
          assert.ok(isValidPrice(priceToWire(b.externalMarkPx, m.szDecimals), m.szDecimals, 'perp'));
          if (Math.abs(b.oraclePx / a.oraclePx - 1) > 0.0099) cappedSteps++;
        }
      }
    }),
    { numRuns: 12 },
  );
  assert.ok(cappedSteps > 0, 'the 1 % cap was exercised');
});

test('same seed → identical oracle paths and agent streams; different seed → different', () => {
  const markets = universe.markets;
  const a = run(7, scenario('jumpy'), markets, 30_000);
  const b = run(7, scenario('jumpy'), markets, 30_000);
  const c = run(8, scenario('jumpy'), markets, 30_000);
  assert.ok(a.events.length > 500);
  assert.deepEqual(b.events, a.events);
  for (const m of markets) assert.deepEqual(b.dynamics.oraclePath(m.name), a.dynamics.oraclePath(m.name));
  assert.notDeepEqual(c.dynamics.oraclePath('xyz:GOLD'), a.dynamics.oraclePath('xyz:GOLD'));
  const quotes = (r: Run) => r.events.filter((e) => e.kind === 'quote').map((e) => (e.kind === 'quote' ? e.orders : []));
  assert.notDeepEqual(quotes(c), quotes(a));
  assert.notEqual(c.dynamics.agents()[0]!.address, a.dynamics.agents()[0]!.address);
});

test('the oracle path does not depend on trading, maker settings or other markets being stopped', () => {
  const markets = pick('xyz:GOLD', 'xyz:SILVER', 'xyz:TSLA');
  const reference = run(11, scenario('jumpy'), markets, 120_000);
  // an outside trader sweeping the books every 250 ms, slower makers, more takers
  const sweeper = `0x${'5'.repeat(40)}`;
  const busy = run(11, scenario('jumpy', { makers: [{ lag: { kind: 'uniform', minMs: 400, maxMs: 900 } }], takers: { arrivalsPerMinute: 120 } }), markets, 120_000, (r) => {
    r.exchange.fund(sweeper, 10_000_000);
    const sweep = (): void => {
      for (const m of markets) {
        const top = r.exchange.bestBidAsk(m.name);
        const isBuy = r.scheduler.now() % 2 === 0; // alternate sides so the sweeper's position stays bounded
        const touch = isBuy ? top.ask : top.bid;
        if (touch !== undefined) r.exchange.internalPlaceOrders(sweeper, [{ coin: m.name, isBuy, px: priceToWire(touch.px, m.szDecimals), sz: '1', tif: 'Ioc' }]);
      }
      if (r.scheduler.now() < end) r.scheduler.setTimeout(sweep, 250);
    };
    const end = r.scheduler.now() + 119_000;
    r.scheduler.setTimeout(sweep, 250);
  });
  assert.ok(busy.trades > reference.trades + 400, `${busy.trades} vs ${reference.trades}`);
  for (const m of markets) assert.deepEqual(busy.dynamics.oraclePath(m.name), reference.dynamics.oraclePath(m.name));

  // stopping SILVER's oracle for 30 s: GOLD and TSLA unchanged; SILVER publishes nothing meanwhile, then resumes
  let venueOracleAtStop = 0;
  let venueOracleBeforeResume = 0;
  const stopped = run(11, scenario('jumpy'), markets, 120_000, (r) => {
    r.scheduler.setTimeout(() => {
      r.dynamics.stopOracle('xyz:SILVER');
      venueOracleAtStop = r.exchange.oraclePx('xyz:SILVER')!;
    }, 30_000);
    r.scheduler.setTimeout(() => {
      venueOracleBeforeResume = r.exchange.oraclePx('xyz:SILVER')!;
      r.dynamics.resumeOracle('xyz:SILVER');
    }, 60_000);
  });
  assert.deepEqual(stopped.dynamics.oraclePath('xyz:GOLD'), reference.dynamics.oraclePath('xyz:GOLD'));
  assert.deepEqual(stopped.dynamics.oraclePath('xyz:TSLA'), reference.dynamics.oraclePath('xyz:TSLA'));
  const silver = stopped.dynamics.oracleHistory('xyz:SILVER');
  assert.equal(silver.filter((p) => p.time - silver[0]!.time > 30_000 && p.time - silver[0]!.time <= 60_000).length, 0);
  assert.ok(silver.some((p) => p.time - silver[0]!.time > 60_000));
  assert.equal(stopped.dynamics.underlyingPx('xyz:SILVER'), reference.dynamics.underlyingPx('xyz:SILVER'));
  assert.equal(venueOracleBeforeResume, venueOracleAtStop, 'the venue saw no SILVER oracle while stopped');
  assert.equal(stopped.exchange.oraclePx('xyz:SILVER'), silver[silver.length - 1]!.oraclePx);
  assert.equal(stopped.dynamics.stats().oracleRefusals, 0);
});

test('jumpy makes multi-step oracle moves; calm mostly small ones', () => {
  const markets = pick('xyz:XYZ100', 'xyz:GOLD', 'xyz:TSLA', 'xyz:NVDA', 'xyz:CL', 'xyz:SILVER');
  const stepsOver = (r: Run, bps: number): number => {
    let n = 0;
    for (const m of markets) {
      const p = r.dynamics.oraclePath(m.name);
      for (let i = 1; i < p.length; i++) if (Math.abs(p[i]! / p[i - 1]! - 1) * 1e4 >= bps) n++;
    }
    return n;
  };
  const jumpy = run(5, noAgents(scenario('jumpy')), markets, 600_000);
  const calm = run(5, noAgents(scenario('calm')), markets, 600_000);
  assert.ok(stepsOver(jumpy, 30) > 3 * Math.max(1, stepsOver(calm, 30)), `jumpy ${stepsOver(jumpy, 30)} calm ${stepsOver(calm, 30)}`);
  assert.ok(stepsOver(jumpy, 99) >= 2, 'some moves needed capped steps');
});

test('the external mark follows oracle × (1 + basis) and the dex publishes all its markets together', () => {
  const markets = pick('BTC', 'xyz:GOLD', 'xyz:SILVER');
  const sc = scenario('structural-basis', { oracle: { markNoiseBps: 1 } });
  const r = run(3, sc, markets, 60_000);
  for (const m of markets) {
    const basis = r.dynamics.config(m.name).basisBps;
    assert.ok(Math.abs(basis) >= 15 && Math.abs(basis) <= 40);
    for (const p of r.dynamics.oracleHistory(m.name).slice(1)) {
      const offsetBps = (p.externalMarkPx / p.oraclePx - 1) * 1e4;
      assert.ok(Math.abs(offsetBps - basis) < 8, `${m.name} mark offset ${offsetBps} vs basis ${basis}`);
    }
  }
  const times = (coin: string) => r.dynamics.oracleHistory(coin).map((p) => p.time);
  assert.deepEqual(times('xyz:GOLD'), times('xyz:SILVER'));
  assert.notDeepEqual(times('BTC'), times('xyz:GOLD'));
});
