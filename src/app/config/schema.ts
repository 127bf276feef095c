// The configuration schema: one valibot schema per TOML section. Keys are snake_case exactly as written in the
// TOML file, so the effective configuration printed at startup reads like the file. Every key has a default
// here AND a documented line in config/example.toml (a test keeps the two identical). Objects are strict: an
// unknown key is an error, never silently ignored (the original parsed ~15 keys that did nothing, §2.17).
import * as v from 'valibot';

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
  /** Which chain L1 actions are signed for: auto = mainnet only when target is "mainnet". */
  signing_chain: pick(['auto', 'mainnet', 'testnet'], 'auto'),
  request_timeout_ms: int(100, 120_000, 5000),
  reconnect_base_delay_ms: int(10, 60_000, 250),
  reconnect_max_delay_ms: int(100, 600_000, 5000),
  /** 0 = reconnect forever. */
  max_reconnect_attempts: int(0, 1_000_000, 0),
  ping_interval_ms: int(1000, 55_000, 30_000),
  pong_timeout_ms: int(500, 60_000, 10_000),
  reconcile_interval_ms: int(1000, 3_600_000, 60_000),
  /** Cancel orders found resting at startup that carry our cloid prefix but are unknown to the tracker. */
  cancel_orphans: bool(true),
});

export const accountSection = section({
  /** Master (trading account) address; subscriptions and user queries use it. Required in trade mode. */
  master_address: v.optional(v.union([v.literal(''), v.pipe(v.string(), v.regex(ADDRESS, 'expected a 0x-prefixed 20-byte address'))]), ''),
  /** Path of a file holding the agent key (must be mode 0600). HIP3_AGENT_KEY takes precedence. */
  agent_key_file: str(''),
});

/** The detector, sizing, gates, executor, exits and hard-stop sections that per-market overrides may change. */
export const detectorEntries = {
  /** "basis" measures the dislocation against the market's recent basis (mid − oracle); "raw" against the oracle. */
  edge_mode: pick(['basis', 'raw'], 'basis'),
  /** Taker fee per side in bps (HIP-3 rate); the detector charges it twice (entry and exit). */
  taker_fee_bps: num(0, 100, 9),
  slippage_bps: num(0, 500, 2),
  min_net_edge_bps: num(0, 1000, 5),
  quote_lag_min_ms: int(0, 60_000, 30),
  quote_lag_max_ms: int(0, 60_000, 700),
  basis_half_life_ms: int(100, DAY_MS, 60_000),
  spread_half_life_ms: int(100, DAY_MS, 10_000),
  /** Time the basis EWMA needs before "basis" mode may signal. */
  basis_warmup_ms: int(0, DAY_MS, 30_000),
} as const;

export const sizingEntries = {
  top_of_book_fraction: num(0, 1, 0.1),
  min_book_notional: num(0, 1e9, 50),
  normal_book_notional: num(0, 1e9, 5000),
  max_order_notional: num(0, 1e9, 50),
  /** The venue rejects orders under $10; sizing never goes below this after any multiplier. */
  min_order_notional: num(10, 1e9, 11),
} as const;

export const gatesEntries = {
  /** 0 disables. A stale bbo after an oracle jump is the opportunity, so off by default. */
  max_bbo_age_ms: int(0, DAY_MS, 0),
  /** Age of the last activeAssetCtx *received* (not of the last oracle change, incident #3). */
  max_ctx_age_ms: int(0, DAY_MS, 8000),
  spread_shock_multiplier: num(0, 1000, 3),
  max_mark_mid_divergence_bps: num(0, 10_000, 0),
  /** Block entries when open interest reaches this fraction of the cap. */
  oi_cap_fraction: num(0, 1, 0.95),
  /** UTC windows "HH:MM-HH:MM", end exclusive, may wrap midnight. */
  blackout_windows: v.optional(v.array(v.pipe(v.string(), v.regex(HHMM, 'expected "HH:MM-HH:MM" (UTC)'))), []),
} as const;

export const executorEntries = {
  max_notional_per_market: num(0, 1e9, 100),
  max_notional_total: num(0, 1e9, 300),
  max_concurrent_positions: int(0, 1000, 5),
  /** Entry orders allowed per action_budget_window_ms (exits and cancels are never budgeted). */
  action_budget: int(1, 100_000, 20),
  action_budget_window_ms: int(1, 3_600_000, 1000),
  /** IOC entry limit beyond the touch, in bps. */
  entry_slippage_bps: num(0, 1000, 5),
  /** A post without a response after this long is *unknown*, resolved through orderStatus. */
  order_timeout_ms: int(100, 120_000, 5000),
} as const;

export const exitsEntries = {
  /** Exit when the book has regressed to within this many bps of the oracle. */
  mark_regression_bps: num(0, 1000, 5),
  min_holding_ms: int(0, DAY_MS, 500),
  /** Backup poll for exits in case no market event arrives. */
  poll_interval_ms: int(10, 60_000, 200),
  time_stop_ms: int(100, DAY_MS, 20_000),
  /** Exit after this many oracle moves against the position since entry (0 disables). */
  oracle_reversal_moves: int(0, 100, 2),
  slippage_bps: num(0, 5000, 50),
  /** Each retry of a failed flatten widens the allowance by this much, up to max_slippage_bps. */
  retry_widen_bps: num(0, 5000, 25),
  max_slippage_bps: num(0, 10_000, 300),
} as const;

export const hardStopEntries = {
  max_cumulative_loss_usd: num(0, 1e9, 20),
  max_consecutive_losses: int(1, 10_000, 5),
  max_rejections: int(1, 100_000, 10),
  rejection_window_ms: int(1000, DAY_MS, 3_600_000),
  max_flatten_failures: int(1, 1000, 3),
  max_slippage_bps: num(0, 10_000, 100),
  max_disconnected_with_position_ms: int(0, DAY_MS, 30_000),
  /** Latch the hard stop when the live Go/No-Go verdict (report thresholds) says No-Go. */
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
  exits: v.optional(v.strictObject(withoutDefaults(exitsEntries))),
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
  /** Mean realised edge per round trip, net of fees, in bps. */
  min_realised_edge_bps: num(-10_000, 10_000, 0),
  /** Realised edge divided by signalled edge (how much of the promised edge was captured). */
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
