// CoreConfig: every tunable of the trading core, with units in the comments. The app loads it from TOML
// (keys are the same names) and may override any per-market field under `markets["dex:COIN"]`.
// Defaults are conservative: a bot started with `defaultCoreConfig` trades small and stops early.

/** A UTC time-of-day window [start, end) in "HH:MM"; end < start wraps midnight. */
export interface BlackoutWindow {
  start: string;
  end: string;
}

/** How the dislocation is measured (the original lost money on permanent basis: design.md). */
export type EdgeMode = 'relativeToBasis' | 'raw';

/** Fields a single market may override. */
export interface MarketTuning {
  /** false = never enter this market (exits still run). */
  enabled: boolean;
  /** Taker fee of ONE side, bps. The round trip costs 2×. HIP-3 rates are ~2× the base perp rate scaled
   * by the deployer (growth mode cuts them); the reference measured ~8 bps per round trip. Set it from the
   * account's userFees / the fills' `fee`. */
  takerFeeBps: number;
  /** Slippage allowance for the entry IOC beyond the touch, bps of the touch; part of the threshold. */
  entrySlippageBps: number;
  /** Net edge required after 2× fee and slippage, bps. */
  minNetEdgeBps: number;
  /** 'relativeToBasis': edge measured against the market's recent basis EWMA; 'raw': against the oracle. */
  edgeMode: EdgeMode;
  /** Half-life of the basis (mid − oracle) EWMA, ms of time (not messages). */
  basisHalfLifeMs: number;
  /** relativeToBasis mode only trades once the basis EWMA covers at least this much time, ms. */
  basisWarmupMs: number;
  /** Half-life of the spread EWMA used by the spread-shock gate, ms. */
  spreadHalfLifeMs: number;
  /** Quote-lag window: act only when the last oracle CHANGE is at least this old, ms (0 = no lower bound). */
  quoteLagMinMs: number;
  /** … and at most this old, ms (0 = no upper bound). */
  quoteLagMaxMs: number;
  /** Buy only after an oracle move up, sell only after a move down. */
  requireOracleDirection: boolean;

  /** Fraction of the top-of-book size to take (0..1). */
  sizingAlpha: number;
  /** Book notional (touch px × touch size, USD) at or below which the liquidity factor is 0: no trade. */
  minBookNotionalUsd: number;
  /** Book notional (USD) at or above which the liquidity factor is 1 (linear in between). */
  normalBookNotionalUsd: number;
  /** Cap on one entry order's notional, USD at max(mark, limit px). */
  maxOrderNotionalUsd: number;
  /** Floor on one entry order's notional, USD at min(mark, limit px), applied AFTER every multiplier.
   * The venue minimum is $10; keep a buffer. */
  minOrderNotionalUsd: number;

  /** Block entries when the last bbo is older than this, ms (0 disables). Stale QUOTES are the edge;
   * this catches a dead feed. */
  maxBboAgeMs: number;
  /** Block entries when the last activeAssetCtx RECEIPT is older than this, ms (incident #3: receipt,
   * not price change). 0 disables. */
  maxCtxAgeMs: number;
  /** Spread > EWMA × this blocks (spread shock). 0 disables. */
  spreadShockMultiplier: number;
  /** Spread > EWMA × this (but under the block level) multiplies the size by spreadShockSizeFactor. 0 disables. */
  spreadShockReduceMultiplier: number;
  /** Size multiplier applied in the reduce band (0..1), before the min-notional floor (L7, L15). */
  spreadShockSizeFactor: number;
  /** Block when |mark − mid| / mid exceeds this, bps. 0 disables. */
  maxMarkMidDivergenceBps: number;
  /** Block when OI × mark ≥ this fraction of the market's OI cap (MarketSpec.oiCapUsd). */
  oiCapProximity: number;

  /** Per-market notional limit, USD at mark, position + pending entries + the new order. */
  maxPositionNotionalUsd: number;

  /** Mark regression: exit when the book is back within this many bps of the fair price. */
  exitThresholdBps: number;
  /** Minimum holding time before a mark-regression exit, ms. */
  minHoldingMs: number;
  /** Exit immediately (bypassing min holding) when PnL at the exit touch ≥ this, bps (0 disables). */
  quickProfitBps: number;
  /** Edge evaporation (incident #52): exit once the entry-side edge that remains (long: buy edge, short:
   * sell edge, measured like the detector's: relative to the basis or raw) has fallen to this or below,
   * bps — the makers caught up, nothing is left to wait for. Bypasses minHoldingMs. */
  edgeEvaporationExit: boolean;
  /** The remaining-edge level at or below which the edge counts as evaporated, bps. */
  edgeEvaporationBps: number;
  /** Minimum holding time before an edge-evaporation exit, ms (its own, shorter than minHoldingMs). */
  edgeEvaporationMinHoldingMs: number;
  /** Time stop: flatten after holding this long, ms (0 disables). */
  timeStopMs: number;
  /** Oracle reversal: flatten when the oracle moved against the position by ≥ this since entry, bps (0 disables). */
  oracleReversalBps: number;
  /** Slippage allowance of the first exit IOC beyond the touch, bps. */
  exitSlippageBps: number;
  /** Added to the exit allowance for every failed attempt, bps. */
  exitSlippageStepBps: number;
  /** Upper bound of the widening exit allowance, bps. */
  exitSlippageMaxBps: number;
}

export interface CoreConfig extends MarketTuning {
  /** Total notional limit across all markets, USD at each market's mark, positions + pending entries. */
  maxTotalNotionalUsd: number;
  /** Maximum number of markets with a position (or a pending entry). */
  maxConcurrentPositions: number;
  /** Action budget: at most this many entry orders … */
  actionBudgetOrders: number;
  /** … per this window, ms. */
  actionBudgetWindowMs: number;
  /** Correlation cooldown (incident #41: correlated losses when several markets entered and closed
   * together): after this many position closes (round trips ended, any market) within
   * correlationCooldownWindowMs, entries on every market pause for correlationCooldownMs. 0 disables. */
  correlationCooldownCloses: number;
  /** Window in which the closes are counted, ms. */
  correlationCooldownWindowMs: number;
  /** Length of the pause, ms. */
  correlationCooldownMs: number;
  /** Blackout windows, UTC; entries blocked inside. */
  blackoutWindowsUtc: BlackoutWindow[];

  /** Polling backup of the exit watcher (and of every timer-driven check), ms. onTimer should be called
   * at least this often; the core itself never schedules anything. */
  exitPollIntervalMs: number;
  /** Minimum delay between two flatten attempts of one market, ms. */
  flattenRetryBackoffMs: number;
  /** A flatten still unknown this long after it was sent is cancelled by cloid, counted as one failed
   * attempt and retried, ms. Must be ≥ postTimeoutMs + unknownRequeryMs: the order first becomes unknown
   * and its status is asked at least once before it is given up. */
  flattenTimeoutMs: number;
  /** A sent order without a post response for this long becomes `unknown` (its status is then asked), ms. */
  postTimeoutMs: number;
  /** Re-ask the venue for the status of an unknown order this often, ms. */
  unknownRequeryMs: number;
  /** Ignore a reconciliation snapshot with no positions until this many in a row agree (incident #31). */
  reconcileEmptyConfirmations: number;
  /** Cancel open orders found by reconciliation that the tracker does not know (incident #49). */
  cancelOrphanOrders: boolean;

  /** Hard stop when cumulative realised PnL (fees included) since start/reset ≤ −this, USD. */
  maxCumulativeLossUsd: number;
  /** Hard stop after this many losing round trips in a row. */
  maxConsecutiveLosses: number;
  /** Hard stop when more than this many non-benign rejections happen within rejectionWindowMs. */
  maxRejectionsInWindow: number;
  /** Rolling window of the rejection trigger, ms. */
  rejectionWindowMs: number;
  /** Hard stop after this many failed flatten attempts in a row on one market. */
  maxFlattenFailures: number;
  /** A fill this many bps worse than its allowed limit-price bound counts as extreme slippage. */
  slippageExcessBps: number;
  /** Hard stop after this many extreme-slippage fills in a row. */
  maxExtremeSlippageFills: number;
  /** Hard stop when disconnected with an open position for longer than this, ms. */
  maxDisconnectedWithPositionMs: number;

  /** Per-market overrides, keyed by coin ("xyz:GOLD"). */
  markets: Record<string, Partial<MarketTuning>>;
}

export const defaultMarketTuning: MarketTuning = {
  enabled: true,
  takerFeeBps: 4.5,
  entrySlippageBps: 5,
  minNetEdgeBps: 8,
  edgeMode: 'relativeToBasis',
  basisHalfLifeMs: 120_000,
  basisWarmupMs: 60_000,
  spreadHalfLifeMs: 30_000,
  quoteLagMinMs: 30,
  quoteLagMaxMs: 700,
  requireOracleDirection: true,

  sizingAlpha: 0.1,
  minBookNotionalUsd: 50,
  normalBookNotionalUsd: 5000,
  maxOrderNotionalUsd: 50,
  minOrderNotionalUsd: 11,

  maxBboAgeMs: 30_000,
  maxCtxAgeMs: 8000,
  spreadShockMultiplier: 6,
  spreadShockReduceMultiplier: 3,
  spreadShockSizeFactor: 0.5,
  maxMarkMidDivergenceBps: 300,
  oiCapProximity: 0.95,

  maxPositionNotionalUsd: 100,

  exitThresholdBps: 5,
  minHoldingMs: 300,
  quickProfitBps: 0,
  edgeEvaporationExit: true,
  edgeEvaporationBps: 2,
  edgeEvaporationMinHoldingMs: 500,
  timeStopMs: 5000,
  oracleReversalBps: 15,
  exitSlippageBps: 30,
  exitSlippageStepBps: 30,
  exitSlippageMaxBps: 200,
};

export const defaultCoreConfig: CoreConfig = {
  ...defaultMarketTuning,
  maxTotalNotionalUsd: 300,
  maxConcurrentPositions: 5,
  actionBudgetOrders: 20,
  actionBudgetWindowMs: 1000,
  correlationCooldownCloses: 3,
  correlationCooldownWindowMs: 30_000,
  correlationCooldownMs: 120_000,
  blackoutWindowsUtc: [],

  exitPollIntervalMs: 200,
  flattenRetryBackoffMs: 100,
  flattenTimeoutMs: 4000,
  postTimeoutMs: 2000,
  unknownRequeryMs: 1000,
  reconcileEmptyConfirmations: 3,
  cancelOrphanOrders: true,

  maxCumulativeLossUsd: 20,
  maxConsecutiveLosses: 6,
  maxRejectionsInWindow: 10,
  rejectionWindowMs: 3_600_000,
  maxFlattenFailures: 5,
  slippageExcessBps: 50,
  maxExtremeSlippageFills: 3,
  maxDisconnectedWithPositionMs: 30_000,

  markets: {},
};

const TUNING_KEYS = Object.keys(defaultMarketTuning) as (keyof MarketTuning)[];

/** The effective tuning of one market: root config fields overridden by `markets[coin]`. */
export function resolveMarketTuning(config: CoreConfig, coin: string): MarketTuning {
  const out = {} as Record<keyof MarketTuning, unknown>;
  const over = config.markets[coin] ?? {};
  for (const k of TUNING_KEYS) out[k] = over[k] !== undefined ? over[k] : config[k];
  return out as unknown as MarketTuning;
}

/** Parses "HH:MM" into minutes of the day; throws on malformed input. */
export function parseHhMm(s: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s);
  if (m === null) throw new Error(`time of day ${JSON.stringify(s)} is not HH:MM`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 24 || min > 59 || (h === 24 && min !== 0)) throw new Error(`time of day ${s} is out of range`);
  return h * 60 + min;
}

/** Problems that make a config unusable (empty = fine). The app should refuse to start on any. */
export function validateCoreConfig(config: CoreConfig, venueMinNotionalUsd = 10): string[] {
  const errors: string[] = [];
  const check = (coin: string, t: MarketTuning): void => {
    const where = coin === '' ? '' : `markets["${coin}"].`;
    if (!(t.minBookNotionalUsd >= 0 && t.normalBookNotionalUsd > t.minBookNotionalUsd)) {
      errors.push(`${where}normalBookNotionalUsd must exceed minBookNotionalUsd ≥ 0`);
    }
    if (t.minOrderNotionalUsd < venueMinNotionalUsd) errors.push(`${where}minOrderNotionalUsd is below the venue minimum $${venueMinNotionalUsd}`);
    // incident #33: caps below the exchange minimum reject every order
    if (t.maxOrderNotionalUsd < t.minOrderNotionalUsd) errors.push(`${where}maxOrderNotionalUsd < minOrderNotionalUsd: no order could ever be sized`);
    if (t.maxPositionNotionalUsd < t.minOrderNotionalUsd) errors.push(`${where}maxPositionNotionalUsd < minOrderNotionalUsd`);
    if (!(t.sizingAlpha > 0 && t.sizingAlpha <= 1)) errors.push(`${where}sizingAlpha must be in (0, 1]`);
    if (t.quoteLagMaxMs !== 0 && t.quoteLagMaxMs < t.quoteLagMinMs) errors.push(`${where}quoteLagMaxMs < quoteLagMinMs`);
    if (t.exitSlippageMaxBps < t.exitSlippageBps) errors.push(`${where}exitSlippageMaxBps < exitSlippageBps`);
    if (!(t.spreadShockSizeFactor > 0 && t.spreadShockSizeFactor <= 1)) errors.push(`${where}spreadShockSizeFactor must be in (0, 1]`);
    if (t.basisHalfLifeMs <= 0 || t.spreadHalfLifeMs <= 0) errors.push(`${where}EWMA half-lives must be positive`);
    for (const k of TUNING_KEYS) {
      const v = t[k];
      if (typeof v === 'number' && !(Number.isFinite(v) && v >= 0)) errors.push(`${where}${k} must be a finite non-negative number`);
    }
  };
  check('', config);
  for (const coin of Object.keys(config.markets)) check(coin, resolveMarketTuning(config, coin));
  if (config.maxTotalNotionalUsd < config.minOrderNotionalUsd) errors.push('maxTotalNotionalUsd < minOrderNotionalUsd');
  if (config.maxConcurrentPositions < 1) errors.push('maxConcurrentPositions must be ≥ 1');
  if (!(Number.isInteger(config.correlationCooldownCloses) && config.correlationCooldownCloses >= 0)) errors.push('correlationCooldownCloses must be an integer ≥ 0');
  if (config.correlationCooldownCloses > 0 && !(config.correlationCooldownWindowMs > 0 && config.correlationCooldownMs >= 0)) {
    errors.push('correlationCooldownWindowMs must be positive and correlationCooldownMs ≥ 0');
  }
  if (config.exitPollIntervalMs <= 0) errors.push('exitPollIntervalMs must be positive');
  // a flatten timeout at or below the post timeout never fires on its own (the order is not unknown yet)
  if (!(config.flattenTimeoutMs >= config.postTimeoutMs + config.unknownRequeryMs)) {
    errors.push('flattenTimeoutMs must be ≥ postTimeoutMs + unknownRequeryMs (an exit is asked about before it is given up)');
  }
  for (const w of config.blackoutWindowsUtc) {
    try {
      parseHhMm(w.start);
      parseHhMm(w.end);
    } catch (e) {
      errors.push(`blackoutWindowsUtc: ${(e as Error).message}`);
    }
  }
  return errors;
}
