// The market dynamics against the real SimExchange: 60 virtual seconds of every scenario over the default
// universe. Trades happen, books stay two-sided, the venue accepts every maker order and every oracle update.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimExchange } from '../../src/sim/exchange/exchange.ts';
import type { SimEvent } from '../../src/sim/exchange/types.ts';
import { type MarketDynamics, startMarketDynamics } from '../../src/sim/market/dynamics.ts';
import { scenario, scenarioNames } from '../../src/sim/market/scenarios.ts';
import { VirtualScheduler } from '../../src/sim/market/scheduler.ts';
import { defaultUniverse } from '../../src/sim/market/universe.ts';

function runOnExchange(name: string, seed: number, ms: number) {
  const universe = defaultUniverse();
  const scheduler = new VirtualScheduler();
  const exchange = new SimExchange({ markets: universe.markets, dexes: universe.dexes, now: () => scheduler.now() });
  const counts = new Map<string, number>();
  const trades = new Map<string, number>();
  exchange.onEvent((e: SimEvent) => {
    counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
    if (e.kind === 'trades') trades.set(e.coin, (trades.get(e.coin) ?? 0) + e.data.length);
  });
  const dynamics: MarketDynamics = startMarketDynamics({ port: exchange, scheduler, seed, scenario: scenario(name), markets: universe.markets });
  let oneSided = 0;
  for (let t = 0; t < ms; t += 1000) {
    scheduler.advance(1000);
    for (const m of universe.markets) {
      const top = exchange.bestBidAsk(m.name);
      if (top.bid === undefined || top.ask === undefined || !(top.bid.px < top.ask.px)) oneSided++;
    }
  }
  dynamics.stop();
  return { universe, exchange, dynamics, counts, trades, oneSided, scheduler };
}

test('jumpy for 60 s on the real exchange: trades, two-sided books, no rejected maker order or oracle', () => {
  const { universe, exchange, dynamics, counts, trades, oneSided, scheduler } = runOnExchange('jumpy', 1, 60_000);
  const s = dynamics.stats();
  assert.equal(s.makerRejects, 0, s.recentErrors.join('\n'));
  assert.equal(s.oracleRefusals, 0);
  assert.equal(oneSided, 0, 'every book two-sided at every sampled second');
  assert.ok(s.takerFills > 0.9 * s.takerOrders && s.takerOrders > 200, JSON.stringify(s));
  const totalTrades = [...trades.values()].reduce((a, b) => a + b, 0);
  assert.ok(totalTrades >= s.takerFills);
  assert.ok(trades.size > universe.markets.length / 2, `trades in ${trades.size} markets`);
  // every published oracle reached the venue: oracle and activeAssetCtx agree with the dynamics' path
  for (const m of universe.markets) {
    const path = dynamics.oraclePath(m.name);
    assert.ok(path.length >= 60_000 / 3300);
    assert.equal(exchange.oraclePx(m.name), path[path.length - 1]);
  }
  assert.ok((counts.get('activeAssetCtx') ?? 0) >= s.oraclePublications);
  assert.ok((counts.get('l2Book') ?? 0) > 0 && (counts.get('bbo') ?? 0) > 0);
  // money is conserved with the agents trading
  assert.equal(exchange.totalCash() + exchange.feesCollected(), exchange.totalDeposits());
  assert.equal(scheduler.pendingTimers(), 0);
});

test('every scenario runs on the real exchange without a rejected agent order', () => {
  const others = scenarioNames().filter((name) => name !== 'jumpy');
  assert.ok(others.length >= 3, `scenarios besides jumpy: ${others.join(', ')}`); // the loop is not vacuous
  for (const name of others) {
    const { dynamics, oneSided } = runOnExchange(name, 2, 30_000);
    const s = dynamics.stats();
    assert.equal(s.makerRejects, 0, `${name}: ${s.recentErrors.join('\n')}`);
    assert.equal(s.oracleRefusals, 0, name);
    assert.equal(oneSided, 0, name);
    assert.ok(s.takerFills > 0, name);
  }
});

test('the real exchange sees the same market path for the same seed', () => {
  const a = runOnExchange('jumpy', 9, 20_000);
  const b = runOnExchange('jumpy', 9, 20_000);
  for (const m of a.universe.markets) {
    assert.deepEqual(b.dynamics.oraclePath(m.name), a.dynamics.oraclePath(m.name));
    assert.deepEqual(b.exchange.bestBidAsk(m.name), a.exchange.bestBidAsk(m.name));
    assert.equal(b.exchange.markPx(m.name), a.exchange.markPx(m.name));
  }
  assert.deepEqual(b.trades, a.trades);
});
