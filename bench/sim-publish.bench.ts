// hlsim publishing: 40 markets updated 10 times a second each (a two-sided re-quote per update, which makes
// the exchange publish bbo and l2Book), fanned out to 2 WS clients subscribed to bbo, l2Book, trades and
// activeAssetCtx of every market. Measures frames/s delivered and the lag from the update to the client's
// receipt of the market's bbo frame; then the same with updates as fast as the process can make them.
import { startSim } from '../src/sim/index.ts';
import { minSizeFor, priceToWire, sizeToWire, stepPrice } from '../src/sim/market/prices.ts';
import { defaultUniverse } from '../src/sim/market/universe.ts';
import { WsClient } from '../test/sim/client.ts';
import type { BenchRecorder } from './harness.ts';

const MARKETS = 40;
const UPDATES_PER_SEC = 10;
const STEADY_MS = 5_000;
const BURST_MS = 2_000;
const MAKER = '0x00000000000000000000000000000000000b3c40';

/** The default universe, topped up to MARKETS with copies of its xyz markets under new names. */
function universeOf(n: number) {
  const u = defaultUniverse();
  const xyz = u.markets.filter((m) => m.dex === 'xyz');
  for (let i = 0; u.markets.length < n; i++) u.markets.push({ ...xyz[i % xyz.length], name: `xyz:BENCH${i}` });
  return u;
}

export default async function (r: BenchRecorder): Promise<void> {
  const sim = await startSim({
    universe: universeOf(MARKETS),
    dynamics: false,
    adminPort: null,
    limits: { restWeightPerMinute: Number.POSITIVE_INFINITY },
    fund: { [MAKER]: 1_000_000_000 },
  });
  const coins = sim.exchange.coins().slice(0, MARKETS);
  const clients = [await WsClient.connect(sim.wsUrl), await WsClient.connect(sim.wsUrl)];
  for (const c of clients) {
    for (const coin of coins) {
      for (const type of ['bbo', 'l2Book', 'trades', 'activeAssetCtx']) await c.subscribe({ type, coin });
    }
  }

  // Per market: a centre price that walks one tick per update; each update replaces the maker's quote.
  const defs = coins.map((coin) => sim.exchange.marketDef(coin)!);
  const centre = defs.map((d) => d.initialPx);
  let step = 0;
  const update = (i: number) => {
    const d = defs[i];
    step++;
    centre[i] = stepPrice(centre[i], d.szDecimals, step % 4 < 2 ? 1 : -1);
    const bid = stepPrice(centre[i], d.szDecimals, -2);
    const ask = stepPrice(centre[i], d.szDecimals, 2);
    const sz = sizeToWire(minSizeFor(centre[i], d.szDecimals, 12) * 2, d.szDecimals);
    sim.exchange.internalCancelAll(MAKER, d.name);
    sim.exchange.internalPlaceOrders(MAKER, [
      { coin: d.name, isBuy: true, px: priceToWire(bid, d.szDecimals), sz, tif: 'Gtc' },
      { coin: d.name, isBuy: false, px: priceToWire(ask, d.szDecimals), sz, tif: 'Gtc' },
    ]);
    lastUpdateAt.set(d.name, performance.now());
  };

  // Lag: receipt of a market's bbo frame minus the time of that market's latest update (same process).
  const lastUpdateAt = new Map<string, number>();
  const lags: number[] = [];
  let received = 0;
  for (const c of clients) {
    c.ws.on('message', (data: Buffer) => {
      received++;
      const text = data.toString();
      if (!text.startsWith('{"channel":"bbo"')) return;
      const coin = (JSON.parse(text) as { data: { coin: string } }).data.coin;
      const t = lastUpdateAt.get(coin);
      if (t !== undefined) lags.push(performance.now() - t);
    });
  }
  const settle = () => new Promise((res) => setTimeout(res, 300));

  // Steady: every market updated UPDATES_PER_SEC times a second, spread evenly over each 100 ms.
  await settle();
  const statsBefore = sim.stats();
  received = 0;
  lags.length = 0;
  const intervalMs = 1000 / UPDATES_PER_SEC;
  const started = performance.now();
  let steadyUpdates = 0;
  await new Promise<void>((resolve) => {
    let rounds = 0;
    const timer = setInterval(() => {
      // Timers drift: run every round that is due by now, so the offered load is exactly the target.
      const due = Math.floor((performance.now() - started) / intervalMs);
      for (; rounds < due; rounds++) {
        for (let i = 0; i < defs.length; i++) update(i);
        steadyUpdates += defs.length;
      }
      if (performance.now() - started >= STEADY_MS) {
        clearInterval(timer);
        resolve();
      }
    }, intervalMs);
  });
  const elapsedS = (performance.now() - started) / 1000;
  await settle();
  const statsAfter = sim.stats();
  const frames = statsAfter.framesPublished - statsBefore.framesPublished;
  r.throughput('sim.publish.updates', 'updates/s', steadyUpdates / elapsedS);
  r.throughput('sim.publish', 'frames/s', frames / elapsedS);
  r.throughput('sim.publish.received', 'frames/s', received / elapsedS);
  r.throughput('sim.publish.events', 'events/s', (statsAfter.eventsPublished - statsBefore.eventsPublished) / elapsedS);
  r.latency('sim.publish.lag', 'ms', lags);
  r.note(`sim.publish: ${defs.length} markets × ${UPDATES_PER_SEC} updates/s for ${STEADY_MS} ms to 2 clients (target ${defs.length * UPDATES_PER_SEC} updates/s); slow consumers dropped: ${statsAfter.slowConsumersDropped}`);

  // Burst: updates back to back in batches (one turn per batch of 40), to find the ceiling.
  const burstBefore = sim.stats();
  received = 0;
  lags.length = 0;
  const burstStart = performance.now();
  let updates = 0;
  while (performance.now() - burstStart < BURST_MS) {
    for (let i = 0; i < defs.length; i++) update(i);
    updates += defs.length;
    await new Promise((res) => setImmediate(res));
  }
  const burstElapsed = (performance.now() - burstStart) / 1000;
  // Let the clients drain what was queued before counting what they received.
  const drainStart = performance.now();
  const burstFrames = sim.stats().framesPublished - burstBefore.framesPublished;
  while (received < burstFrames && performance.now() - drainStart < 10_000) await new Promise((res) => setTimeout(res, 20));
  const drainElapsed = (performance.now() - burstStart) / 1000;
  r.throughput('sim.publish.max_updates', 'updates/s', updates / burstElapsed);
  r.throughput('sim.publish.max_delivered', 'frames/s', received / drainElapsed);
  r.latency('sim.publish.max_lag', 'ms', lags);

  for (const c of clients) await c.close();
  await sim.stop();
}
