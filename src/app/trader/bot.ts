// The bot: one process's composition of venue connectivity, the trading core, the signer, the journal, the
// raw feed recorder, metrics and the dashboard feed.
//
// Hot path (design principle 1): socket frame → VenueClient fast parser (bbo / activeAssetCtx) → CoreEngine
// (state, exit check, detection, gates, order construction) → OrderSink (action, nonce, signature, WS post
// frame written) — one synchronous turn, no await anywhere. Everything the journal, metrics and dashboard
// want from that turn is queued and handled in a microtask, i.e. after the order frame has left.
// Off the hot path: reconciliation and info calls (promises from timers), follow-ups (the store's scheduler),
// the core's backup timer, metrics gauges, journal flushes.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/schema.ts';
import { defaultCoreConfig } from '../../core/config.ts';
import { CoreEngine } from '../../core/engine.ts';
import { ENTRY_GATE_ORDER } from '../../core/executor.ts';
import type {
  CoreObserver,
  HardStopEvent,
  OrderEvent,
  OutboundBatch,
  PostResult as CorePostResult,
  ReconcileSnapshot as CoreReconcileSnapshot,
  RoundTrip,
  SignalRecord,
} from '../../core/types.ts';
import { toCoreConfig } from '../config/core.ts';
import { configForRecord } from '../config/describe.ts';
import type { Cloid, ExchangeResponse, InfoRequest, L1Signer, OrderResponseStatus, UserFill } from '../../protocol/index.ts';
import { cancelAction, createL1Signer } from '../../protocol/index.ts';
import type { NonceSource } from '../../protocol/nonce.ts';
import { openNonceSource } from '../../store/nonce-file.ts';
import type { Journal } from '../../store/journal.ts';
import { FollowUpScheduler } from '../../store/follow-ups.ts';
import type { FeedRecorder } from '../../store/recorder.ts';
import { computeStats, evaluateVerdict } from '../../store/report.ts';
import type { RoundTripRow, SignalDecision } from '../../store/types.ts';
import { reportThresholdsOf } from '../commands/report.ts';
import type { DashboardEvent, DashboardSignal, DashboardSnapshot, DashboardSource } from '../../telemetry/dashboard/types.ts';
import { createTransitionLogger, type StatusSnapshot } from '../../telemetry/log.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import type { PostOutcome, PostResult as VenuePostResult } from '../../venue/posts.ts';
import type { ReconcileSnapshot as VenueReconcileSnapshot } from '../../venue/reconcile.ts';
import type { MarketSpec as VenueMarketSpec } from '../../venue/registry.ts';
import { systemClock } from '../../venue/clock.ts';
import { VenueClient } from '../../venue/venue-client.ts';
import { Activity, type RunSummary } from './activity.ts';
import { followUpRow } from './follow-ups.ts';
import { nowNs, SampleRing, TAG_ENTRY, TAG_EXIT, TAG_NONE } from './latency.ts';
import { SignalDeduper } from './duplicates.ts';
import { checkTradeAccount, type PreflightResult } from './preflight.ts';
import { observeOnlySink, type PostTag, signedRequestText, VenueOrderSink } from './order-sink.ts';

/** Our cloids start with these bytes ("H3"), so orders, fills and orphans are recognisable as ours. */
export const CLOID_PREFIX = '4833';

export interface NetworkTarget {
  wsUrl: string;
  httpUrl: string;
  isMainnet: boolean;
  /** "mainnet", "testnet" or the URL. */
  label: string;
  /** True against hlsim: results say nothing about the live market. */
  simulated: boolean;
}

export interface BotOptions {
  cfg: AppConfig;
  mode: 'observe' | 'trade';
  network: NetworkTarget;
  /** Resolved markets (registry): names, asset ids, szDecimals. */
  markets: readonly VenueMarketSpec[];
  /** Master account (trade mode; optional in observe mode). */
  masterAddress?: string;
  /** Agent private key (trade mode only). Never logged. */
  agentKey?: string;
  /** Directory of the nonce high-water file, one per agent key: `agent-<address>.nonce` (trade mode). */
  nonceDir?: string;
  journal: Journal | null;
  recorder: FeedRecorder | null;
  metrics: Metrics;
  logger: Logger;
  runId: string;
}

export interface StartupReconcileReport {
  openOrders: number;
  orphanOrders: { coin: string; oid: number; cloid: string | null }[];
  positions: { coin: string; szi: number }[];
}

export interface ShutdownResult {
  flat: boolean;
  /** Positions the VENUE still reports after the shutdown sequence. */
  venuePositions: { coin: string; szi: number }[];
  cancelled: number;
  timedOut: boolean;
}

/** Risk/entry gates (the core's executor order) plus its notional gates' missing-mark verdict: 'rejected'. */
const ENTRY_GATES = new Set<string>([...ENTRY_GATE_ORDER, 'MarketDataUnavailable']);
const BENIGN_REJECTION = /could not immediately match/i;
/** Exit reasons whose orders the journal calls flattens (everything closed at once, not a strategy exit). */
const FLATTEN_REASONS = new Set(['hardStop', 'shutdown']);

/** What the journal calls a core decision. In observe mode a would-be entry stopped only by readiness is "observed". */
export function signalDecision(mode: 'observe' | 'trade', r: SignalRecord): SignalDecision {
  if (r.decision === 'order') return 'entered';
  if (mode === 'observe' && r.reason === 'ReadyTrading') return 'observed';
  return ENTRY_GATES.has(r.reason) ? 'rejected' : 'skipped';
}

/** The venue's post outcome in the core's terms (statuses map to the batch's orders by index). */
export function corePostResult(outcome: PostOutcome): CorePostResult {
  switch (outcome.type) {
    case 'action': {
      const p = outcome.payload as ExchangeResponse | undefined;
      if (p?.status === 'ok') {
        const data = (p.response as { type?: string; data?: { statuses?: OrderResponseStatus[] } }).data;
        if (Array.isArray(data?.statuses)) return { kind: 'ok', statuses: data.statuses };
        return { kind: 'error', message: `unexpected response ${JSON.stringify(p.response).slice(0, 200)}` };
      }
      if (p?.status === 'err') return { kind: 'error', message: String(p.response) };
      return { kind: 'error', message: `unexpected payload ${JSON.stringify(p).slice(0, 200)}` };
    }
    case 'error':
      return { kind: 'error', message: outcome.message };
    case 'notSent':
      return { kind: 'error', message: `notSent: ${outcome.reason}` };
    case 'unknown':
      return { kind: 'unknown' };
    default:
      return { kind: 'error', message: `unexpected outcome ${JSON.stringify(outcome)}` };
  }
}

function finite(x: number, fallback = 0): number {
  return Number.isFinite(x) ? x : fallback;
}

// The exit-trigger latency ring carries the exit reason as its one-byte tag (label of the histogram).
const EXIT_REASON_TAGS = ['unknown', 'hardStop', 'timeStop', 'oracleReversal', 'quickProfit', 'edgeEvaporation', 'markRegression', 'shutdown'] as const;
export function exitReasonTag(reason: string | undefined): number {
  const i = (EXIT_REASON_TAGS as readonly string[]).indexOf(reason ?? 'unknown');
  return Math.max(i, 0);
}
export function exitReasonOfTag(tag: number): string {
  return EXIT_REASON_TAGS[tag] ?? 'unknown';
}

export class Bot {
  readonly mode: 'observe' | 'trade';
  readonly engine: CoreEngine;
  readonly venue: VenueClient;
  readonly activity: Activity;
  readonly latency = {
    frameToDecision: new SampleRing(),
    /** Frame received → order frame written, for orders decided on a market frame (the in-process budget). */
    frameToWire: new SampleRing(),
    decisionToWire: new SampleRing(),
    exitTriggerToFlatten: new SampleRing(),
    postRoundTrip: new SampleRing(),
  };
  readonly network: NetworkTarget;
  readonly markets: readonly VenueMarketSpec[];
  readonly masterAddress: string | null;
  readonly agentAddress: string | null;
  /** Resolves with the first complete reconciliation (trade mode). */
  readonly startupReconcile: Promise<StartupReconcileReport>;

  private readonly cfg: AppConfig;
  private readonly journal: Journal | null;
  private readonly recorder: FeedRecorder | null;
  private readonly metrics: Metrics;
  private readonly log: Logger;
  private readonly runId: string;
  private readonly signer: L1Signer | null = null;
  private readonly nonces: NonceSource | null = null;
  private readonly sink: VenueOrderSink | null = null;
  private readonly followUps: FollowUpScheduler;
  private readonly timers: NodeJS.Timeout[] = [];
  private dashboardPush: ((e: DashboardEvent) => void) | null = null;
  private readonly recentSignals: DashboardSignal[] = [];

  // hot-path probes
  private frameNs = 0;
  private inFrame = false;
  private frameRecorded = false;
  private decisionNs = 0;
  private readonly exitTriggerNs = new Map<string, number>();
  private readonly exitReasonByCoin = new Map<string, string>();
  /** Entry cloid → signal id, from the signal's record until the order's row is written (both after the turn, in that order). */
  private readonly cloidSignal = new Map<string, string>();
  private readonly frameCounts = { bbo: 0, activeAssetCtx: 0 };
  private lastFramesIn = 0;
  private lastBadFrames = 0;

  // deferred (post-turn) work
  private deferred: (() => void)[] = [];
  private deferredScheduled = false;
  private readonly runDeferred = () => this.drainDeferred();

  /** This run's round trips as journalled (the live Go/No-Go verdict reads them). */
  private readonly roundTripRows: RoundTripRow[] = [];
  private signalSeq = 0;
  private lastTradingReady = false;
  /** Readiness, market health, connection and hard-stop states logged once per change (incident #4: floods). */
  private readonly transitions: ReturnType<typeof createTransitionLogger>;
  private readonly deduper = new SignalDeduper();
  private entriesStopped = false;
  private sessions = 0;
  private resolveStartup!: (r: StartupReconcileReport) => void;
  private reconcileWaiters: (() => void)[] = [];
  private startupDone = false;
  private closed = false;

  constructor(opts: BotOptions) {
    this.mode = opts.mode;
    this.cfg = opts.cfg;
    this.network = opts.network;
    this.markets = opts.markets;
    this.journal = opts.journal;
    this.recorder = opts.recorder;
    this.metrics = opts.metrics;
    this.log = opts.logger;
    this.runId = opts.runId;
    this.activity = new Activity(Date.now());
    this.transitions = createTransitionLogger(opts.logger);
    this.masterAddress = opts.masterAddress ? opts.masterAddress.toLowerCase() : null;
    this.startupReconcile = new Promise((r) => {
      this.resolveStartup = r;
    });

    if (this.mode === 'trade') {
      if (!opts.agentKey) throw new Error('trade mode needs an agent key');
      if (!this.masterAddress) throw new Error('trade mode needs the master address');
      if (!opts.nonceDir) throw new Error('trade mode needs a directory for the nonce file');
      this.signer = createL1Signer(opts.agentKey, { isMainnet: opts.network.isMainnet });
      // Nonces are per signer and must never repeat across restarts: the high-water mark lives in the data dir.
      this.nonces = openNonceSource(join(opts.nonceDir, `agent-${this.signer.address}.nonce`));
    }
    this.agentAddress = this.signer?.address ?? null;

    const cfg = opts.cfg;
    const names = opts.markets.map((m) => m.name);
    this.venue = new VenueClient({
      wsUrl: opts.network.wsUrl,
      httpUrl: opts.network.httpUrl,
      user: this.masterAddress ?? undefined,
      markets: names,
      l2Book: cfg.markets.subscribe_l2_book,
      trades: cfg.markets.subscribe_trades,
      dexes: () => [...new Set(opts.markets.map((m) => m.dex))],
      logger: opts.logger,
      backoff: {
        initialMs: cfg.network.reconnect_base_delay_ms,
        maxMs: cfg.network.reconnect_max_delay_ms,
        maxAttempts: cfg.network.max_reconnect_attempts,
      },
      pingIntervalMs: cfg.network.ping_interval_ms,
      pongTimeoutMs: cfg.network.pong_timeout_ms,
      actionTimeoutMs: cfg.executor.post_timeout_ms,
      reconcile: {
        intervalMs: cfg.network.reconcile_interval_ms,
        cloidPrefix: `0x${CLOID_PREFIX}`,
        knownCloids: () => new Set(this.engine.openOrders().map((o) => o.cloid.toLowerCase())),
      },
    });

    if (this.signer !== null && this.nonces !== null) {
      this.sink = new VenueOrderSink(this.venue, this.signer, this.nonces, {
        onOrdersWritten: (batch) => this.onOrdersWritten(batch),
        onCancelNotSent: (batch, outcome) => this.defer(() => this.log.warn({ batch: batch.id, outcome }, 'cancel action not written')),
        requestOrderStatus: (cloid) => this.requestOrderStatus(cloid),
      });
    }

    this.engine = new CoreEngine({
      // The core's defaults under the mapped TOML values: a core field the configuration does not expose (yet)
      // keeps its documented default instead of arriving undefined.
      config: { ...defaultCoreConfig, ...toCoreConfig(cfg) },
      markets: opts.markets.map((m) => ({ coin: m.name, assetId: m.assetId, szDecimals: m.szDecimals, maxLeverage: m.maxLeverage, halted: m.isDelisted })),
      // The venue's clock (epoch ms, monotonic, sub-ms): reconciliation's requestedAt is read on it, and the
      // core compares it with its own event times.
      clock: () => systemClock.now(),
      sink: this.sink ?? observeOnlySink,
      observer: this.observer(),
      cloidPrefix: CLOID_PREFIX,
    });

    this.followUps = new FollowUpScheduler({
      offsetsMs: cfg.journal.follow_up_offsets_ms,
      capture: (signal, offsetMs, nowMs) => followUpRow(signal, offsetMs, nowMs, this.engine.marketView(signal.market)),
      record: (row) => this.journal?.recordFollowUp(row),
    });

    this.wireVenue();
  }

  // ───────────────────────────── wiring ─────────────────────────────

  private wireVenue(): void {
    const v = this.venue;
    const e = this.engine;
    // Raw frame tap: the local receive time of every frame (latency origin), taken before any parsing; the raw
    // feed recorder stores the frame with that time once its handlers are done, so its BigInt and buffer push
    // never sit between a frame and its order. `inFrame` marks orders written in the same turn as the frame.
    const rec = this.recorder;
    // Epoch ns of a receipt time on nowNs()'s clock (a double: no BigInt per frame before the handlers run).
    const epochOffsetNs = BigInt(Date.now()) * 1_000_000n - BigInt(Math.round(nowNs()));
    let rawText = '';
    v.onRawFrame(
      (text) => {
        this.frameNs = nowNs();
        this.inFrame = true;
        this.frameRecorded = false;
        rawText = text;
      },
      () => {
        this.inFrame = false;
        if (rec !== null) rec.record(rawText, epochOffsetNs + BigInt(Math.round(this.frameNs)));
      },
    );

    v.onBbo((f) => {
      this.frameCounts.bbo++;
      e.onBbo(f.coin, f.hasBid ? f.bidPx : 0, f.hasBid ? f.bidSz : 0, f.hasAsk ? f.askPx : 0, f.hasAsk ? f.askSz : 0, f.time);
      if (!this.frameRecorded) this.latency.frameToDecision.add(nowNs() - this.frameNs, TAG_NONE);
    });
    v.onAssetCtx((f, recvAt) => {
      this.frameCounts.activeAssetCtx++;
      // activeAssetCtx carries no venue time: the local receipt time stands in.
      e.onAssetCtx(f.coin, f.oraclePx, f.markPx, f.openInterest, recvAt);
      if (!this.frameRecorded) this.latency.frameToDecision.add(nowNs() - this.frameNs, TAG_NONE);
    });
    v.onOrderUpdates((u) => e.onOrderUpdates(u));
    v.onUserFills(({ isSnapshot, fills }) => {
      e.onUserFills(fills, isSnapshot);
      if (fills.length > 0) this.defer(() => this.recordFills(fills));
    });
    v.onPostResult((r) => this.onPostResult(r));
    v.onConnection((event, session, reason) => {
      if (event === 'open') {
        this.sessions++;
        if (this.sessions > 1) this.metrics.countReconnect();
      }
      e.onConnection(event === 'open');
      this.defer(() => {
        this.transitions.update('connection', event, event === 'open' ? 'info' : 'warn', { session, reason });
        this.journal?.recordReadiness({ tsMs: Date.now(), scope: 'connection', state: event, detail: reason ?? undefined });
      });
    });
    // Readiness: a disconnect drops trading readiness synchronously (the venue publishes before anything else).
    // A reconciliation's snapshot reaches onReconcile before readiness counts the account as reconciled, in the
    // same turn: no market frame can run between the two, so no entry is evaluated on an unreconciled state.
    v.onReadiness((s, cause, coin) => {
      if (coin !== undefined && (cause === 'marketReady' || cause === 'marketStale')) {
        const healthy = cause === 'marketReady';
        const state = healthy ? 'ready' : 'stale';
        e.onMarketHealth(coin, healthy);
        this.metrics.setReady(coin, healthy);
        this.journal?.recordReadiness({ tsMs: Date.now(), scope: coin, state });
        this.defer(() => this.transitions.update(`${coin}/health`, state, state === 'ready' ? 'info' : 'warn'));
      }
      const ready = this.mode === 'trade' && s.tradingReady && !this.entriesStopped;
      if (ready !== this.lastTradingReady) {
        this.lastTradingReady = ready;
        e.onTradingReady(ready);
        this.journal?.recordReadiness({ tsMs: Date.now(), scope: 'trading', state: ready ? 'ready' : 'not ready', detail: cause });
        this.defer(() => this.transitions.update('trading', ready ? 'READY' : 'not ready', 'info', { cause }));
      }
      this.metrics.setReady('trading', ready);
      this.metrics.setReady('market-data', s.readyMarkets > 0);
    });
    v.onReconcile((s) => this.onReconcile(s));
    v.onSubscriptionError((err) => this.defer(() => this.log.error({ sub: err.sub, reason: err.reason }, 'subscription failed')));
  }

  private observer(): CoreObserver {
    return {
      onSignal: (r) => {
        const t = nowNs();
        if (r.decision === 'order') {
          this.decisionNs = t;
          if (this.inFrame && !this.frameRecorded) {
            this.latency.frameToDecision.add(t - this.frameNs, TAG_ENTRY);
            this.frameRecorded = true;
          }
        }
        this.defer(() => this.recordSignal(r));
      },
      onOrder: (ev) => this.defer(() => this.recordOrderEvent(ev)),
      onRoundTrip: (rt) => this.defer(() => this.recordRoundTrip(rt)),
      onHardStop: (ev) => this.defer(() => this.recordHardStop(ev)),
      onExitTriggered: (ev) => {
        const t = nowNs();
        this.exitTriggerNs.set(ev.coin, t);
        this.exitReasonByCoin.set(ev.coin, ev.reason);
        if (this.inFrame && !this.frameRecorded) {
          this.latency.frameToDecision.add(t - this.frameNs, TAG_EXIT);
          this.frameRecorded = true;
        }
        this.defer(() => this.log.info({ coin: ev.coin, reason: ev.reason, attempt: ev.attempt }, 'exit triggered'));
      },
    };
  }

  /** Hot path, right after the order frame was written. */
  private onOrdersWritten(batch: OutboundBatch): void {
    const t = nowNs();
    // On the core's clock, so the journal's 'sent' row orders correctly with the core's later order events.
    const sentMs = systemClock.now();
    if (this.inFrame) this.latency.frameToWire.add(t - this.frameNs, batch.orders[0]?.purpose === 'entry' ? TAG_ENTRY : TAG_EXIT);
    for (const o of batch.orders) {
      if (o.purpose === 'entry') {
        this.activity.entriesSent++;
        this.latency.decisionToWire.add(t - this.decisionNs, TAG_ENTRY);
      } else {
        this.activity.exitsSent++;
        const trig = this.exitTriggerNs.get(o.coin);
        if (trig !== undefined) {
          this.latency.decisionToWire.add(t - trig, TAG_EXIT);
          this.latency.exitTriggerToFlatten.add(t - trig, exitReasonTag(this.exitReasonByCoin.get(o.coin)));
          this.exitTriggerNs.delete(o.coin);
        }
      }
    }
    this.defer(() => {
      const now = sentMs;
      for (const o of batch.orders) {
        const w = o.wire;
        this.journal?.recordOrder({
          cloid: o.cloid,
          market: o.coin,
          side: w.b ? 'buy' : 'sell',
          kind: o.purpose === 'entry' ? 'entry' : FLATTEN_REASONS.has(this.exitReasonByCoin.get(o.coin) ?? '') ? 'flatten' : 'exit',
          reduceOnly: o.reduceOnly,
          tif: 'limit' in w.t ? w.t.limit.tif : 'trigger',
          px: Number(w.p),
          sz: Number(w.s),
          createdMs: now,
          signalId: this.cloidSignal.get(o.cloid) || undefined,
          exitReason: o.purpose === 'exit' ? this.exitReasonByCoin.get(o.coin) : undefined,
        });
        this.journal?.recordOrderStatus({ cloid: o.cloid, tsMs: now, status: 'sent' });
        this.cloidSignal.delete(o.cloid); // its only use: the order row (the map stays small)
      }
    });
  }

  private onPostResult(r: VenuePostResult): void {
    if (r.kind !== 'action') return;
    if (r.sentAt > 0 && r.doneAt >= r.sentAt && r.outcome.type !== 'unknown') this.latency.postRoundTrip.add((r.doneAt - r.sentAt) * 1e6, TAG_NONE);
    const tag = r.tag as PostTag | undefined;
    if (tag === undefined) return;
    if (tag.kind === 'orders') {
      this.engine.onPostResult(tag.batchId, corePostResult(r.outcome));
      return;
    }
    const res = corePostResult(r.outcome);
    if (res.kind !== 'ok' && !(r.outcome.type === 'action' && (r.outcome.payload as ExchangeResponse)?.status === 'ok')) {
      this.defer(() => this.log.warn({ batch: tag.batchId, outcome: r.outcome }, 'cancel action outcome'));
    }
  }

  /**
   * The core asks what became of an order whose post outcome is unknown. orderStatus says filled or not but
   * carries no fill price, so the order's fills are fetched first and applied (like a snapshot: only to an order
   * we track) — otherwise the position and the round trip's PnL would rest on the limit price.
   */
  private requestOrderStatus(cloid: Cloid): void {
    const user = this.masterAddress;
    if (user === null) return;
    const info = this.venue.infoClient;
    (async () => {
      const r = await info.orderStatus(user, cloid);
      if (this.closed) return;
      if (r.status !== 'order') {
        this.engine.onOrderStatus(cloid, 'unknownOid');
        return;
      }
      const o = r.order.order;
      const filled = Number(o.origSz) - Number(o.sz);
      if (Number.isFinite(filled) && filled > 0) {
        const fills = await info.userFillsByTime(user, Math.max(0, o.timestamp - 5000));
        if (this.closed) return;
        const lc = cloid.toLowerCase();
        const mine = fills.filter((f) => f.oid === o.oid || f.cloid?.toLowerCase() === lc);
        if (mine.length > 0) {
          this.engine.onUserFills(mine, true);
          this.defer(() => this.recordFills(mine));
        }
      }
      this.engine.onOrderStatus(cloid, r.order.status, Number.isFinite(filled) && filled > 0 ? filled : undefined);
    })().catch((err: unknown) => this.log.warn({ cloid, err: String(err) }, 'orderStatus failed (re-asked by the core later)'));
  }

  private onReconcile(s: VenueReconcileSnapshot): void {
    const e = this.engine;
    // Fills found by reconciliation are applied like a snapshot: only to orders we track (a missed fill),
    // never rebuilding positions from history (incident #22); positions come from clearinghouseState below.
    if (s.newFills.length > 0) {
      e.onUserFills(s.newFills, true);
      this.defer(() => this.recordFills(s.newFills));
    }
    for (const r of s.resolved) {
      const filled = r.order ? Number(r.order.origSz) - Number(r.order.sz) : Number.NaN;
      e.onOrderStatus(r.cloid, r.status === 'notFound' ? 'unknownOid' : r.status, Number.isFinite(filled) && filled > 0 ? filled : undefined);
    }
    if (!s.complete) {
      this.defer(() => this.log.warn({ failures: s.failures }, 'reconciliation incomplete (state kept, retried)'));
      return;
    }
    const known = new Set(e.openOrders().map((o) => o.cloid.toLowerCase()));
    const ours = new Set(this.markets.map((m) => m.name));
    const positions: { coin: string; szi: number; entryPx?: number }[] = [];
    for (const a of s.accounts) {
      for (const ap of a.positions) {
        const szi = Number(ap.position.szi);
        if (szi !== 0 && Number.isFinite(szi)) positions.push({ coin: ap.position.coin, szi, entryPx: Number(ap.position.entryPx) || undefined });
      }
    }
    const snap: CoreReconcileSnapshot = {
      venueTimeMs: s.venueTime,
      // Read on the same clock as the core's, just before the run's first query (the core defers corrections
      // of markets that changed at or after it).
      requestedAtMs: s.requestedAt,
      positions,
      openOrders: s.openOrders.map((o) => ({ coin: o.coin, oid: o.oid, cloid: o.cloid })),
    };
    e.onReconcile(snap);
    const waiters = this.reconcileWaiters;
    this.reconcileWaiters = [];
    for (const w of waiters) w();
    if (!this.startupDone) {
      this.startupDone = true;
      const orphanOrders = s.openOrders
        .filter((o) => ours.has(o.coin) && !(o.cloid && known.has(o.cloid.toLowerCase())))
        .map((o) => ({ coin: o.coin, oid: o.oid, cloid: o.cloid }));
      const report: StartupReconcileReport = { openOrders: s.openOrders.length, orphanOrders, positions: positions.map((p) => ({ coin: p.coin, szi: p.szi })) };
      this.defer(() => {
        this.log.info(report, 'startup reconciliation');
        this.resolveStartup(report);
      });
    }
  }

  // ───────────────────────────── deferred recording ─────────────────────────────

  private defer(fn: () => void): void {
    this.deferred.push(fn);
    if (!this.deferredScheduled) {
      this.deferredScheduled = true;
      queueMicrotask(this.runDeferred);
    }
  }

  private drainDeferred(): void {
    this.deferredScheduled = false;
    const work = this.deferred;
    this.deferred = [];
    for (const fn of work) {
      try {
        fn();
      } catch (err) {
        this.log.error({ err: String(err) }, 'recording failed');
      }
    }
  }

  private recordSignal(r: SignalRecord): void {
    const id = `${this.runId}-${++this.signalSeq}`;
    // After the stop nothing can be entered: those signals are labelled 'shutdown' and kept out of the gate
    // counts (they would read as HardStop/readiness blocks of a run that had simply ended).
    const decision: SignalDecision = this.entriesStopped && r.decision !== 'order' ? 'shutdown' : signalDecision(this.mode, r);
    const duplicateOf = this.deduper.classify({ market: r.coin, side: r.side, oracleSeq: r.oracleSeq, id, entered: decision === 'entered', reason: r.reason });
    if (r.cloid !== undefined) this.cloidSignal.set(r.cloid, id);
    this.activity.onSignal(r, decision, duplicateOf !== undefined);
    this.journal?.recordSignal({
      signalId: id,
      tsMs: r.timeMs,
      market: r.coin,
      side: r.side,
      oraclePx: finite(r.inputs.oraclePx),
      bidPx: finite(r.inputs.bidPx),
      askPx: finite(r.inputs.askPx),
      edgeBps: finite(r.edgeBps),
      netEdgeBps: finite(r.netEdgeBps),
      decision,
      rejectReason: r.decision === 'order' ? undefined : r.reason,
      inputs: {
        ...r.inputs,
        rawEdgeBps: r.rawEdgeBps,
        thresholdBps: r.thresholdBps,
        edgeMode: r.edgeMode,
        oracleSeq: r.oracleSeq,
        suppressedBefore: r.suppressedBefore,
        size: r.size ?? null,
        limitPx: r.limitPx ?? null,
        cloid: r.cloid ?? null,
      },
      verdicts: r.gates.map((g) => ({ gate: g.gate, pass: g.pass, value: g.value, limit: g.limit })),
      duplicateOf,
    });
    this.metrics.countSignal(r.coin, r.side, decision);
    if (decision !== 'shutdown' && duplicateOf === undefined) {
      this.followUps.schedule({ signalId: id, tsMs: r.timeMs, market: r.coin, side: r.side });
      for (const g of r.gates) this.metrics.countGateVerdict(g.gate, g.pass);
      if (r.decision !== 'order') this.metrics.countRejection('gate', r.reason);
    }
    const ds: DashboardSignal = {
      id,
      tsMs: r.timeMs,
      market: r.coin,
      side: r.side,
      edgeBps: r.edgeBps,
      netEdgeBps: r.netEdgeBps,
      decision,
      reason: r.decision === 'order' ? undefined : r.reason,
      verdicts: r.gates.map((g) => ({ gate: g.gate, pass: g.pass })),
    };
    this.recentSignals.push(ds);
    if (this.recentSignals.length > 100) this.recentSignals.shift();
    this.dashboardPush?.({ type: 'signal', data: ds });
  }

  private recordOrderEvent(ev: OrderEvent): void {
    if (ev.from === ev.to && ev.to === 'created') return; // the order row is written when it is sent
    this.journal?.recordOrderStatus({ cloid: ev.cloid, tsMs: ev.timeMs, status: ev.to, detail: ev.detail || undefined });
    if (ev.to === 'filled' || ev.to === 'rejected' || ev.to === 'cancelled') {
      this.metrics.countOrder(ev.purpose, ev.to);
      if (ev.to === 'rejected') this.metrics.countRejection('venue', ev.detail, BENIGN_REJECTION.test(ev.detail));
    }
    if (ev.to === 'rejected' && !BENIGN_REJECTION.test(ev.detail)) this.log.warn({ cloid: ev.cloid, coin: ev.coin, detail: ev.detail }, 'order rejected');
  }

  private recordFills(fills: readonly UserFill[]): void {
    for (const f of fills) {
      this.journal?.recordFill({
        tid: f.tid,
        cloid: f.cloid ?? undefined,
        oid: f.oid,
        market: f.coin,
        side: f.side === 'B' ? 'buy' : 'sell',
        px: finite(Number(f.px)),
        sz: finite(Number(f.sz)),
        fee: finite(Number(f.fee)),
        closedPnl: finite(Number(f.closedPnl)),
        tsMs: f.time,
        crossed: f.crossed,
      });
      this.metrics.countFill(f.coin, f.side === 'B' ? 'buy' : 'sell');
    }
  }

  private recordRoundTrip(rt: RoundTrip): void {
    this.activity.onRoundTrip(rt);
    this.deduper.positionClosed(rt.coin);
    const row: RoundTripRow = {
      id: `${this.runId}:${rt.coin}:${rt.entryTimeMs}`,
      market: rt.coin,
      side: rt.side,
      entryMs: rt.entryTimeMs,
      exitMs: rt.exitTimeMs,
      entryPx: finite(rt.entryPx),
      exitPx: finite(rt.exitPx),
      size: finite(rt.size),
      entryReason: rt.entryReason,
      exitReason: rt.exitReason,
      feesUsd: finite(rt.feesUsd),
      pnlUsd: finite(rt.pnlUsd),
      signalledEdgeBps: rt.signalledEdgeBps !== null && Number.isFinite(rt.signalledEdgeBps) ? rt.signalledEdgeBps : null,
      realisedEdgeBps: finite(rt.realisedEdgeBps),
      slippageBps: rt.entrySlippageBps !== null && Number.isFinite(rt.entrySlippageBps) ? rt.entrySlippageBps : null,
    };
    this.journal?.recordRoundTrip(row);
    this.roundTripRows.push(row);
    if (this.cfg.hard_stop.latch_on_no_go) this.checkLiveVerdict();
    this.metrics.countRoundTrip(rt.coin, rt.exitReason, rt.pnlUsd);
    this.dashboardPush?.({
      type: 'trade',
      data: {
        id: `${rt.coin}:${rt.entryTimeMs}`,
        market: rt.coin,
        side: rt.side,
        exitReason: rt.exitReason,
        pnlUsd: rt.pnlUsd,
        holdingMs: rt.exitTimeMs - rt.entryTimeMs,
        tsMs: rt.exitTimeMs,
      },
    });
  }

  /** hard_stop.latch_on_no_go: the report's verdict on this run's round trips, live; No-Go latches the hard stop. */
  private checkLiveVerdict(): void {
    if (this.engine.hardStopState().latched) return;
    const verdict = evaluateVerdict(computeStats(this.roundTripRows), reportThresholdsOf(this.cfg));
    if (verdict.status === 'no-go') this.engine.triggerHardStop(`live verdict ${verdict.summary}`);
  }

  private recordHardStop(ev: HardStopEvent): void {
    const event = ev.kind === 'triggered' ? 'latched' : ev.kind === 'completed' ? 'flattened' : 'cleared';
    this.journal?.recordHardStop({ tsMs: ev.timeMs, event, reason: ev.reason });
    this.metrics.setHardStop(this.engine.hardStopState().latched);
    this.transitions.update('hardStop', event, ev.kind === 'triggered' ? 'error' : 'warn', { reason: ev.reason });
    this.dashboardPush?.({ type: 'alert', data: { level: ev.kind === 'triggered' ? 'error' : 'warn', message: `hard stop ${ev.kind}: ${ev.reason}`, tsMs: ev.timeMs } });
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  start(): void {
    const cfg = this.cfg;
    this.metrics.setHardStop(false);
    this.metrics.setReady('trading', false);
    this.metrics.initRejectionReasons('gate', ENTRY_GATES);
    this.journal?.recordRun({
      runId: this.runId,
      startedMs: this.activity.startedMs,
      network: this.network.label,
      mode: this.mode,
      simulated: this.network.simulated,
      configJson: configForRecord(cfg),
    });
    // The core's backup timer: post timeouts, unknown re-queries, exit polling, time-based risk triggers.
    this.every(cfg.exits.poll_interval_ms, () => this.engine.onTimer());
    this.every(1000, () => this.publishMetrics());
    const sink = this.sink;
    if (sink !== null) this.every(20, () => sink.keepWarm());
    this.venue.start();
  }

  /**
   * Trade mode, before start(): the master has equity on the traded dexes and the agent may act for it
   * (see preflight.ts). Throws ConfigError otherwise; observe mode has nothing to check.
   */
  async preflight(): Promise<PreflightResult | null> {
    if (this.mode !== 'trade' || this.signer === null || this.nonces === null || this.masterAddress === null) return null;
    const info = this.venue.infoClient;
    return checkTradeAccount({
      httpUrl: this.network.httpUrl,
      master: this.masterAddress,
      signer: this.signer,
      nonces: this.nonces,
      markets: this.markets,
      clearinghouseState: (user, dex) => info.clearinghouseState(user, dex),
      info: (req) => info.request(req as InfoRequest),
    });
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(() => {
      try {
        fn();
      } catch (err) {
        this.log.error({ err: String(err) }, 'timer task failed');
      }
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  /** Gauges, counters batched from the hot path, latency samples into the histograms. */
  publishMetrics(): void {
    const m = this.metrics;
    const framesIn = this.venue.counters.framesIn;
    let other = framesIn - this.lastFramesIn;
    this.lastFramesIn = framesIn;
    for (const [channel, n] of Object.entries(this.frameCounts)) {
      m.countFrame(channel, n);
      other -= n;
      this.frameCounts[channel as keyof typeof this.frameCounts] = 0;
    }
    // user channels, post answers, acks, pongs
    m.countFrame('other', other);
    // Written every time (0 included), so the series exists before the first bad frame.
    const bad = this.venue.counters.badFrames;
    m.countFrameError('parse', bad - this.lastBadFrames);
    this.lastBadFrames = bad;
    this.latency.frameToDecision.drain((ns, tag) => m.observeFrameToDecision(ns, tag === TAG_ENTRY ? 'entry' : tag === TAG_EXIT ? 'exit' : 'none'));
    this.latency.decisionToWire.drain((ns, tag) => m.observeDecisionToWire(ns, tag === TAG_EXIT ? 'exit' : 'entry'));
    this.latency.exitTriggerToFlatten.drain((ns, tag) => m.observeExitTriggerToFlatten(ns, exitReasonOfTag(tag)));
    this.latency.postRoundTrip.drain((ns) => m.observePostRoundTrip(ns, 'action'));
    const positions = this.engine.positions();
    // Every traded market has a series (0 when flat), so the gauge is written from the first second.
    const notional = new Map<string, number>(this.markets.map((mk) => [mk.name, 0]));
    for (const p of positions) notional.set(p.coin, p.size * p.markPx);
    m.setPositions([...notional].map(([market, notionalUsd]) => ({ market, notionalUsd })));
    m.setPnl(this.activity.realisedPnlUsd, positions.reduce((a, p) => a + p.unrealisedPnlUsd, 0));
    m.setHardStop(this.engine.hardStopState().latched);
    m.setJournalQueue(this.journal?.stats.queued ?? 0);
  }

  attachDashboard(push: (e: DashboardEvent) => void): void {
    this.dashboardPush = push;
  }

  /** Stops new entries for good (shutdown); exits keep running. */
  stopEntries(): void {
    this.entriesStopped = true;
    if (this.lastTradingReady) {
      this.lastTradingReady = false;
      this.engine.onTradingReady(false);
    }
  }

  /**
   * The shutdown sequence: no new entries; flatten through the core (the hard-stop path: purge queued entries,
   * cancel our live orders, reduce-only IOC exits with widening allowance); cancel whatever the VENUE still
   * lists as open on our markets; wait for flat; check the venue's positions.
   */
  async shutdown(opts: { cancel: boolean; flatten: boolean; timeoutMs: number }): Promise<ShutdownResult> {
    this.stopEntries();
    if (this.mode !== 'trade' || this.masterAddress === null) return { flat: true, venuePositions: [], cancelled: 0, timedOut: false };
    const deadline = Date.now() + opts.timeoutMs;
    // The venue is the truth: reconcile once more so a position the core has not heard of yet is adopted
    // (and flattened) too; a failed or slow reconciliation does not hold the shutdown up for long.
    if (this.venue.connection.isOpen) {
      const reconciled = new Promise<void>((r) => this.reconcileWaiters.push(r));
      this.venue.reconcileNow();
      await Promise.race([reconciled, sleep(Math.min(3000, opts.timeoutMs / 3))]);
    }
    if (opts.flatten && this.engine.positions().length > 0) this.engine.flattenForShutdown();
    let cancelled = 0;
    if (opts.cancel) cancelled = await this.cancelVenueOpenOrders().catch((err: unknown) => {
      this.log.warn({ err: String(err) }, 'shutdown: listing open orders failed');
      return 0;
    });
    let timedOut = false;
    if (opts.flatten) {
      while (this.engine.positions().length > 0 || this.engine.openOrders().length > 0) {
        if (Date.now() >= deadline) {
          timedOut = true;
          break;
        }
        await sleep(50);
      }
    }
    let venuePositions: { coin: string; szi: number }[] = [];
    try {
      venuePositions = await this.venuePositions();
    } catch (err) {
      this.log.warn({ err: String(err) }, 'shutdown: final position check failed');
      venuePositions = this.engine.positions().map((p) => ({ coin: p.coin, szi: p.size }));
    }
    return { flat: venuePositions.length === 0, venuePositions, cancelled, timedOut };
  }

  /** Cancels every open order the venue lists for the master on our markets (by oid). */
  async cancelVenueOpenOrders(): Promise<number> {
    const user = this.masterAddress;
    if (user === null || this.signer === null || this.nonces === null) return 0;
    const byName = new Map(this.markets.map((m) => [m.name, m]));
    const dexes = [...new Set(this.markets.map((m) => m.dex))];
    const cancels: { a: number; o: number }[] = [];
    for (const dex of dexes) {
      const open = await this.venue.infoClient.frontendOpenOrders(user, dex);
      for (const o of open) {
        const spec = byName.get(o.coin);
        if (spec !== undefined) cancels.push({ a: spec.assetId, o: o.oid });
      }
    }
    if (cancels.length === 0) return 0;
    const text = signedRequestText(this.signer, this.nonces, cancelAction(cancels));
    const r = this.venue.sendAction(text, { requireReady: false });
    if (r.outcome !== 'sent') throw new Error(`cancel not written: ${r.outcome}`);
    return cancels.length;
  }

  /** Non-zero positions on our markets according to the venue (clearinghouseState per dex). */
  async venuePositions(): Promise<{ coin: string; szi: number }[]> {
    const user = this.masterAddress;
    if (user === null) return [];
    const ours = new Set(this.markets.map((m) => m.name));
    const out: { coin: string; szi: number }[] = [];
    for (const dex of new Set(this.markets.map((m) => m.dex))) {
      const ch = await this.venue.infoClient.clearinghouseState(user, dex);
      for (const ap of ch.assetPositions) {
        const szi = Number(ap.position.szi);
        if (szi !== 0 && ours.has(ap.position.coin)) out.push({ coin: ap.position.coin, szi });
      }
    }
    return out;
  }

  /** Stops timers and the connection; flushes and closes the journal, recorder and nonce file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.drainDeferred();
    this.followUps.run();
    this.followUps.close();
    this.publishMetrics();
    this.venue.stop();
    try {
      this.journal?.close();
    } catch (err) {
      this.log.error({ err: String(err) }, 'journal close failed');
    }
    await this.recorder?.close();
    await this.nonces?.close();
  }

  // ───────────────────────────── views ─────────────────────────────

  latencySamples(): Record<string, Float64Array> {
    return {
      frameToDecision: this.latency.frameToDecision.snapshot(),
      frameToWire: this.latency.frameToWire.snapshot(),
      decisionToWire: this.latency.decisionToWire.snapshot(),
      exitTriggerToFlatten: this.latency.exitTriggerToFlatten.snapshot(),
      postRoundTrip: this.latency.postRoundTrip.snapshot(),
    };
  }

  summary(): RunSummary {
    const hs = this.engine.hardStopState();
    return this.activity.summary(Date.now(), {
      openPositions: this.engine.positions().length,
      hardStop: { latched: hs.latched, reason: hs.reason },
      latency: this.latencySamples(),
    });
  }

  statusSnapshot(): StatusSnapshot {
    const rs = this.venue.readiness.state;
    const positions = this.engine.positions();
    const hs = this.engine.hardStopState();
    return {
      nowMs: Date.now(),
      marketsReady: rs.readyMarkets,
      marketsTotal: this.markets.length,
      tradingReady: this.lastTradingReady,
      mode: this.mode,
      signals: this.activity.signals,
      entries: this.activity.entriesSent,
      ordersSent: this.activity.entriesSent + this.activity.exitsSent,
      openOrders: this.engine.openOrders().length,
      positions: positions.map((p) => ({ market: p.coin, side: p.size > 0 ? 'long' : 'short', notionalUsd: p.size * p.markPx })),
      realisedPnlUsd: this.activity.realisedPnlUsd,
      unrealisedPnlUsd: positions.reduce((a, p) => a + p.unrealisedPnlUsd, 0),
      hardStop: { latched: hs.latched, reason: hs.latched ? hs.reason : undefined },
    };
  }

  dashboardSource(): DashboardSource {
    return {
      snapshot: () => this.dashboardSnapshot(),
      recentSignals: () => this.recentSignals.slice(),
      onHardStop: (reason: string) => {
        this.engine.triggerHardStop(`dashboard: ${reason}`);
      },
    };
  }

  dashboardSnapshot(): DashboardSnapshot {
    const now = systemClock.now(); // the core's clock: ages of its orders and positions
    const rs = this.venue.readiness;
    const hs = this.engine.hardStopState();
    const positions = this.engine.positions();
    const num = (x: number) => (Number.isFinite(x) && x !== 0 ? x : null);
    const markets = this.markets.map((spec) => {
      const v = this.engine.marketView(spec.name);
      const health = rs.health(spec.name);
      return {
        market: spec.name,
        oraclePx: v ? num(v.oraclePx) : null,
        markPx: v ? num(v.markPx) : null,
        bidPx: v ? num(v.bidPx) : null,
        askPx: v ? num(v.askPx) : null,
        basisBps: v && Number.isFinite(v.basisBps) ? v.basisBps : null,
        buyEdgeBps: v && Number.isFinite(v.buyEdgeBps) ? v.buyEdgeBps : null,
        sellEdgeBps: v && Number.isFinite(v.sellEdgeBps) ? v.sellEdgeBps : null,
        health: v?.halted ? 'halted' : v?.paramChanged ? 'paramChanged' : health === 'ready' ? 'ok' : health === 'stale' ? 'stale' : 'not ready',
        bboAgeMs: v && Number.isFinite(v.bboAgeMs) && v.bboAgeMs < now ? v.bboAgeMs : null,
        ctxAgeMs: v && Number.isFinite(v.ctxAgeMs) && v.ctxAgeMs < now ? v.ctxAgeMs : null,
      };
    });
    const metricsWithSummary = this.metrics as Metrics & { latencySummary?: () => DashboardSnapshot['latency'] };
    return {
      nowMs: now,
      mode: this.mode,
      network: this.network.label,
      markets,
      openOrders: this.engine.openOrders().map((o) => ({
        cloid: o.cloid,
        market: o.coin,
        side: o.side,
        purpose: o.purpose,
        px: o.px,
        sz: o.sz,
        status: o.state,
        ageMs: now - o.createdAtMs,
      })),
      positions: positions.map((p) => ({
        market: p.coin,
        side: p.size > 0 ? 'long' : 'short',
        size: Math.abs(p.size),
        entryPx: p.avgEntryPx,
        markPx: num(p.markPx),
        unrealisedPnlUsd: p.unrealisedPnlUsd,
        holdingMs: p.openedAtMs > 0 ? now - p.openedAtMs : 0,
        flattening: p.flattenInFlight || p.exitReason !== null,
      })),
      pnl: {
        realisedUsd: this.activity.realisedPnlUsd,
        unrealisedUsd: positions.reduce((a, p) => a + p.unrealisedPnlUsd, 0),
        feesUsd: this.activity.feesUsd,
        roundTrips: this.activity.roundTrips.length,
        wins: this.activity.wins,
      },
      pnlHistory: this.activity.pnlHistory.slice(),
      latency: typeof metricsWithSummary.latencySummary === 'function' ? metricsWithSummary.latencySummary() : [],
      gateCounters: { ...this.activity.gateCounters },
      readiness: {
        trading: this.lastTradingReady,
        marketsReady: rs.state.readyMarkets,
        marketsTotal: this.markets.length,
        detail: this.mode === 'observe' ? 'observe mode (no trading)' : rs.state.accountReady ? undefined : 'account not ready',
      },
      hardStop: { latched: hs.latched, reason: hs.latched ? hs.reason : undefined, sinceMs: hs.latched ? hs.sinceMs : undefined, flat: positions.length === 0 },
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
