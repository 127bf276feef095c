// Property tests: random sequences of market events, signals and exchange outcomes (fills, partial fills,
// rejections, send failures, lost responses → unknown, disconnects, lagging and empty reconciliation
// replies, hard stops latched inside the very events that queue entries) against a small in-test venue
// that executes every batch the moment it is handed off. The invariants are checked at EVERY step (and at
// every hand-off); positions are compared with what the VENUE delivered (fills deduplicated by tid), not
// with the engine's own counters. The run also counts how often each defended path was exercised and fails
// when a path falls under its floor, so the generator cannot silently go vacuous.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { OrderResponseStatus, UserFill, WsOrderUpdate } from '../../src/protocol/index.ts';
import { type CoreConfig, defaultCoreConfig } from '../../src/core/config.ts';
import { CoreEngine } from '../../src/core/engine.ts';
import type { MarketSpec, OutboundBatch, ReconcileSnapshot } from '../../src/core/types.ts';
import { fill, T0 } from './helpers.ts';

const MARKETS: MarketSpec[] = [
  { coin: 'xyz:A', assetId: 110001, szDecimals: 2 },
  { coin: 'xyz:B', assetId: 110002, szDecimals: 3 },
  { coin: 'xyz:C', assetId: 110003, szDecimals: 1 },
];
const START_PX = [100, 2000, 30];
const FOREIGN_CLOID = '0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';

const CONFIG: CoreConfig = {
  ...defaultCoreConfig,
  basisWarmupMs: 2000,
  // orders of $11–35 (book-size dependent) against a $60 market limit: a pending entry plus a second one
  // may or may not fit, so both MaxPositionPerMarket and PendingOrder are reached
  maxOrderNotionalUsd: 35,
  maxPositionNotionalUsd: 60,
  maxTotalNotionalUsd: 90,
  maxConcurrentPositions: 2,
  timeStopMs: 1500,
  minHoldingMs: 100,
  flattenRetryBackoffMs: 50,
  postTimeoutMs: 300,
  flattenTimeoutMs: 600,
  unknownRequeryMs: 200,
  maxDisconnectedWithPositionMs: 2500,
  reconcileEmptyConfirmations: defaultCoreConfig.reconcileEmptyConfirmations, // the real setting (3)
  correlationCooldownCloses: 2,
  correlationCooldownWindowMs: 5000,
  correlationCooldownMs: 1000,
  maxRejectionsInWindow: 6,
  maxFlattenFailures: 8,
  maxCumulativeLossUsd: 5,
};

type Outcome = 'fill' | 'partial' | 'noMatch' | 'reject' | 'batchError' | 'sendFail';
/** Where a latch is set from inside the event that queues an entry: the journal's signal callback (the
 * trigger's purge must remove it) or its `created` order event (only the hand-off guard can stop it). */
type Latch = 'none' | 'signal' | 'created';

type Cmd =
  | { k: 'ctx'; m: number; moveBps: number }
  /** An oracle step, then after `delayMs` the (stale) book of `sz` per side, then `repeats` more stale
   * books a few ms apart (repeated signals while the first entry is pending). */
  | { k: 'jump'; m: number; moveBps: number; delayMs: number; sz: number; repeats: number; latch: Latch }
  | { k: 'bbo'; m: number; mode: 'stale' | 'catchup' | 'wide' | 'oneSided' }
  | { k: 'time'; ms: number }
  | { k: 'respond'; pick: number; how: 'ok' | 'unknown' | 'never' }
  | { k: 'fills'; dup: boolean; firstOnly: boolean }
  /** The stream loses the oldest undelivered fill (only a reconnect snapshot or a reconciliation shows it). */
  | { k: 'dropFill' }
  /** Someone else trades on the account (an operator): a fill with a foreign cloid (L14). */
  | { k: 'external'; m: number; buy: boolean; usd: number }
  | { k: 'updates' }
  | { k: 'status' }
  | { k: 'disconnect' }
  | { k: 'reconnect' }
  /** The app issues a reconciliation request now; its answer comes later (lagging). */
  | { k: 'reconcileRequest'; withOrders: boolean }
  /** The oldest pending answer arrives, as the venue state at request time, or as an empty glitch. */
  | { k: 'reconcileAnswer'; glitch: boolean }
  | { k: 'hardStop' }
  | { k: 'reset' };

const moveArb = fc.integer({ min: 20, max: 120 }).chain((x) => fc.constantFrom(x, -x));
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant('jump' as const),
      m: fc.nat(2),
      moveBps: moveArb,
      delayMs: fc.integer({ min: 5, max: 900 }),
      sz: fc.integer({ min: 1, max: 60 }),
      repeats: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 2 }) }),
      latch: fc.oneof({ weight: 30, arbitrary: fc.constant<Latch>('none') }, { weight: 1, arbitrary: fc.constantFrom<Latch>('signal', 'created') }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('ctx' as const),
      m: fc.nat(2),
      moveBps: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: moveArb }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('bbo' as const), m: fc.nat(2), mode: fc.constantFrom('stale' as const, 'stale' as const, 'catchup' as const, 'wide' as const, 'oneSided' as const) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('time' as const), ms: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 10, max: 200 }) }, { weight: 1, arbitrary: fc.integer({ min: 200, max: 1500 }) }) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('respond' as const), pick: fc.nat(5), how: fc.constantFrom('ok' as const, 'ok' as const, 'unknown' as const, 'never' as const) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('fills' as const), dup: fc.boolean(), firstOnly: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('dropFill' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('external' as const), m: fc.nat(2), buy: fc.boolean(), usd: fc.integer({ min: 5, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('updates' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('status' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('disconnect' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('reconnect' as const) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('reconcileRequest' as const), withOrders: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('reconcileAnswer' as const), glitch: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('hardStop' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('reset' as const) }) },
);

const outcomeArb = fc.array(fc.constantFrom<Outcome>('fill', 'fill', 'partial', 'noMatch', 'reject', 'batchError', 'sendFail'), { minLength: 1, maxLength: 12 });

const round = (x: number, d: number): number => {
  const f = 10 ** d;
  const r = Math.round(x * f) / f;
  return r === 0 ? 0 : r;
};

/** How often each defended path was exercised (summed over a run of many cases). */
interface Coverage {
  entries: number;
  exits: number;
  flattenRetries: number;
  flattenTimeouts: number;
  unknowns: number;
  sendFailures: number;
  purgedAtTrigger: number;
  purgedByGuard: number;
  pendingGateHits: number;
  perMarketGateHits: number;
  reconcileAdjustments: number;
  reconcileDeferred: number;
  reconcileEmptyIgnored: number;
  hardStops: number;
  cooldowns: number;
}

const newCoverage = (): Coverage => ({
  entries: 0,
  exits: 0,
  flattenRetries: 0,
  flattenTimeouts: 0,
  unknowns: 0,
  sendFailures: 0,
  purgedAtTrigger: 0,
  purgedByGuard: 0,
  pendingGateHits: 0,
  perMarketGateHits: 0,
  reconcileAdjustments: 0,
  reconcileDeferred: 0,
  reconcileEmptyIgnored: 0,
  hardStops: 0,
  cooldowns: 0,
});

/** The venue: executes each batch at hand-off, keeps the truth, delays or loses responses on command. */
class Venue {
  readonly engine: CoreEngine;
  t = T0;
  connected = false;
  readonly oracle = [...START_PX];
  readonly book = START_PX.map((p) => [p * 0.9998, p * 1.0002] as [number, number]);
  bookSz = 50;
  /** Venue positions (truth) and the fills that made them. */
  readonly truth = new Map<string, number>();
  readonly allFills: UserFill[] = [];
  readonly undelivered: UserFill[] = [];
  /** Every fill the engine was given (stream or snapshot), by tid: the venue's view of "delivered". */
  readonly delivered = new Map<number, UserFill>();
  /** Per coin: the fills (tids) a reconciliation answer that the engine applied stood for (its truth). */
  readonly reconciledFills = new Map<string, Set<number>>();
  readonly outstanding: { batch: OutboundBatch; response: { kind: 'ok'; statuses: OrderResponseStatus[] } | { kind: 'error'; message: string } }[] = [];
  readonly updates: WsOrderUpdate[] = [];
  /** cloid → final venue status and filled size; absent = never seen by the venue. */
  readonly venueOrders = new Map<string, { status: string; filled: number }>();
  readonly reconcileRequests: { snap: ReconcileSnapshot; included: Set<number> }[] = [];
  /** Consecutive empty reconciliation answers delivered (a glitch never makes the third in a row). */
  private emptyAnswers = 0;
  queries: string[] = [];
  /** Markets someone else traded (L14): the venue-side limit check no longer applies to them. */
  readonly externalTraded = new Set<string>();
  /** Per coin: last time an exit was handed off (even if the send then failed). */
  readonly exitAttemptAt = new Map<string, number>();
  latch: Latch = 'none';
  private nextTid = 1;
  private nextOid = 1;
  private k = 0;
  private readonly outcomes: Outcome[];
  readonly cov: Coverage;
  violations: string[] = [];

  constructor(outcomes: Outcome[], cov: Coverage, trace = false) {
    this.outcomes = outcomes;
    this.cov = cov;
    this.engine = new CoreEngine({
      observer: {
        onSignal: (r) => {
          if (r.reason === 'PendingOrder') this.cov.pendingGateHits++;
          if (r.reason === 'MaxPositionPerMarket') this.cov.perMarketGateHits++;
          if (r.reason === 'CorrelationCooldown') this.cov.cooldowns++;
          if (r.decision === 'order' && this.latch === 'signal') {
            this.latch = 'none';
            const purged = this.engine.counters.hardStopPurged;
            this.engine.triggerHardStop('latched by the journal while the entry is queued');
            // on trigger, queued new orders are purged at once (not only at the hand-off)
            if (this.engine.counters.hardStopPurged === purged) this.violations.push('hard stop triggered with a queued entry but nothing purged at the trigger');
            if (this.engine.openOrders().some((o) => !o.reduceOnly && o.state === 'created')) this.violations.push('queued entry left after the trigger');
            this.cov.purgedAtTrigger += this.engine.counters.hardStopPurged - purged;
          }
        },
        onOrder: (e) => {
          if (trace) console.log('order', e.coin, e.purpose, e.from, '→', e.to, e.detail);
          if (e.to === 'created' && e.purpose === 'entry' && this.latch === 'created') {
            this.latch = 'none';
            this.engine.triggerHardStop('latched after the entry was created, before its hand-off');
          }
          if (e.detail === 'hardStopPurge' && e.from === 'created' && e.to === 'cancelled') this.cov.purgedByGuard++;
          if (e.detail === 'hardStopPurge' && e.from !== 'created') this.violations.push(`purged order ${e.cloid} was journaled ${e.from} first`);
        },
        onExitTriggered: (x) => {
          if (x.attempt > 0) this.cov.flattenRetries++;
        },
        onFill: trace ? (f) => console.log('fill', f.coin, f.side, f.sz, f.tid, f.positionAfter) : undefined,
      },
      config: CONFIG,
      markets: MARKETS,
      clock: () => this.t,
      sink: { send: (b) => this.onSend(b), requestOrderStatus: (c) => this.queries.push(c) },
      cloidPrefix: 'cc',
      cloidStart: 1,
    });
  }

  private marketOf(coin: string): number {
    return MARKETS.findIndex((m) => m.coin === coin);
  }

  private onSend(b: OutboundBatch): void {
    // ── invariants at the hand-off ──
    const hs = this.engine.hardStopState();
    if (hs.latched && b.orders.some((o) => !o.reduceOnly)) this.violations.push('new order handed off while the hard stop is latched');
    if (!this.connected && b.orders.length > 0) this.violations.push('order handed off while disconnected');
    if (b.orders.some((o) => !o.reduceOnly)) this.checkNotional(new Set(b.orders.filter((o) => !o.reduceOnly).map((o) => o.coin)));
    for (const o of b.orders) if (o.reduceOnly) this.exitAttemptAt.set(o.coin, this.t);
    // ── execution ──
    if (b.orders.length === 0) return;
    const first = this.outcomes[this.k % this.outcomes.length] as Outcome;
    if (first === 'sendFail') {
      this.k++;
      throw new Error('socket write failed'); // nothing was written
    }
    if (first === 'batchError') {
      this.k++;
      this.outstanding.push({ batch: b, response: { kind: 'error', message: 'Invalid nonce: duplicate nonce' } });
      return;
    }
    const statuses: OrderResponseStatus[] = [];
    for (const o of b.orders) {
      let out = this.outcomes[this.k++ % this.outcomes.length] as Outcome;
      if (out === 'batchError' || out === 'sendFail') out = 'noMatch';
      const i = this.marketOf(o.coin);
      const spec = MARKETS[i] as MarketSpec;
      const pos = this.truth.get(o.coin) ?? 0;
      const isBuy = o.wire.b;
      let sz = Number(o.wire.s);
      const oid = this.nextOid++;
      if (o.reduceOnly) {
        const closable = isBuy ? Math.max(0, -pos) : Math.max(0, pos);
        if (closable === 0) {
          statuses.push({ error: 'Reduce only order would increase position.' });
          this.venueOrders.set(o.cloid, { status: 'reduceOnlyRejected', filled: 0 });
          this.updates.push(this.update(o.coin, o.cloid, oid, 'reduceOnlyRejected', sz, sz, isBuy));
          continue;
        }
        sz = Math.min(sz, closable);
      }
      if (out === 'reject') {
        statuses.push({ error: 'Insufficient margin to place order.' });
        this.venueOrders.set(o.cloid, { status: 'perpMarginRejected', filled: 0 });
        this.updates.push(this.update(o.coin, o.cloid, oid, 'perpMarginRejected', sz, sz, isBuy));
        continue;
      }
      if (out === 'noMatch') {
        statuses.push({ error: 'Order could not immediately match against any resting orders.' });
        this.venueOrders.set(o.cloid, { status: 'iocCancelRejected', filled: 0 });
        this.updates.push(this.update(o.coin, o.cloid, oid, 'iocCancelRejected', sz, sz, isBuy));
        continue;
      }
      const lot = 10 ** -spec.szDecimals;
      let filled = out === 'partial' ? round(Math.floor(sz / lot / 2) * lot, spec.szDecimals) : round(sz, spec.szDecimals);
      if (filled <= 0) filled = round(sz, spec.szDecimals);
      const px = Number(o.wire.p);
      // the fill may come in one or two pieces
      const pieces = filled >= 2 * lot ? [round(Math.floor(filled / lot / 2) * lot, spec.szDecimals), 0] : [filled];
      if (pieces.length === 2) pieces[1] = round(filled - (pieces[0] as number), spec.szDecimals);
      for (const p of pieces) this.addFill(o.coin, isBuy, px, p, oid, o.cloid);
      this.truth.set(o.coin, round(pos + (isBuy ? filled : -filled), spec.szDecimals));
      statuses.push({ filled: { totalSz: String(filled), avgPx: String(px), oid } });
      const fullyFilled = filled >= Number(o.wire.s) - 1e-12;
      this.venueOrders.set(o.cloid, { status: fullyFilled ? 'filled' : 'canceled', filled });
      this.updates.push(this.update(o.coin, o.cloid, oid, fullyFilled ? 'filled' : 'canceled', Number(o.wire.s), round(Number(o.wire.s) - filled, spec.szDecimals), isBuy));
    }
    this.outstanding.push({ batch: b, response: { kind: 'ok', statuses } });
  }

  private update(coin: string, cloid: string, oid: number, status: string, orig: number, remaining: number, isBuy: boolean): WsOrderUpdate {
    return { order: { coin, side: isBuy ? 'B' : 'A', limitPx: '1', sz: String(remaining), oid, timestamp: this.t, origSz: String(orig), cloid }, status, statusTimestamp: this.t };
  }

  private addFill(coin: string, isBuy: boolean, px: number, sz: number, oid: number, cloid: string): void {
    const f = fill(coin, isBuy ? 'B' : 'A', px, sz, { cloid, oid, tid: this.nextTid++, fee: round(px * sz * 0.00045, 6), time: this.t });
    this.allFills.push(f);
    this.undelivered.push(f);
  }

  private deliver(fills: UserFill[], isSnapshot: boolean): void {
    // a snapshot is history: only fills of our own orders in it count (incident #22; L12 for missed ones)
    for (const f of fills) if (!isSnapshot || f.cloid !== FOREIGN_CLOID) this.delivered.set(f.tid, f);
    this.engine.onUserFills(fills, isSnapshot);
  }

  /**
   * Notional with pending entries, at mark, never over the limits — both as the engine sees it and as the
   * venue does (venue positions + entries the venue has not executed yet, i.e. those being handed off).
   */
  private checkNotional(entered: Set<string>): void {
    let totalEngine = 0;
    let totalVenue = 0;
    const live = this.engine.openOrders();
    for (const spec of MARKETS) {
      const coin = spec.coin;
      const mark = this.engine.marketView(coin)?.markPx ?? 0;
      const entries = live.filter((o) => o.coin === coin && !o.reduceOnly);
      const pendingAll = entries.reduce((s, o) => s + Math.max(0, o.sz - o.filledSz), 0);
      const pendingNew = entries.filter((o) => !this.venueOrders.has(o.cloid)).reduce((s, o) => s + o.sz, 0);
      const enginePos = Math.abs(this.engine.positions().find((p) => p.coin === coin)?.size ?? 0);
      const ownEngine = (enginePos + pendingAll) * mark;
      // the venue's view is only ours while nobody else traded the market
      const ownVenue = this.externalTraded.has(coin) ? 0 : (Math.abs(this.truth.get(coin) ?? 0) + pendingNew) * mark;
      // someone else's trades may push a market over our limit; the market being entered never is
      const bounded = entered.has(coin) || !this.externalTraded.has(coin);
      for (const [who, own] of [['engine', ownEngine], ['venue', ownVenue]] as const) {
        if (bounded && own > CONFIG.maxPositionNotionalUsd + 1e-6) this.violations.push(`per-market notional (${who} view) ${own} on ${coin}`);
      }
      totalEngine += ownEngine;
      totalVenue += ownVenue;
    }
    if (totalEngine > CONFIG.maxTotalNotionalUsd + 1e-6) this.violations.push(`total notional (engine view) ${totalEngine}`);
    if (totalVenue > CONFIG.maxTotalNotionalUsd + 1e-6) this.violations.push(`total notional (venue view) ${totalVenue}`);
  }

  run(c: Cmd): void {
    const e = this.engine;
    switch (c.k) {
      case 'ctx': {
        const px = (this.oracle[c.m] as number) * (1 + c.moveBps / 1e4);
        this.oracle[c.m] = px;
        e.onAssetCtx((MARKETS[c.m] as MarketSpec).coin, px, px, 10, this.t);
        break;
      }
      case 'jump': {
        this.run({ k: 'ctx', m: c.m, moveBps: c.moveBps });
        this.t += c.delayMs;
        this.bookSz = c.sz;
        this.latch = c.latch;
        this.run({ k: 'bbo', m: c.m, mode: 'stale' });
        this.latch = 'none';
        for (let i = 0; i < c.repeats; i++) {
          this.t += 3;
          this.run({ k: 'bbo', m: c.m, mode: 'stale' });
        }
        this.bookSz = 50;
        break;
      }
      case 'bbo': {
        const o = this.oracle[c.m] as number;
        if (c.mode === 'catchup') this.book[c.m] = [o * 0.9998, o * 1.0002];
        if (c.mode === 'wide') this.book[c.m] = [o * 0.995, o * 1.005];
        const [bid, ask] = this.book[c.m] as [number, number];
        if (c.mode === 'oneSided') e.onBbo((MARKETS[c.m] as MarketSpec).coin, bid, this.bookSz, 0, 0, this.t);
        else e.onBbo((MARKETS[c.m] as MarketSpec).coin, bid, this.bookSz, ask, this.bookSz, this.t);
        break;
      }
      case 'time':
        this.t += c.ms;
        e.onTimer();
        break;
      case 'respond': {
        if (this.outstanding.length === 0) break;
        const [x] = this.outstanding.splice(c.pick % this.outstanding.length, 1);
        if (x === undefined || c.how === 'never') break;
        if (!this.connected) break; // a response cannot arrive on a dead socket
        e.onPostResult(x.batch.id, c.how === 'unknown' ? { kind: 'unknown' } : x.response);
        break;
      }
      case 'fills': {
        if (!this.connected || this.undelivered.length === 0) break;
        const batch = c.firstOnly ? this.undelivered.splice(0, 1) : this.undelivered.splice(0);
        this.deliver(c.dup ? [...batch, ...batch] : batch, false);
        break;
      }
      case 'external': {
        const spec = MARKETS[c.m] as MarketSpec;
        const px = this.oracle[c.m] as number;
        const sz = Math.max(10 ** -spec.szDecimals, round(c.usd / px, spec.szDecimals));
        this.addFill(spec.coin, c.buy, round(px, 2), sz, this.nextOid++, FOREIGN_CLOID);
        const signed = c.buy ? sz : -sz;
        this.truth.set(spec.coin, round((this.truth.get(spec.coin) ?? 0) + signed, spec.szDecimals));
        this.externalTraded.add(spec.coin);
        break;
      }
      case 'dropFill':
        this.undelivered.shift();
        break;
      case 'updates':
        if (!this.connected) break;
        e.onOrderUpdates(this.updates.splice(0));
        break;
      case 'status':
        if (!this.connected) break;
        for (const q of this.queries.splice(0)) {
          const v = this.venueOrders.get(q);
          e.onOrderStatus(q, v === undefined ? 'unknownOid' : v.status, v?.filled);
        }
        break;
      case 'disconnect':
        if (!this.connected) break;
        this.connected = false;
        e.onConnection(false);
        this.outstanding.length = 0; // responses lost with the socket
        this.updates.length = 0;
        break;
      case 'reconnect': {
        if (this.connected) break;
        this.connected = true;
        e.onConnection(true);
        // resubscribe: the userFills snapshot repeats everything (incl. fills missed while down)
        const snapshot = this.allFills.slice();
        const inSnapshot = new Set(snapshot.map((f) => f.tid));
        this.deliver(snapshot, true);
        // fills created while the snapshot was processed (e.g. a flatten it triggered) are still to come
        const rest = this.undelivered.filter((f) => !inSnapshot.has(f.tid));
        this.undelivered.length = 0;
        this.undelivered.push(...rest);
        e.onTradingReady(true);
        break;
      }
      case 'reconcileRequest': {
        // the venue's state at the moment the request is served; the answer arrives later
        const positions = [...this.truth].filter(([, s]) => s !== 0).map(([coin, szi]) => ({ coin, szi }));
        const snap: ReconcileSnapshot = { venueTimeMs: this.t, requestedAtMs: this.t, positions };
        if (c.withOrders) snap.openOrders = []; // IOCs never rest
        this.reconcileRequests.push({ snap, included: new Set(this.allFills.map((f) => f.tid)) });
        this.t += 1; // fills after the snapshot carry a later venue time
        break;
      }
      case 'reconcileAnswer': {
        const req = this.reconcileRequests.shift();
        if (req === undefined) break;
        const snap = req.snap;
        // incident #31: the venue sometimes answers empty; never three empty answers in a row by glitch
        const glitch = c.glitch && this.emptyAnswers < 2;
        const answer = glitch ? { ...snap, positions: [] } : snap;
        this.emptyAnswers = answer.positions.length === 0 ? this.emptyAnswers + 1 : 0;
        const before = MARKETS.map((m) => {
          const v = e.marketView(m.coin);
          return [v?.confirmedPosition, v?.position];
        });
        const adj = e.counters.reconcileAdjustments;
        e.onReconcile(answer);
        let changed = 0;
        MARKETS.forEach((m, i) => {
          const v = e.marketView(m.coin);
          const [c0, p0] = before[i] as [number, number];
          if (v?.confirmedPosition !== c0 || v?.position !== p0) {
            changed++;
            this.reconciledFills.set(m.coin, req.included);
            if (glitch) this.violations.push(`an empty glitch answer changed ${m.coin}`);
          }
        });
        if (e.counters.reconcileAdjustments - adj !== changed) this.violations.push(`reconciliation adjusted ${e.counters.reconcileAdjustments - adj} markets, ${changed} changed`);
        break;
      }
      case 'hardStop':
        e.triggerHardStop('property');
        break;
      case 'reset':
        e.resetHardStop();
        break;
    }
  }

  /** Invariants after every step. */
  check(afterTimer: boolean, afterEvent: boolean): void {
    const e = this.engine;
    const live = e.openOrders();
    const positions = e.positions();
    for (const spec of MARKETS) {
      const coin = spec.coin;
      const entries = live.filter((o) => o.coin === coin && !o.reduceOnly);
      if (entries.length > 1) this.violations.push(`${entries.length} pending entries on ${coin}`);
      const pend = e.marketView(coin)?.pendingEntry ?? null;
      if (pend !== null && !entries.some((o) => o.cloid === pend)) this.violations.push(`pending mark ${pend} on ${coin} without a live entry order`);
      if (pend === null && entries.length > 0) this.violations.push(`live entry on ${coin} without its pending mark`);
      // unknown exits included: they may still execute
      const flying = live.filter((o) => o.coin === coin && o.reduceOnly);
      if (flying.length > 1) this.violations.push(`${flying.length} flattens in flight on ${coin} (${flying.map((o) => o.state).join(',')})`);
      const p = positions.find((x) => x.coin === coin);
      if (p?.flattenInFlight === true && flying.length === 0) this.violations.push(`flatten claim on ${coin} without a live exit order`);
      // hard stop: at the end of EVERY event (not only timers), every position is being flattened, or its
      // last attempt is younger than the retry backoff
      const lastExit = this.exitAttemptAt.get(coin) ?? Number.NEGATIVE_INFINITY;
      if (afterEvent && e.hardStopState().latched && this.connected && p !== undefined && !p.flattenInFlight && this.t - lastExit >= CONFIG.flattenRetryBackoffMs) {
        this.violations.push(`hard stop latched, position on ${coin} not being flattened`);
      }
      // a failed flatten is always retried: after a timer tick, connected, any exiting position has one in
      // flight, or one was attempted in this very tick (and its hand-off failed)
      if (afterTimer && this.connected && p !== undefined && p.exitReason !== null && !p.flattenInFlight && this.exitAttemptAt.get(coin) !== this.t) {
        this.violations.push(`position on ${coin} exiting (${p.exitReason}) with no flatten in flight after a timer`);
      }
    }
  }

  /**
   * Position from the venue's side, computed without the engine: every fill the venue delivered (by tid),
   * except that where a reconciliation answer replaced the engine's count for a market, that answer (the
   * venue's truth when it was served: the fills that existed then) stands for the fills it included.
   */
  checkPositions(): void {
    for (const spec of MARKETS) {
      const included = this.reconciledFills.get(spec.coin);
      let sum = 0;
      for (const f of this.allFills) {
        if (f.coin !== spec.coin) continue;
        if (included !== undefined ? included.has(f.tid) || this.delivered.has(f.tid) : this.delivered.has(f.tid)) sum += f.side === 'B' ? Number(f.sz) : -Number(f.sz);
      }
      const want = round(sum, spec.szDecimals);
      const got = round(this.engine.marketView(spec.coin)?.confirmedPosition ?? Number.NaN, spec.szDecimals);
      if (want !== got) this.violations.push(`position ${got} on ${spec.coin} vs delivered fills ${want}`);
      // everything delivered: the engine holds exactly what the venue holds
      if (this.delivered.size === this.allFills.length && got !== round(this.truth.get(spec.coin) ?? 0, spec.szDecimals)) {
        this.violations.push(`all fills delivered, position ${got} on ${spec.coin} vs venue ${this.truth.get(spec.coin) ?? 0}`);
      }
    }
  }
}

function scenario(outcomes: Outcome[], cmds: Cmd[], cov: Coverage = newCoverage()): string[] {
  const trace = process.env.CORE_PROP_TRACE === '1';
  const v = new Venue(outcomes, cov, trace);
  v.run({ k: 'reconnect' });
  for (let s = 0; s < 4; s++) {
    v.t += 1000;
    for (let i = 0; i < 3; i++) {
      v.run({ k: 'ctx', m: i, moveBps: 0 });
      v.run({ k: 'bbo', m: i, mode: 'catchup' });
    }
  }
  let result: string[] = [];
  for (const c of cmds) {
    if (trace) console.log('cmd', JSON.stringify(c));
    const events = v.engine.counters.events;
    try {
      v.run(c);
    } catch (err) {
      v.violations.push(`the engine threw: ${String(err)}`);
    }
    v.check(c.k === 'time' && c.ms >= CONFIG.flattenRetryBackoffMs, v.engine.counters.events > events);
    v.checkPositions();
    if (v.violations.length > 0) {
      result = [`after ${JSON.stringify(c)}`, ...v.violations];
      break;
    }
  }
  const k = v.engine.counters;
  cov.entries += k.entriesSent;
  cov.exits += k.exitsSent;
  cov.flattenTimeouts += k.flattenTimeouts;
  cov.unknowns += k.postUnknown + k.postTimeouts;
  cov.sendFailures += k.sendFailures;
  cov.reconcileAdjustments += k.reconcileAdjustments;
  cov.reconcileDeferred += k.reconcileDeferred;
  cov.reconcileEmptyIgnored += k.reconcileEmptyIgnored;
  if (v.engine.hardStopState().latched) cov.hardStops++;
  return result;
}

// Debugging aid, registered only when asked for (no "skipped" noise in every run):
// CORE_PROP_CASE='[outcomes, cmds]' node --test test/core/properties.test.ts
const recordedCase = process.env.CORE_PROP_CASE;
if (recordedCase !== undefined) {
  test('property: replay of a recorded counterexample (CORE_PROP_CASE)', () => {
    const [outcomes, cmds] = JSON.parse(recordedCase) as [Outcome[], Cmd[]];
    assert.deepEqual(scenario(outcomes, cmds), []);
  });
}

const RUNS = Number(process.env.CORE_PROP_RUNS ?? 10000);

/** Floors per 10 000 cases, about 40 % of what the generator reaches (seed 20260210): each defended path
 * must really be taken, many times, or the run fails. Scaled for CORE_PROP_RUNS. */
const FLOORS_PER_10K: Coverage = {
  entries: 5_000,
  exits: 10_000,
  flattenRetries: 6_000,
  flattenTimeouts: 2_500,
  unknowns: 5_000,
  sendFailures: 2_000,
  purgedAtTrigger: 70,
  purgedByGuard: 140,
  pendingGateHits: 1_000,
  perMarketGateHits: 2_400,
  reconcileAdjustments: 1_000,
  reconcileDeferred: 2_000,
  reconcileEmptyIgnored: 2_400,
  hardStops: 1_800,
  cooldowns: 50,
};

test('property: core invariants hold at every step over random market/exchange sequences, with every defended path exercised', () => {
  const cov = newCoverage();
  let ran = 0;
  fc.assert(
    fc.property(outcomeArb, fc.array(cmdArb, { minLength: 10, maxLength: 120, size: 'max' }), (outcomes, cmds) => {
      ran++;
      const v = scenario(outcomes, cmds, cov);
      if (v.length > 0) throw new Error(v.join('\n'));
    }),
    { numRuns: RUNS, seed: Number(process.env.CORE_PROP_SEED ?? 20260210) },
  );
  assert.equal(ran, RUNS);
  if (process.env.CORE_PROP_DEBUG) console.log(cov);
  const below: string[] = [];
  for (const [k, floor] of Object.entries(FLOORS_PER_10K) as [keyof Coverage, number][]) {
    const need = Math.floor((floor * RUNS) / 10_000);
    if (cov[k] < need) below.push(`${k} ${cov[k]} < ${need}`);
  }
  assert.deepEqual(below, [], `the generator no longer exercises: ${below.join(', ')}`);
});
