// MarketState: the single owner of one market's data (bbo, oracle, mark, OI, their venue and local times,
// the time of the last oracle CHANGE, and time-weighted EWMAs of spread and basis). Mutated in place on the
// hot path; no allocation per update.

/**
 * EWMA of a piecewise-constant signal weighted by TIME, not by message count (L8): the previous value is
 * held for the elapsed dt and blended with weight 1 − 2^(−dt/halfLife). A burst of 100 messages in 1 ms
 * moves it no more than one message would.
 */
export class TimeEwma {
  value = Number.NaN;
  /** Time covered since the first sample, ms (warm-up measure). */
  coveredMs = 0;
  private current = Number.NaN;
  private lastMs = 0;
  private readonly halfLifeMs: number;

  constructor(halfLifeMs: number) {
    this.halfLifeMs = halfLifeMs;
  }

  /** Records that the signal is `x` from `nowMs` on. */
  update(x: number, nowMs: number): void {
    if (Number.isNaN(this.current)) {
      this.value = x;
      this.current = x;
      this.lastMs = nowMs;
      return;
    }
    const dt = nowMs - this.lastMs;
    if (dt > 0) {
      const w = 1 - 2 ** (-dt / this.halfLifeMs);
      this.value += w * (this.current - this.value);
      this.coveredMs += dt;
      this.lastMs = nowMs;
    }
    this.current = x;
  }

  get ready(): boolean {
    return !Number.isNaN(this.value);
  }
}

export class MarketState {
  readonly coin: string;
  bidPx = 0;
  bidSz = 0;
  askPx = 0;
  askSz = 0;
  bboVenueMs = 0;
  bboLocalMs = 0;
  hasBbo = false;
  /** Newest bbo venue time seen; a bbo older than it came out of order (a lagging feed). */
  maxBboVenueMs = 0;
  /** The current book is older (venue time) than one already seen: the TimeRegression gate blocks. */
  bboTimeRegressed = false;

  oraclePx = 0;
  markPx = 0;
  openInterest = 0;
  ctxVenueMs = 0;
  /** Local receipt time of the last ctx (freshness gates use this: incident #3). */
  ctxLocalMs = 0;
  hasCtx = false;
  /** Local time of the last oracle price CHANGE (quote-lag window uses this). */
  oracleChangedAtMs = 0;
  /** Signed size of the last oracle change, bps. */
  lastOracleMoveBps = 0;
  /** Number of oracle changes seen. */
  oracleSeq = 0;

  /** Spread in bps of mid, time-weighted EWMA. */
  readonly spreadEwma: TimeEwma;
  /** Basis (mid − oracle) / oracle in bps, time-weighted EWMA. */
  readonly basisEwma: TimeEwma;

  /** Feed health from the venue layer (silent stream detection). */
  healthy = true;
  /** Trading halted (deployer haltTrading, delisting). */
  halted = false;
  /** Parameters changed: entries blocked until the operator accepts. */
  paramChanged = false;

  constructor(coin: string, spreadHalfLifeMs: number, basisHalfLifeMs: number) {
    this.coin = coin;
    this.spreadEwma = new TimeEwma(spreadHalfLifeMs);
    this.basisEwma = new TimeEwma(basisHalfLifeMs);
  }

  /** Applies a bbo. A missing side is passed as px 0 / sz 0 and makes the book untradeable. */
  onBbo(bidPx: number, bidSz: number, askPx: number, askSz: number, venueMs: number, nowMs: number): void {
    this.bidPx = bidPx;
    this.bidSz = bidSz;
    this.askPx = askPx;
    this.askSz = askSz;
    this.bboVenueMs = venueMs;
    this.bboLocalMs = nowMs;
    if (venueMs > 0) {
      // 0 = the venue time is not known: nothing to compare
      this.bboTimeRegressed = venueMs < this.maxBboVenueMs;
      if (!this.bboTimeRegressed) this.maxBboVenueMs = venueMs;
    }
    this.hasBbo = bidPx > 0 && askPx > 0 && askPx >= bidPx;
    if (this.hasBbo) {
      this.spreadEwma.update(this.spreadBps(), nowMs);
      if (this.hasCtx) this.basisEwma.update(this.basisBps(), nowMs);
    }
  }

  /** Applies an activeAssetCtx. Returns true when the oracle price changed. */
  onCtx(oraclePx: number, markPx: number, openInterest: number, venueMs: number, nowMs: number): boolean {
    const prev = this.oraclePx;
    this.oraclePx = oraclePx;
    this.markPx = markPx;
    this.openInterest = openInterest;
    this.ctxVenueMs = venueMs;
    this.ctxLocalMs = nowMs;
    this.hasCtx = oraclePx > 0;
    let changed = false;
    if (oraclePx !== prev && oraclePx > 0) {
      if (prev > 0) {
        this.lastOracleMoveBps = ((oraclePx - prev) / prev) * 1e4;
        this.oracleChangedAtMs = nowMs;
        this.oracleSeq++;
        changed = true;
      } else {
        // first oracle seen: not a move, so never inside a quote-lag window
        this.oracleChangedAtMs = Number.NEGATIVE_INFINITY;
      }
    }
    if (this.hasBbo && this.hasCtx) this.basisEwma.update(this.basisBps(), nowMs);
    return changed;
  }

  midPx(): number {
    return (this.bidPx + this.askPx) / 2;
  }

  spreadBps(): number {
    const mid = this.midPx();
    return mid > 0 ? ((this.askPx - this.bidPx) / mid) * 1e4 : Number.POSITIVE_INFINITY;
  }

  /** (mid − oracle) / oracle in bps. */
  basisBps(): number {
    return ((this.midPx() - this.oraclePx) / this.oraclePx) * 1e4;
  }

  oracleAgeMs(nowMs: number): number {
    return nowMs - this.oracleChangedAtMs;
  }
}
