// Test helpers for the core: a controllable clock, a recording sink and observer, fill/update builders,
// and a scripted "oracle jump with stale quotes" scenario. Real CoreEngine, real protocol formatting.
import type { UserFill, WsOrderUpdate } from '../../src/protocol/index.ts';
import { type CoreConfig, defaultCoreConfig } from '../../src/core/config.ts';
import { CoreEngine } from '../../src/core/engine.ts';
import type {
  CoreObserver,
  FillEvent,
  HardStopEvent,
  MarketSpec,
  OrderEvent,
  OutboundBatch,
  RoundTrip,
  SignalRecord,
} from '../../src/core/types.ts';

export const SILVER: MarketSpec = { coin: 'xyz:SILVER', assetId: 110026, szDecimals: 2, maxLeverage: 10 };
export const GOLD: MarketSpec = { coin: 'xyz:GOLD', assetId: 110003, szDecimals: 3, maxLeverage: 10 };
export const TSLA: MarketSpec = { coin: 'xyz:TSLA', assetId: 110001, szDecimals: 2, maxLeverage: 10 };

export const T0 = Date.UTC(2026, 1, 10, 3, 0, 0); // 03:00 UTC, outside any test blackout

export function testConfig(over: Partial<CoreConfig> = {}): CoreConfig {
  return { ...defaultCoreConfig, basisWarmupMs: 10_000, ...over };
}

export class Clock {
  t: number;
  constructor(t = T0) {
    this.t = t;
  }
  now = (): number => this.t;
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}

export class Recorder implements CoreObserver {
  signals: SignalRecord[] = [];
  orders: OrderEvent[] = [];
  fills: FillEvent[] = [];
  roundTrips: RoundTrip[] = [];
  hardStops: HardStopEvent[] = [];
  exits: { timeMs: number; coin: string; reason: string; attempt: number }[] = [];
  onSignal(r: SignalRecord): void {
    this.signals.push(r);
  }
  onOrder(e: OrderEvent): void {
    this.orders.push(e);
  }
  onFill(f: FillEvent): void {
    this.fills.push(f);
  }
  onRoundTrip(rt: RoundTrip): void {
    this.roundTrips.push(rt);
  }
  onHardStop(e: HardStopEvent): void {
    this.hardStops.push(e);
  }
  onExitTriggered(e: { timeMs: number; coin: string; reason: string; attempt: number }): void {
    this.exits.push(e);
  }
}

export class RecordingSink {
  batches: OutboundBatch[] = [];
  statusQueries: string[] = [];
  throwNext: Error | null = null;
  onSend: ((b: OutboundBatch) => void) | null = null;
  send(batch: OutboundBatch): void {
    if (this.throwNext !== null) {
      const e = this.throwNext;
      this.throwNext = null;
      throw e;
    }
    this.batches.push(batch);
    this.onSend?.(batch);
  }
  requestOrderStatus(cloid: string): void {
    this.statusQueries.push(cloid);
  }
  get orders() {
    return this.batches.flatMap((b) => b.orders);
  }
  last() {
    return this.batches[this.batches.length - 1];
  }
}

export interface Rig {
  engine: CoreEngine;
  clock: Clock;
  sink: RecordingSink;
  rec: Recorder;
}

export function rig(over: Partial<CoreConfig> = {}, markets: MarketSpec[] = [SILVER, GOLD, TSLA]): Rig {
  const clock = new Clock();
  const sink = new RecordingSink();
  const rec = new Recorder();
  const engine = new CoreEngine({ config: testConfig(over), markets, clock: clock.now, sink, observer: rec, cloidPrefix: 'aa', cloidStart: 1 });
  return { engine, clock, sink, rec };
}

/** Connected and READY-TRADING. */
export function ready(r: Rig): void {
  r.engine.onConnection(true);
  r.engine.onTradingReady(true);
}

/**
 * Feeds a calm market for `ms` (1 s steps): oracle = px, book px ± halfSpreadBps around px·(1+basisBps),
 * plenty of size. Warms both EWMAs.
 */
export function warm(r: Rig, coin: string, px: number, opts: { ms?: number; basisBps?: number; halfSpreadBps?: number; sz?: number } = {}): void {
  const ms = opts.ms ?? 12_000;
  const mid = px * (1 + (opts.basisBps ?? 0) / 1e4);
  const hs = (opts.halfSpreadBps ?? 2) / 1e4;
  const sz = opts.sz ?? 200;
  for (let t = 0; t <= ms; t += 1000) {
    r.engine.onAssetCtx(coin, px, px, 1000, r.clock.t);
    r.engine.onBbo(coin, mid * (1 - hs), sz, mid * (1 + hs), sz, r.clock.t);
    if (t < ms) r.clock.advance(1000);
  }
}

/** Oracle jumps by moveBps while the book stays where it was (stale maker quotes). */
export function oracleJump(r: Rig, coin: string, fromPx: number, moveBps: number): number {
  const px = fromPx * (1 + moveBps / 1e4);
  r.engine.onAssetCtx(coin, px, px, 1000, r.clock.t);
  return px;
}

let tidSeq = 1_000_000;
export function fill(coin: string, side: 'B' | 'A', px: number, sz: number, opts: { cloid?: string; oid?: number; tid?: number; fee?: number; time?: number } = {}): UserFill {
  const f: UserFill = {
    coin,
    px: String(px),
    sz: String(sz),
    side,
    time: opts.time ?? T0 + 10_000_000,
    startPosition: '0',
    dir: side === 'B' ? 'Open Long' : 'Open Short',
    closedPnl: '0',
    hash: '0x00',
    oid: opts.oid ?? 0,
    crossed: true,
    fee: String(opts.fee ?? 0),
    tid: opts.tid ?? tidSeq++,
    feeToken: 'USDC',
  };
  if (opts.cloid !== undefined) f.cloid = opts.cloid;
  return f;
}

export function orderUpdate(coin: string, cloid: string, oid: number, status: string, origSz: number, remaining: number, isBuy = true): WsOrderUpdate {
  return {
    order: { coin, side: isBuy ? 'B' : 'A', limitPx: '1', sz: String(remaining), oid, timestamp: 0, origSz: String(origSz), cloid },
    status,
    statusTimestamp: 0,
  };
}

/** Standard setup: ready, SILVER warmed at 100, oracle +100 bps, 50 ms later a bbo → one entry sent. */
export function enterLong(r: Rig, coin = SILVER.coin): { batchId: number; cloid: string; sz: number; px: number } {
  ready(r);
  warm(r, coin, 100);
  oracleJump(r, coin, 100, 100);
  r.clock.advance(50);
  r.engine.onBbo(coin, 99.98, 200, 100.02, 200, r.clock.t);
  const b = r.sink.last();
  if (b === undefined || b.orders.length !== 1) throw new Error('enterLong: expected one entry order');
  const o = b.orders[0];
  if (o === undefined) throw new Error('unreachable');
  return { batchId: b.id, cloid: o.cloid, sz: Number(o.wire.s), px: Number(o.wire.p) };
}
