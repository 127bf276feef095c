// Property: after random order flow from several accounts, the exchange's pushed events (orderUpdates,
// userFills) agree with its info answers (clearinghouseState, openOrders), positions equal the sum of fills,
// and cash is conserved exactly (Σ cash + fees = deposits; Σ positions = 0 per coin). A second run adds an
// isolated-only market and accounts switching markets between cross and isolated margin.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { SimExchange } from '../../src/sim/exchange/exchange.ts';
import type { SimEvent, SimOrderInput, WireFill } from '../../src/sim/exchange/types.ts';
import type { SimMarketDef } from '../../src/sim/market/universe.ts';
import { scaledInt } from './helpers.ts';

const USERS = ['0x00000000000000000000000000000000000000a1', '0x00000000000000000000000000000000000000a2', '0x00000000000000000000000000000000000000a3', '0x00000000000000000000000000000000000000a4'];
/** A market of the test universe, with its price tick. */
interface Coin extends SimMarketDef {
  tick: number;
}
const CROSS_COINS: Coin[] = [
  { name: 'ETH', dex: '', szDecimals: 4, maxLeverage: 25, initialPx: 2000, tick: 0.1 },
  { name: 'xyz:XYZ100', dex: 'xyz', szDecimals: 3, maxLeverage: 20, initialPx: 250, tick: 0.01 },
];
const ISOLATED_ONLY: Coin = { name: 'xyz:ISO', dex: 'xyz', szDecimals: 2, maxLeverage: 10, onlyIsolated: true, initialPx: 50, tick: 0.01 };
/** Every market either run may trade (ops index into it; the cross-only run never picks the last one). */
const COINS: Coin[] = [...CROSS_COINS, ISOLATED_ONLY];

type Op =
  | { kind: 'place'; user: number; coin: number; isBuy: boolean; ticks: number; lots: number; tif: 'Gtc' | 'Ioc' | 'Alo'; reduceOnly: boolean; cloid: boolean }
  | { kind: 'cancelAll'; user: number; coin: number }
  | { kind: 'oracle'; coin: number; move: number; dt: number }
  | { kind: 'leverage'; user: number; coin: number; isCross: boolean; leverage: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('place' as const),
      user: fc.integer({ min: 0, max: USERS.length - 1 }),
      coin: fc.integer({ min: 0, max: CROSS_COINS.length - 1 }),
      isBuy: fc.boolean(),
      /** positive = aggressive (a buy above the mark, a sell below) */
      ticks: fc.integer({ min: -5, max: 8 }),
      lots: fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 1, max: 60 }) }, { weight: 4, arbitrary: fc.integer({ min: 50, max: 1500 }) }),
      tif: fc.constantFrom('Gtc' as const, 'Gtc' as const, 'Ioc' as const, 'Alo' as const),
      reduceOnly: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
      cloid: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancelAll' as const), user: fc.integer({ min: 0, max: USERS.length - 1 }), coin: fc.integer({ min: 0, max: CROSS_COINS.length - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('oracle' as const), coin: fc.integer({ min: 0, max: CROSS_COINS.length - 1 }), move: fc.integer({ min: -20, max: 20 }), dt: fc.integer({ min: 0, max: 4000 }) }) },
);

/** The same flow over all three markets, plus updateLeverage (cross ↔ isolated, 3–25×). */
const isolatedOpArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: opArb },
  { weight: 5, arbitrary: opArb.map((op) => ({ ...op, coin: COINS.length - 1 })) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('leverage' as const),
      user: fc.integer({ min: 0, max: USERS.length - 1 }),
      coin: fc.integer({ min: 0, max: COINS.length - 1 }),
      isCross: fc.boolean(),
      leverage: fc.integer({ min: 3, max: 25 }),
    }),
  },
);

function run(ops: Op[]) {
  const clock = { t: 1_750_000_000_000 };
  const ex = new SimExchange({
    markets: COINS.map(({ tick: _tick, ...m }) => m),
    dexes: ['', 'xyz'],
    now: () => clock.t,
  });
  const events: SimEvent[] = [];
  ex.onEvent((e) => events.push(e));
  const deposits = [50_000, 20_000, 5_000, 1_000];
  for (const [i, u] of USERS.entries()) ex.fund(u, deposits[i]);
  let cloidSeq = 0;
  const leverageAnswers: string[] = [];
  for (const op of ops) {
    clock.t += 1;
    if (op.kind === 'place') {
      const c = COINS[op.coin];
      const mid = ex.markPx(c.name) ?? c.initialPx;
      const px = Math.round(mid / c.tick + (op.isBuy ? op.ticks : -op.ticks)) * c.tick;
      const order: SimOrderInput = {
        coin: c.name,
        isBuy: op.isBuy,
        px: px.toFixed(c.tick === 0.1 ? 1 : 2),
        sz: (op.lots / 10 ** c.szDecimals).toFixed(c.szDecimals),
        tif: op.tif,
        reduceOnly: op.reduceOnly,
        cloid: op.cloid ? `0x${(++cloidSeq).toString(16).padStart(32, '0')}` : undefined,
      };
      const [status] = ex.internalPlaceOrders(USERS[op.user], [order]);
      assert.ok(status !== undefined);
    } else if (op.kind === 'cancelAll') {
      ex.internalCancelAll(USERS[op.user], COINS[op.coin].name);
    } else if (op.kind === 'leverage') {
      const r = ex.internalUpdateLeverage(USERS[op.user], COINS[op.coin].name, op.isCross, op.leverage) as { status: string };
      leverageAnswers.push(r.status);
    } else {
      clock.t += op.dt;
      const c = COINS[op.coin];
      ex.setOracle(c.name, (ex.oraclePx(c.name) ?? c.initialPx) * (1 + op.move / 1000));
    }
  }
  return { ex, events, leverageAnswers };
}

function check(ex: SimExchange, events: SimEvent[]): void {
  // exact conservation
  assert.equal(ex.totalCash() + ex.feesCollected(), ex.totalDeposits());
  for (const c of COINS) {
    let net = 0n;
    for (const u of USERS) net += scaledInt(ex.position(u, c.name)?.sziStr ?? '0', c.szDecimals);
    assert.equal(net, 0n, `net position on ${c.name}`);
  }
  const seenTids = new Set<string>();
  for (const u of USERS) {
    const fills: WireFill[] = events.flatMap((e) => (e.kind === 'userFills' && e.user === u ? e.data.fills : []));
    // userFills events and the user channel carry the same fills; info userFills has them all
    const userChannel = events.flatMap((e) => (e.kind === 'user' && e.user === u && 'fills' in e.data ? e.data.fills : []));
    assert.deepEqual(userChannel, fills);
    const info = ex.handleInfo({ type: 'userFills', user: u }).body as WireFill[];
    assert.deepEqual([...info].reverse(), fills);
    for (const f of fills) {
      const key = `${f.tid}:${f.crossed}`;
      assert.ok(!seenTids.has(key), 'a tid appears once per side');
      seenTids.add(key);
    }
    for (const [dexIndex, dex] of ['', 'xyz'].entries()) {
      const ch = ex.handleInfo({ type: 'clearinghouseState', user: u, dex }).body as {
        assetPositions: { position: { coin: string; szi: string; leverage: { type: string; rawUsd?: string } } }[];
        marginSummary: { totalRawUsd: string };
        crossMarginSummary: { totalRawUsd: string };
      };
      // cross cash + every isolated position's own cash = all cash; isolated-only markets are never cross
      let isolatedRaw = 0n;
      for (const { position } of ch.assetPositions) {
        if (position.leverage.type === 'isolated') isolatedRaw += scaledInt(position.leverage.rawUsd ?? 'missing', 6);
        else assert.equal(position.leverage.type, 'cross');
        if (COINS.find((c) => c.name === position.coin)?.onlyIsolated === true) assert.equal(position.leverage.type, 'isolated', position.coin);
      }
      assert.equal(scaledInt(ch.crossMarginSummary.totalRawUsd, 6) + isolatedRaw, scaledInt(ch.marginSummary.totalRawUsd, 6), `cross + isolated cash ${u}`);
      let cash = BigInt(Math.round([50_000, 20_000, 5_000, 1_000][USERS.indexOf(u)] * 1e6));
      for (const c of COINS) {
        if (c.dex !== dex) continue;
        // position = Σ signed fill sizes; startPosition chains
        let pos = 0n;
        for (const f of fills.filter((x) => x.coin === c.name)) {
          assert.equal(scaledInt(f.startPosition, c.szDecimals), pos, 'startPosition');
          const sz = scaledInt(f.sz, c.szDecimals);
          pos += f.side === 'B' ? sz : -sz;
          const ntl = (scaledInt(f.px, 6 - c.szDecimals) * sz) as bigint; // micro-USDC
          cash += (f.side === 'B' ? -ntl : ntl) - scaledInt(f.fee, 6);
        }
        const p = ch.assetPositions.find((a) => a.position.coin === c.name);
        assert.equal(p === undefined ? 0n : scaledInt(p.position.szi, c.szDecimals), pos, `position ${u} ${c.name}`);
      }
      assert.equal(scaledInt(ch.marginSummary.totalRawUsd, 6), cash, `cash ${u} dex ${dexIndex}`);
    }
    // orderUpdates replayed → open set equals openOrders; sizes agree with fills
    const last = new Map<number, { status: string; origSz: string; coin: string; reduceOnly: boolean }>();
    for (const e of events) {
      if (e.kind !== 'orderUpdates' || e.user !== u) continue;
      assert.ok(Array.isArray(e.data));
      for (const x of e.data) last.set(x.order.oid, { status: x.status, origSz: x.order.origSz, coin: x.order.coin, reduceOnly: x.order.reduceOnly === true });
    }
    const openFromEvents = [...last].filter(([, v]) => v.status === 'open').map(([oid]) => oid).sort((a, b) => a - b);
    const openInfo = [
      ...(ex.handleInfo({ type: 'openOrders', user: u }).body as { oid: number; sz: string; coin: string }[]),
      ...(ex.handleInfo({ type: 'openOrders', user: u, dex: 'xyz' }).body as { oid: number; sz: string; coin: string }[]),
    ];
    assert.deepEqual(openInfo.map((o) => o.oid).sort((a, b) => a - b), openFromEvents);
    const filledBy = new Map<number, bigint>();
    for (const f of fills) filledBy.set(f.oid, (filledBy.get(f.oid) ?? 0n) + scaledInt(f.sz, COINS.find((c) => c.name === f.coin)?.szDecimals ?? 0));
    for (const o of openInfo) {
      const dec = COINS.find((c) => c.name === o.coin)?.szDecimals ?? 0;
      const v = last.get(o.oid);
      if (v === undefined || v.reduceOnly) continue; // reduce-only orders shrink with the position
      assert.equal(scaledInt(v.origSz, dec) - (filledBy.get(o.oid) ?? 0n), scaledInt(o.sz, dec), `open size of ${o.oid}`);
    }
    for (const [oid, v] of last) {
      if (v.status !== 'filled' || v.reduceOnly) continue;
      const dec = COINS.find((c) => c.name === v.coin)?.szDecimals ?? 0;
      assert.equal(filledBy.get(oid), scaledInt(v.origSz, dec), `filled order ${oid}`);
    }
  }
}

it('events agree with info; positions = Σ fills; cash conserved exactly (random flow, many seeds)', () => {
  const seen = { fills: 0, flips: 0, closes: 0, rejected: 0, reduceOnlyCanceled: 0, selfTrade: 0 };
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 20, maxLength: 150 }), (ops) => {
      const { ex, events } = run(ops);
      check(ex, events);
      for (const e of events) {
        if (e.kind === 'userFills') {
          seen.fills += e.data.fills.length;
          for (const f of e.data.fills) {
            if (f.dir.includes('>')) seen.flips++;
            if (f.dir.startsWith('Close')) seen.closes++;
          }
        }
        if (e.kind === 'orderUpdates') {
          for (const u of e.data) {
            if (u.status.endsWith('Rejected')) seen.rejected++;
            if (u.status === 'reduceOnlyCanceled') seen.reduceOnlyCanceled++;
            if (u.status === 'selfTradeCanceled') seen.selfTrade++;
          }
        }
      }
    }),
    { numRuns: 300, seed: 20261121 },
  );
  // the flow must actually exercise the interesting paths, or the property proves little
  const floor = { fills: 1000, flips: 40, closes: 100, rejected: 200, reduceOnlyCanceled: 8, selfTrade: 40 };
  for (const [k, v] of Object.entries(floor)) assert.ok(seen[k as keyof typeof seen] >= v, `too few ${k}: ${JSON.stringify(seen)}`);
});

it('same ops give the same state and events (deterministic)', () => {
  const ops = fc.sample(fc.array(opArb, { minLength: 200, maxLength: 200 }), { numRuns: 1, seed: 7 })[0];
  const a = run(ops);
  const b = run(ops);
  assert.deepEqual(a.events, b.events);
  assert.equal(a.ex.totalCash(), b.ex.totalCash());
});

it('isolated margin: the same agreement and exact conservation with an isolated-only market and cross ↔ isolated switches', () => {
  const seen = { fills: 0, isolatedFills: 0, isolatedCloses: 0, isolatedFlips: 0, isolatedPositions: 0, leverageOk: 0, leverageRefused: 0 };
  fc.assert(
    fc.property(fc.array(isolatedOpArb, { minLength: 20, maxLength: 150 }), (ops) => {
      const { ex, events, leverageAnswers } = run(ops);
      check(ex, events);
      for (const a of leverageAnswers) seen[a === 'ok' ? 'leverageOk' : 'leverageRefused']++;
      for (const e of events) {
        if (e.kind !== 'userFills') continue;
        seen.fills += e.data.fills.length;
        for (const f of e.data.fills) {
          if (f.coin !== ISOLATED_ONLY.name) continue;
          seen.isolatedFills++;
          if (f.dir.startsWith('Close')) seen.isolatedCloses++;
          if (f.dir.includes('>')) seen.isolatedFlips++;
        }
      }
      for (const u of USERS) {
        const ch = ex.handleInfo({ type: 'clearinghouseState', user: u, dex: 'xyz' }).body as { assetPositions: { position: { leverage: { type: string } } }[] };
        seen.isolatedPositions += ch.assetPositions.filter((p) => p.position.leverage.type === 'isolated').length;
      }
    }),
    { numRuns: 300, seed: 20261121 },
  );
  const floor = { fills: 1000, isolatedFills: 300, isolatedCloses: 40, isolatedFlips: 10, isolatedPositions: 200, leverageOk: 50, leverageRefused: 20 };
  for (const [k, v] of Object.entries(floor)) assert.ok(seen[k as keyof typeof seen] >= v, `too few ${k}: ${JSON.stringify(seen)}`);
});
