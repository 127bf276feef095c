// Running totals of one bot run, fed by the core's observer: what the status line, the dashboard and the
// end-of-run summary show. Pure bookkeeping (no I/O); the numbers come from the core's own records, never
// recomputed differently (incident #40: the original's dashboard computed edge its own way).
import type { RoundTrip, SignalRecord } from '../../core/types.ts';
import { quantile } from './latency.ts';

export interface LatencyFigures {
  count: number;
  p50Us: number | null;
  p99Us: number | null;
}

export interface RunSummary {
  durationMs: number;
  signals: number;
  /** Re-announcements of an already signalled opportunity, counted apart. */
  duplicateSignals: number;
  signalsByDecision: Record<string, number>;
  /** Why signals did not become entries: first failing gate → count. */
  notEnteredBy: Record<string, number>;
  /** Entry orders handed to the socket. */
  entriesSent: number;
  /** Entry orders that filled (a position opened). */
  entriesFilled: number;
  exitsSent: number;
  roundTrips: number;
  exitsByReason: Record<string, number>;
  wins: number;
  winRate: number | null;
  pnlUsd: number;
  grossPnlUsd: number;
  feesUsd: number;
  meanSignalledEdgeBps: number | null;
  meanRealisedEdgeBps: number | null;
  openPositions: number;
  hardStop: { latched: boolean; reason: string };
  latency: Record<string, LatencyFigures>;
}

export class Activity {
  readonly startedMs: number;
  /** Distinct opportunities signalled. */
  signals = 0;
  /** Re-announcements of an opportunity already signalled (not in `signals`, nor in the gate counts). */
  duplicateSignals = 0;
  readonly signalsByDecision: Record<string, number> = {};
  readonly notEnteredBy: Record<string, number> = {};
  entriesSent = 0;
  exitsSent = 0;
  readonly roundTrips: RoundTrip[] = [];
  readonly exitsByReason: Record<string, number> = {};
  readonly gateCounters: Record<string, { pass: number; block: number }> = {};
  readonly pnlHistory: { tsMs: number; cumPnlUsd: number }[] = [];
  realisedPnlUsd = 0;
  grossPnlUsd = 0;
  feesUsd = 0;
  wins = 0;
  private signalledEdgeSum = 0;
  private signalledEdgeN = 0;
  private realisedEdgeSum = 0;

  constructor(startedMs: number) {
    this.startedMs = startedMs;
  }

  /** `duplicate`: a re-announcement of an opportunity already counted (see duplicates.ts), counted apart. */
  onSignal(r: SignalRecord, decision: string, duplicate = false): void {
    if (duplicate) {
      this.duplicateSignals++;
      return;
    }
    this.signals++;
    this.signalsByDecision[decision] = (this.signalsByDecision[decision] ?? 0) + 1;
    if (decision === 'shutdown') return; // after the stop: not a gate verdict of the run
    if (r.decision !== 'order') this.notEnteredBy[r.reason] = (this.notEnteredBy[r.reason] ?? 0) + 1;
    for (const g of r.gates) {
      let c = this.gateCounters[g.gate];
      if (c === undefined) this.gateCounters[g.gate] = c = { pass: 0, block: 0 };
      if (g.pass) c.pass++;
      else c.block++;
    }
  }

  onRoundTrip(rt: RoundTrip): void {
    this.roundTrips.push(rt);
    this.exitsByReason[rt.exitReason] = (this.exitsByReason[rt.exitReason] ?? 0) + 1;
    this.realisedPnlUsd += rt.pnlUsd;
    this.grossPnlUsd += rt.grossPnlUsd;
    this.feesUsd += rt.feesUsd;
    if (rt.pnlUsd > 0) this.wins++;
    if (rt.signalledEdgeBps !== null && Number.isFinite(rt.signalledEdgeBps)) {
      this.signalledEdgeSum += rt.signalledEdgeBps;
      this.signalledEdgeN++;
    }
    this.realisedEdgeSum += rt.realisedEdgeBps;
    this.pnlHistory.push({ tsMs: rt.exitTimeMs, cumPnlUsd: this.realisedPnlUsd });
    if (this.pnlHistory.length > 2000) this.pnlHistory.splice(0, this.pnlHistory.length - 2000);
  }

  summary(
    nowMs: number,
    extra: { openPositions: number; hardStop: { latched: boolean; reason: string }; latency: Record<string, Float64Array> },
  ): RunSummary {
    const n = this.roundTrips.length;
    const latency: Record<string, LatencyFigures> = {};
    for (const [name, samples] of Object.entries(extra.latency)) {
      const p50 = quantile(samples, 0.5);
      const p99 = quantile(samples, 0.99);
      latency[name] = { count: samples.length, p50Us: p50 === null ? null : p50 / 1000, p99Us: p99 === null ? null : p99 / 1000 };
    }
    return {
      durationMs: nowMs - this.startedMs,
      signals: this.signals,
      duplicateSignals: this.duplicateSignals,
      signalsByDecision: { ...this.signalsByDecision },
      notEnteredBy: { ...this.notEnteredBy },
      entriesSent: this.entriesSent,
      entriesFilled: n + extra.openPositions,
      exitsSent: this.exitsSent,
      roundTrips: n,
      exitsByReason: { ...this.exitsByReason },
      wins: this.wins,
      winRate: n === 0 ? null : this.wins / n,
      pnlUsd: this.realisedPnlUsd,
      grossPnlUsd: this.grossPnlUsd,
      feesUsd: this.feesUsd,
      meanSignalledEdgeBps: this.signalledEdgeN === 0 ? null : this.signalledEdgeSum / this.signalledEdgeN,
      meanRealisedEdgeBps: n === 0 ? null : this.realisedEdgeSum / n,
      openPositions: extra.openPositions,
      hardStop: extra.hardStop,
      latency,
    };
  }
}

/** The hard-stop reason the shutdown sequence uses to flatten through the core. */
export const SHUTDOWN_HARD_STOP = 'operator: shutdown';

const usd = (x: number) => `${x < 0 ? '-' : ''}$${Math.abs(x).toFixed(2)}`;
const bps = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(1)} bps`);
const us = (x: number | null) => (x === null ? 'n/a' : x >= 1000 ? `${(x / 1000).toFixed(2)} ms` : `${x.toFixed(1)} µs`);

const LATENCY_LABELS: Record<string, string> = {
  frameToDecision: 'frame → decision',
  frameToWire: 'frame → order on the wire',
  decisionToWire: 'decision → wire',
  exitTriggerToFlatten: 'exit trigger → flatten sent',
  postRoundTrip: 'post round trip',
};

/** The end-of-run summary as the terminal prints it (observe mode: signals and the market-data latency only). */
export function formatRunSummary(s: RunSummary, mode: 'observe' | 'trade' = 'trade'): string {
  const lines: string[] = [];
  const decisions = Object.entries(s.signalsByDecision)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  lines.push(`── summary (${(s.durationMs / 1000).toFixed(0)} s) ──`);
  lines.push(`signals        ${s.signals} distinct${decisions ? ` (${decisions})` : ''}; ${s.duplicateSignals} duplicate(s) of an opportunity already signalled`);
  const why = Object.entries(s.notEnteredBy)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  if (why) lines.push(`not entered    ${why} (first failing gate)`);
  if (mode === 'observe') {
    lines.push('observe mode: nothing traded (signals, follow-ups and the raw feed are in the journal and the recorder)');
    const f = s.latency.frameToDecision;
    if (f !== undefined) lines.push(`${LATENCY_LABELS.frameToDecision.padEnd(28)} p50 ${us(f.p50Us)}  p99 ${us(f.p99Us)}  (n=${f.count})`);
    return lines.join('\n');
  }
  lines.push(`entries        ${s.entriesSent} sent, ${s.entriesFilled} filled`);
  const reasons = Object.entries(s.exitsByReason)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  lines.push(`exits          ${s.roundTrips} round trips${reasons ? ` (${reasons})` : ''}; ${s.exitsSent} exit orders sent`);
  lines.push(`win rate       ${s.winRate === null ? 'n/a' : `${(s.winRate * 100).toFixed(1)} % (${s.wins}/${s.roundTrips})`}`);
  lines.push(`PnL net fees   ${usd(s.pnlUsd)} (gross ${usd(s.grossPnlUsd)}, fees ${usd(s.feesUsd)})`);
  lines.push(`edge           signalled ${bps(s.meanSignalledEdgeBps)} vs realised ${bps(s.meanRealisedEdgeBps)} (mean per round trip)`);
  for (const [k, label] of Object.entries(LATENCY_LABELS)) {
    const f = s.latency[k];
    if (f === undefined) continue;
    lines.push(`${label.padEnd(28)} p50 ${us(f.p50Us)}  p99 ${us(f.p99Us)}  (n=${f.count})`);
  }
  const hard = !s.hardStop.latched
    ? 'off'
    : s.hardStop.reason === SHUTDOWN_HARD_STOP
      ? 'latched by the shutdown to flatten (not a risk event)'
      : `LATCHED (${s.hardStop.reason})`;
  lines.push(`open positions ${s.openPositions}; hard stop ${hard}`);
  return lines.join('\n');
}
