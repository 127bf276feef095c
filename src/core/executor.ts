// Entry gates, in the order of the seed documents, each with its own reason:
//   HardStop → CorrelationCooldown → ReadyTrading → MaxPositionPerMarket → MaxPositionTotal →
//   MaxConcurrentPositions → FlattenInProgress → HasPosition → PendingOrder → ActionBudget.
// CorrelationCooldown (incident #41) sits where the original had it (gate 1c, right after the hard stop).
// Notional is valued at each market's mark and includes pending entry orders (reduce-only excluded); a
// missing mark fails closed (incident #11). Only entries pass here: reduce-only orders and cancels never do.
// The check and the pending mark happen in one synchronous turn (no await between them: design principle
// 1), which is what makes the PendingOrder gate exact — the seeds' check-then-mark race cannot occur.
import type { CoreConfig, MarketTuning } from './config.ts';
import type { MarketState } from './market-state.ts';
import type { OrderTracker } from './tracker.ts';
import type { GateVerdict } from './types.ts';

export const ENTRY_GATE_ORDER = [
  'HardStop',
  'CorrelationCooldown',
  'ReadyTrading',
  'MaxPositionPerMarket',
  'MaxPositionTotal',
  'MaxConcurrentPositions',
  'FlattenInProgress',
  'HasPosition',
  'PendingOrder',
  'ActionBudget',
] as const;

/** Sliding-window budget of entry orders (ring of send times, no allocation after construction). */
export class ActionBudget {
  private readonly times: Float64Array;
  private head = 0;
  private count = 0;
  private readonly windowMs: number;

  constructor(maxOrders: number, windowMs: number) {
    this.times = new Float64Array(Math.max(1, maxOrders));
    this.windowMs = windowMs;
  }

  private expire(nowMs: number): void {
    const cap = this.times.length;
    while (this.count > 0) {
      const oldest = this.times[(this.head - this.count + cap) % cap] as number;
      if (nowMs - oldest < this.windowMs) break;
      this.count--;
    }
  }

  available(nowMs: number): boolean {
    this.expire(nowMs);
    return this.count < this.times.length;
  }

  spend(nowMs: number): void {
    this.expire(nowMs);
    this.times[this.head] = nowMs;
    this.head = (this.head + 1) % this.times.length;
    if (this.count < this.times.length) this.count++;
  }
}

/**
 * Incident #41 (correlated losses: several markets entered and closed together at the US pre-open): after
 * `closes` position closes within `windowMs`, across all markets, entries pause for `pauseMs`. The closes
 * are forgotten when the pause starts (the original's behaviour). closes = 0 disables.
 */
export class CorrelationCooldown {
  private times: number[] = [];
  /** Entries are blocked while now < untilMs. */
  untilMs = Number.NEGATIVE_INFINITY;
  private readonly closes: number;
  private readonly windowMs: number;
  private readonly pauseMs: number;

  constructor(closes: number, windowMs: number, pauseMs: number) {
    this.closes = closes;
    this.windowMs = windowMs;
    this.pauseMs = pauseMs;
  }

  onClose(nowMs: number): void {
    if (this.closes <= 0) return;
    this.times.push(nowMs);
    let i = 0;
    while (i < this.times.length && nowMs - (this.times[i] as number) >= this.windowMs) i++;
    if (i > 0) this.times = this.times.slice(i);
    if (this.times.length >= this.closes) {
      this.untilMs = nowMs + this.pauseMs;
      this.times = [];
    }
  }

  active(nowMs: number): boolean {
    return nowMs < this.untilMs;
  }
}

export interface ExecutorEnv {
  config: CoreConfig;
  hardStopLatched: boolean;
  ready: boolean;
  tracker: OrderTracker;
  markets: ReadonlyMap<string, MarketState>;
  budget: ActionBudget;
  cooldown: CorrelationCooldown;
  /** True while an exit intent or flatten claim exists for the market. */
  flattening(coin: string): boolean;
}

/**
 * Runs the entry gates for a new order of `size` on `coin`; appends one verdict per gate evaluated and
 * stops at the first failure. Returns the failing reason (a gate name, or 'MarketDataUnavailable' in the
 * notional gates) or null when every gate passes. Pure with respect to state: the caller marks pending.
 */
export function checkEntryGates(env: ExecutorEnv, coin: string, t: MarketTuning, size: number, nowMs: number, out: GateVerdict[]): string | null {
  const fail = (gate: string, value?: number, limit?: number): string => {
    out.push(value === undefined ? { gate, pass: false } : { gate, pass: false, value, limit });
    return gate;
  };
  const pass = (gate: string, value?: number, limit?: number): void => {
    out.push(value === undefined ? { gate, pass: true } : { gate, pass: true, value, limit });
  };
  if (env.hardStopLatched) return fail('HardStop');
  pass('HardStop');
  if (env.cooldown.active(nowMs)) return fail('CorrelationCooldown', env.cooldown.untilMs - nowMs, env.config.correlationCooldownMs);
  pass('CorrelationCooldown');
  if (!env.ready) return fail('ReadyTrading');
  pass('ReadyTrading');

  const tr = env.tracker;
  const m = env.markets.get(coin);
  const mark = m?.markPx ?? 0;
  if (!(mark > 0)) return fail('MarketDataUnavailable');
  const own = (Math.abs(tr.position(coin)) + tr.pendingEntrySize(coin) + size) * mark;
  if (own > t.maxPositionNotionalUsd) return fail('MaxPositionPerMarket', own, t.maxPositionNotionalUsd);
  pass('MaxPositionPerMarket', own, t.maxPositionNotionalUsd);

  let total = size * mark;
  let occupied = 0;
  let thisOccupied = false;
  for (const b of tr.books.values()) {
    const pos = Math.abs(tr.position(b.coin));
    const pend = tr.pendingEntrySize(b.coin);
    if (pos === 0 && pend === 0) continue;
    const mk = env.markets.get(b.coin)?.markPx ?? 0;
    if (!(mk > 0)) return fail('MarketDataUnavailable');
    total += (pos + pend) * mk;
    occupied++;
    if (b.coin === coin) thisOccupied = true;
  }
  if (total > env.config.maxTotalNotionalUsd) return fail('MaxPositionTotal', total, env.config.maxTotalNotionalUsd);
  pass('MaxPositionTotal', total, env.config.maxTotalNotionalUsd);

  const after = occupied + (thisOccupied ? 0 : 1);
  if (after > env.config.maxConcurrentPositions) return fail('MaxConcurrentPositions', after, env.config.maxConcurrentPositions);
  pass('MaxConcurrentPositions', after, env.config.maxConcurrentPositions);

  if (env.flattening(coin)) return fail('FlattenInProgress');
  pass('FlattenInProgress');
  if (tr.position(coin) !== 0) return fail('HasPosition');
  pass('HasPosition');
  const book = tr.book(coin);
  if (book === undefined || book.pendingEntry !== null) return fail('PendingOrder');
  pass('PendingOrder');
  if (!env.budget.available(nowMs)) return fail('ActionBudget');
  pass('ActionBudget');
  return null;
}
