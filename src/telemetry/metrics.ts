// Prometheus metrics. Every metric declared here has a method that writes it, and a test drives every method
// and checks every metric has samples (the original declared ~30 metrics, wrote 15 and exposed none, L20).
// Latencies are passed in nanoseconds (from process.hrtime.bigint differences) and stored in seconds.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LatencyHistogram } from './dashboard/types.ts';

// 5 µs … 1 s: the in-process path is budgeted at 150 µs p99; a post round trip is milliseconds.
const LATENCY_BUCKETS_S = [5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 1.5e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const NS_PER_S = 1e9;

/** A label value of bounded cardinality: numbers become N, length is capped, secrets removed. */
export function reasonLabel(text: string, redact: (s: string) => string = (s) => s): string {
  return redact(text)
    .replace(/0x[0-9a-fA-F]+/g, 'HEX')
    .replace(/\d+(\.\d+)?/g, 'N')
    .slice(0, 80);
}

export interface MetricsOptions {
  /** Prefix of every metric name. */
  prefix?: string;
  /** Applied to free-text label values (rejection reasons). */
  redact?: (s: string) => string;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly redact: (s: string) => string;
  private readonly written = new Set<string>();

  private readonly frameToDecision: Histogram;
  private readonly decisionToWire: Histogram;
  private readonly exitTriggerToFlatten: Histogram;
  private readonly postRoundTrip: Histogram;
  private readonly framesTotal: Counter;
  private readonly frameErrorsTotal: Counter;
  private readonly signalsTotal: Counter;
  private readonly gateVerdictsTotal: Counter;
  private readonly rejectionsTotal: Counter;
  private readonly ordersTotal: Counter;
  private readonly fillsTotal: Counter;
  private readonly roundTripsTotal: Counter;
  private readonly openPositions: Gauge;
  private readonly positionNotional: Gauge;
  private readonly realisedPnl: Gauge;
  private readonly unrealisedPnl: Gauge;
  private readonly ready: Gauge;
  private readonly hardStop: Gauge;
  private readonly reconnectsTotal: Counter;
  private readonly journalQueue: Gauge;

  constructor(options: MetricsOptions = {}) {
    const p = options.prefix ?? 'hip3_';
    this.redact = options.redact ?? ((s) => s);
    const registers = [this.registry];
    const hist = (name: string, help: string, labelNames: string[] = []) =>
      new Histogram({ name: p + name, help, labelNames, buckets: LATENCY_BUCKETS_S, registers });
    const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name: p + name, help, labelNames, registers });
    const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name: p + name, help, labelNames, registers });

    this.frameToDecision = hist('frame_to_decision_seconds', 'Inbound frame received → decision taken (signal evaluated), in process', ['kind']);
    this.decisionToWire = hist('decision_to_wire_seconds', 'Decision → signed order frame handed to the socket', ['purpose']);
    this.exitTriggerToFlatten = hist('exit_trigger_to_flatten_seconds', 'Exit condition detected → reduce-only order handed to the socket', ['reason']);
    this.postRoundTrip = hist('post_round_trip_seconds', 'Post request written → its response received', ['type']);
    this.framesTotal = counter('frames_total', 'Inbound WebSocket frames by channel', ['channel']);
    this.frameErrorsTotal = counter('frame_errors_total', 'Inbound frames that could not be parsed (counted, never fatal)', ['channel']);
    this.signalsTotal = counter('signals_total', 'Signals evaluated, by market, side and decision', ['market', 'side', 'decision']);
    this.gateVerdictsTotal = counter('gate_verdicts_total', 'Gate verdicts, by gate and verdict (pass/block)', ['gate', 'verdict']);
    this.rejectionsTotal = counter('rejections_total', 'Rejections by source (gate/venue) and reason', ['source', 'reason', 'benign']);
    this.ordersTotal = counter('orders_total', 'Orders handed to the socket, by purpose and final outcome', ['purpose', 'outcome']);
    this.fillsTotal = counter('fills_total', 'Fills (deduplicated by tid), by market and side', ['market', 'side']);
    this.roundTripsTotal = counter('round_trips_total', 'Completed round trips, by market, exit reason and result', ['market', 'exit_reason', 'result']);
    this.openPositions = gauge('open_positions', 'Markets with a non-zero position');
    this.positionNotional = gauge('position_notional_usd', 'Signed position notional at mark, USD', ['market']);
    this.realisedPnl = gauge('realised_pnl_usd', 'Cumulative realised PnL after fees since start, USD');
    this.unrealisedPnl = gauge('unrealised_pnl_usd', 'Unrealised PnL of open positions at mark, USD');
    this.ready = gauge('ready', 'Readiness (1 = ready): "trading", "market-data" or a market name', ['scope']);
    this.hardStop = gauge('hard_stop', 'Hard stop latched (1) or not (0)');
    this.reconnectsTotal = counter('reconnects_total', 'WebSocket reconnects');
    this.journalQueue = gauge('journal_queue_rows', 'Journal rows queued and not yet written');
  }

  // A synchronous copy of the latency distributions for the dashboard (prom-client only reads asynchronously).
  private readonly latencyCounts = new Map<string, Float64Array>();

  private mark(name: string): void {
    this.written.add(name);
  }

  private keep(name: string, seconds: number): void {
    let counts = this.latencyCounts.get(name);
    if (!counts) this.latencyCounts.set(name, (counts = new Float64Array(LATENCY_BUCKETS_S.length + 1)));
    let i = 0;
    while (i < LATENCY_BUCKETS_S.length && seconds > LATENCY_BUCKETS_S[i]) i++;
    counts[i]++;
  }

  /** Latency histograms as the dashboard draws them, with p50/p99 read from the buckets (upper bounds). */
  latencySummary(): LatencyHistogram[] {
    const out: LatencyHistogram[] = [];
    for (const [name, counts] of this.latencyCounts) {
      const total = counts.reduce((a, b) => a + b, 0);
      const quantileUs = (q: number): number | null => {
        if (total === 0) return null;
        let acc = 0;
        for (let i = 0; i < counts.length; i++) {
          acc += counts[i];
          if (acc >= q * total) return i < LATENCY_BUCKETS_S.length ? LATENCY_BUCKETS_S[i] * 1e6 : Number.POSITIVE_INFINITY;
        }
        return null;
      };
      out.push({
        name,
        buckets: Array.from(counts, (count, i) => ({ leUs: i < LATENCY_BUCKETS_S.length ? Math.round(LATENCY_BUCKETS_S[i] * 1e6 * 1000) / 1000 : Number.POSITIVE_INFINITY, count })),
        p50Us: quantileUs(0.5),
        p99Us: quantileUs(0.99),
      });
    }
    return out;
  }

  // ---- latencies (ns) ----
  observeFrameToDecision(ns: number, kind: 'entry' | 'exit' | 'none' = 'none'): void {
    this.frameToDecision.observe({ kind }, ns / NS_PER_S);
    this.keep('frame→decision', ns / NS_PER_S);
    this.mark('frame_to_decision_seconds');
  }
  observeDecisionToWire(ns: number, purpose: 'entry' | 'exit'): void {
    this.decisionToWire.observe({ purpose }, ns / NS_PER_S);
    this.keep('decision→wire', ns / NS_PER_S);
    this.mark('decision_to_wire_seconds');
  }
  observeExitTriggerToFlatten(ns: number, reason: string): void {
    this.exitTriggerToFlatten.observe({ reason: reasonLabel(reason, this.redact) }, ns / NS_PER_S);
    this.keep('exit trigger→flatten sent', ns / NS_PER_S);
    this.mark('exit_trigger_to_flatten_seconds');
  }
  observePostRoundTrip(ns: number, type: 'action' | 'info'): void {
    this.postRoundTrip.observe({ type }, ns / NS_PER_S);
    this.keep(`post round trip (${type})`, ns / NS_PER_S);
    this.mark('post_round_trip_seconds');
  }

  // ---- counters ----
  /** `n` frames at once (the bot batches its hot-path counts once a second). */
  countFrame(channel: string, n = 1): void {
    if (n <= 0) return;
    this.framesTotal.inc({ channel }, n);
    this.mark('frames_total');
  }
  countFrameError(channel: string, n = 1): void {
    this.frameErrorsTotal.inc({ channel: reasonLabel(channel) }, n);
    this.mark('frame_errors_total');
  }
  countSignal(market: string, side: string, decision: string): void {
    this.signalsTotal.inc({ market, side, decision });
    this.mark('signals_total');
  }
  countGateVerdict(gate: string, pass: boolean): void {
    this.gateVerdictsTotal.inc({ gate, verdict: pass ? 'pass' : 'block' });
    this.mark('gate_verdicts_total');
  }
  /**
   * Zero-valued series for the rejection reasons known at start (the entry gates), so the counter is written
   * — and rate() works — before the first rejection; a run whose every signal was entered has none.
   */
  initRejectionReasons(source: 'gate' | 'venue', reasons: Iterable<string>): void {
    for (const reason of reasons) this.rejectionsTotal.inc({ source, reason: reasonLabel(reason, this.redact), benign: 'false' }, 0);
    this.mark('rejections_total');
  }
  countRejection(source: 'gate' | 'venue', reason: string, benign = false): void {
    this.rejectionsTotal.inc({ source, reason: reasonLabel(reason, this.redact), benign: benign ? 'true' : 'false' });
    this.mark('rejections_total');
  }
  countOrder(purpose: 'entry' | 'exit', outcome: string): void {
    this.ordersTotal.inc({ purpose, outcome });
    this.mark('orders_total');
  }
  countFill(market: string, side: string): void {
    this.fillsTotal.inc({ market, side });
    this.mark('fills_total');
  }
  countRoundTrip(market: string, exitReason: string, pnlUsd: number): void {
    this.roundTripsTotal.inc({ market, exit_reason: reasonLabel(exitReason, this.redact), result: pnlUsd > 0 ? 'win' : 'loss' });
    this.mark('round_trips_total');
  }
  countReconnect(): void {
    this.reconnectsTotal.inc();
    this.mark('reconnects_total');
  }

  // ---- gauges ----
  setPositions(positions: Iterable<{ market: string; notionalUsd: number }>): void {
    let open = 0;
    this.positionNotional.reset();
    for (const p of positions) {
      if (p.notionalUsd !== 0) open++;
      this.positionNotional.set({ market: p.market }, p.notionalUsd);
    }
    this.openPositions.set(open);
    this.mark('open_positions');
    this.mark('position_notional_usd');
  }
  setPnl(realisedUsd: number, unrealisedUsd: number): void {
    this.realisedPnl.set(realisedUsd);
    this.unrealisedPnl.set(unrealisedUsd);
    this.mark('realised_pnl_usd');
    this.mark('unrealised_pnl_usd');
  }
  setReady(scope: string, ready: boolean): void {
    this.ready.set({ scope }, ready ? 1 : 0);
    this.mark('ready');
  }
  setHardStop(latched: boolean): void {
    this.hardStop.set(latched ? 1 : 0);
    this.mark('hard_stop');
  }
  setJournalQueue(rows: number): void {
    this.journalQueue.set(rows);
    this.mark('journal_queue_rows');
  }

  /** Names (without prefix) of the metrics written at least once. */
  writtenMetrics(): Set<string> {
    return new Set(this.written);
  }

  /** The exposition text, secrets removed. */
  async exposition(): Promise<string> {
    return this.redact(await this.registry.metrics());
  }
}

/** An HTTP handler serving GET /metrics; anything else is 404. */
export function metricsHandler(metrics: Metrics): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.exposition().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics error: ${String(err)}\n`),
    );
  };
}

export interface MetricsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves /metrics on 127.0.0.1 (port 0 = any free port). */
export function startMetricsServer(metrics: Metrics, port = 0): Promise<MetricsServer> {
  const server: Server = createServer(metricsHandler(metrics));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const p = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${p}/metrics`,
        port: p,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
