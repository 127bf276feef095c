// Readiness, defined once (design principle 6). Reference failures: READY could never be reached after the
// subscribe drain swallowed frames (#5) and on an idle account (#6); per-market freshness existed but was
// never wired (§2.3); ready flags survived a disconnect. Here:
// - market-data ready(coin): bbo AND activeAssetCtx received since the last connect, and both fresh;
// - account ready: user subscriptions acked, userFills snapshot received, reconciliation complete — all on
//   the CURRENT connection;
// - trading ready(coin): account ready AND market-data ready(coin); global `tradingReady` = account ready and
//   at least one market ready;
// - a disconnect drops everything synchronously, before any other handler runs;
// - a market whose ctx (default 8 s, the oracle publishes ~3 s) or bbo is too old is unhealthy on its own;
//   when EVERY market is silent the socket is presumed half-open and `onHalfOpen` asks for a reconnect.
import type { TimerHandle, VenueClock } from './clock.ts';

export type MarketHealth = 'waiting' | 'ready' | 'stale';

export interface ReadinessConfig {
  /** activeAssetCtx older than this → market unhealthy (ms). */
  ctxStaleMs: number;
  /** bbo older than this → market unhealthy (ms). The venue sends bbo only on change, so keep it generous. */
  bboStaleMs: number;
  /** No market data at all for this long on an open socket → half-open (ms). */
  allSilentMs: number;
  /** How often staleness transitions are evaluated and published (ms). Queries are always exact. */
  checkIntervalMs: number;
}

export const DEFAULT_READINESS: ReadinessConfig = { ctxStaleMs: 8000, bboStaleMs: 30_000, allSilentMs: 8000, checkIntervalMs: 500 };

export interface ReadinessState {
  connected: boolean;
  /** Connection session the flags refer to (increments per connect). */
  session: number;
  userSubscriptionsAcked: boolean;
  fillsSnapshot: boolean;
  reconciled: boolean;
  accountReady: boolean;
  tradingReady: boolean;
  readyMarkets: number;
  staleMarkets: string[];
}

export type ReadinessCause =
  | 'connect'
  | 'disconnect'
  | 'marketReady'
  | 'marketStale'
  | 'userAcked'
  | 'fillsSnapshot'
  | 'reconciled'
  | 'userSubsLost';

/** Per-market slot; the router keeps a reference so the hot path does one property write per frame. */
export interface MarketSlot {
  readonly coin: string;
  lastBboAt: number;
  lastCtxAt: number;
  health: MarketHealth;
}

export class Readiness {
  readonly config: ReadinessConfig;
  private readonly clock: VenueClock;
  private readonly slots = new Map<string, MarketSlot>();
  private readonly listeners = new Set<(s: ReadinessState, cause: ReadinessCause, coin?: string) => void>();
  private connected = false;
  private session = 0;
  private connectedAt = 0;
  private userAcked = false;
  private snapshot = false;
  private reconciled = false;
  private readyCount = 0;
  private lastState: ReadinessState;
  private checkTimer: TimerHandle | null = null;
  /** Called when all markets are silent on an open socket. */
  onHalfOpen: (() => void) | null = null;

  constructor(markets: readonly string[], clock: VenueClock, config: Partial<ReadinessConfig> = {}) {
    this.clock = clock;
    this.config = { ...DEFAULT_READINESS, ...config };
    for (const coin of markets) this.slots.set(coin, { coin, lastBboAt: 0, lastCtxAt: 0, health: 'waiting' });
    this.lastState = this.compute();
  }

  slot(coin: string): MarketSlot | undefined {
    return this.slots.get(coin);
  }

  get state(): ReadinessState {
    return this.lastState;
  }

  get accountReady(): boolean {
    return this.connected && this.userAcked && this.snapshot && this.reconciled;
  }

  get tradingReady(): boolean {
    return this.accountReady && this.readyCount > 0;
  }

  /** Exact at call time (not only at the last check): both feeds present since connect and fresh. */
  isMarketReady(coin: string): boolean {
    const s = this.slots.get(coin);
    return s !== undefined && this.connected && this.fresh(s, this.clock.now());
  }

  isTradingReady(coin: string): boolean {
    return this.accountReady && this.isMarketReady(coin);
  }

  health(coin: string): MarketHealth | undefined {
    return this.slots.get(coin)?.health;
  }

  subscribe(fn: (s: ReadinessState, cause: ReadinessCause, coin?: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Every readiness change as an async iterator (latest state per change; ends when `return` is called). */
  async *changes(): AsyncGenerator<ReadinessState, void, undefined> {
    const queue: ReadinessState[] = [];
    let wake: (() => void) | null = null;
    const off = this.subscribe((s) => {
      queue.push(s);
      wake?.();
    });
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = null;
      }
    } finally {
      off();
    }
  }

  /** Resolves with the first state (now or later) satisfying `pred`. */
  waitFor(pred: (s: ReadinessState) => boolean): Promise<ReadinessState> {
    if (pred(this.lastState)) return Promise.resolve(this.lastState);
    return new Promise((resolve) => {
      const off = this.subscribe((s) => {
        if (pred(s)) {
          off();
          resolve(s);
        }
      });
    });
  }

  onConnect(session: number): void {
    this.connected = true;
    this.session = session;
    this.connectedAt = this.clock.now();
    this.userAcked = this.snapshot = this.reconciled = false;
    this.readyCount = 0;
    for (const s of this.slots.values()) {
      s.lastBboAt = 0;
      s.lastCtxAt = 0;
      s.health = 'waiting';
    }
    this.armCheck();
    this.publish('connect');
  }

  /** Synchronous: called from the socket's close handler before anything else. */
  onDisconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    this.userAcked = this.snapshot = this.reconciled = false;
    this.readyCount = 0;
    for (const s of this.slots.values()) s.health = 'waiting';
    if (this.checkTimer !== null) {
      this.clock.clearTimeout(this.checkTimer);
      this.checkTimer = null;
    }
    this.publish('disconnect');
  }

  /** Hot path: a bbo frame for `slot`. */
  onBbo(slot: MarketSlot, now: number): void {
    slot.lastBboAt = now;
    if (slot.health !== 'ready' && slot.lastCtxAt > 0) this.reevaluate(slot, now);
  }

  /** Hot path: an activeAssetCtx frame for `slot`. */
  onCtx(slot: MarketSlot, now: number): void {
    slot.lastCtxAt = now;
    if (slot.health !== 'ready' && slot.lastBboAt > 0) this.reevaluate(slot, now);
  }

  setUserAcked(acked: boolean): void {
    if (!this.connected || this.userAcked === acked) return;
    this.userAcked = acked;
    this.publish(acked ? 'userAcked' : 'userSubsLost');
  }

  setFillsSnapshot(): void {
    if (!this.connected || this.snapshot) return;
    this.snapshot = true;
    this.publish('fillsSnapshot');
  }

  /** Reconciliation completed for `session`; ignored if the connection has changed since it started. */
  setReconciled(session: number): void {
    if (!this.connected || session !== this.session || this.reconciled) return;
    this.reconciled = true;
    this.publish('reconciled');
  }

  get currentSession(): number {
    return this.session;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  stop(): void {
    if (this.checkTimer !== null) this.clock.clearTimeout(this.checkTimer);
    this.checkTimer = null;
  }

  /** Evaluates every market's freshness now and detects the all-silent socket. */
  check(): void {
    if (!this.connected) return;
    const now = this.clock.now();
    for (const s of this.slots.values()) this.reevaluate(s, now);
    if (this.slots.size > 0 && now - this.connectedAt >= this.config.allSilentMs) {
      let newest = this.connectedAt;
      for (const s of this.slots.values()) newest = Math.max(newest, s.lastBboAt, s.lastCtxAt);
      if (now - newest >= this.config.allSilentMs) this.onHalfOpen?.();
    }
  }

  private fresh(s: MarketSlot, now: number): boolean {
    return (
      s.lastBboAt > 0 &&
      s.lastCtxAt > 0 &&
      now - s.lastCtxAt <= this.config.ctxStaleMs &&
      now - s.lastBboAt <= this.config.bboStaleMs
    );
  }

  private reevaluate(s: MarketSlot, now: number): void {
    const fresh = this.fresh(s, now);
    if (fresh && s.health !== 'ready') {
      s.health = 'ready';
      this.readyCount++;
      this.publish('marketReady', s.coin);
    } else if (!fresh && s.health === 'ready') {
      s.health = 'stale';
      this.readyCount--;
      this.publish('marketStale', s.coin);
    }
  }

  private armCheck(): void {
    if (this.checkTimer !== null) return;
    this.checkTimer = this.clock.setTimeout(() => {
      this.checkTimer = null;
      if (!this.connected) return;
      this.check();
      if (this.connected) this.armCheck();
    }, this.config.checkIntervalMs);
  }

  private compute(): ReadinessState {
    const stale: string[] = [];
    for (const s of this.slots.values()) if (s.health === 'stale') stale.push(s.coin);
    return {
      connected: this.connected,
      session: this.session,
      userSubscriptionsAcked: this.userAcked,
      fillsSnapshot: this.snapshot,
      reconciled: this.reconciled,
      accountReady: this.accountReady,
      tradingReady: this.tradingReady,
      readyMarkets: this.readyCount,
      staleMarkets: stale,
    };
  }

  private publish(cause: ReadinessCause, coin?: string): void {
    this.lastState = this.compute();
    for (const fn of [...this.listeners]) fn(this.lastState, cause, coin);
  }
}
