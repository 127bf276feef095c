// Market makers: each quotes a ladder around oracle × (1 + basis) and re-quotes only after a lag drawn from
// its distribution once it "sees" an oracle change. Between the oracle update and the re-quote its book is
// stale: that window is exactly what the bot is built to take. Small jitter re-quotes (around the oracle the
// maker has already seen) keep books moving between updates without closing the stale window early.
//
// A re-quote is cancel-all for the market, then one batch of Alo (or Gtc) orders. Alo levels are pulled
// behind the opposite touch left by other makers, so a maker order is never rejected for crossing.
import type { BookTop, MarketPort, SimOrderInput } from './port.ts';
import { statusError } from './port.ts';
import { minSizeFor, priceToWire, sizeToWire, snapPrice, stepPrice, truncateSize } from './prices.ts';
import type { Rng } from './rng.ts';
import type { LagDistribution, ResolvedMaker } from './scenarios.ts';
import type { Scheduler, TimerHandle } from './scheduler.ts';

/** Agents stay a little above the venue's 10 USDC minimum so truncation never pushes them under it. */
export const MIN_AGENT_NOTIONAL_USD = 11;

export type QuoteReason = 'initial' | 'oracle' | 'jitter';

export interface QuoteRecord {
  coin: string;
  maker: string;
  time: number;
  reason: QuoteReason;
  /** The oracle the maker quoted around (what it had seen). */
  seenOraclePx: number;
  centerPx: number;
  orders: SimOrderInput[];
  /** Venue errors of rejected orders, if any. */
  errors: string[];
}

export interface LadderInput {
  coin: string;
  szDecimals: number;
  centerPx: number;
  levels: number;
  topHalfSpreadBps: number;
  levelSpacingBps: number;
  levelNotionalUsd: number;
  /** One size multiplier per order: bids level 0..n−1 then asks level 0..n−1. */
  sizeFactors: readonly number[];
  tif: 'Alo' | 'Gtc';
  /** The book without this maker's orders: Alo levels stay strictly behind its opposite touch. */
  others: BookTop;
}

/** The orders of one ladder: bids from best to worst, then asks from best to worst; prices strictly monotone. */
export function buildLadder(l: LadderInput): SimOrderInput[] {
  const orders: SimOrderInput[] = [];
  const d = l.szDecimals;
  const bidCeiling = l.tif === 'Alo' && l.others.ask !== undefined ? stepPrice(l.others.ask.px, d, -1) : Infinity;
  const askFloor = l.tif === 'Alo' && l.others.bid !== undefined ? stepPrice(l.others.bid.px, d, 1) : 0;
  let prev = Infinity;
  let ownBestBid = 0;
  for (let i = 0; i < l.levels; i++) {
    const offset = (l.topHalfSpreadBps + i * l.levelSpacingBps) / 1e4;
    let px = snapPrice(l.centerPx * (1 - offset), d, 'down');
    if (px > bidCeiling) px = bidCeiling;
    if (px >= prev) px = stepPrice(prev, d, -1);
    if (!(px > 0) || px === prev) break; // the grid ran out below (cannot happen at realistic prices)
    prev = px;
    if (i === 0) ownBestBid = px;
    orders.push(order(l, true, px, l.sizeFactors[i] ?? 1));
  }
  // asks above both the others' best bid (Alo) and this maker's own best bid (no self-cross)
  const lowestAsk = Math.max(askFloor, ownBestBid > 0 ? stepPrice(ownBestBid, d, 1) : 0);
  prev = 0;
  for (let i = 0; i < l.levels; i++) {
    const offset = (l.topHalfSpreadBps + i * l.levelSpacingBps) / 1e4;
    let px = snapPrice(l.centerPx * (1 + offset), d, 'up');
    if (px < lowestAsk) px = lowestAsk;
    if (px <= prev) px = stepPrice(prev, d, 1);
    prev = px;
    orders.push(order(l, false, px, l.sizeFactors[l.levels + i] ?? 1));
  }
  return orders;
}

function order(l: LadderInput, isBuy: boolean, px: number, sizeFactor: number): SimOrderInput {
  const d = l.szDecimals;
  const sz = Math.max(truncateSize((l.levelNotionalUsd * sizeFactor) / px, d), minSizeFor(px, d, MIN_AGENT_NOTIONAL_USD));
  return { coin: l.coin, isBuy, px: priceToWire(px, d), sz: sizeToWire(sz, d), tif: l.tif };
}

function drawLag(rng: Rng, lag: LagDistribution): number {
  const raw = lag.kind === 'uniform' ? rng.uniform(lag.minMs, lag.maxMs) : rng.lognormal(lag.medianMs, lag.sigma);
  return Math.round(Math.min(lag.maxMs, Math.max(lag.minMs, raw)));
}

export interface MakerOptions {
  port: MarketPort;
  scheduler: Scheduler;
  address: string;
  coin: string;
  szDecimals: number;
  config: ResolvedMaker;
  basisBps: number;
  /** Lags and sizes. */
  rng: Rng;
  /** Jitter timing and offsets (kept apart so jitter never shifts the lag sequence). */
  jitterRng: Rng;
  onQuote?: (q: QuoteRecord) => void;
}

export class QuotingMaker {
  readonly address: string;
  readonly coin: string;
  readonly #o: MakerOptions;
  #seenOraclePx = 0;
  #pendingRequote: TimerHandle | undefined;
  #jitterTimer: TimerHandle | undefined;
  #stopped = false;
  quotes = 0;
  ordersPlaced = 0;
  rejects = 0;
  lastErrors: string[] = [];

  constructor(o: MakerOptions) {
    this.#o = o;
    this.address = o.address;
    this.coin = o.coin;
  }

  /** Quotes immediately around the starting oracle and starts the jitter timer. */
  start(oraclePx: number): void {
    this.#seenOraclePx = oraclePx;
    this.#quote('initial', 0);
    this.#scheduleJitter();
  }

  /** A new oracle was published: re-quote around it after this maker's lag. */
  onOracle(oraclePx: number): void {
    if (this.#stopped) return;
    const s = this.#o.scheduler;
    if (this.#pendingRequote !== undefined) s.clearTimeout(this.#pendingRequote);
    const lag = drawLag(this.#o.rng, this.#o.config.lag);
    this.#pendingRequote = s.setTimeout(() => {
      this.#pendingRequote = undefined;
      this.#seenOraclePx = oraclePx;
      this.#quote('oracle', 0);
    }, lag);
  }

  stop(): void {
    this.#stopped = true;
    const s = this.#o.scheduler;
    if (this.#pendingRequote !== undefined) s.clearTimeout(this.#pendingRequote);
    if (this.#jitterTimer !== undefined) s.clearTimeout(this.#jitterTimer);
    this.#pendingRequote = undefined;
    this.#jitterTimer = undefined;
  }

  #scheduleJitter(): void {
    const mean = this.#o.config.jitterMeanIntervalMs;
    if (this.#stopped || !(mean > 0)) return;
    const delay = Math.max(50, Math.round(this.#o.jitterRng.exponential(mean)));
    this.#jitterTimer = this.#o.scheduler.setTimeout(() => {
      this.#jitterTimer = undefined;
      this.#quote('jitter', this.#o.jitterRng.normal() * this.#o.config.jitterBps);
      this.#scheduleJitter();
    }, delay);
  }

  #quote(reason: QuoteReason, shiftBps: number): void {
    const o = this.#o;
    const c = o.config;
    o.port.internalCancelAll(o.address, o.coin);
    const centerPx = this.#seenOraclePx * (1 + (o.basisBps + shiftBps) / 1e4);
    const sizeFactors: number[] = [];
    for (let i = 0; i < 2 * c.levels; i++) sizeFactors.push(1 + c.sizeJitterFrac * (2 * o.rng.float() - 1));
    const orders = buildLadder({
      coin: o.coin,
      szDecimals: o.szDecimals,
      centerPx,
      levels: c.levels,
      topHalfSpreadBps: c.topHalfSpreadBps,
      levelSpacingBps: c.levelSpacingBps,
      levelNotionalUsd: c.levelNotionalUsd,
      sizeFactors,
      tif: c.tif,
      others: o.port.bestBidAsk(o.coin),
    });
    const statuses = o.port.internalPlaceOrders(o.address, orders);
    const errors: string[] = [];
    for (const st of statuses) {
      const e = statusError(st);
      if (e !== undefined) errors.push(e);
    }
    this.quotes++;
    this.ordersPlaced += orders.length;
    if (errors.length > 0) {
      this.rejects += errors.length;
      this.lastErrors = errors.slice(0, 5);
    }
    o.onQuote?.({ coin: o.coin, maker: o.address, time: o.scheduler.now(), reason, seenOraclePx: this.#seenOraclePx, centerPx, orders, errors });
  }
}
