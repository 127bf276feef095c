// The mapping from the TOML configuration onto the core's CoreConfig. One table lists, for every CoreConfig
// field, the one TOML key that sets it; toCoreConfig and the per-market overrides both go through it, and a
// test checks that every key moves exactly its field (no key that parses and does nothing, §2.17).
import { type BlackoutWindow, type CoreConfig, type MarketTuning, validateCoreConfig } from '../../core/config.ts';
import type { AppConfig, MarketOverride } from './schema.ts';

type TradingSection = 'detector' | 'sizing' | 'gates' | 'executor' | 'exits' | 'hard_stop';
type ScalarCoreKey = Exclude<keyof CoreConfig, 'markets' | 'blackoutWindowsUtc' | 'enabled'>;

/** CoreConfig field → [TOML section, TOML key]. */
export const CORE_KEY_MAP = {
  edgeMode: ['detector', 'edge_mode'],
  takerFeeBps: ['detector', 'taker_fee_bps'],
  entrySlippageBps: ['detector', 'entry_slippage_bps'],
  minNetEdgeBps: ['detector', 'min_net_edge_bps'],
  basisHalfLifeMs: ['detector', 'basis_half_life_ms'],
  basisWarmupMs: ['detector', 'basis_warmup_ms'],
  spreadHalfLifeMs: ['detector', 'spread_half_life_ms'],
  quoteLagMinMs: ['detector', 'quote_lag_min_ms'],
  quoteLagMaxMs: ['detector', 'quote_lag_max_ms'],
  requireOracleDirection: ['detector', 'require_oracle_direction'],

  sizingAlpha: ['sizing', 'alpha'],
  minBookNotionalUsd: ['sizing', 'min_book_notional_usd'],
  normalBookNotionalUsd: ['sizing', 'normal_book_notional_usd'],
  maxOrderNotionalUsd: ['sizing', 'max_order_notional_usd'],
  minOrderNotionalUsd: ['sizing', 'min_order_notional_usd'],

  maxBboAgeMs: ['gates', 'max_bbo_age_ms'],
  maxCtxAgeMs: ['gates', 'max_ctx_age_ms'],
  spreadShockMultiplier: ['gates', 'spread_shock_multiplier'],
  spreadShockReduceMultiplier: ['gates', 'spread_shock_reduce_multiplier'],
  spreadShockSizeFactor: ['gates', 'spread_shock_size_factor'],
  maxMarkMidDivergenceBps: ['gates', 'max_mark_mid_divergence_bps'],
  oiCapProximity: ['gates', 'oi_cap_proximity'],

  maxPositionNotionalUsd: ['executor', 'max_position_notional_usd'],
  maxTotalNotionalUsd: ['executor', 'max_total_notional_usd'],
  maxConcurrentPositions: ['executor', 'max_concurrent_positions'],
  actionBudgetOrders: ['executor', 'action_budget_orders'],
  actionBudgetWindowMs: ['executor', 'action_budget_window_ms'],
  correlationCooldownCloses: ['executor', 'correlation_cooldown_closes'],
  correlationCooldownWindowMs: ['executor', 'correlation_cooldown_window_ms'],
  correlationCooldownMs: ['executor', 'correlation_cooldown_ms'],
  postTimeoutMs: ['executor', 'post_timeout_ms'],
  unknownRequeryMs: ['executor', 'unknown_requery_ms'],
  reconcileEmptyConfirmations: ['executor', 'reconcile_empty_confirmations'],
  cancelOrphanOrders: ['executor', 'cancel_orphan_orders'],

  exitThresholdBps: ['exits', 'threshold_bps'],
  minHoldingMs: ['exits', 'min_holding_ms'],
  quickProfitBps: ['exits', 'quick_profit_bps'],
  edgeEvaporationExit: ['exits', 'edge_evaporation_exit'],
  edgeEvaporationBps: ['exits', 'edge_evaporation_bps'],
  edgeEvaporationMinHoldingMs: ['exits', 'edge_evaporation_min_holding_ms'],
  timeStopMs: ['exits', 'time_stop_ms'],
  oracleReversalBps: ['exits', 'oracle_reversal_bps'],
  exitSlippageBps: ['exits', 'slippage_bps'],
  exitSlippageStepBps: ['exits', 'slippage_step_bps'],
  exitSlippageMaxBps: ['exits', 'slippage_max_bps'],
  exitPollIntervalMs: ['exits', 'poll_interval_ms'],
  flattenRetryBackoffMs: ['exits', 'flatten_retry_backoff_ms'],
  flattenTimeoutMs: ['exits', 'flatten_timeout_ms'],

  maxCumulativeLossUsd: ['hard_stop', 'max_cumulative_loss_usd'],
  maxConsecutiveLosses: ['hard_stop', 'max_consecutive_losses'],
  maxRejectionsInWindow: ['hard_stop', 'max_rejections_in_window'],
  rejectionWindowMs: ['hard_stop', 'rejection_window_ms'],
  maxFlattenFailures: ['hard_stop', 'max_flatten_failures'],
  slippageExcessBps: ['hard_stop', 'slippage_excess_bps'],
  maxExtremeSlippageFills: ['hard_stop', 'max_extreme_slippage_fills'],
  maxDisconnectedWithPositionMs: ['hard_stop', 'max_disconnected_with_position_ms'],
} as const satisfies Record<ScalarCoreKey, readonly [TradingSection, string]>;

/** "HH:MM-HH:MM" → { start, end } (the schema has already checked the shape). */
export function parseBlackoutWindow(text: string): BlackoutWindow {
  const [start, end] = text.split('-');
  return { start, end };
}

function sectionTable(cfg: AppConfig | MarketOverride, section: TradingSection): Record<string, unknown> | undefined {
  return (cfg as Record<string, unknown>)[section] as Record<string, unknown> | undefined;
}

/** The core's configuration from the app's. Per-market overrides become CoreConfig.markets[coin]. */
export function toCoreConfig(cfg: AppConfig): CoreConfig {
  const out: Record<string, unknown> = { enabled: true };
  for (const [field, [section, key]] of Object.entries(CORE_KEY_MAP)) out[field] = sectionTable(cfg, section)![key];
  out.blackoutWindowsUtc = cfg.gates.blackout_windows.map(parseBlackoutWindow);
  const markets: Record<string, Partial<MarketTuning>> = {};
  for (const [coin, override] of Object.entries(cfg.markets.overrides)) {
    const tuning: Record<string, unknown> = {};
    if (override.enabled !== undefined) tuning.enabled = override.enabled;
    for (const [field, [section, key]] of Object.entries(CORE_KEY_MAP)) {
      const value = sectionTable(override, section)?.[key];
      if (value !== undefined) tuning[field] = value;
    }
    markets[coin] = tuning as Partial<MarketTuning>;
  }
  out.markets = markets;
  return out as unknown as CoreConfig;
}

/** The TOML key behind a CoreConfig field name, for messages ("markets.overrides."xyz:GOLD".sizing.alpha"). */
export function tomlKeyOf(field: string, coin?: string): string {
  const entry = (CORE_KEY_MAP as Record<string, readonly [string, string]>)[field];
  const key = entry ? `${entry[0]}.${entry[1]}` : field;
  return coin === undefined ? key : `markets.overrides."${coin}".${key}`;
}

/** The core's own validation of the mapped config, with its field names translated to TOML keys. */
export function coreConfigProblems(cfg: AppConfig): { key: string; message: string }[] {
  return validateCoreConfig(toCoreConfig(cfg)).map((problem) => {
    const m = /^(?:markets\["([^"]+)"\]\.)?([A-Za-z]+)\b(.*)$/.exec(problem);
    if (!m) return { key: '(core)', message: problem };
    const [, coin, field] = m;
    return { key: tomlKeyOf(field, coin), message: problem };
  });
}
