// VenueClient: one WebSocket per (network, user) composed with subscriptions, readiness, the outbound queue,
// posts, the info client and reconciliation, behind a small event interface for the app. The core consumes
// these events synchronously; the app wires the two.
//
// Hot path: socket message → sniffChannel → parse…Into (reused frame objects, no allocation) → readiness slot
// update → handler, all in one turn. Nothing here awaits inside frame handling; reconciliation and info
// calls are promises started from timers or by the app.
import {
  type ActiveAssetCtxFrame,
  type BboFrame,
  newActiveAssetCtxFrame,
  newBboFrame,
  PARSE_OK,
  parseActiveAssetCtxInto,
  parseBboInto,
  parseL2BookResponse,
  parseWsMessage,
  partitionFills,
  partitionOrderUpdates,
  sniffChannel,
  type WsParseResult,
} from '../protocol/parse.ts';
import { exchangeActionWeight } from '../protocol/limits.ts';
import type {
  ExchangeRequest,
  ExchangeResponse,
  InfoRequest,
  L2Book,
  L2Level,
  UserFill,
  WsOrderUpdate,
  WsTrade,
  WsUserEvent,
  WsUserFills,
} from '../protocol/wire.ts';
import { systemClock, silentLogger, type TimerHandle, type VenueClock, type VenueLogger } from './clock.ts';
import { type CloseReason, type ConnectionOptions, VenueConnection } from './connection.ts';
import {
  type ExchangeTransport,
  httpExchangeTransport,
  httpInfoTransport,
  InfoClient,
  InfoError,
  type RestLimiterConfig,
  RestLimiter,
} from './info.ts';
import { OutboundQueue, type WireBudget, type WriteOutcome } from './outbound.ts';
import { type PostOutcome, type PostResult, PostTracker, postFrame } from './posts.ts';
import { type MarketSlot, Readiness, type ReadinessCause, type ReadinessConfig, type ReadinessState } from './readiness.ts';
import { type ReconcileSnapshot, Reconciler, type ReconcilerOptions } from './reconcile.ts';
import { desiredSubscriptions, type SubscriptionEntry, type SubscriptionError, SubscriptionManager } from './subscriptions.ts';

/** The connection's own options (clock, random, logger, backoff, ping and connect timing) plus the client's. */
export interface VenueClientOptions
  extends Pick<ConnectionOptions, 'clock' | 'random' | 'logger' | 'backoff' | 'pingIntervalMs' | 'pongTimeoutMs' | 'connectTimeoutMs'> {
  wsUrl: string;
  /** Base URL for POST /info over HTTP; without it info goes over WS post. */
  httpUrl?: string;
  /** MASTER account address: user subscriptions and account queries use it even when an agent signs. */
  user?: string;
  /** Full market names ('xyz:GOLD') to subscribe (bbo + activeAssetCtx each). */
  markets: readonly string[];
  l2Book?: boolean;
  trades?: boolean;
  /** Dexes reconciliation queries (default: the dexes of `markets`). */
  dexes?: () => readonly string[];
  readiness?: Partial<ReadinessConfig>;
  /**
   * The venue may send bbo only on change, so a quiet market could never become ready. A market whose bbo
   * subscription is acked but that has seen no bbo this long later (and has its ctx) is seeded once per
   * connection from an info `l2Book` (WS post, best levels) — off the hot path. ms, default 2000; 0 disables.
   */
  bboSeedMs?: number;
  ackTimeoutMs?: number;
  subscribeAttempts?: number;
  wireBudget?: Partial<WireBudget>;
  maxInFlight?: number;
  reservedInFlight?: number;
  /** Bound on info posts waiting for the wire. */
  maxQueuedInfo?: number;
  /** After this long without an answer an action post is UNKNOWN (ms). */
  actionTimeoutMs?: number;
  /**
   * A timed-out post keeps its in-flight slot (the venue still counts it) until answered, the socket closes,
   * or this long has passed (ms, default 60 s: an answer that late is presumed lost).
   */
  holdTimedOutMs?: number;
  infoTimeoutMs?: number;
  /** Info over WS post rather than HTTP (when both exist). */
  infoPreferWs?: boolean;
  restLimit?: Partial<RestLimiterConfig>;
  infoMaxRetries?: number;
  infoRetryBaseMs?: number;
  reconcile?: Partial<
    Pick<
      ReconcilerOptions,
      | 'intervalMs'
      | 'retryMs'
      | 'confirmDelayMs'
      | 'initialFillLookbackMs'
      | 'fillOverlapMs'
      | 'cloidPrefix'
      | 'knownCloids'
      | 'cancelOrphans'
      | 'notFoundAfter'
    >
  >;
}

export interface SendActionOptions {
  /** Default true: refused as `notReady` unless the account is trading ready. Cancels/exits pass false. */
  requireReady?: boolean;
  /** cloids of the orders in this action: an unknown outcome is resolved by orderStatus on them. */
  cloids?: readonly string[];
  /** Correlation value echoed in the PostResult. */
  tag?: unknown;
  /** Per-call result callback (in addition to onPostResult). */
  onResult?: (r: PostResult) => void;
}

export interface SendActionResult {
  outcome: WriteOutcome;
  /** Post id when written, else 0. */
  id: number;
}

export interface HttpActionStats {
  sent: number;
  refusedRateLimited: number;
  answered: number;
  /** No answer (timeout, connection reset after sending): outcome unknown, resolved by reconciliation. */
  unknown: number;
}

export interface VenueCounters {
  framesIn: number;
  badFrames: number;
  unknownChannels: number;
  errorFrames: number;
  handlerErrors: number;
  pongs: number;
  duplicateFills: number;
  /** Elements of a user-channel frame that failed validation and were dropped while the rest was kept. */
  badEntries: number;
  /** Markets whose first bbo of a connection came from an l2Book info request (no bbo frame in time). */
  bboSeeds: number;
  bboSeedFailures: number;
}

type Handler<A extends unknown[]> = ((...args: A) => void) | null;

/** Dexes of full market names: 'xyz:GOLD' → 'xyz', 'BTC' → ''. */
export function dexesOfMarkets(markets: readonly string[]): string[] {
  return [...new Set(markets.map((m) => (m.includes(':') ? m.slice(0, m.indexOf(':')) : '')))];
}

/** cloids of an order action's orders (so an unknown outcome can be resolved without the caller listing them). */
export function cloidsOf(signed: ExchangeRequest): string[] {
  const a = signed.action as { type: string; orders?: Array<{ c?: string }> };
  if (a.type !== 'order' || !Array.isArray(a.orders)) return [];
  const out: string[] = [];
  for (const o of a.orders) if (typeof o.c === 'string') out.push(o.c);
  return out;
}

function prefixed(prefix: string, o: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number') out[`${prefix}.${k}`] = v;
  return out;
}

/** Parsed JSON, or undefined when the text is not JSON. */
function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Rate limited, venue-side failure, or refused for too many posts in flight: worth asking again later. */
function isRetryableVenueError(message: string): boolean {
  return /^(429|5\d\d)\b/.test(message) || message.startsWith('too many pending post requests');
}

export class VenueClient {
  readonly connection: VenueConnection;
  readonly readiness: Readiness;
  readonly subscriptions: SubscriptionManager;
  readonly outbound: OutboundQueue;
  readonly posts: PostTracker;
  readonly infoClient: InfoClient;
  readonly reconciler: Reconciler | null;
  readonly counters: VenueCounters = {
    framesIn: 0,
    badFrames: 0,
    unknownChannels: 0,
    errorFrames: 0,
    handlerErrors: 0,
    pongs: 0,
    duplicateFills: 0,
    badEntries: 0,
    bboSeeds: 0,
    bboSeedFailures: 0,
  };
  readonly user: string | null;
  private readonly clock: VenueClock;
  private readonly log: VenueLogger;
  private readonly actionTimeoutMs: number;
  private readonly infoTimeoutMs: number;
  private readonly bboSeedMs: number;
  private readonly bboSeedTimers = new Map<string, TimerHandle>();
  private readonly httpExchange: ExchangeTransport | null;
  readonly httpActionStats: HttpActionStats = { sent: 0, refusedRateLimited: 0, answered: 0, unknown: 0 };
  private readonly bbo: BboFrame = newBboFrame();
  private readonly ctx: ActiveAssetCtxFrame = newActiveAssetCtxFrame();
  private reconcileStarted = false;
  private lastBadFrameLog = 0;

  private hRawBefore: Handler<[string]> = null;
  private hRawAfter: Handler<[]> = null;
  private hBbo: Handler<[BboFrame, number]> = null;
  private hCtx: Handler<[ActiveAssetCtxFrame, number]> = null;
  private hL2: Handler<[L2Book, number]> = null;
  private hTrades: Handler<[WsTrade[], number]> = null;
  private hOrderUpdates: Handler<[WsOrderUpdate[], number]> = null;
  private hUserFills: Handler<[{ isSnapshot: boolean; fills: UserFill[] }, number]> = null;
  private hUserEvents: Handler<[WsUserEvent, number]> = null;
  private hPostResult: Handler<[PostResult]> = null;
  private hReconcile: Handler<[ReconcileSnapshot]> = null;
  private hSubError: Handler<[SubscriptionError]> = null;
  private hConnection: Handler<['open' | 'close', number, CloseReason | null]> = null;

  constructor(opts: VenueClientOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? silentLogger;
    this.user = opts.user ? opts.user.toLowerCase() : null;
    this.actionTimeoutMs = opts.actionTimeoutMs ?? 5000;
    this.infoTimeoutMs = opts.infoTimeoutMs ?? 10_000;
    this.bboSeedMs = opts.bboSeedMs ?? 2000;
    this.httpExchange = opts.httpUrl ? httpExchangeTransport({ httpUrl: opts.httpUrl, timeoutMs: this.actionTimeoutMs }) : null;

    this.connection = new VenueConnection(
      {
        url: opts.wsUrl,
        clock: this.clock,
        random: opts.random,
        logger: this.log,
        backoff: opts.backoff,
        pingIntervalMs: opts.pingIntervalMs,
        pongTimeoutMs: opts.pongTimeoutMs,
        connectTimeoutMs: opts.connectTimeoutMs,
      },
      {
        onOpen: (s) => this.onOpen(s),
        onFrame: (t) => this.onFrame(t),
        onClose: (s, r, d) => this.onClose(s, r, d),
        sendPing: () => {
          this.outbound.enqueueControl({ text: '{"method":"ping"}', isPost: false });
        },
      },
    );
    this.posts = new PostTracker(this.clock, { holdTimedOutMs: opts.holdTimedOutMs });
    this.posts.onLate = (r) => this.onLatePost(r);
    this.posts.onSlotFreed = () => this.outbound.drain();
    this.outbound = new OutboundQueue({
      clock: this.clock,
      budget: opts.wireBudget,
      maxInFlight: opts.maxInFlight,
      reservedInFlight: opts.reservedInFlight,
      maxQueuedInfo: opts.maxQueuedInfo,
      write: (t) => this.connection.send(t),
      inFlight: () => this.posts.inFlight,
    });
    this.readiness = new Readiness(opts.markets, this.clock, opts.readiness);
    this.readiness.onHalfOpen = () => this.connection.forceReconnect('halfOpen', 'no market data from any market');
    this.subscriptions = new SubscriptionManager(
      desiredSubscriptions({ markets: opts.markets, l2Book: opts.l2Book, trades: opts.trades, user: this.user ?? undefined }),
      {
        clock: this.clock,
        send: (text, onWrite) => {
          this.outbound.enqueueControl({ text, isPost: false, onWrite });
        },
        ackTimeoutMs: opts.ackTimeoutMs,
        maxAttempts: opts.subscribeAttempts,
        onChange: (e) => this.onSubscriptionChange(e),
        onError: (e) => {
          this.log.error({ sub: e.sub, reason: e.reason, detail: e.detail }, 'venue subscription failed');
          this.hSubError?.(e);
        },
      },
    );

    const limiter = new RestLimiter(this.clock, opts.restLimit);
    this.infoClient = new InfoClient({
      http: opts.httpUrl ? httpInfoTransport({ httpUrl: opts.httpUrl, timeoutMs: this.infoTimeoutMs }) : undefined,
      ws: (req) => this.postInfo(req),
      preferWs: opts.infoPreferWs,
      limiter,
      clock: this.clock,
      random: opts.random,
      maxRetries: opts.infoMaxRetries,
      retryBaseMs: opts.infoRetryBaseMs,
    });

    const dexes = opts.dexes ?? (() => dexesOfMarkets(opts.markets));
    this.reconciler = this.user
      ? new Reconciler({ user: this.user, dexes, source: this.infoClient, clock: this.clock, logger: this.log, ...opts.reconcile })
      : null;
    if (this.reconciler) this.reconciler.onSnapshot = (s) => this.onReconcileSnapshot(s);
  }

  // ---------------------------------------------------------------- lifecycle

  start(): void {
    this.connection.start();
  }

  /** Closes for good. Reconciliation stops first so the final unknowns do not schedule new work. */
  stop(): void {
    this.clearBboSeeds();
    this.reconciler?.stop();
    this.readiness.stop();
    this.connection.stop();
    this.outbound.stop();
    this.posts.failAll();
    this.infoClient.limiter.stop();
  }

  // ---------------------------------------------------------------- event interface (one handler each)

  /** bbo fast path. The frame object is REUSED for the next frame: copy what you keep. */
  onBbo(fn: (f: BboFrame, recvAt: number) => void): void {
    this.hBbo = fn;
  }
  /** activeAssetCtx fast path. The frame object is REUSED: copy what you keep. */
  onAssetCtx(fn: (f: ActiveAssetCtxFrame, recvAt: number) => void): void {
    this.hCtx = fn;
  }
  onL2Book(fn: (b: L2Book, recvAt: number) => void): void {
    this.hL2 = fn;
  }
  onTrades(fn: (t: WsTrade[], recvAt: number) => void): void {
    this.hTrades = fn;
  }
  onOrderUpdates(fn: (u: WsOrderUpdate[], recvAt: number) => void): void {
    this.hOrderUpdates = fn;
  }
  /**
   * Fills, deduplicated by tid across the stream, resubscribe snapshots and reconciliation. `isSnapshot`
   * fills are history replayed on (re)subscribe (incident #22): positions come from reconciliation, use
   * these only for fill accounting.
   */
  onUserFills(fn: (u: { isSnapshot: boolean; fills: UserFill[] }, recvAt: number) => void): void {
    this.hUserFills = fn;
  }
  /**
   * A tap around every inbound frame: `before(text)` runs first, before any parsing (the latency origin),
   * `after()` once every handler of that frame has returned, even if one threw (where the app records the
   * raw feed, off the frame-to-order path).
   */
  onRawFrame(before: (text: string) => void, after?: () => void): void {
    this.hRawBefore = before;
    this.hRawAfter = after ?? null;
  }
  onUserEvents(fn: (e: WsUserEvent, recvAt: number) => void): void {
    this.hUserEvents = fn;
  }
  onReadiness(fn: (s: ReadinessState, cause: ReadinessCause, coin?: string) => void): () => void {
    return this.readiness.subscribe(fn);
  }
  onReconcile(fn: (s: ReconcileSnapshot) => void): void {
    this.hReconcile = fn;
  }
  onPostResult(fn: (r: PostResult) => void): void {
    this.hPostResult = fn;
  }
  onSubscriptionError(fn: (e: SubscriptionError) => void): void {
    this.hSubError = fn;
  }
  onConnection(fn: (event: 'open' | 'close', session: number, reason: CloseReason | null) => void): void {
    this.hConnection = fn;
  }

  // ---------------------------------------------------------------- outbound

  /**
   * Writes a signed action now or refuses it (never queued behind anything). The result arrives later through
   * `onPostResult` / `opts.onResult`: `action` (venue answer), `error`, or `unknown` (timeout/disconnect; the
   * cloids are then resolved by reconciliation and reported in a snapshot's `resolved`).
   */
  sendAction(signed: ExchangeRequest | string, opts: SendActionOptions = {}): SendActionResult {
    if (!this.connection.isOpen) {
      this.outbound.stats.refusedNotConnected++;
      return { outcome: 'notConnected', id: 0 };
    }
    if ((opts.requireReady ?? true) && !this.readiness.accountReady) return { outcome: 'notReady', id: 0 };
    const id = this.posts.allocateId();
    const text = postFrame(id, 'action', signed);
    const cloids = opts.cloids ?? (typeof signed === 'string' ? [] : cloidsOf(signed));
    const outcome = this.outbound.writeAction(text, () =>
      this.posts.track(id, 'action', this.actionTimeoutMs, { tag: opts.tag, cloids }, (r) => this.onActionResult(r, opts)),
    );
    return { outcome, id: outcome === 'sent' ? id : 0 };
  }

  /**
   * The same signed action over HTTP POST /exchange (e.g. when the socket is down for an exit). Charged to the
   * REST limiter at 1 + floor(batch/40) — the venue's per-IP REST weight covers /exchange — and refused as
   * `rateLimited` rather than queued when it does not fit. The result arrives like sendAction's: `action`,
   * `error` (non-200: the venue did not act), or `unknown` (no answer; cloids resolved by reconciliation).
   */
  sendActionHttp(signed: ExchangeRequest | string, opts: SendActionOptions = {}): SendActionResult {
    if (!this.httpExchange) return { outcome: 'notConnected', id: 0 };
    if ((opts.requireReady ?? true) && !this.readiness.accountReady) return { outcome: 'notReady', id: 0 };
    const body = typeof signed === 'string' ? signed : JSON.stringify(signed);
    const request: unknown = typeof signed === 'string' ? safeJson(signed) : signed;
    if (!this.infoClient.limiter.tryTake(exchangeActionWeight(request))) {
      this.httpActionStats.refusedRateLimited++;
      return { outcome: 'rateLimited', id: 0 };
    }
    const id = this.posts.allocateId();
    const cloids = opts.cloids ?? (typeof signed === 'string' ? [] : cloidsOf(signed));
    const sentAt = this.clock.now();
    this.httpActionStats.sent++;
    const done = (outcome: PostOutcome) =>
      this.onActionResult({ id, kind: 'action', outcome, tag: { tag: opts.tag, cloids }, sentAt, doneAt: this.clock.now(), late: false }, opts);
    this.httpExchange(body).then(
      ({ status, text }) => {
        this.httpActionStats.answered++;
        if (status !== 200) {
          done({ type: 'error', message: text ? `${status}: ${text}` : String(status) });
          return;
        }
        const payload = safeJson(text);
        done(payload === undefined ? { type: 'error', message: `200 with a body that is not JSON: ${text.slice(0, 200)}` } : { type: 'action', payload });
      },
      (err: unknown) => {
        // Refused before anything was sent: the venue cannot have acted. Otherwise it may have: unknown.
        if ((err as { cause?: { code?: unknown } }).cause?.code === 'ECONNREFUSED') {
          done({ type: 'notSent', reason: String(err) });
          return;
        }
        this.httpActionStats.unknown++;
        done({ type: 'unknown', reason: 'timeout' });
      },
    );
    return { outcome: 'sent', id };
  }

  /** Info request (HTTP by default, WS post when configured or without HTTP); never call it from a frame handler and await. */
  info<T = unknown>(req: InfoRequest, via?: 'http' | 'ws'): Promise<T> {
    return this.infoClient.request<T>(req, via);
  }

  /** Every counter of the venue layer in one object (for telemetry). */
  stats(): Record<string, number> {
    return {
      ...prefixed('conn', this.connection.stats),
      ...prefixed('frames', this.counters),
      ...prefixed('out', this.outbound.stats),
      ...prefixed('posts', this.posts.stats),
      ...prefixed('info', this.infoClient.stats),
      ...prefixed('httpActions', this.httpActionStats),
      restWindowWeight: this.infoClient.limiter.windowWeight,
      postsInFlight: this.posts.inFlight,
      postsHeldTimedOut: this.posts.heldTimedOut,
      queuedInfo: this.outbound.queuedInfo,
      queuedControl: this.outbound.queuedControl,
      unknownOrders: this.reconciler?.unknownCloids.length ?? 0,
    };
  }

  /** Runs a reconciliation now (off the hot path); the snapshot arrives through onReconcile. */
  reconcileNow(): void {
    this.reconciler?.request('manual', 0);
  }

  // ---------------------------------------------------------------- internals

  private onOpen(session: number): void {
    this.outbound.setConnected(true);
    this.readiness.onConnect(session);
    this.reconcileStarted = false;
    this.subscriptions.onConnect();
    this.hConnection?.('open', session, null);
  }

  /** Synchronous: readiness first, then the queue, posts (→ unknown), subscriptions. */
  private onClose(session: number, reason: CloseReason, _detail: string): void {
    this.readiness.onDisconnect();
    this.clearBboSeeds();
    this.outbound.setConnected(false);
    this.posts.failAll();
    this.subscriptions.onDisconnect();
    this.reconciler?.onDisconnect();
    this.reconcileStarted = false;
    this.hConnection?.('close', session, reason);
  }

  private onFrame(text: string): void {
    this.counters.framesIn++;
    this.hRawBefore?.(text);
    try {
      const channel = sniffChannel(text);
      if ((channel === 'bbo' || channel === 'activeAssetCtx') && this.onMarketData(channel, text)) return;
      this.onGeneralFrame(text);
    } catch (err) {
      this.counters.handlerErrors++;
      this.log.error({ err: String(err), frame: text.slice(0, 200) }, 'venue frame handler threw');
    } finally {
      this.hRawAfter?.();
    }
  }

  /** bbo / activeAssetCtx through the fast parsers (scanner, then their own JSON path); false if they reject it. */
  private onMarketData(channel: 'bbo' | 'activeAssetCtx', text: string): boolean {
    if (channel === 'bbo') {
      if (parseBboInto(text, this.bbo) !== PARSE_OK) return false;
      const now = this.clock.now();
      const slot = this.readiness.slot(this.bbo.coin);
      if (slot) this.noteBbo(slot, now);
      this.hBbo?.(this.bbo, now);
      return true;
    }
    if (parseActiveAssetCtxInto(text, this.ctx) !== PARSE_OK) return false;
    const now = this.clock.now();
    const slot = this.readiness.slot(this.ctx.coin);
    if (slot) this.noteCtx(slot, now);
    this.hCtx?.(this.ctx, now);
    return true;
  }

  private noteBbo(slot: MarketSlot, now: number): void {
    if (slot.lastBboAt === 0) this.subscriptions.noteData('bbo', slot.coin);
    this.readiness.onBbo(slot, now);
  }

  private noteCtx(slot: MarketSlot, now: number): void {
    if (slot.lastCtxAt === 0) this.subscriptions.noteData('activeAssetCtx', slot.coin);
    this.readiness.onCtx(slot, now);
  }

  private onGeneralFrame(text: string): void {
    const r = parseWsMessage(text);
    const now = this.clock.now();
    if (r.kind === 'greeting') return;
    if (r.kind === 'error') {
      if (!this.salvageUserFrame(r, now)) this.badFrame(text, r.error.message);
      return;
    }
    if (r.kind === 'unknown') {
      this.counters.unknownChannels++;
      this.log.debug({ channel: r.channel }, 'venue frame on an unknown channel');
      return;
    }
    const m = r.message;
    switch (m.channel) {
      case 'bbo':
      case 'activeAssetCtx':
        // Reached only when sniffChannel could not name the channel (keys not in the venue's order): the
        // fast parsers' JSON path fills the frame objects, one way for both routes.
        if (!this.onMarketData(m.channel, text)) this.badFrame(text, `${m.channel} rejected by its fast parser`);
        return;
      case 'l2Book': {
        const slot = this.readiness.slot(m.data.coin);
        if (slot) this.subscriptions.noteData('l2Book', m.data.coin);
        this.hL2?.(m.data, now);
        return;
      }
      case 'trades': {
        if (m.data.length > 0) this.subscriptions.noteData('trades', m.data[0].coin);
        this.hTrades?.(m.data, now);
        return;
      }
      case 'orderUpdates': {
        if (this.user) this.subscriptions.noteData('orderUpdates', this.user);
        this.hOrderUpdates?.(m.data, now);
        return;
      }
      case 'userFills':
        this.onUserFillsFrame(m.data, now);
        return;
      case 'user': {
        if (this.user) this.subscriptions.noteData('userEvents', this.user);
        const ev = m.data;
        if ('fills' in ev) {
          const fresh = this.freshFills(ev.fills);
          if (fresh.length > 0) this.hUserEvents?.({ fills: fresh }, now);
          return;
        }
        this.hUserEvents?.(ev, now);
        return;
      }
      case 'post':
        this.posts.onResponse(m.data);
        this.outbound.drain();
        return;
      case 'subscriptionResponse':
        this.subscriptions.onAck(m.data);
        return;
      case 'pong':
        this.counters.pongs++;
        return;
      case 'error':
        this.counters.errorFrames++;
        if (this.subscriptions.onErrorFrame(m.data)) return;
        if (this.posts.onErrorFrame(m.data)) {
          this.outbound.drain();
          return;
        }
        this.log.warn({ message: m.data }, 'venue error frame');
        return;
      default:
        this.counters.unknownChannels++;
        return;
    }
  }

  private onUserFillsFrame(data: WsUserFills, now: number): void {
    if (this.user && data.user.toLowerCase() !== this.user) return;
    if (this.user) this.subscriptions.noteData('userFills', this.user);
    const isSnapshot = data.isSnapshot === true;
    const fresh = this.freshFills(data.fills);
    if (fresh.length > 0 || isSnapshot) this.hUserFills?.({ isSnapshot, fills: fresh }, now);
    if (isSnapshot) {
      this.readiness.setFillsSnapshot();
      this.maybeStartReconcile();
    }
  }

  /**
   * A user-channel frame that failed strict validation because of SOME of its elements: the valid ones are
   * delivered, the bad ones counted, and a userFills snapshot still counts as received — one odd fill must not
   * block trading readiness (what a dropped element held is recovered by reconciliation, asked for here).
   * Returns false when nothing could be salvaged (the caller counts a bad frame).
   */
  private salvageUserFrame(r: Extract<WsParseResult, { kind: 'error' }>, now: number): boolean {
    const data = r.data;
    if (typeof data !== 'object' || data === null) return false;
    let bad = 0;
    if (r.channel === 'userFills') {
      const d = data as { user?: unknown; isSnapshot?: unknown; fills?: unknown };
      if (typeof d.user !== 'string' || !Array.isArray(d.fills)) return false;
      const p = partitionFills(d.fills);
      bad = p.invalid.length;
      this.onUserFillsFrame({ user: d.user, isSnapshot: d.isSnapshot === true, fills: p.valid }, now);
    } else if (r.channel === 'orderUpdates') {
      if (!Array.isArray(data)) return false;
      const p = partitionOrderUpdates(data);
      bad = p.invalid.length;
      if (this.user) this.subscriptions.noteData('orderUpdates', this.user);
      if (p.valid.length > 0) this.hOrderUpdates?.(p.valid, now);
    } else if (r.channel === 'user') {
      const d = data as { fills?: unknown };
      if (!Array.isArray(d.fills)) return false;
      const p = partitionFills(d.fills);
      bad = p.invalid.length;
      if (this.user) this.subscriptions.noteData('userEvents', this.user);
      const fresh = this.freshFills(p.valid);
      if (fresh.length > 0) this.hUserEvents?.({ fills: fresh }, now);
    } else return false;
    if (bad > 0) {
      this.counters.badEntries += bad;
      this.badEntryLog(r.channel, bad, r.error.message);
      // The state a dropped element carried (a fill, an order's status) comes back from the venue's own view.
      this.reconciler?.request('manual', 0);
    }
    return true;
  }

  private badEntryLog(channel: string, count: number, why: string): void {
    const now = this.clock.now();
    if (now - this.lastBadFrameLog >= 1000) {
      this.lastBadFrameLog = now;
      this.log.warn({ channel, count, why, total: this.counters.badEntries }, 'venue frame elements not understood (dropped, rest kept)');
    }
  }

  /** tid dedupe shared with reconciliation (the snapshot repeats after every resubscribe). */
  private freshFills(fills: UserFill[]): UserFill[] {
    if (!this.reconciler) return fills;
    const out: UserFill[] = [];
    for (const f of fills) {
      if (this.reconciler.noteFill(f)) out.push(f);
      else this.counters.duplicateFills++;
    }
    return out;
  }

  private badFrame(text: string, why: string): void {
    this.counters.badFrames++;
    const now = this.clock.now();
    // One log line per second at most: a flood of bad frames must not flood the log (#4).
    if (now - this.lastBadFrameLog >= 1000) {
      this.lastBadFrameLog = now;
      this.log.warn({ why, frame: text.slice(0, 200), total: this.counters.badFrames }, 'venue frame not understood (ignored)');
    }
  }

  private onSubscriptionChange(e: SubscriptionEntry): void {
    if (e.sub.type === 'bbo' && e.state === 'acked') this.armBboSeed(e.sub.coin, this.readiness.currentSession);
    this.readiness.setUserAcked(this.subscriptions.userAcked());
    this.maybeStartReconcile();
  }

  // ---------------------------------------------------------------- bbo seed (quiet markets)

  private armBboSeed(coin: string, session: number): void {
    if (this.bboSeedMs <= 0 || this.bboSeedTimers.has(coin) || !this.readiness.slot(coin)) return;
    this.bboSeedTimers.set(
      coin,
      this.clock.setTimeout(() => {
        this.bboSeedTimers.delete(coin);
        this.checkBboSeed(coin, session);
      }, this.bboSeedMs),
    );
  }

  private clearBboSeeds(): void {
    for (const t of this.bboSeedTimers.values()) this.clock.clearTimeout(t);
    this.bboSeedTimers.clear();
  }

  /** Timer: still no bbo on this connection → ask for the book (once ctx is in; until then, look again later). */
  private checkBboSeed(coin: string, session: number): void {
    const slot = this.readiness.slot(coin);
    if (!slot || !this.connection.isOpen || this.readiness.currentSession !== session || slot.lastBboAt > 0) return;
    if (slot.lastCtxAt === 0) {
      this.armBboSeed(coin, session);
      return;
    }
    this.infoClient.request<unknown>({ type: 'l2Book', coin }, 'ws').then(
      (book) => this.applyBboSeed(slot, session, book),
      (err) => {
        this.counters.bboSeedFailures++;
        this.log.warn({ coin, err: String(err) }, 'bbo seed from l2Book failed (will retry)');
        this.armBboSeed(coin, session);
      },
    );
  }

  private applyBboSeed(slot: MarketSlot, session: number, answer: unknown): void {
    // A bbo frame that arrived meanwhile, or a new connection, makes the seed moot.
    if (!this.connection.isOpen || this.readiness.currentSession !== session || slot.lastBboAt > 0) return;
    const book = parseL2BookResponse(answer);
    if (book === null || book instanceof Error || book.coin !== slot.coin) {
      this.counters.bboSeedFailures++;
      this.log.warn({ coin: slot.coin, why: book instanceof Error ? book.message : 'no book' }, 'bbo seed: unusable l2Book answer');
      this.armBboSeed(slot.coin, session);
      return;
    }
    const now = this.clock.now();
    this.counters.bboSeeds++;
    this.fillBbo(slot.coin, book.time, book.levels[0][0] ?? null, book.levels[1][0] ?? null);
    this.readiness.onBbo(slot, now);
    this.hBbo?.(this.bbo, now);
  }

  private fillBbo(coin: string, time: number, bid: L2Level | null, ask: L2Level | null): void {
    const b = this.bbo;
    b.coin = coin;
    b.time = time;
    b.hasBid = bid !== null;
    b.bidPx = bid ? Number(bid.px) : Number.NaN;
    b.bidSz = bid ? Number(bid.sz) : Number.NaN;
    b.bidN = bid ? bid.n : 0;
    b.bidPxRaw = bid ? bid.px : '';
    b.bidSzRaw = bid ? bid.sz : '';
    b.hasAsk = ask !== null;
    b.askPx = ask ? Number(ask.px) : Number.NaN;
    b.askSz = ask ? Number(ask.sz) : Number.NaN;
    b.askN = ask ? ask.n : 0;
    b.askPxRaw = ask ? ask.px : '';
    b.askSzRaw = ask ? ask.sz : '';
  }

  /** Reconcile once the user channels are live (acked + snapshot), so nothing falls between the two. */
  private maybeStartReconcile(): void {
    if (this.reconcileStarted || !this.reconciler || !this.connection.isOpen) return;
    const st = this.readiness.state;
    if (!st.userSubscriptionsAcked || !st.fillsSnapshot) return;
    this.reconcileStarted = true;
    this.reconciler.onConnect(this.readiness.currentSession);
  }

  private onReconcileSnapshot(s: ReconcileSnapshot): void {
    // The consumer holds the snapshot BEFORE readiness announces trading ready on the strength of it.
    this.hReconcile?.(s);
    if (s.complete) this.readiness.setReconciled(s.session);
  }

  private onActionResult(r: PostResult, opts: SendActionOptions): void {
    const t = r.tag as { tag: unknown; cloids: readonly string[] };
    if (r.outcome.type === 'unknown' && t.cloids.length > 0) this.reconciler?.trackUnknown(t.cloids);
    const out: PostResult = { ...r, tag: t.tag };
    opts.onResult?.(out);
    this.hPostResult?.(out);
  }

  private onLatePost(r: PostResult): void {
    if (r.kind !== 'action') return;
    const t = r.tag as { tag: unknown; cloids: readonly string[] };
    if (r.outcome.type === 'action') for (const c of t.cloids) this.reconciler?.forgetUnknown(c);
    this.hPostResult?.({ ...r, tag: t.tag });
  }

  /** Info over WS post: queued behind control traffic, never ahead of actions. */
  private postInfo(req: InfoRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.posts.allocateId();
      const outcome = this.outbound.enqueueInfo({
        text: postFrame(id, 'info', req),
        isPost: true,
        onWrite: () =>
          this.posts.track(id, 'info', this.infoTimeoutMs, null, (r) => {
            const o: PostOutcome = r.outcome;
            if (o.type === 'info') resolve(o.data);
            else if (o.type === 'error') reject(new InfoError(`info ${req.type}: ${o.message}`, 0, isRetryableVenueError(o.message)));
            else reject(new InfoError(`info ${req.type}: ${o.type}`, 0, true));
          }),
        onDrop: (why) => reject(new InfoError(`info ${req.type}: not sent (${why})`, 0, why === 'disconnected')),
      });
      if (outcome !== 'queued' && outcome !== 'sent') reject(new InfoError(`info ${req.type}: ${outcome}`, 0, true));
    });
  }
}

export type { ExchangeResponse };
