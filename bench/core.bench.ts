// The bot's hot path in process: raw WS frames (bbo / activeAssetCtx text exactly as the venue sends them)
// → protocol fast parsers → CoreEngine (state, exit watcher, detector, gates, sizing, order construction)
// → a sink that builds the order action, signs it (createL1Signer, active secp256k1 backend) and
// JSON-serialises the post frame a socket would write.
// Figures: frame_to_order_wire.entry, frame_to_order_wire.exit (µs, p50/p99/p99.9),
// frame_to_handoff.entry_core_only (the same entry stopped at OrderSink.send: parse + core, no signing),
// md_throughput (frames/s over a bbo/ctx mix on 40 markets), md_core_only_throughput (the same events
// pre-parsed), md_alloc_bytes_per_frame / core_alloc_bytes_per_event (heap bytes, measured between forced
// GCs when no collection happened in between).
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CoreEngine, defaultCoreConfig, type CoreConfig, type MarketSpec, type OutboundBatch } from '../src/core/index.ts';
import {
  activeSignerBackend,
  createL1Signer,
  generatePrivateKey,
  newActiveAssetCtxFrame,
  newBboFrame,
  orderAction,
  PARSE_OK,
  parseActiveAssetCtxInto,
  parseBboInto,
} from '../src/protocol/index.ts';
import { fill } from '../test/core/helpers.ts';
import { type BenchRecorder, nowUs } from './harness.ts';

const N_MARKETS = 40;
const T0 = Date.UTC(2026, 1, 10, 3, 0, 0);

const markets: MarketSpec[] = Array.from({ length: N_MARKETS }, (_, i) => ({ coin: `xyz:M${i}`, assetId: 110_000 + i, szDecimals: 2 }));
const basePx = (i: number): number => 50 + 5 * i;

function bboText(coin: string, time: number, bid: number, bidSz: number, ask: number, askSz: number): string {
  return `{"channel":"bbo","data":{"coin":"${coin}","time":${time},"bbo":[{"px":"${bid}","sz":"${bidSz}","n":3},{"px":"${ask}","sz":"${askSz}","n":2}]}}`;
}

function ctxText(coin: string, oracle: number, mark: number): string {
  return (
    `{"channel":"activeAssetCtx","data":{"coin":"${coin}","ctx":{"funding":"0.0000125","openInterest":"1234.56",` +
    `"prevDayPx":"${mark}","dayNtlVlm":"183746.27","premium":"0.0001","oraclePx":"${oracle}","markPx":"${mark}",` +
    `"midPx":"${mark}","impactPxs":["${mark}","${mark}"],"dayBaseVlm":"7342.11"}}}`
  );
}

/** 5 significant figures, as the venue prints prices. */
const px5 = (x: number): number => Number(x.toPrecision(5));

/** Frame → parse → engine; the in-process equivalent of the venue layer's dispatch. */
class Pipeline {
  readonly bbo = newBboFrame();
  readonly ctx = newActiveAssetCtxFrame();
  readonly engine: CoreEngine;
  t = T0;
  constructor(engine: CoreEngine) {
    this.engine = engine;
  }
  feed(text: string): void {
    // {"channel":"b… vs {"channel":"a…: route on the first byte of the channel name
    if (text.charCodeAt(12) === 98) {
      if (parseBboInto(text, this.bbo) !== PARSE_OK) return;
      const b = this.bbo;
      this.engine.onBbo(b.coin, b.hasBid ? b.bidPx : 0, b.hasBid ? b.bidSz : 0, b.hasAsk ? b.askPx : 0, b.hasAsk ? b.askSz : 0, b.time);
    } else {
      if (parseActiveAssetCtxInto(text, this.ctx) !== PARSE_OK) return;
      const c = this.ctx;
      this.engine.onAssetCtx(c.coin, c.oraclePx, c.markPx, c.openInterest, this.t);
    }
  }
}

/** The app's side of the hand-off: order action, signature, post frame text. */
class SigningSink {
  private readonly signer = createL1Signer(generatePrivateKey(), { isMainnet: false });
  /** false: stop at the hand-off (the core's own share of the latency). */
  private readonly sign: boolean;
  constructor(sign = true) {
    this.sign = sign;
  }
  private nonce = 1_760_000_000_000;
  private id = 0;
  lastFrame = '';
  lastBatch: OutboundBatch | null = null;
  doneUs = 0;
  send(batch: OutboundBatch): void {
    this.lastBatch = batch;
    if (this.sign && batch.orders.length > 0) {
      const wires = batch.orders.map((o) => o.wire);
      const action = orderAction(wires);
      const nonce = ++this.nonce;
      const signature = this.signer.sign(action, nonce);
      this.lastFrame = JSON.stringify({ method: 'post', id: ++this.id, request: { type: 'action', payload: { action, nonce, signature } } });
    }
    this.doneUs = nowUs();
  }
}

function engineConfig(over: Partial<CoreConfig>): CoreConfig {
  return { ...defaultCoreConfig, actionBudgetOrders: 1_000_000, maxConcurrentPositions: 40, maxTotalNotionalUsd: 1_000_000, maxCumulativeLossUsd: 1e12, maxConsecutiveLosses: 0, ...over };
}

/** Warms every market: 70 s of calm frames so EWMAs and the basis warm-up are satisfied; the book of
 * market i sits `basisBps(i)` from the oracle. */
function warmAll(p: Pipeline, basisBps: (i: number) => number = () => 0): void {
  for (let s = 0; s <= 70; s++) {
    for (let i = 0; i < N_MARKETS; i++) {
      const m = markets[i] as MarketSpec;
      const px = basePx(i);
      const mid = px * (1 + basisBps(i) / 1e4);
      p.feed(ctxText(m.coin, px, px));
      p.feed(bboText(m.coin, p.t, px5(mid * 0.9998), 100, px5(mid * 1.0002), 100));
    }
    p.t += 1000;
  }
}

function benchEntry(r: BenchRecorder, samples: number, warmup: number, name = 'frame_to_order_wire.entry', sign = true): void {
  const sink = new SigningSink(sign);
  const p: Pipeline = new Pipeline(
    new CoreEngine({ config: engineConfig({}), markets, clock: () => p.t, sink, cloidPrefix: 'b0', cloidStart: 1 }),
  );
  p.engine.onConnection(true);
  p.engine.onTradingReady(true);
  warmAll(p);
  // Per sample, untimed: an oracle step (alternately +1 % / back) on one market; 50 ms later, timed: the
  // stale bbo frame that makes the core send an IOC entry. Then, untimed, the IOC's no-match answer.
  // The frame text carries the current venue time (built untimed): an older one would be refused by the
  // TimeRegression gate.
  const jumps: string[] = [];
  for (let i = 0; i < N_MARKETS; i++) {
    const m = markets[i] as MarketSpec;
    const px = basePx(i);
    jumps.push(ctxText(m.coin, px5(px * 1.01), px5(px * 1.005)), ctxText(m.coin, px, px));
  }
  const staleFrame = (i: number, time: number): string => {
    const px = basePx(i);
    return bboText((markets[i] as MarketSpec).coin, time, px5(px * 0.9998), 100, px5(px * 1.0002), 100);
  };
  const lat: number[] = [];
  let sent = 0;
  for (let k = 0; k < warmup + samples; k++) {
    const i = k % N_MARKETS;
    const up = Math.floor(k / N_MARKETS) % 2 === 0;
    p.t += 200;
    p.feed(jumps[2 * i + (up ? 0 : 1)] as string);
    p.t += 50;
    const frame = staleFrame(i, p.t);
    sink.lastBatch = null;
    const t0 = nowUs();
    p.feed(frame);
    const b = sink.lastBatch as OutboundBatch | null;
    if (b === null || b.orders.length !== 1) continue;
    if (k >= warmup) lat.push(sink.doneUs - t0);
    sent++;
    p.engine.onPostResult(b.id, { kind: 'ok', statuses: [{ error: 'Order could not immediately match against any resting orders.' }] });
  }
  if (sent < (warmup + samples) * 0.9) throw new Error(`entry bench: only ${sent} entries for ${warmup + samples} stale frames`);
  r.latency(name, 'µs', lat);
}

function benchExit(r: BenchRecorder, samples: number, warmup: number): void {
  const sink = new SigningSink();
  const p: Pipeline = new Pipeline(
    new CoreEngine({
      config: engineConfig({ timeStopMs: 0, oracleReversalBps: 0, minHoldingMs: 300, exitThresholdBps: 5 }),
      markets,
      clock: () => p.t,
      sink,
      cloidPrefix: 'b1',
      cloidStart: 1,
    }),
  );
  p.engine.onConnection(true);
  p.engine.onTradingReady(true);
  warmAll(p);
  // Per sample, untimed: a long position appears (a fill), the book sits below the oracle; 1 s later,
  // timed: the bbo frame showing the book back at the oracle → reduce-only IOC. Untimed: it fills.
  const below: string[] = [];
  const regressed: string[] = [];
  for (let i = 0; i < N_MARKETS; i++) {
    const m = markets[i] as MarketSpec;
    const px = basePx(i);
    below.push(bboText(m.coin, T0, px5(px * 0.995), 100, px5(px * 0.9955), 100));
    regressed.push(bboText(m.coin, T0, px5(px * 0.9999), 100, px5(px * 1.0003), 100));
  }
  const lat: number[] = [];
  let sent = 0;
  for (let k = 0; k < warmup + samples; k++) {
    const i = k % N_MARKETS;
    const m = markets[i] as MarketSpec;
    p.t += 100;
    p.feed(below[i] as string);
    p.engine.onUserFills([fill(m.coin, 'B', px5(basePx(i) * 0.9955), 0.2, { oid: 1, fee: 0.001, time: p.t })], false);
    p.t += 1000;
    sink.lastBatch = null;
    const t0 = nowUs();
    p.feed(regressed[i] as string);
    const b = sink.lastBatch as OutboundBatch | null;
    if (b === null || b.orders.length !== 1 || b.orders[0]?.reduceOnly !== true) continue;
    if (k >= warmup) lat.push(sink.doneUs - t0);
    sent++;
    p.engine.onPostResult(b.id, { kind: 'ok', statuses: [{ filled: { totalSz: '0.2', avgPx: String(basePx(i)), oid: 100_000 + k } }] });
    p.engine.onUserFills([fill(m.coin, 'A', basePx(i), 0.2, { cloid: b.orders[0]?.cloid, oid: 100_000 + k, fee: 0.001, time: p.t })], false);
  }
  if (sent < (warmup + samples) * 0.9) throw new Error(`exit bench: only ${sent} exits for ${warmup + samples} regression frames`);
  r.latency('frame_to_order_wire.exit', 'µs', lat);
}

/** A bbo/ctx mix (4:1) over 40 markets, oracle and book jittering within a few bps of their base: no signals, 10 markets
 * carry a position whose exit check (time stop, oracle reversal, mark regression) runs on every event of
 * the market without firing — nothing is in flight, so the measured path is the full exit evaluation. */
function mdFrames(count: number): string[] {
  let seed = 42;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const out: string[] = [];
  const oracle = markets.map((_, i) => basePx(i));
  for (let k = 0; k < count; k++) {
    const i = Math.floor(rnd() * N_MARKETS);
    const m = markets[i] as MarketSpec;
    if (rnd() < 0.2) {
      // within ±2 bps of the base price, not a random walk: the frames are replayed in a loop, and a drift
      // would jump back at each wrap
      oracle[i] = px5(basePx(i) * (1 + (rnd() - 0.5) * 0.0004));
      out.push(ctxText(m.coin, oracle[i] as number, oracle[i] as number));
    } else {
      const mid = (oracle[i] as number) * (1 + (rnd() - 0.5) * 0.0002);
      out.push(bboText(m.coin, T0 + k, px5(mid * 0.9998), Number((50 + rnd() * 100).toFixed(2)), px5(mid * 1.0002), Number((50 + rnd() * 100).toFixed(2))));
    }
  }
  return out;
}

/** The 10 markets that hold a position during the md runs. */
const HELD = Array.from({ length: 10 }, (_, i) => i * 4);

/** Exits configured to be evaluated on every event but never to fire on the md mix: time stop far away,
 * oracle reversal beyond any random-walk move, quick profit off, mark regression at 0 bps against a fair
 * price 12 bps above the oracle (the held markets' basis, learnt in the warm-up and held by a very long
 * half-life), so the bid (≈ oracle − 2 bps) never reaches it. Edge evaporation is off: on a calm book the
 * entry-side edge is always gone, so it would fire at once. */
function mdConfig(): CoreConfig {
  const markets: CoreConfig['markets'] = {};
  for (const i of HELD) markets[`xyz:M${i}`] = { basisHalfLifeMs: 1e12 };
  return engineConfig({ timeStopMs: 1e12, oracleReversalBps: 500, quickProfitBps: 0, exitThresholdBps: 0, edgeEvaporationExit: false, markets });
}

function mdPipeline(): Pipeline {
  const sink = new SigningSink();
  const p: Pipeline = new Pipeline(new CoreEngine({ config: mdConfig(), markets, clock: () => p.t, sink, cloidPrefix: 'b2', cloidStart: 1 }));
  p.engine.onConnection(true);
  p.engine.onTradingReady(true);
  warmAll(p, (i) => (HELD.includes(i) ? 12 : 0));
  for (let i = 0; i < 10; i++) {
    const m = markets[i * 4] as MarketSpec;
    p.engine.onUserFills([fill(m.coin, 'B', basePx(i * 4), 0.1, { oid: 1, tid: 900_000 + i, time: p.t })], false);
  }
  // a warm-up pass; any order it produced is answered (IOC no match) so nothing stays in flight
  const warm = mdFrames(4096);
  for (const f of warm) {
    p.t++;
    sink.lastBatch = null;
    p.feed(f);
    const b = sink.lastBatch as OutboundBatch | null;
    if (b !== null && b.orders.length > 0) p.engine.onPostResult(b.id, { kind: 'ok', statuses: b.orders.map(() => ({ error: 'Order could not immediately match against any resting orders.' })) });
  }
  const held = p.engine.positions();
  if (held.length !== 10 || held.some((x) => x.flattenInFlight || x.exitReason !== null)) {
    throw new Error(`md bench: expected 10 held positions with no exit in progress, got ${JSON.stringify(held.map((x) => [x.coin, x.exitReason, x.flattenInFlight]))} (hard stop: ${p.engine.hardStopState().reason})`);
  }
  return p;
}

function mdLoop(p: Pipeline, frames: string[], n: number): void {
  const mask = frames.length - 1;
  for (let k = 0; k < n; k++) {
    p.t++;
    p.feed(frames[k & mask] as string);
  }
}

/** The same frames pre-parsed: the core alone, for its share of time and allocation. */
interface Parsed {
  bbo: boolean;
  coin: string;
  a: number;
  b: number;
  c: number;
  d: number;
  time: number;
}

function preParse(frames: string[]): Parsed[] {
  const bf = newBboFrame();
  const cf = newActiveAssetCtxFrame();
  return frames.map((f) => {
    if (f.charCodeAt(12) === 98) {
      parseBboInto(f, bf);
      return { bbo: true, coin: bf.coin, a: bf.bidPx, b: bf.bidSz, c: bf.askPx, d: bf.askSz, time: bf.time };
    }
    parseActiveAssetCtxInto(f, cf);
    return { bbo: false, coin: cf.coin, a: cf.oraclePx, b: cf.markPx, c: cf.openInterest, d: 0, time: 0 };
  });
}

function coreLoop(p: Pipeline, events: Parsed[], n: number): void {
  const mask = events.length - 1;
  const e = p.engine;
  for (let k = 0; k < n; k++) {
    p.t++;
    const x = events[k & mask] as Parsed;
    if (x.bbo) e.onBbo(x.coin, x.a, x.b, x.c, x.d, x.time);
    else e.onAssetCtx(x.coin, x.a, x.b, x.c, p.t);
  }
}

function allocPerEvent(run: (n: number) => void, gc: () => void, n: number): number | null {
  let gcs = 0;
  const obs = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  obs.observe({ entryTypes: ['gc'] });
  const per: number[] = [];
  for (let k = 0; k < 7; k++) {
    gc();
    const before = gcs;
    const h0 = process.memoryUsage().heapUsed;
    run(n);
    const h1 = process.memoryUsage().heapUsed;
    if (gcs === before) per.push((h1 - h0) / n);
  }
  obs.disconnect();
  if (per.length === 0) return null;
  per.sort((a, b) => a - b);
  return per[Math.floor(per.length / 2)] as number;
}

function benchMd(r: BenchRecorder): void {
  const frames = mdFrames(8192);
  const p = mdPipeline();
  mdLoop(p, frames, 200_000); // JIT warm-up
  const c0 = p.engine.counters;
  const rates: number[] = [];
  for (let run = 0; run < 5; run++) {
    const n = 1_000_000;
    const t0 = nowUs();
    mdLoop(p, frames, n);
    rates.push(n / ((nowUs() - t0) / 1e6));
  }
  rates.sort((a, b) => a - b);
  r.throughput('md_throughput', 'frames/s', rates[2] as number);
  const c1 = p.engine.counters;
  if (c1.exitsSent !== c0.exitsSent || p.engine.positions().some((x) => x.flattenInFlight || x.exitReason !== null)) {
    throw new Error('md bench: an exit fired during the measured runs (the exit check must run, not fire)');
  }
  r.note(
    `md_throughput: median of 5 × 1M frames; ${N_MARKETS} markets, 80 % bbo / 20 % ctx, 10 markets with a position; ` +
      `exit check evaluated (not firing) on every event of those; during the runs: ${c1.signals - c0.signals} signal records, ${c1.entriesSent + c1.exitsSent - c0.entriesSent - c0.exitsSent} orders`,
  );

  const events = preParse(frames);
  coreLoop(p, events, 200_000);
  const t0 = nowUs();
  coreLoop(p, events, 1_000_000);
  r.throughput('md_core_only_throughput', 'events/s', 1_000_000 / ((nowUs() - t0) / 1e6));

  // allocations: forced GC, run N frames, read the heap; valid only if no GC ran in between
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  if (typeof gc !== 'function') {
    r.note('allocation figures not measured (gc not exposable)');
    return;
  }
  const md = allocPerEvent((n) => mdLoop(p, frames, n), gc, 20_000);
  if (md === null) r.note('md_alloc_bytes_per_frame: not measured (a GC ran inside every window)');
  else r.throughput('md_alloc_bytes_per_frame', 'bytes/frame', md);
  const core = allocPerEvent((n) => coreLoop(p, events, n), gc, 20_000);
  if (core === null) r.note('core_alloc_bytes_per_event: not measured (a GC ran inside every window)');
  else r.throughput('core_alloc_bytes_per_event', 'bytes/event', core);
}

export default async function (r: BenchRecorder): Promise<void> {
  r.note(`signer backend: ${activeSignerBackend().name}`);
  benchEntry(r, 20_000, 2_000);
  benchEntry(r, 20_000, 2_000, 'frame_to_handoff.entry_core_only', false);
  benchExit(r, 20_000, 2_000);
  benchMd(r);
}
