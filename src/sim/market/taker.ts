// Noise takers: Poisson arrivals per market, random side, small IOC orders a few bps through the touch, so
// that trades print, marks have a last trade and positions churn.
import { MIN_AGENT_NOTIONAL_USD } from './maker.ts';
import type { MarketPort, SimOrderInput } from './port.ts';
import { statusError } from './port.ts';
import { minSizeFor, priceToWire, sizeToWire, snapPrice, truncateSize } from './prices.ts';
import type { Rng } from './rng.ts';
import type { TakerConfig } from './scenarios.ts';
import type { Scheduler, TimerHandle } from './scheduler.ts';

export interface TakeRecord {
  coin: string;
  taker: string;
  time: number;
  order: SimOrderInput;
  status: unknown;
}

export interface TakerOptions {
  port: MarketPort;
  scheduler: Scheduler;
  address: string;
  coin: string;
  szDecimals: number;
  config: TakerConfig;
  rng: Rng;
  onTake?: (t: TakeRecord) => void;
}

export class NoiseTaker {
  readonly address: string;
  readonly coin: string;
  readonly #o: TakerOptions;
  #timer: TimerHandle | undefined;
  #stopped = false;
  orders = 0;
  fills = 0;
  rejects = 0;
  lastError: string | undefined;

  constructor(o: TakerOptions) {
    this.#o = o;
    this.address = o.address;
    this.coin = o.coin;
  }

  start(): void {
    this.#scheduleNext();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.scheduler.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #scheduleNext(): void {
    const rate = this.#o.config.arrivalsPerMinute;
    if (this.#stopped || !(rate > 0)) return;
    const delay = Math.max(1, Math.round(this.#o.rng.exponential(60_000 / rate)));
    this.#timer = this.#o.scheduler.setTimeout(() => {
      this.#timer = undefined;
      this.#take();
      this.#scheduleNext();
    }, delay);
  }

  #take(): void {
    const o = this.#o;
    const c = o.config;
    const d = o.szDecimals;
    // draw everything first so the stream does not depend on the book's state
    const isBuy = o.rng.chance(0.5);
    const notional = Math.max(MIN_AGENT_NOTIONAL_USD, o.rng.lognormal(c.notionalMedianUsd, c.notionalSigma));
    const top = o.port.bestBidAsk(o.coin);
    const touch = isBuy ? top.ask : top.bid;
    if (touch === undefined) return;
    const slip = c.slippageBps / 1e4;
    const px = snapPrice(touch.px * (isBuy ? 1 + slip : 1 - slip), d, isBuy ? 'up' : 'down');
    const sz = Math.max(truncateSize(notional / px, d), minSizeFor(px, d, MIN_AGENT_NOTIONAL_USD));
    const order: SimOrderInput = { coin: o.coin, isBuy, px: priceToWire(px, d), sz: sizeToWire(sz, d), tif: 'Ioc' };
    const [status] = o.port.internalPlaceOrders(o.address, [order]);
    this.orders++;
    const error = statusError(status);
    if (error !== undefined) {
      this.rejects++;
      this.lastError = error;
    } else if (typeof status === 'object' && status !== null && 'filled' in status) {
      this.fills++;
    }
    o.onTake?.({ coin: o.coin, taker: o.address, time: o.scheduler.now(), order, status });
  }
}
