// CoreEngine: the composition root of the trading core and the only thing the app talks to.
//
// Every public `on…` call is ONE event: state update, exit check, detection, gates, order construction and
// the hand-off to the sink all happen synchronously inside it (design principle 1). Orders created during
// the event are coalesced and flushed at its end (cancels, reduce-only, new); nothing waits for a tick.
// Because the whole decision from check to mark to send happens in one JavaScript turn, none of the seeds'
// races (check-then-mark, late registration, hard stop between dequeue and send) can happen; the hard-stop
// guard in `flush` still re-checks the latch directly before the hand-off, as the seeds require.
import type { Cloid, OrderResponseStatus, OrderWire, UserFill, WsOrderUpdate } from '../protocol/index.ts';
import { aggressiveRounding, CloidGenerator, formatPrice, formatSize, orderWire } from '../protocol/index.ts';
import { type CoreConfig, defaultCoreConfig, type MarketTuning, resolveMarketTuning, validateCoreConfig } from './config.ts';
import { detectorGates, fairPx, modeEdgeBps, rawEdgeBps, thresholdBps } from './detector.ts';
import { ActionBudget, CorrelationCooldown, checkEntryGates, type ExecutorEnv } from './executor.ts';
import { type ExitReason, exitReason, type PositionView } from './exits.ts';
import { HardStop } from './hard-stop.ts';
import { type CompiledWindows, compileBlackouts, marketGates } from './market-gates.ts';
import { MarketState } from './market-state.ts';
import { Outbound } from './outbound.ts';
import { RiskMonitor } from './risk-monitor.ts';
import { entryBoundPx, exitSlippageBps, sizeEntry, takerLimitPx } from './sizing.ts';
import { isTerminal, type MarketBook, OrderTracker, type TrackedOrder } from './tracker.ts';
import type {
  CoreObserver,
  GateVerdict,
  MarketMeasures,
  MarketSpec,
  OrderSink,
  OrderPurpose,
  OrderState,
  OutboundBatch,
  PostResult,
  ReconcileSnapshot,
  Side,
  SignalRecord,
} from './types.ts';

export interface CoreEngineOptions {
  config?: CoreConfig;
  markets: readonly MarketSpec[];
  /** Epoch milliseconds (UTC blackouts need real time); must not go backwards. */
  clock: () => number;
  sink: OrderSink;
  observer?: CoreObserver;
  /** Hex bytes prefixed to every cloid so our orders are recognisable (e.g. "4850"). */
  cloidPrefix?: string;
  /** Start of the cloid counter (tests pass it for determinism). */
  cloidStart?: number;
}

interface ExitIntent {
  reason: ExitReason;
  sinceMs: number;
  /** Attempts sent so far; the exit allowance widens with each. */
  attempts: number;
  lastAttemptMs: number;
}

/** Everything the engine keeps per market, looked up once per event. */
interface Mk {
  spec: MarketSpec;
  state: MarketState;
  tuning: MarketTuning;
  book: MarketBook;
  threshold: number;
  exit: ExitIntent | null;
  view: PositionView;
  lastRecSeq: number;
  lastRecSide: Side | null;
  lastRecReason: string;
  suppressed: number;
}

export interface PositionSummary {
  coin: string;
  size: number;
  provisionalSize: number;
  avgEntryPx: number;
  openedAtMs: number;
  markPx: number;
  unrealisedPnlUsd: number;
  flattenInFlight: boolean;
  exitReason: string | null;
  exitAttempts: number;
}

export interface OrderSummary {
  cloid: Cloid;
  coin: string;
  side: Side;
  px: number;
  sz: number;
  /** Filled so far (largest of what the venue reported and what fills showed). */
  filledSz: number;
  reduceOnly: boolean;
  purpose: 'entry' | 'exit';
  state: OrderState;
  oid: number | null;
  createdAtMs: number;
  sentAtMs: number;
  reason: string;
}

export interface MarketView extends MarketMeasures {
  coin: string;
  openInterest: number;
  basisBps: number;
  buyEdgeBps: number;
  sellEdgeBps: number;
  thresholdBps: number;
  healthy: boolean;
  halted: boolean;
  paramChanged: boolean;
  /** Position including fills the venue reported but userFills has not delivered yet. */
  position: number;
  /** Position from delivered (deduplicated) fills only. */
  confirmedPosition: number;
  pendingEntry: Cloid | null;
}

export interface CoreCounters {
  events: number;
  unknownCoinEvents: number;
  signals: number;
  signalsSuppressed: number;
  entriesSent: number;
  exitsSent: number;
  batchesSent: number;
  sendFailures: number;
  postErrors: number;
  postUnknown: number;
  postTimeouts: number;
  unknownBatchResults: number;
  flattenFailures: number;
  flattenTimeouts: number;
  exitNoPrice: number;
  orderBuildErrors: number;
  observerErrors: number;
  hardStopPurged: number;
  orphanCancels: number;
  benignRejections: number;
  nonBenignRejections: number;
  fillsApplied: number;
  fillsDuplicate: number;
  /** Fills of orders that are not ours (L14): applied to the position, labelled 'external'. */
  externalFills: number;
  reconcileAdjustments: number;
  reconcileDeferred: number;
  reconcileEmptyIgnored: number;
  /** Snapshots refused for lack of a finite requestedAtMs. */
  reconcileRefused: number;
}

/** The counters the risk monitor and the tracker own: read from them, never copied. */
type BorrowedCounter =
  | 'benignRejections'
  | 'nonBenignRejections'
  | 'fillsApplied'
  | 'fillsDuplicate'
  | 'externalFills'
  | 'reconcileAdjustments'
  | 'reconcileDeferred'
  | 'reconcileEmptyIgnored'
  | 'reconcileRefused';

/** A position, a live order (or one whose fills are awaited) or an open exit intent: the exit watcher runs. */
function hasExposure(m: Mk): boolean {
  return m.exit !== null || m.book.fillSz !== 0 || m.book.active.size !== 0;
}

interface InflightBatch {
  cloids: Cloid[];
  sentAtMs: number;
}

export class CoreEngine {
  readonly config: CoreConfig;
  private readonly clock: () => number;
  private readonly sink: OrderSink;
  private readonly observer: CoreObserver;
  private readonly cloids: CloidGenerator;
  private readonly mk = new Map<string, Mk>();
  private readonly states = new Map<string, MarketState>();
  private readonly tracker: OrderTracker;
  private readonly outbound = new Outbound();
  private readonly hardStop = new HardStop();
  /** Exit reason of the flattens while the hard stop is latched: 'shutdown' when the orderly stop latched it. */
  private flattenReason: ExitReason = 'hardStop';
  private readonly risk: RiskMonitor;
  private readonly budget: ActionBudget;
  private readonly cooldown: CorrelationCooldown;
  private readonly blackouts: CompiledWindows;
  private readonly env: ExecutorEnv;
  private readonly inflight = new Map<number, InflightBatch>();
  private depth = 0;
  private flushing = false;
  private now = 0;
  private connected = false;
  private tradingReady = false;
  private readonly c: Omit<CoreCounters, BorrowedCounter> = {
    events: 0,
    unknownCoinEvents: 0,
    signals: 0,
    signalsSuppressed: 0,
    entriesSent: 0,
    exitsSent: 0,
    batchesSent: 0,
    sendFailures: 0,
    postErrors: 0,
    postUnknown: 0,
    postTimeouts: 0,
    unknownBatchResults: 0,
    flattenFailures: 0,
    flattenTimeouts: 0,
    exitNoPrice: 0,
    orderBuildErrors: 0,
    observerErrors: 0,
    hardStopPurged: 0,
    orphanCancels: 0,
  };

  constructor(opts: CoreEngineOptions) {
    this.config = opts.config ?? defaultCoreConfig;
    const problems = validateCoreConfig(this.config);
    if (problems.length > 0) throw new Error(`invalid core config: ${problems.join('; ')}`);
    this.clock = opts.clock;
    this.sink = opts.sink;
    this.observer = this.isolate(opts.observer ?? {});
    this.cloids = new CloidGenerator({ prefix: opts.cloidPrefix ?? '', start: opts.cloidStart });
    this.risk = new RiskMonitor(this.config);
    this.budget = new ActionBudget(this.config.actionBudgetOrders, this.config.actionBudgetWindowMs);
    this.cooldown = new CorrelationCooldown(this.config.correlationCooldownCloses, this.config.correlationCooldownWindowMs, this.config.correlationCooldownMs);
    this.blackouts = compileBlackouts(this.config.blackoutWindowsUtc);
    this.tracker = new OrderTracker({
      onOrder: (e) => this.observer.onOrder?.(e),
      onTerminal: (o, from) => this.onOrderTerminal(o, from),
      onFill: (f, o) => {
        this.observer.onFill?.(f);
        this.onFillApplied(f.px, f.side, o);
      },
      onRoundTrip: (rt) => {
        this.cooldown.onClose(this.now);
        this.observer.onRoundTrip?.(rt);
        const why = this.risk.onRoundTrip(rt.pnlUsd);
        if (why !== null) this.latchHardStop(why);
      },
      onPositionOpened: (b) => {
        const m = this.mk.get(b.coin);
        if (m !== undefined && b.entryOraclePx === 0) b.entryOraclePx = m.state.oraclePx; // L3: baseline on every path
      },
    });
    for (const spec of opts.markets) {
      if (this.mk.has(spec.coin)) throw new Error(`duplicate market ${spec.coin}`);
      if (!Number.isInteger(spec.szDecimals) || spec.szDecimals < 0) throw new Error(`market ${spec.coin}: szDecimals missing or invalid`);
      if (!Number.isInteger(spec.assetId) || spec.assetId < 0) throw new Error(`market ${spec.coin}: assetId missing or invalid`);
      const tuning = resolveMarketTuning(this.config, spec.coin);
      const state = new MarketState(spec.coin, tuning.spreadHalfLifeMs, tuning.basisHalfLifeMs);
      state.halted = spec.halted === true;
      const book = this.tracker.addMarket(spec.coin, spec.assetId, spec.szDecimals);
      this.states.set(spec.coin, state);
      this.mk.set(spec.coin, {
        spec,
        state,
        tuning,
        book,
        threshold: thresholdBps(tuning),
        exit: null,
        view: { size: 0, avgEntryPx: 0, openedAtMs: 0, entryOraclePx: 0 },
        lastRecSeq: -1,
        lastRecSide: null,
        lastRecReason: '',
        suppressed: 0,
      });
    }
    const self = this;
    this.env = {
      config: this.config,
      get hardStopLatched() {
        return self.hardStop.latched;
      },
      get ready() {
        return self.connected && self.tradingReady;
      },
      tracker: this.tracker,
      markets: this.states,
      budget: this.budget,
      cooldown: this.cooldown,
      flattening: (coin) => {
        const m = self.mk.get(coin);
        return m !== undefined && (m.exit !== null || m.book.flattenClaim !== null);
      },
    };
  }

  // ───────────────────────────── event plumbing ─────────────────────────────

  /** Observer failures (a journal write that throws) must never break the core's state transitions.
   * Methods are looked up at call time, so an observer may attach handlers later. */
  private isolate(o: CoreObserver): CoreObserver {
    const call = <K extends keyof CoreObserver>(k: K, x: Parameters<NonNullable<CoreObserver[K]>>[0]): void => {
      const fn = o[k] as ((this: CoreObserver, v: typeof x) => void) | undefined;
      if (fn === undefined) return;
      try {
        fn.call(o, x);
      } catch {
        this.c.observerErrors++;
      }
    };
    return {
      onSignal: (x) => call('onSignal', x),
      onOrder: (x) => call('onOrder', x),
      onFill: (x) => call('onFill', x),
      onRoundTrip: (x) => call('onRoundTrip', x),
      onHardStop: (x) => call('onHardStop', x),
      onExitTriggered: (x) => call('onExitTriggered', x),
    };
  }

  private begin(): number {
    this.depth++;
    this.c.events++;
    const t = this.clock();
    if (t > this.now) this.now = t;
    return this.now;
  }

  private end(): void {
    this.depth--;
    if (this.depth > 0) return;
    // A flush can latch the stop (a failed send counted as a rejection, a flatten failure): then the sweep
    // must run again at once (cancel-all, flatten-all), not at the next event. Bounded: a latch happens once.
    for (let round = 0; round < 3; round++) {
      const triggers = this.hardStop.triggers;
      if (this.hardStop.latched) this.hardStopSweep();
      if (this.outbound.empty) return;
      this.flush();
      if (this.hardStop.triggers === triggers && this.outbound.empty) return;
    }
  }

  /** Emits everything queued during the event. The hard-stop guard sits directly before sink.send. */
  private flush(): void {
    if (this.flushing) return; // a sink that re-enters the engine: the outer loop picks the rest up
    this.flushing = true;
    try {
      for (;;) {
        const batch = this.outbound.take();
        if (batch === null) break;
        // The hard-stop guard, then the hand-off, with no observer code in between: markSent is silent
        // and the `sent` transitions are reported after the sink has the batch. So a purged order is never
        // journaled as sent, and nothing can latch the stop between the guard and the hand-off.
        if (this.hardStop.latched) this.guardBatch(batch);
        if (batch.orders.length === 0 && batch.cancels.length === 0 && batch.cancelsByCloid.length === 0) continue;
        const cloids: Cloid[] = [];
        for (const o of batch.orders) {
          this.tracker.markSent(o.cloid, batch.id, this.now);
          cloids.push(o.cloid);
          if (o.purpose === 'entry') this.c.entriesSent++;
          else this.c.exitsSent++;
        }
        if (cloids.length > 0) this.inflight.set(batch.id, { cloids, sentAtMs: this.now });
        this.c.batchesSent++;
        let failure: { e: unknown } | null = null;
        try {
          this.sink.send(batch);
        } catch (e) {
          failure = { e };
        }
        this.tracker.announceSent();
        if (failure !== null) this.onSendFailure(batch, failure.e);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Hard-stop guard: new orders never reach the signer once the latch is set; they are cleaned up. */
  private guardBatch(batch: OutboundBatch): void {
    let keep = 0;
    for (const o of batch.orders) {
      if (o.reduceOnly) {
        batch.orders[keep++] = o;
        continue;
      }
      this.purge(o.cloid);
    }
    batch.orders.length = keep;
  }

  /** A new order stopped before the hand-off by the hard stop: counted and cancelled locally. */
  private purge(cloid: Cloid): void {
    this.c.hardStopPurged++;
    const t = this.tracker.orders.get(cloid);
    if (t !== undefined) this.tracker.transition(t, 'cancelled', 'hardStopPurge', this.now);
  }

  private onSendFailure(batch: OutboundBatch, e: unknown): void {
    this.c.sendFailures++;
    this.inflight.delete(batch.id);
    const msg = e instanceof Error ? e.message : String(e);
    for (const o of batch.orders) {
      const t = this.tracker.orders.get(o.cloid);
      if (t !== undefined) this.tracker.transition(t, 'rejected', `sendFailed: ${msg}`, this.now);
    }
    if (batch.orders.length > 0) this.countRejection(`sendFailed: ${msg}`);
  }

  private countRejection(what: string): void {
    const why = this.risk.onRejection(what, this.now);
    if (why !== null) this.latchHardStop(why);
  }

  // ───────────────────────────── market data ─────────────────────────────

  /** Best bid/ask (px 0 / sz 0 for a missing side). Hot path: no allocation unless a signal or exit fires. */
  onBbo(coin: string, bidPx: number, bidSz: number, askPx: number, askSz: number, venueTimeMs: number): void {
    const m = this.mk.get(coin);
    if (m === undefined) {
      this.c.unknownCoinEvents++;
      return;
    }
    const now = this.begin();
    try {
      m.state.onBbo(bidPx, bidSz, askPx, askSz, venueTimeMs, now);
      this.afterMarketEvent(m, now);
    } finally {
      this.end();
    }
  }

  /** activeAssetCtx: oracle, mark, open interest. */
  onAssetCtx(coin: string, oraclePx: number, markPx: number, openInterest: number, venueTimeMs: number): void {
    const m = this.mk.get(coin);
    if (m === undefined) {
      this.c.unknownCoinEvents++;
      return;
    }
    const now = this.begin();
    try {
      m.state.onCtx(oraclePx, markPx, openInterest, venueTimeMs, now);
      this.afterMarketEvent(m, now);
    } finally {
      this.end();
    }
  }

  /** A market is evaluated only on its own events (incident: the original scanned 42 markets per message). */
  private afterMarketEvent(m: Mk, now: number): void {
    if (hasExposure(m)) this.watchExit(m, now);
    if (!m.state.hasBbo || !m.state.hasCtx) return;
    const buy = modeEdgeBps(m.state, 'buy', m.tuning);
    if (buy >= m.threshold) this.evaluateCandidate(m, 'buy', buy, now);
    const sell = modeEdgeBps(m.state, 'sell', m.tuning);
    if (sell >= m.threshold) this.evaluateCandidate(m, 'sell', sell, now);
  }

  // ───────────────────────────── entries ─────────────────────────────

  private evaluateCandidate(m: Mk, side: Side, edge: number, now: number): void {
    const s = m.state;
    const t = m.tuning;
    const gates: GateVerdict[] = [];
    const isBuy = side === 'buy';
    let reason = detectorGates(s, side, t, now, gates);
    const mg = marketGates(s, m.spec, side, t, this.blackouts, now, gates);
    reason ??= mg.first;
    let size: string | undefined;
    let limitPx: string | undefined;
    let sizeNum = 0;
    const touch = isBuy ? s.askPx : s.bidPx;
    const bound = entryBoundPx(isBuy, touch, fairPx(s, t), t);
    let cloid: Cloid | undefined;
    try {
      if (reason === null) {
        const px = takerLimitPx(isBuy, touch, bound, m.spec.szDecimals);
        gates.push({ gate: 'LimitPrice', pass: px !== null, value: touch, limit: bound });
        if (px === null) reason = 'LimitPrice';
        else {
          limitPx = px;
          const sz = sizeEntry(touch, isBuy ? s.askSz : s.bidSz, s.markPx, Number(px), m.spec.szDecimals, t, mg.sizeMultiplier);
          gates.push({ gate: 'Sizing', pass: sz.ok, value: sz.liquidityFactor, limit: mg.sizeMultiplier });
          if (!sz.ok) reason = sz.reason;
          else {
            size = sz.size;
            sizeNum = sz.sizeNum;
          }
        }
      }
      if (reason === null) reason = checkEntryGates(this.env, s.coin, t, sizeNum, now, gates);
      if (reason === null && size !== undefined && limitPx !== undefined) {
        cloid = this.placeEntry(m, isBuy, limitPx, size, touch, bound, edge, now);
      }
    } catch (e) {
      // a number the formatter refuses (FormatError/ActionError): no order, never a crash of the event loop
      this.c.orderBuildErrors++;
      gates.push({ gate: 'OrderBuild', pass: false });
      reason = `OrderBuild: ${e instanceof Error ? e.message : String(e)}`;
    }
    const decision = cloid !== undefined ? 'order' : 'skip';
    const why = reason ?? 'ok';
    // One record per (oracle move, side, outcome); identical repeats are counted (incident #4: no floods).
    if (decision === 'skip' && m.lastRecSeq === s.oracleSeq && m.lastRecSide === side && m.lastRecReason === why) {
      m.suppressed++;
      this.c.signalsSuppressed++;
      return;
    }
    m.lastRecSeq = s.oracleSeq;
    m.lastRecSide = side;
    m.lastRecReason = why;
    this.c.signals++;
    const spread = s.spreadBps();
    const rec: SignalRecord = {
      timeMs: now,
      coin: s.coin,
      side,
      oracleSeq: s.oracleSeq,
      inputs: {
        bidPx: s.bidPx,
        bidSz: s.bidSz,
        askPx: s.askPx,
        askSz: s.askSz,
        oraclePx: s.oraclePx,
        markPx: s.markPx,
        oracleAgeMs: s.oracleAgeMs(now),
        oracleMoveBps: s.lastOracleMoveBps,
        bboAgeMs: now - s.bboLocalMs,
        ctxAgeMs: now - s.ctxLocalMs,
        spreadBps: spread,
        spreadEwmaBps: s.spreadEwma.value,
        basisEwmaBps: s.basisEwma.value,
      },
      rawEdgeBps: rawEdgeBps(side, s.oraclePx, s.bidPx, s.askPx),
      edgeBps: edge,
      thresholdBps: m.threshold,
      netEdgeBps: edge - m.threshold,
      edgeMode: t.edgeMode,
      gates,
      decision,
      reason: why,
      suppressedBefore: m.suppressed,
    };
    if (size !== undefined) rec.size = size;
    if (limitPx !== undefined) rec.limitPx = limitPx;
    if (cloid !== undefined) rec.cloid = cloid;
    m.suppressed = 0;
    this.observer.onSignal?.(rec);
  }

  private placeEntry(m: Mk, isBuy: boolean, px: string, sz: string, touch: number, bound: number, edge: number, now: number): Cloid {
    const cloid = this.cloids.next();
    const wire = orderWire({ asset: m.spec.assetId, isBuy, px, sz, reduceOnly: false, tif: 'Ioc', cloid });
    // check (the gates above) and mark happen in this same synchronous turn
    this.track(m, cloid, isBuy, px, sz, 'entry', 'signal', edge, touch, bound, 0, now);
    this.budget.spend(now);
    this.outbound.order({ wire, cloid, coin: m.spec.coin, reduceOnly: false, purpose: 'entry' });
    return cloid;
  }

  /**
   * Starts tracking an order about to be sent (exits are reduce-only), with the decision's context: touch,
   * allowance bound and the oracle at decision time. Positional so the frame → order turn allocates only
   * the order itself.
   */
  private track(
    m: Mk,
    cloid: Cloid,
    isBuy: boolean,
    px: string,
    sz: string,
    purpose: OrderPurpose,
    reason: string,
    signalEdgeBps: number | null,
    touchPx: number,
    boundPx: number,
    attempt: number,
    now: number,
  ): void {
    const o: TrackedOrder = {
      cloid,
      coin: m.spec.coin,
      assetId: m.spec.assetId,
      isBuy,
      px: Number(px),
      sz: Number(sz),
      reduceOnly: purpose === 'exit',
      purpose,
      state: 'created',
      oid: null,
      createdAtMs: now,
      sentAtMs: 0,
      batchId: 0,
      lastQueryMs: 0,
      reportedFilledSz: 0,
      reportedAvgPx: 0,
      fillsSz: 0,
      fillsNotional: 0,
      reason,
      signalEdgeBps,
      touchPx,
      boundPx,
      oraclePx: m.state.oraclePx,
      attempt,
      detail: '',
    };
    this.tracker.create(o, now);
  }

  // ───────────────────────────── exits ─────────────────────────────

  /** The exit watcher: runs on every event of a market with a position, and from onTimer as the backup. */
  private watchExit(m: Mk, now: number): void {
    const pos = this.tracker.positionOf(m.book);
    if (pos === 0) {
      this.endExit(m);
      return;
    }
    if (m.exit === null) {
      let reason: ExitReason | null;
      if (this.hardStop.latched) reason = this.flattenReason;
      else {
        const v = m.view;
        v.size = pos;
        v.avgEntryPx = m.book.avgEntryPx;
        v.openedAtMs = m.book.openedAtMs;
        v.entryOraclePx = m.book.entryOraclePx;
        reason = exitReason(v, m.state, m.tuning, now);
      }
      if (reason === null) return;
      this.startExit(m, reason, now);
    }
    this.tryFlatten(m, pos, now);
  }

  /** Opens the market's exit intent, sticky until flat: a failed flatten is retried even if the trigger goes away. */
  private startExit(m: Mk, reason: ExitReason, now: number): void {
    m.exit = { reason, sinceMs: now, attempts: 0, lastAttemptMs: Number.NEGATIVE_INFINITY };
    this.observer.onExitTriggered?.({ timeMs: now, coin: m.spec.coin, reason, attempt: 0 });
  }

  /** The market is flat: its exit intent, if any, is over. */
  private endExit(m: Mk): void {
    if (m.exit === null) return;
    m.exit = null;
    this.risk.onFlat(m.spec.coin);
  }

  /** Sends one reduce-only IOC unless a flatten is already in flight (the single claim) or backing off. */
  private tryFlatten(m: Mk, pos: number, now: number): void {
    const intent = m.exit;
    if (intent === null || m.book.flattenClaim !== null || !this.connected) return;
    if (now - intent.lastAttemptMs < this.config.flattenRetryBackoffMs) return;
    const s = m.state;
    const isBuy = pos < 0;
    const book = isBuy ? s.askPx : s.bidPx;
    const touch = book > 0 ? book : s.markPx;
    if (!(touch > 0)) {
      this.c.exitNoPrice++;
      return;
    }
    const slip = exitSlippageBps(m.tuning, intent.attempts) / 1e4;
    const bound = isBuy ? touch * (1 + slip) : touch * (1 - slip);
    const cloid = this.cloids.next();
    let px: string;
    let sz: string;
    let wire: OrderWire;
    try {
      px = takerLimitPx(isBuy, touch, bound, m.spec.szDecimals) ?? formatPrice(touch, m.spec.szDecimals, 'perp', aggressiveRounding(isBuy));
      sz = formatSize(Math.abs(pos), m.spec.szDecimals);
      wire = orderWire({ asset: m.spec.assetId, isBuy, px, sz, reduceOnly: true, tif: 'Ioc', cloid });
    } catch {
      // cannot express this exit on the wire (e.g. dust below one lot): counted; the next event retries
      this.c.orderBuildErrors++;
      intent.lastAttemptMs = now;
      return;
    }
    this.track(m, cloid, isBuy, px, sz, 'exit', intent.reason, null, touch, bound, intent.attempts, now);
    if (intent.attempts > 0) this.observer.onExitTriggered?.({ timeMs: now, coin: m.spec.coin, reason: intent.reason, attempt: intent.attempts });
    intent.attempts++;
    intent.lastAttemptMs = now;
    this.outbound.order({ wire, cloid, coin: m.spec.coin, reduceOnly: true, purpose: 'exit' });
  }

  /** Every terminal outcome lands here (the tracker already released the mark/claim). */
  private onOrderTerminal(o: TrackedOrder, _from: OrderState): void {
    if (o.state === 'rejected' && !o.detail.startsWith('sendFailed') && !o.detail.startsWith('postError')) this.countRejection(o.detail);
    if (o.purpose !== 'exit') return;
    const m = this.mk.get(o.coin);
    if (m === undefined) return;
    if (this.tracker.positionOf(m.book) === 0) {
      this.risk.onFlat(o.coin);
      return;
    }
    // rejected, cancelled, IOC unfilled or partially filled: a failed flatten, retried by the watcher
    this.c.flattenFailures++;
    const why = this.risk.onFlattenFailure(o.coin);
    if (why !== null) this.latchHardStop(why);
  }

  private onFillApplied(px: number, side: Side, o: TrackedOrder | null): void {
    if (o === null || !(o.boundPx > 0)) return;
    // extreme slippage: worse than the order's own allowance bound (impossible for an honest venue)
    const excess = side === 'buy' ? ((px - o.boundPx) / o.boundPx) * 1e4 : ((o.boundPx - px) / o.boundPx) * 1e4;
    const why = this.risk.onSlippage(excess);
    if (why !== null) this.latchHardStop(why);
  }

  // ───────────────────────────── hard stop ─────────────────────────────

  private latchHardStop(reason: string): void {
    if (!this.hardStop.trigger(reason, this.now)) return;
    this.observer.onHardStop?.({ timeMs: this.now, kind: 'triggered', reason });
    // 1. purge queued new orders (with cleanup)
    for (const o of this.outbound.purgeNew()) this.purge(o.cloid);
    // 2. cancel every live non-reduce-only order the venue may hold
    for (const o of this.tracker.liveOrders()) {
      if (o.reduceOnly) continue;
      if (o.state === 'resting' && o.oid !== null) this.outbound.cancel({ a: o.assetId, o: o.oid });
      else if (o.state === 'resting' || o.state === 'unknown') this.outbound.cancelByCloid({ asset: o.assetId, cloid: o.cloid });
    }
    // 3. flatten every position (hardStopSweep runs at the end of this and every later event)
    for (const m of this.mk.values()) {
      if (m.exit !== null) m.exit.reason = this.flattenReason;
    }
  }

  /** While latched: flatten anything with a position, and report completion once all is flat. */
  private hardStopSweep(): void {
    const now = this.now;
    let allFlat = true;
    for (const m of this.mk.values()) {
      if (!hasExposure(m)) continue;
      const pos = this.tracker.positionOf(m.book);
      if (pos !== 0) {
        allFlat = false;
        if (m.exit === null) this.startExit(m, this.flattenReason, now);
        this.tryFlatten(m, pos, now);
      } else {
        this.endExit(m);
        for (const c of m.book.active) {
          const o = this.tracker.orders.get(c);
          if (o !== undefined && !isTerminal(o.state)) allFlat = false;
        }
      }
    }
    if (allFlat && this.hardStop.completedAtMs === null) {
      this.hardStop.completedAtMs = now;
      this.observer.onHardStop?.({ timeMs: now, kind: 'completed', reason: this.hardStop.reason });
    } else if (!allFlat) {
      this.hardStop.completedAtMs = null;
    }
  }

  /** Operator: latch the hard stop now. */
  triggerHardStop(reason: string): void {
    this.begin();
    try {
      this.latchHardStop(`operator: ${reason}`);
    } finally {
      this.end();
    }
  }

  /**
   * The orderly shutdown: the hard stop's sequence (purge, cancel, flatten everything) under exit reason
   * 'shutdown', so reports do not count a requested stop as a risk event. A hard stop already latched keeps
   * its own reason.
   */
  flattenForShutdown(): void {
    this.begin();
    try {
      if (!this.hardStop.latched) this.flattenReason = 'shutdown';
      this.latchHardStop('operator: shutdown');
    } finally {
      this.end();
    }
  }

  /** Operator: leave the stopped state (the only way out). Risk counters restart from zero. */
  resetHardStop(): void {
    const now = this.begin();
    try {
      if (!this.hardStop.latched) return;
      this.flattenReason = 'hardStop';
      const reason = this.hardStop.reason;
      this.hardStop.reset();
      this.risk.reset();
      this.observer.onHardStop?.({ timeMs: now, kind: 'reset', reason });
    } finally {
      this.end();
    }
  }

  // ───────────────────────────── execution reports ─────────────────────────────

  /** Outcome of a batch handed to the sink; statuses map to batch.orders by index. */
  onPostResult(batchId: number, result: PostResult): void {
    const now = this.begin();
    try {
      const b = this.inflight.get(batchId);
      if (b === undefined) {
        this.c.unknownBatchResults++;
        return;
      }
      this.inflight.delete(batchId);
      if (result.kind === 'ok') {
        for (let i = 0; i < b.cloids.length; i++) {
          const o = this.tracker.find(b.cloids[i]);
          if (o === undefined) continue;
          const st: OrderResponseStatus | undefined = result.statuses[i];
          if (st === undefined) this.toUnknown(o, 'missingStatus', now);
          else this.tracker.applyPostStatus(o, st, now);
        }
      } else if (result.kind === 'error') {
        this.c.postErrors++;
        for (const c of b.cloids) {
          const o = this.tracker.find(c);
          if (o !== undefined) this.tracker.transition(o, 'rejected', `postError: ${result.message}`, now);
        }
        this.countRejection(`postError: ${result.message}`);
      } else {
        this.c.postUnknown++;
        for (const c of b.cloids) {
          const o = this.tracker.find(c);
          if (o !== undefined) this.toUnknown(o, 'postUnknown', now);
        }
      }
    } finally {
      this.end();
    }
  }

  private toUnknown(o: TrackedOrder, detail: string, now: number): void {
    if (o.state !== 'sent' && o.state !== 'created') return;
    this.tracker.transition(o, 'unknown', detail, now);
    this.queryStatus(o, now);
  }

  private queryStatus(o: TrackedOrder, now: number): void {
    o.lastQueryMs = now;
    try {
      this.sink.requestOrderStatus?.(o.cloid, o.coin);
    } catch {
      this.c.observerErrors++; // re-asked on the next timer
    }
  }

  onOrderUpdates(updates: readonly WsOrderUpdate[]): void {
    const now = this.begin();
    try {
      for (const u of updates) this.tracker.applyOrderUpdate(u, now);
    } finally {
      this.end();
    }
  }

  onUserFills(fills: readonly UserFill[], isSnapshot: boolean): void {
    const now = this.begin();
    try {
      this.tracker.applyFills(fills, isSnapshot, now);
    } finally {
      this.end();
    }
  }

  /** Answer to requestOrderStatus: a venue status string, or 'unknownOid' when the venue never saw it. */
  onOrderStatus(cloid: string, status: string, filledSz?: number): void {
    const now = this.begin();
    try {
      const o = this.tracker.find(cloid);
      if (o === undefined || isTerminal(o.state)) return;
      this.tracker.applyOrderStatus(o, status, filledSz, now);
    } finally {
      this.end();
    }
  }

  // ───────────────────────────── connection, readiness, markets ─────────────────────────────

  onConnection(connected: boolean): void {
    const now = this.begin();
    try {
      this.connected = connected;
      this.risk.onConnection(connected, now);
      if (!connected) {
        this.tradingReady = false;
        // responses to anything in flight will never arrive on that socket
        for (const o of this.tracker.liveOrders()) if (o.state === 'sent') this.toUnknown(o, 'disconnected', now);
        this.inflight.clear();
      }
    } finally {
      this.end();
    }
  }

  /** READY-TRADING from the venue layer: subscriptions acked and reconciliation done after (re)connect. */
  onTradingReady(ready: boolean): void {
    this.begin();
    try {
      this.tradingReady = ready;
    } finally {
      this.end();
    }
  }

  onMarketHealth(coin: string, healthy: boolean): void {
    const m = this.mk.get(coin);
    if (m !== undefined) m.state.healthy = healthy;
  }

  setTradingHalted(coin: string, halted: boolean): void {
    const m = this.mk.get(coin);
    if (m !== undefined) m.state.halted = halted;
  }

  /** The market's parameters changed (szDecimals, fees, caps…): entries blocked until accepted. */
  setParamChanged(coin: string): void {
    const m = this.mk.get(coin);
    if (m !== undefined) m.state.paramChanged = true;
  }

  acceptParamChange(coin: string): void {
    const m = this.mk.get(coin);
    if (m !== undefined) m.state.paramChanged = false;
  }

  onReconcile(snapshot: ReconcileSnapshot): void {
    const now = this.begin();
    try {
      const r = this.tracker.applyReconcile(snapshot, now, this.config.reconcileEmptyConfirmations, this.config.postTimeoutMs);
      if (this.config.cancelOrphanOrders) {
        for (const o of r.orphanOrders) {
          const m = this.mk.get(o.coin);
          if (m === undefined) continue;
          this.c.orphanCancels++;
          this.outbound.cancel({ a: m.spec.assetId, o: o.oid });
        }
      }
    } finally {
      this.end();
    }
  }

  /** Backup timer (call every ≤ exitPollIntervalMs): post timeouts, unknown re-queries, exit polling and
   * flatten retries, time-based risk triggers. Nothing on the entry path depends on it. */
  onTimer(): void {
    const now = this.begin();
    try {
      for (const o of this.tracker.liveOrders()) {
        if (o.state === 'sent' && now - o.sentAtMs >= this.config.postTimeoutMs) {
          this.c.postTimeouts++;
          this.toUnknown(o, 'postTimeout', now);
        } else if (o.state === 'unknown' && now - o.lastQueryMs >= this.config.unknownRequeryMs) {
          this.queryStatus(o, now);
        }
      }
      for (const [id, b] of this.inflight) if (now - b.sentAtMs > 2 * this.config.postTimeoutMs) this.inflight.delete(id);
      let anyPosition = false;
      for (const m of this.mk.values()) {
        const claim = m.book.flattenClaim;
        if (claim !== null && this.connected) {
          const o = this.tracker.orders.get(claim);
          if (o !== undefined && o.state === 'unknown' && now - o.sentAtMs >= this.config.flattenTimeoutMs) {
            // Give the unknown flatten up, but never leave it live beside its retry: cancel it by cloid (the
            // cancel leads the batch the retry goes out in), then close it here. That terminal transition is
            // its one failure (onOrderTerminal); a late answer finds it terminal and counts nothing. Fills it
            // may still get are applied by cloid as usual.
            this.outbound.cancelByCloid({ asset: o.assetId, cloid: o.cloid });
            this.c.flattenTimeouts++;
            this.tracker.transition(o, 'cancelled', 'flattenTimeout', now);
          }
        }
        if (hasExposure(m)) {
          this.watchExit(m, now);
          if (this.tracker.positionOf(m.book) !== 0) anyPosition = true;
        }
      }
      const why = this.risk.checkTime(now, anyPosition);
      if (why !== null) this.latchHardStop(why);
    } finally {
      this.end();
    }
  }

  // ───────────────────────────── queries ─────────────────────────────

  positions(): PositionSummary[] {
    const out: PositionSummary[] = [];
    for (const m of this.mk.values()) {
      const size = this.tracker.positionOf(m.book);
      if (size === 0) continue;
      const mark = m.state.markPx;
      out.push({
        coin: m.spec.coin,
        size,
        provisionalSize: size - m.book.fillSz,
        avgEntryPx: m.book.avgEntryPx,
        openedAtMs: m.book.openedAtMs,
        markPx: mark,
        unrealisedPnlUsd: mark > 0 && m.book.avgEntryPx > 0 ? (mark - m.book.avgEntryPx) * size : 0,
        flattenInFlight: m.book.flattenClaim !== null,
        exitReason: m.exit?.reason ?? null,
        exitAttempts: m.exit?.attempts ?? 0,
      });
    }
    return out;
  }

  openOrders(): OrderSummary[] {
    return this.tracker.liveOrders().map((o) => ({
      cloid: o.cloid,
      coin: o.coin,
      side: o.isBuy ? 'buy' : 'sell',
      px: o.px,
      sz: o.sz,
      filledSz: Math.max(o.reportedFilledSz, o.fillsSz),
      reduceOnly: o.reduceOnly,
      purpose: o.purpose,
      state: o.state,
      oid: o.oid,
      createdAtMs: o.createdAtMs,
      sentAtMs: o.sentAtMs,
      reason: o.reason,
    }));
  }

  hardStopState(): { latched: boolean; reason: string; sinceMs: number; completedAtMs: number | null } {
    const h = this.hardStop;
    return { latched: h.latched, reason: h.reason, sinceMs: h.sinceMs, completedAtMs: h.completedAtMs };
  }

  marketView(coin: string): MarketView | undefined {
    const m = this.mk.get(coin);
    if (m === undefined) return undefined;
    const s = m.state;
    const now = this.clock();
    return {
      coin,
      bidPx: s.bidPx,
      bidSz: s.bidSz,
      askPx: s.askPx,
      askSz: s.askSz,
      oraclePx: s.oraclePx,
      markPx: s.markPx,
      openInterest: s.openInterest,
      bboAgeMs: now - s.bboLocalMs,
      ctxAgeMs: now - s.ctxLocalMs,
      oracleAgeMs: s.oracleAgeMs(now),
      oracleMoveBps: s.lastOracleMoveBps,
      spreadBps: s.hasBbo ? s.spreadBps() : Number.NaN,
      spreadEwmaBps: s.spreadEwma.value,
      basisBps: s.hasBbo && s.hasCtx ? s.basisBps() : Number.NaN,
      basisEwmaBps: s.basisEwma.value,
      buyEdgeBps: modeEdgeBps(s, 'buy', m.tuning),
      sellEdgeBps: modeEdgeBps(s, 'sell', m.tuning),
      thresholdBps: m.threshold,
      healthy: s.healthy,
      halted: s.halted,
      paramChanged: s.paramChanged,
      position: this.tracker.positionOf(m.book),
      confirmedPosition: m.book.fillSz,
      pendingEntry: m.book.pendingEntry,
    };
  }

  get counters(): Readonly<CoreCounters> {
    const tc = this.tracker.counters;
    return {
      ...this.c,
      benignRejections: this.risk.benignRejections,
      nonBenignRejections: this.risk.nonBenignRejections,
      fillsApplied: tc.fillsApplied,
      fillsDuplicate: tc.fillsDuplicate,
      externalFills: tc.externalFills,
      reconcileAdjustments: tc.reconcileAdjustments,
      reconcileDeferred: tc.reconcileDeferred,
      reconcileEmptyIgnored: tc.reconcileEmptyIgnored,
      reconcileRefused: tc.reconcileRefused,
    };
  }

  /** Connection and readiness as the entry gate sees them. */
  readiness(): { connected: boolean; tradingReady: boolean } {
    return { connected: this.connected, tradingReady: this.tradingReady };
  }
}
