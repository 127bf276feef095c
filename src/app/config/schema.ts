// The configuration schema: one valibot schema per TOML section. Keys are snake_case exactly as written in the
// TOML file, so the effective configuration printed at startup reads like the file. Every key has a default
// here AND a documented line in config/example.toml (a test keeps the two identical). Objects are strict: an
// unknown key is an error, never silently ignored (the original parsed ~15 keys that did nothing, §2.17).
import * as v from 'valibot';
import { defaultCoreConfig } from '../../core/config.ts';

const num = (min: number, max: number, dflt: number) =>
  v.optional(v.pipe(v.number(), v.finite(), v.minValue(min), v.maxValue(max)), dflt);
const int = (min: number, max: number, dflt: number) =>
  v.optional(v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max)), dflt);
const bool = (dflt: boolean) => v.optional(v.boolean(), dflt);
const str = (dflt: string) => v.optional(v.string(), dflt);
const pick = <const T extends readonly [string, ...string[]]>(options: T, dflt: T[number]) =>
  v.optional(v.picklist(options), dflt);
const section = <T extends v.ObjectEntries>(entries: T) =>
  v.optional(v.strictObject(entries), {} as v.InferInput<v.StrictObjectSchema<T, undefined>>);

const DAY_MS = 86_400_000;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
// A network is "mainnet", "testnet" or the base URL of an hlsim (or any venue speaking the protocol).
const NETWORK_TARGET = /^(mainnet|testnet|https?:\/\/.+)$/;
const WS_URL = /^wss?:\/\/.+/;
const HTTP_URL = /^https?:\/\/.+/;

export const networkSection = section({
  /** "mainnet", "testnet", or an http(s) URL (hlsim: its httpUrl). */
  target: v.optional(v.pipe(v.string(), v.regex(NETWORK_TARGET, 'expected "mainnet", "testnet" or an http(s):// URL')), 'testnet'),
  /** Override of the derived WebSocket URL ("" = derived from target). */
  ws_url: v.optional(v.union([v.literal(''), v.pipe(v.string(), v.regex(WS_URL, 'expected a ws(s):// URL'))]), ''),
  /** Override of the derived HTTP base URL ("" = derived from target). */
  http_url: v.optional(v.union([v.literal(''), v.pipe(v.string(), v.regex(HTTP_URL, 'expected an http(s):// URL'))]), ''),
  /** Which chain L1 actions are signed for: auto = testnet only when target is "testnet" (a URL signs as mainnet, like hlsim's default). */
  signing_chain: pick(['auto', 'mainnet', 'testnet'], 'auto'),
  reconnect_base_delay_ms: int(10, 60_000, 250),
  reconnect_max_delay_ms: int(100, 600_000, 5000),
  /** 0 = reconnect forever. */
  max_reconnect_attempts: int(0, 1_000_000, 0),
  ping_interval_ms: int(1000, 55_000, 30_000),
  pong_timeout_ms: int(500, 60_000, 10_000),
  reconcile_interval_ms: int(1000, 3_600_000, 60_000),
});

export const accountSection = section({
  /** Master (trading account) address; subscriptions and user queries use it. Required in trade mode. */
  master_address: v.optional(v.union([v.literal(''), v.pipe(v.string(), v.regex(ADDRESS, 'expected a 0x-prefixed 20-byte address'))]), ''),
  /** Path of a file holding the agent key (must be mode 0600). HIP3_AGENT_KEY takes precedence. */
  agent_key_file: str(''),
});

// The trading sections mirror the core's CoreConfig one to one (src/core/config.ts): every CoreConfig field
// has exactly one TOML key, its default is the core's default, and toCoreConfig (core.ts) maps them. The
// "tuning" entries are the MarketTuning fields a market may override.
const C = defaultCoreConfig;

export const detectorEntries = {
  /** "relativeToBasis": the dislocation is measured against the market's recent basis; "raw": against the oracle. */
  edge_mode: pick(['relativeToBasis', 'raw'], C.edgeMode),
  /** Taker fee of ONE side, bps; the detector charges the round trip (2×). */
  taker_fee_bps: num(0, 100, C.takerFeeBps),
  /** Entry IOC limit beyond the touch, bps; part of the threshold. */
  entry_slippage_bps: num(0, 1000, C.entrySlippageBps),
  min_net_edge_bps: num(0, 10_000, C.minNetEdgeBps),
  basis_half_life_ms: int(1, DAY_MS, C.basisHalfLifeMs),
  basis_warmup_ms: int(0, DAY_MS, C.basisWarmupMs),
  spread_half_life_ms: int(1, DAY_MS, C.spreadHalfLifeMs),
  quote_lag_min_ms: int(0, 60_000, C.quoteLagMinMs),
  quote_lag_max_ms: int(0, 60_000, C.quoteLagMaxMs),
  require_oracle_direction: bool(C.requireOracleDirection),
} as const;

export const sizingEntries = {
  /** Fraction of the top-of-book size to take. */
  alpha: v.optional(v.pipe(v.number(), v.finite(), v.gtValue(0), v.maxValue(1)), C.sizingAlpha),
  min_book_notional_usd: num(0, 1e9, C.minBookNotionalUsd),
  normal_book_notional_usd: num(0, 1e9, C.normalBookNotionalUsd),
  max_order_notional_usd: num(0, 1e9, C.maxOrderNotionalUsd),
  /** The venue rejects orders under $10; sizing never goes below this after any multiplier. */
  min_order_notional_usd: num(10, 1e9, C.minOrderNotionalUsd),
} as const;

export const gatesTuningEntries = {
  max_bbo_age_ms: int(0, DAY_MS, C.maxBboAgeMs),
  max_ctx_age_ms: int(0, DAY_MS, C.maxCtxAgeMs),
  spread_shock_multiplier: num(0, 1000, C.spreadShockMultiplier),
  spread_shock_reduce_multiplier: num(0, 1000, C.spreadShockReduceMultiplier),
  spread_shock_size_factor: v.optional(v.pipe(v.number(), v.finite(), v.gtValue(0), v.maxValue(1)), C.spreadShockSizeFactor),
  max_mark_mid_divergence_bps: num(0, 100_000, C.maxMarkMidDivergenceBps),
  oi_cap_proximity: num(0, 1, C.oiCapProximity),
} as const;

export const gatesEntries = {
  ...gatesTuningEntries,
  /** UTC windows "HH:MM-HH:MM", end exclusive, may wrap midnight. */
  blackout_windows: v.optional(v.array(v.pipe(v.string(), v.regex(HHMM, 'expected "HH:MM-HH:MM" (UTC)'))), []),
} as const;

export const executorTuningEntries = {
  max_position_notional_usd: num(0, 1e9, C.maxPositionNotionalUsd),
} as const;

export const executorEntries = {
  ...executorTuningEntries,
  max_total_notional_usd: num(0, 1e9, C.maxTotalNotionalUsd),
  max_concurrent_positions: int(1, 1000, C.maxConcurrentPositions),
  action_budget_orders: int(1, 100_000, C.actionBudgetOrders),
  action_budget_window_ms: int(1, 3_600_000, C.actionBudgetWindowMs),
  correlation_cooldown_closes: int(0, 1000, C.correlationCooldownCloses),
  correlation_cooldown_window_ms: int(0, DAY_MS, C.correlationCooldownWindowMs),
  correlation_cooldown_ms: int(0, DAY_MS, C.correlationCooldownMs),
  post_timeout_ms: int(100, 120_000, C.postTimeoutMs),
  unknown_requery_ms: int(10, 600_000, C.unknownRequeryMs),
  reconcile_empty_confirmations: int(1, 1000, C.reconcileEmptyConfirmations),
  cancel_orphan_orders: bool(C.cancelOrphanOrders),
} as const;

export const exitsTuningEntries = {
  threshold_bps: num(0, 10_000, C.exitThresholdBps),
  min_holding_ms: int(0, DAY_MS, C.minHoldingMs),
  quick_profit_bps: num(0, 10_000, C.quickProfitBps),
  edge_evaporation_exit: bool(C.edgeEvaporationExit),
  edge_evaporation_bps: num(-10_000, 10_000, C.edgeEvaporationBps),
  edge_evaporation_min_holding_ms: int(0, DAY_MS, C.edgeEvaporationMinHoldingMs),
  time_stop_ms: int(0, DAY_MS, C.timeStopMs),
  oracle_reversal_bps: num(0, 10_000, C.oracleReversalBps),
  slippage_bps: num(0, 10_000, C.exitSlippageBps),
  slippage_step_bps: num(0, 10_000, C.exitSlippageStepBps),
  slippage_max_bps: num(0, 10_000, C.exitSlippageMaxBps),
} as const;

export const exitsEntries = {
  ...exitsTuningEntries,
  poll_interval_ms: int(1, 60_000, C.exitPollIntervalMs),
  flatten_retry_backoff_ms: int(0, 600_000, C.flattenRetryBackoffMs),
  flatten_timeout_ms: int(10, 600_000, C.flattenTimeoutMs),
} as const;

export const hardStopEntries = {
  max_cumulative_loss_usd: num(0, 1e9, C.maxCumulativeLossUsd),
  max_consecutive_losses: int(1, 10_000, C.maxConsecutiveLosses),
  max_rejections_in_window: int(1, 100_000, C.maxRejectionsInWindow),
  rejection_window_ms: int(1000, 7 * DAY_MS, C.rejectionWindowMs),
  max_flatten_failures: int(1, 1000, C.maxFlattenFailures),
  slippage_excess_bps: num(0, 100_000, C.slippageExcessBps),
  max_extreme_slippage_fills: int(1, 1000, C.maxExtremeSlippageFills),
  max_disconnected_with_position_ms: int(0, DAY_MS, C.maxDisconnectedWithPositionMs),
  /** App-level: latch the hard stop when the live Go/No-Go verdict (thresholds in [report]) is No-Go. */
  latch_on_no_go: bool(false),
} as const;

// An override lists only the keys it changes: the same validators, without the defaults (a default there
// would silently reset every key the override does not mention).
type DefaultedEntries = Record<string, v.OptionalSchema<v.GenericSchema, unknown>>;
type WithoutDefaults<E extends DefaultedEntries> = { [K in keyof E]: v.OptionalSchema<E[K]['wrapped'], undefined> };
function withoutDefaults<E extends DefaultedEntries>(entries: E): WithoutDefaults<E> {
  const out: Record<string, v.OptionalSchema<v.GenericSchema, undefined>> = {};
  for (const [key, entry] of Object.entries(entries)) out[key] = v.optional(entry.wrapped);
  return out as WithoutDefaults<E>;
}

/** What one market may override (a subset of the trading sections, plus switching it off). */
export const marketOverride = v.strictObject({
  enabled: v.optional(v.boolean()),
  detector: v.optional(v.strictObject(withoutDefaults(detectorEntries))),
  sizing: v.optional(v.strictObject(withoutDefaults(sizingEntries))),
  gates: v.optional(v.strictObject(withoutDefaults(gatesTuningEntries))),
  executor: v.optional(v.strictObject(withoutDefaults(executorTuningEntries))),
  exits: v.optional(v.strictObject(withoutDefaults(exitsTuningEntries))),
});

export const marketsSection = section({
  /** Builder dexes to trade (HIP-3), matched by exact name. */
  dexes: v.optional(v.array(v.string()), ['xyz']),
  /** Market names or glob patterns ("xyz:*", "xyz:GOLD"); the default takes every market of the dexes. */
  include: v.optional(v.array(v.string()), ['*']),
  exclude: v.optional(v.array(v.string()), []),
  /** Also subscribe to l2Book and trades (the recorder then keeps them too). */
  subscribe_l2_book: bool(false),
  subscribe_trades: bool(false),
  /** Per-market overrides keyed by market name, e.g. [markets.overrides."xyz:GOLD"]. */
  overrides: v.optional(v.record(v.string(), marketOverride), {}),
});

export const journalSection = section({
  enabled: bool(true),
  path: str('data/journal.sqlite'),
  flush_interval_ms: int(10, 60_000, 200),
  flush_batch_size: int(1, 100_000, 500),
  /** Follow-up snapshots after every signal, ms after the signal. */
  follow_up_offsets_ms: v.optional(v.array(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3_600_000))), [1000, 3000, 5000]),
});

export const recorderSection = section({
  /** "auto" records in observe mode only. */
  enabled: pick(['auto', 'on', 'off'], 'auto'),
  dir: str('data/feed'),
  flush_interval_ms: int(10, 60_000, 1000),
});

export const metricsSection = section({
  enabled: bool(true),
  /** 0 picks a free port. The server listens on 127.0.0.1 only. */
  port: int(0, 65_535, 9464),
});

export const dashboardSection = section({
  enabled: bool(true),
  /** 0 picks a free port. The server listens on 127.0.0.1 only. */
  port: int(0, 65_535, 8080),
  /** "" = a random token generated at startup and printed. */
  token: str(''),
  push_interval_ms: int(20, 60_000, 250),
  max_clients: int(1, 1000, 10),
});

export const loggingSection = section({
  level: pick(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], 'info'),
  file: str('data/hip3.log'),
  /** The one-line terminal status; 0 disables it. */
  status_interval_ms: int(0, 3_600_000, 1000),
});

export const reportSection = section({
  /** The verdict is "insufficient data" before this many round trips. */
  min_round_trips: int(1, 1_000_000, 50),
  min_win_rate: num(0, 1, 0.5),
  /** Mean net edge per round trip: PnL after fees / entry notional, bps. */
  min_realised_edge_bps: num(-10_000, 10_000, 0),
  /** Realised price edge (before fees) divided by signalled edge: how much of the promised edge was captured. */
  min_edge_capture: num(-100, 100, 0.3),
  max_mean_slippage_bps: num(0, 10_000, 10),
  min_net_pnl_usd: num(-1e9, 1e9, 0),
});

export const shutdownSection = section({
  cancel_on_exit: bool(true),
  flatten_on_exit: bool(true),
  timeout_ms: int(100, 600_000, 15_000),
});

export const PROFILE_NAMES = ['mainnet', 'testnet', 'sim'] as const;

export const configSchema = v.strictObject({
  /** Which [profile.<name>] table to merge over the base before validation ("" = none). */
  profile: v.optional(v.picklist(['', ...PROFILE_NAMES]), ''),
  mode: pick(['observe', 'trade'], 'observe'),
  network: networkSection,
  account: accountSection,
  markets: marketsSection,
  detector: section(detectorEntries),
  sizing: section(sizingEntries),
  gates: section(gatesEntries),
  executor: section(executorEntries),
  exits: section(exitsEntries),
  hard_stop: section(hardStopEntries),
  journal: journalSection,
  recorder: recorderSection,
  metrics: metricsSection,
  dashboard: dashboardSection,
  logging: loggingSection,
  report: reportSection,
  shutdown: shutdownSection,
});

export type AppConfig = v.InferOutput<typeof configSchema>;
export type ReportThresholds = AppConfig['report'];
export type MarketOverride = v.InferOutput<typeof marketOverride>;
