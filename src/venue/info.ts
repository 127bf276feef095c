// Info client over HTTP (fetch) and over WS post, with a REST limiter using the venue's real weights
// (hyperliquid-protocol.md §6.1: 1200/min per IP, shared by HTTP /info and /exchange; WS posts have the WS
// limits — 2000 messages/min, 100 in flight — enforced by the outbound queue). Info over WS post is charged
// here too: harmless if the venue does not count it, needed if it does. HTTP actions are charged at
// 1 + floor(batch/40) and never wait: admitted now (they may use the `actionReserve` info may not) or refused.
// Every call returns a Promise and is only ever started from timers or the app — never awaited inside frame
// handling (the reference blocked its event loop with two inline HTTP calls every 60 s, L11).
import { infoItemsWeight, infoRequestWeight } from '../protocol/limits.ts';
import type {
  ClearinghouseState,
  FrontendOpenOrder,
  InfoRequest,
  OpenOrder,
  OrderStatusResponse,
  PerpDexs,
  PerpMeta,
  UserFill,
} from '../protocol/wire.ts';
import { systemClock, type TimerHandle, type VenueClock } from './clock.ts';

export interface RestLimiterConfig {
  /** Weight we allow ourselves per window; the venue allows 1200/min — keep a margin. */
  maxWeight: number;
  windowMs: number;
  /** Weight of each window only actions may spend (default 5 % of maxWeight): info never starves an order. */
  actionReserve?: number;
}

export const DEFAULT_REST_LIMIT: RestLimiterConfig = { maxWeight: 1100, windowMs: 60_000 };

/** Sliding-window weight limiter: `acquire` resolves when spending `weight` keeps the window under the cap. */
export class RestLimiter {
  readonly config: RestLimiterConfig;
  private readonly clock: VenueClock;
  private readonly spent: Array<{ at: number; weight: number }> = [];
  private total = 0;
  private readonly waiting: Array<{ weight: number; resolve: () => void; reject: (e: Error) => void }> = [];
  private timer: TimerHandle | null = null;
  private readonly infoCap: number;
  private stopped = false;

  constructor(clock: VenueClock = systemClock, config: Partial<RestLimiterConfig> = {}) {
    this.clock = clock;
    this.config = { ...DEFAULT_REST_LIMIT, ...config };
    this.infoCap = this.config.maxWeight - (this.config.actionReserve ?? Math.floor(this.config.maxWeight * 0.05));
  }

  get windowWeight(): number {
    this.expire(this.clock.now());
    return this.total;
  }

  /**
   * Info: waits (FIFO) until `weight` fits under the cap less the action reserve; a single request heavier
   * than that is admitted alone.
   */
  acquire(weight: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped) {
        reject(new InfoError('REST limiter stopped', 0, false));
        return;
      }
      this.waiting.push({ weight, resolve, reject });
      this.pump();
    });
  }

  /** Actions: charged now if `weight` fits under the full cap (the reserve included), else refused — never queued. */
  tryTake(weight: number): boolean {
    this.expire(this.clock.now());
    if (this.total > 0 && this.total + weight > this.config.maxWeight) return false;
    this.charge(weight);
    return true;
  }

  /** Clears the timer; waiting requests fail (the client is closing). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.waiting.splice(0)) w.reject(new InfoError('REST limiter stopped', 0, false));
  }

  /** Charges weight learnt after the fact (item surcharges). */
  charge(weight: number): void {
    if (weight <= 0) return;
    this.spent.push({ at: this.clock.now(), weight });
    this.total += weight;
  }

  private expire(now: number): void {
    while (this.spent.length > 0 && this.spent[0].at <= now - this.config.windowMs) this.total -= this.spent.shift()!.weight;
  }

  private pump(): void {
    const now = this.clock.now();
    this.expire(now);
    while (this.waiting.length > 0) {
      const w = this.waiting[0];
      if (this.total > 0 && this.total + w.weight > this.infoCap) break;
      this.waiting.shift();
      this.spent.push({ at: now, weight: w.weight });
      this.total += w.weight;
      w.resolve();
    }
    if (this.waiting.length > 0 && this.timer === null && this.spent.length > 0) {
      const wait = Math.max(1, this.spent[0].at + this.config.windowMs - now + 1);
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
    }
  }
}

export class InfoError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  constructor(message: string, status: number, retryable: boolean) {
    super(message);
    this.name = 'InfoError';
    this.status = status;
    this.retryable = retryable;
  }
}

/** Sends one info request and resolves with the venue's response body. */
export type InfoTransport = (req: InfoRequest) => Promise<unknown>;

export interface HttpTransportOptions {
  /** Base URL, e.g. https://api.hyperliquid.xyz (POST {base}/info). */
  httpUrl: string;
  timeoutMs?: number;
}

/** POST {base}/info with fetch. HTTP 429 and 5xx are retryable InfoErrors; other non-2xx are final. */
export function httpInfoTransport(opts: HttpTransportOptions): InfoTransport {
  const url = `${opts.httpUrl.replace(/\/$/, '')}/info`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return async (req) => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(req),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new InfoError(`info ${req.type}: ${String(err)}`, 0, true);
    }
    const text = await res.text();
    if (res.status === 429 || res.status >= 500) throw new InfoError(`info ${req.type}: HTTP ${res.status} ${text.slice(0, 200)}`, res.status, true);
    if (res.status < 200 || res.status >= 300) throw new InfoError(`info ${req.type}: HTTP ${res.status} ${text.slice(0, 200)}`, res.status, false);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new InfoError(`info ${req.type}: body is not JSON: ${text.slice(0, 200)}`, res.status, false);
    }
  };
}

/** The answer to one POST /exchange: status and body text. Rejects when no answer arrived (timeout, reset). */
export type ExchangeTransport = (body: string) => Promise<{ status: number; text: string }>;

/** POST {base}/exchange with fetch; the caller maps statuses (the body may be a venue error string). */
export function httpExchangeTransport(opts: HttpTransportOptions): ExchangeTransport {
  const url = `${opts.httpUrl.replace(/\/$/, '')}/exchange`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return async (body) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, text: await res.text() };
  };
}

export interface InfoClientOptions {
  http?: InfoTransport;
  /** Info over WS post (the VenueClient provides it); used when `preferWs` or when no HTTP transport exists. */
  ws?: InfoTransport;
  preferWs?: boolean;
  limiter?: RestLimiter;
  clock?: VenueClock;
  random?: () => number;
  /** Retries after a retryable failure (429, 5xx, transport error). */
  maxRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export class InfoClient {
  readonly limiter: RestLimiter;
  private readonly http?: InfoTransport;
  private readonly ws?: InfoTransport;
  private readonly preferWs: boolean;
  private readonly clock: VenueClock;
  private readonly random: () => number;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  readonly stats = { requests: 0, retries: 0, failures: 0 };

  constructor(opts: InfoClientOptions) {
    if (!opts.http && !opts.ws) throw new Error('InfoClient needs an http or a ws transport');
    this.http = opts.http;
    this.ws = opts.ws;
    this.preferWs = opts.preferWs ?? false;
    this.clock = opts.clock ?? systemClock;
    this.limiter = opts.limiter ?? new RestLimiter(this.clock);
    this.random = opts.random ?? Math.random;
    this.maxRetries = opts.maxRetries ?? 4;
    this.retryBaseMs = opts.retryBaseMs ?? 250;
    this.retryMaxMs = opts.retryMaxMs ?? 8000;
  }

  /** Any info request, limited, with jittered exponential backoff on retryable failures. */
  async request<T = unknown>(req: InfoRequest, via?: 'http' | 'ws'): Promise<T> {
    const transport = this.pick(via);
    const weight = infoRequestWeight(req);
    for (let attempt = 0; ; attempt++) {
      await this.limiter.acquire(weight);
      this.stats.requests++;
      try {
        const body = await transport(req);
        this.limiter.charge(infoItemsWeight(req, body));
        return body as T;
      } catch (err) {
        const retryable = err instanceof InfoError ? err.retryable : false;
        if (!retryable || attempt >= this.maxRetries) {
          this.stats.failures++;
          throw err;
        }
        this.stats.retries++;
        const nominal = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** attempt);
        await this.sleep(nominal / 2 + this.random() * (nominal / 2));
      }
    }
  }

  perpDexs(): Promise<PerpDexs> {
    return this.request({ type: 'perpDexs' });
  }
  meta(dex: string): Promise<PerpMeta> {
    return this.request({ type: 'meta', dex });
  }
  allPerpMetas(): Promise<PerpMeta[]> {
    return this.request({ type: 'allPerpMetas' });
  }
  clearinghouseState(user: string, dex: string): Promise<ClearinghouseState> {
    return this.request({ type: 'clearinghouseState', user, dex });
  }
  frontendOpenOrders(user: string, dex: string): Promise<FrontendOpenOrder[]> {
    return this.request({ type: 'frontendOpenOrders', user, dex });
  }
  openOrders(user: string, dex: string): Promise<OpenOrder[]> {
    return this.request({ type: 'openOrders', user, dex });
  }
  orderStatus(user: string, oidOrCloid: number | string): Promise<OrderStatusResponse> {
    return this.request({ type: 'orderStatus', user, oid: oidOrCloid });
  }
  userFillsByTime(user: string, startTime: number, endTime?: number): Promise<UserFill[]> {
    return this.request(endTime === undefined ? { type: 'userFillsByTime', user, startTime } : { type: 'userFillsByTime', user, startTime, endTime });
  }

  private pick(via?: 'http' | 'ws'): InfoTransport {
    if (via === 'ws' && this.ws) return this.ws;
    if (via === 'http' && this.http) return this.http;
    if (this.preferWs && this.ws) return this.ws;
    return (this.http ?? this.ws)!;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => this.clock.setTimeout(r, ms));
  }
}
