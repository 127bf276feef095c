// The evaluation of a journal: statistics per market and overall after the first 10, 50 and 100 round trips
// (and all of them), a Go/No-Go verdict against configured thresholds, a text rendering for the terminal and
// a self-contained HTML page with inline SVG charts. `evaluateVerdict` is pure so the app can run it live to
// latch the hard stop.
import { sideEdgeBps } from './follow-ups.ts';
import { type RoundTripRow, type RunRow, realisedEdgeAfterFeesBps, type SignalObservation } from './types.ts';

export interface ReportThresholds {
  /** Below this many round trips the verdict is "insufficient data", never Go. */
  minRoundTrips: number;
  /** Fraction of round trips with PnL > 0 after fees. */
  minWinRate: number;
  /** Mean net edge per round trip (PnL after fees / entry notional), bps. */
  minRealisedEdgeBps: number;
  /** Mean realised (price) edge / mean signalled edge: how much of the promised edge was captured. */
  minEdgeCapture: number;
  maxMeanSlippageBps: number;
  minNetPnlUsd: number;
}

export interface TradeStats {
  count: number;
  wins: number;
  winRate: number;
  meanSignalledEdgeBps: number;
  /** Mean price edge captured, before fees (comparable with the signalled edge). */
  meanRealisedEdgeBps: number;
  /** Mean PnL after fees per round trip as bps of its entry notional. */
  meanNetEdgeBps: number;
  /** meanRealised / meanSignalled; NaN when the signalled mean is not positive. */
  edgeCapture: number;
  meanSlippageBps: number;
  feesUsd: number;
  /** Cumulative PnL after fees, USD. */
  pnlUsd: number;
  meanHoldingMs: number;
  medianHoldingMs: number;
  exitsByReason: Record<string, number>;
}

export function computeStats(rows: readonly RoundTripRow[]): TradeStats {
  const n = rows.length;
  let wins = 0;
  let sig = 0;
  let sigN = 0;
  let real = 0;
  let net = 0;
  let slip = 0;
  let slipN = 0;
  let fees = 0;
  let pnl = 0;
  let hold = 0;
  const holds: number[] = [];
  const exitsByReason: Record<string, number> = {};
  for (const r of rows) {
    if (r.pnlUsd > 0) wins++;
    if (r.signalledEdgeBps !== null) {
      sig += r.signalledEdgeBps;
      sigN++;
    }
    real += r.realisedEdgeBps;
    net += realisedEdgeAfterFeesBps(r.pnlUsd, r.entryPx, r.size);
    if (r.slippageBps !== null) {
      slip += r.slippageBps;
      slipN++;
    }
    fees += r.feesUsd;
    pnl += r.pnlUsd;
    const h = r.exitMs - r.entryMs;
    hold += h;
    holds.push(h);
    exitsByReason[r.exitReason] = (exitsByReason[r.exitReason] ?? 0) + 1;
  }
  holds.sort((a, b) => a - b);
  const mean = (x: number) => (n === 0 ? Number.NaN : x / n);
  // Round trips without a signal (adopted positions) or without a known slippage count in neither mean.
  const meanSig = sigN === 0 ? Number.NaN : sig / sigN;
  const meanReal = mean(real);
  return {
    count: n,
    wins,
    winRate: mean(wins),
    meanSignalledEdgeBps: meanSig,
    meanRealisedEdgeBps: meanReal,
    meanNetEdgeBps: mean(net),
    edgeCapture: meanSig > 0 ? meanReal / meanSig : Number.NaN,
    meanSlippageBps: slipN === 0 ? Number.NaN : slip / slipN,
    feesUsd: fees,
    pnlUsd: pnl,
    meanHoldingMs: mean(hold),
    medianHoldingMs: n === 0 ? Number.NaN : n % 2 ? holds[(n - 1) / 2] : (holds[n / 2 - 1] + holds[n / 2]) / 2,
    exitsByReason,
  };
}

export interface VerdictCheck {
  name: keyof ReportThresholds;
  pass: boolean;
  actual: number;
  limit: number;
  /** "win rate 22.1% < 50.0%" */
  text: string;
}

export interface Verdict {
  status: 'go' | 'no-go' | 'insufficient-data';
  checks: VerdictCheck[];
  /** One line: what decided the verdict. */
  summary: string;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const bps = (x: number) => `${x.toFixed(2)} bps`;
const usd = (x: number) => `${x < 0 ? '-' : ''}$${Math.abs(x).toFixed(2)}`;

/** Go only when there are enough round trips and every threshold holds; the failed ones are named. */
export function evaluateVerdict(stats: TradeStats, t: ReportThresholds): Verdict {
  const check = (name: keyof ReportThresholds, actual: number, limit: number, atLeast: boolean, fmt: (x: number) => string, label: string): VerdictCheck => {
    // NaN (no data, or nothing signalled) never passes.
    const pass = atLeast ? actual >= limit : actual <= limit;
    const f = (x: number) => (Number.isNaN(x) ? 'n/a' : fmt(x));
    return { name, pass, actual, limit, text: `${label} ${f(actual)} ${pass ? (atLeast ? '≥' : '≤') : Number.isNaN(actual) ? 'vs' : atLeast ? '<' : '>'} ${f(limit)}` };
  };
  const checks = [
    check('minRoundTrips', stats.count, t.minRoundTrips, true, (x) => String(x), 'round trips'),
    check('minWinRate', stats.winRate, t.minWinRate, true, pct, 'win rate'),
    check('minRealisedEdgeBps', stats.meanNetEdgeBps, t.minRealisedEdgeBps, true, bps, 'mean net edge after fees'),
    check('minEdgeCapture', stats.edgeCapture, t.minEdgeCapture, true, (x) => x.toFixed(2), 'edge capture (realised/signalled)'),
    check('maxMeanSlippageBps', stats.meanSlippageBps, t.maxMeanSlippageBps, false, bps, 'mean slippage'),
    check('minNetPnlUsd', stats.pnlUsd, t.minNetPnlUsd, true, usd, 'net PnL'),
  ];
  const failed = checks.filter((c) => !c.pass);
  if (!checks[0].pass) {
    const others = failed.slice(1).map((c) => c.text);
    return {
      status: 'insufficient-data',
      checks,
      summary: `INSUFFICIENT DATA: ${checks[0].text}${others.length ? `; so far also failing: ${others.join('; ')}` : ''}`,
    };
  }
  if (failed.length > 0) return { status: 'no-go', checks, summary: `NO-GO: ${failed.map((c) => c.text).join('; ')}` };
  return { status: 'go', checks, summary: `GO: every threshold holds over ${stats.count} round trips` };
}

export interface Checkpoint {
  /** "first 10", "first 50", "first 100", "all". */
  label: string;
  stats: TradeStats;
}

export interface MarketSection {
  market: string;
  checkpoints: Checkpoint[];
  verdict: Verdict;
}

export interface Report {
  generatedMs: number;
  runs: RunRow[];
  overall: MarketSection;
  markets: MarketSection[];
  thresholds: ReportThresholds;
  roundTrips: RoundTripRow[];
  /** Signal statistics: what observe mode is for; reported when there are no round trips. */
  signals?: SignalStats;
}

// ---- signal statistics (observe mode: no round trips, but every opportunity and what its edge did next) ----

export interface Distribution {
  n: number;
  mean: number;
  median: number;
  p10: number;
  p90: number;
}

export interface DecayPoint {
  offsetMs: number;
  /** Signals with a follow-up at this offset. */
  n: number;
  meanBps: number;
  medianBps: number;
  /** Share of them whose edge (raw, the signal's side) was still > 0. */
  positiveShare: number;
}

export interface SignalStats {
  /** Distinct signals (duplicates excluded). */
  count: number;
  byDecision: Record<string, number>;
  byMarket: { market: string; count: number; edge: Distribution }[];
  /** The detector's edge at the signal (its mode: raw or relative to basis). */
  edge: Distribution;
  /** The raw edge at the signal (oracle vs the touch), comparable with the follow-ups. */
  rawEdgeAtSignal: Distribution;
  /** The raw edge at each follow-up offset: how fast the opportunity closed. */
  decay: DecayPoint[];
}

function quantileOf(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function distribution(values: readonly number[]): Distribution {
  const xs = values.filter(Number.isFinite).sort((a, b) => a - b);
  const mean = xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
  return { n: xs.length, mean, median: quantileOf(xs, 0.5), p10: quantileOf(xs, 0.1), p90: quantileOf(xs, 0.9) };
}

export function computeSignalStats(obs: readonly SignalObservation[]): SignalStats {
  const byDecision: Record<string, number> = {};
  const perMarket = new Map<string, number[]>();
  const offsets = new Map<number, number[]>();
  for (const o of obs) {
    byDecision[o.decision] = (byDecision[o.decision] ?? 0) + 1;
    let list = perMarket.get(o.market);
    if (list === undefined) perMarket.set(o.market, (list = []));
    list.push(o.edgeBps);
    for (const [off, edge] of Object.entries(o.followUps)) {
      let l = offsets.get(Number(off));
      if (l === undefined) offsets.set(Number(off), (l = []));
      l.push(edge);
    }
  }
  return {
    count: obs.length,
    byDecision,
    byMarket: [...perMarket]
      .map(([market, edges]) => ({ market, count: edges.length, edge: distribution(edges) }))
      .sort((a, b) => b.count - a.count || a.market.localeCompare(b.market)),
    edge: distribution(obs.map((o) => o.edgeBps)),
    rawEdgeAtSignal: distribution(obs.map((o) => sideEdgeBps(o.side, o.oraclePx, o.bidPx, o.askPx))),
    decay: [...offsets]
      .sort((a, b) => a[0] - b[0])
      .map(([offsetMs, edges]) => {
        const d = distribution(edges);
        return { offsetMs, n: d.n, meanBps: d.mean, medianBps: d.median, positiveShare: d.n === 0 ? Number.NaN : edges.filter((e) => e > 0).length / d.n };
      }),
  };
}

const distText = (d: Distribution) =>
  d.n === 0 ? 'n/a' : `mean ${bps(d.mean)}, median ${bps(d.median)}, p10 ${bps(d.p10)}, p90 ${bps(d.p90)}`;

/** The signal statistics as terminal text. */
export function formatSignalStatsText(s: SignalStats): string {
  const out: string[] = [];
  const decisions = Object.entries(s.byDecision)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  out.push(`Signals: ${s.count} distinct${decisions ? ` (${decisions})` : ''}`);
  out.push(`  edge at the signal (detector): ${distText(s.edge)}`);
  out.push(`  raw edge at the signal (oracle vs touch): ${distText(s.rawEdgeAtSignal)}`);
  out.push('  follow-ups — the raw edge after the signal:');
  if (s.decay.length === 0) out.push('    none recorded');
  for (const d of s.decay)
    out.push(`    T+${(d.offsetMs / 1000).toFixed(d.offsetMs % 1000 === 0 ? 0 : 1)} s  n=${String(d.n).padEnd(5)} mean ${bps(d.meanBps)}  median ${bps(d.medianBps)}  still positive ${Number.isNaN(d.positiveShare) ? 'n/a' : pct(d.positiveShare)}`);
  out.push('  per market:');
  for (const m of s.byMarket) out.push(`    ${m.market.padEnd(16)} ${String(m.count).padStart(5)} signal(s)  edge mean ${bps(m.edge.mean)} median ${bps(m.edge.median)}`);
  return out.join('\n');
}

function signalStatsHtml(s: SignalStats): string {
  const f = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(2));
  const distRow = (label: string, d: Distribution) => `<tr><td>${esc(label)}</td><td>${d.n}</td><td>${f(d.mean)}</td><td>${f(d.median)}</td><td>${f(d.p10)}</td><td>${f(d.p90)}</td></tr>`;
  const decay = s.decay
    .map((d) => `<tr><td>T+${d.offsetMs / 1000} s</td><td>${d.n}</td><td>${f(d.meanBps)}</td><td>${f(d.medianBps)}</td><td>${Number.isNaN(d.positiveShare) ? 'n/a' : pct(d.positiveShare)}</td></tr>`)
    .join('');
  const markets = s.byMarket.map((m) => distRow(m.market, m.edge)).join('');
  return `<h2 id="signal-stats">Signals: ${s.count} distinct</h2>
<p class="note">No round trips: these are the opportunities the detector saw and what their edge did next (observe mode's purpose). Raw edge = the signal side's oracle-to-touch distance; a real stale-quote edge closes within seconds, a permanent basis does not.</p>
<table><tr><th>edge (bps)</th><th>n</th><th>mean</th><th>median</th><th>p10</th><th>p90</th></tr>${distRow('at the signal (detector)', s.edge)}${distRow('raw, at the signal', s.rawEdgeAtSignal)}</table>
<h3>Follow-ups: raw edge after the signal</h3>
<table id="signal-decay"><tr><th>when</th><th>n</th><th>mean (bps)</th><th>median (bps)</th><th>still positive</th></tr>${decay || '<tr><td colspan="5">none recorded</td></tr>'}</table>
<h3>Per market (detector edge, bps)</h3>
<table><tr><th>market</th><th>signals</th><th>mean</th><th>median</th><th>p10</th><th>p90</th></tr>${markets}</table>`;
}

export const CHECKPOINTS = [10, 50, 100] as const;

function section(market: string, rows: readonly RoundTripRow[], thresholds: ReportThresholds): MarketSection {
  const checkpoints: Checkpoint[] = [];
  for (const n of CHECKPOINTS) if (rows.length >= n) checkpoints.push({ label: `first ${n}`, stats: computeStats(rows.slice(0, n)) });
  const all = computeStats(rows);
  checkpoints.push({ label: 'all', stats: all });
  return { market, checkpoints, verdict: evaluateVerdict(all, thresholds) };
}

/** Builds the report from round trips in closing order. */
export function buildReport(roundTrips: readonly RoundTripRow[], thresholds: ReportThresholds, runs: RunRow[] = [], generatedMs = Date.now()): Report {
  const byMarket = new Map<string, RoundTripRow[]>();
  for (const r of roundTrips) {
    let list = byMarket.get(r.market);
    if (!list) byMarket.set(r.market, (list = []));
    list.push(r);
  }
  return {
    generatedMs,
    runs,
    overall: section('overall', roundTrips, thresholds),
    markets: [...byMarket.keys()].sort().map((m) => section(m, byMarket.get(m)!, thresholds)),
    thresholds,
    roundTrips: [...roundTrips],
  };
}

function fmtMs(ms: number): string {
  if (Number.isNaN(ms)) return 'n/a';
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function fmtNum(x: number, f: (x: number) => string): string {
  return Number.isNaN(x) ? 'n/a' : f(x);
}

function statsLine(c: Checkpoint): string {
  const s = c.stats;
  const exits = Object.entries(s.exitsByReason)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return (
    `  ${c.label.padEnd(9)} n=${String(s.count).padEnd(4)} win ${fmtNum(s.winRate, pct).padStart(6)}  ` +
    `edge signalled ${fmtNum(s.meanSignalledEdgeBps, bps)} realised ${fmtNum(s.meanRealisedEdgeBps, bps)} net ${fmtNum(s.meanNetEdgeBps, bps)}  ` +
    `slippage ${fmtNum(s.meanSlippageBps, bps)}  fees ${usd(s.feesUsd)}  PnL ${usd(s.pnlUsd)}  ` +
    `hold mean ${fmtMs(s.meanHoldingMs)} median ${fmtMs(s.medianHoldingMs)}  exits: ${exits || 'none'}`
  );
}

// ---- which runs a report is about ----

/** What a run's results are evidence of: 'hlsim' (simulated, whatever its URL) or the live network. */
export function runKind(r: RunRow): string {
  return r.simulated ? 'hlsim' : r.network;
}

export class RunSelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunSelectionError';
  }
}

/**
 * The runs a report covers. undefined (the default): every run of the same kind as the latest one, so a
 * simulated run is never averaged with a live one; 'latest': the latest run; 'all': every run, refused when
 * the kinds differ; otherwise an exact run id.
 */
export function selectRuns(runs: readonly RunRow[], choice?: string): RunRow[] {
  if (runs.length === 0) return [];
  const latest = runs.reduce((a, b) => (b.startedMs >= a.startedMs ? b : a));
  if (choice === undefined) return runs.filter((r) => runKind(r) === runKind(latest));
  if (choice === 'latest') return [latest];
  if (choice === 'all') {
    const kinds = [...new Set(runs.map(runKind))];
    if (kinds.length > 1)
      throw new RunSelectionError(`the journal holds runs of different kinds (${kinds.join(', ')}): one verdict cannot mix simulated and live results; choose one with --run <id> (see --list-runs)`);
    return [...runs];
  }
  const one = runs.find((r) => r.runId === choice);
  if (one === undefined) throw new RunSelectionError(`no run '${choice}' in the journal (runs: ${runs.map((r) => r.runId).join(', ')}; see --list-runs)`);
  return [one];
}

/** Rows belonging to the given runs (ids are prefixed with the run id: round trips `<run>:…`, signals `<run>-…`). */
export function rowsOfRuns<T extends { id?: string; signalId?: string }>(rows: readonly T[], runs: readonly RunRow[], separator: ':' | '-'): T[] {
  const prefixes = runs.map((r) => `${r.runId}${separator}`);
  return rows.filter((x) => {
    const id = x.id ?? x.signalId ?? '';
    return prefixes.some((p) => id.startsWith(p));
  });
}

/** `hip3 report --list-runs`: one line per run with what it holds. */
export function formatRunList(runs: readonly RunRow[], counts: (runId: string) => { roundTrips: number; signals: number }): string {
  if (runs.length === 0) return 'the journal records no run';
  const rows = [['run', 'started (UTC)', 'kind', 'network', 'mode', 'round trips', 'signals']];
  for (const r of runs) {
    const c = counts(r.runId);
    rows.push([r.runId, new Date(r.startedMs).toISOString().slice(0, 19).replace('T', ' '), runKind(r), r.network, r.mode, String(c.roundTrips), String(c.signals)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

function runsNote(runs: RunRow[]): string[] {
  if (runs.length === 0) return ['Source: unknown (the journal records no run).'];
  const simulated = runs.some((r) => r.simulated);
  const nets = [...new Set(runs.map((r) => r.network))].join(', ');
  const lines = [`Source: ${runs.length} run(s) on ${nets}, mode ${[...new Set(runs.map((r) => r.mode))].join('/')}.`];
  if (simulated)
    lines.push('These results come from hlsim, a simulated exchange: they test the machinery, not the market. They say nothing about live profitability.');
  return lines;
}

/** The report as terminal text. */
export function formatReportText(report: Report): string {
  const out: string[] = [];
  out.push(`hip3 report — ${report.roundTrips.length} round trips`, ...runsNote(report.runs), '');
  for (const sec of [report.overall, ...report.markets]) {
    out.push(`${sec.market}:`);
    for (const c of sec.checkpoints) out.push(statsLine(c));
    out.push(`  verdict: ${sec.verdict.summary}`, '');
  }
  if (report.signals !== undefined) out.push(formatSignalStatsText(report.signals), '');
  out.push(`VERDICT (overall): ${report.overall.verdict.summary}`);
  return out.join('\n');
}

// ---- HTML ----

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

interface Frame {
  w: number;
  h: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function axes(f: Frame, xLo: number, xHi: number, yLo: number, yHi: number, xLabel: string, yLabel: string) {
  const sx = (x: number) => f.left + ((x - xLo) / (xHi - xLo || 1)) * (f.w - f.left - f.right);
  const sy = (y: number) => f.h - f.bottom - ((y - yLo) / (yHi - yLo || 1)) * (f.h - f.top - f.bottom);
  const parts: string[] = [];
  for (const t of niceTicks(yLo, yHi, 5)) {
    parts.push(`<line x1="${f.left}" x2="${f.w - f.right}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${f.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`);
  }
  for (const t of niceTicks(xLo, xHi, 6)) {
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${f.h - f.bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<line x1="${f.left}" x2="${f.w - f.right}" y1="${f.h - f.bottom}" y2="${f.h - f.bottom}" class="axis"/>`);
  parts.push(`<line x1="${f.left}" x2="${f.left}" y1="${f.top}" y2="${f.h - f.bottom}" class="axis"/>`);
  parts.push(`<text x="${(f.left + f.w - f.right) / 2}" y="${f.h - 4}" text-anchor="middle" class="label">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(f.top + f.h - f.bottom) / 2}) rotate(-90)" text-anchor="middle" class="label">${esc(yLabel)}</text>`);
  return { sx, sy, svg: parts.join('') };
}

/** Cumulative PnL (USD, after fees) over round trips, one line overall, checkpoints marked. */
export function pnlChartSvg(rows: readonly RoundTripRow[]): string {
  const f: Frame = { w: 760, h: 300, left: 60, right: 16, top: 16, bottom: 40 };
  const cum: number[] = [0];
  for (const r of rows) cum.push(cum[cum.length - 1] + r.pnlUsd);
  const yLo = Math.min(0, ...cum);
  const yHi = Math.max(0, ...cum);
  const pad = (yHi - yLo) * 0.05 || 1;
  const { sx, sy, svg } = axes(f, 0, Math.max(1, rows.length), yLo - pad, yHi + pad, 'round trip #', 'cumulative PnL (USD, after fees)');
  const pts = cum.map((y, i) => `${sx(i).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
  const marks = CHECKPOINTS.filter((n) => n <= rows.length)
    .map((n) => `<line x1="${sx(n).toFixed(1)}" x2="${sx(n).toFixed(1)}" y1="${f.top}" y2="${f.h - f.bottom}" class="mark"/><text x="${(sx(n) + 3).toFixed(1)}" y="${f.top + 10}" class="label">${n}</text>`)
    .join('');
  const last = cum[cum.length - 1];
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.w} ${f.h}" role="img" aria-label="cumulative PnL" id="pnl-chart">` +
    svg +
    `<line x1="${f.left}" x2="${f.w - f.right}" y1="${sy(0).toFixed(1)}" y2="${sy(0).toFixed(1)}" class="zero"/>` +
    marks +
    `<polyline points="${pts}" class="${last >= 0 ? 'up' : 'down'}" fill="none"/></svg>`
  );
}

/** Signalled edge at entry (x) against the outcome, net edge after fees (y), one dot per round trip. */
export function edgeScatterSvg(rows: readonly RoundTripRow[]): string {
  const f: Frame = { w: 760, h: 320, left: 60, right: 16, top: 16, bottom: 40 };
  const xs = rows.flatMap((r) => (r.signalledEdgeBps === null ? [] : [r.signalledEdgeBps]));
  const netOf = (r: RoundTripRow) => realisedEdgeAfterFeesBps(r.pnlUsd, r.entryPx, r.size);
  const ys = rows.map(netOf);
  const xLo = Math.min(0, ...xs);
  const xHi = Math.max(1, ...xs);
  const yLo = Math.min(0, ...ys);
  const yHi = Math.max(1, ...ys);
  const { sx, sy, svg } = axes(f, xLo, xHi * 1.05, yLo * 1.05, yHi * 1.05, 'signalled edge at entry (bps)', 'outcome: net edge after fees (bps)');
  const diagHi = Math.min(xHi, yHi * 1.05);
  const dots = rows
    .map(
      (r) =>
        r.signalledEdgeBps === null
          ? ''
          : `<circle cx="${sx(r.signalledEdgeBps).toFixed(1)}" cy="${sy(netOf(r)).toFixed(1)}" r="3.5" class="${r.pnlUsd > 0 ? 'win' : 'loss'}"><title>${esc(`${r.market} ${r.side} ${r.exitReason}: signalled ${r.signalledEdgeBps.toFixed(1)} bps, realised ${r.realisedEdgeBps.toFixed(1)} bps, net ${netOf(r).toFixed(1)} bps, ${usd(r.pnlUsd)}`)}</title></circle>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.w} ${f.h}" role="img" aria-label="edge at entry vs outcome" id="edge-scatter">` +
    svg +
    `<line x1="${sx(xLo).toFixed(1)}" x2="${sx(xHi * 1.05).toFixed(1)}" y1="${sy(0).toFixed(1)}" y2="${sy(0).toFixed(1)}" class="zero"/>` +
    `<line x1="${sx(0).toFixed(1)}" y1="${sy(0).toFixed(1)}" x2="${sx(diagHi).toFixed(1)}" y2="${sy(diagHi).toFixed(1)}" class="diag"><title>outcome = signalled edge</title></line>` +
    dots +
    '</svg>'
  );
}

function statsTable(sec: MarketSection): string {
  const head = '<tr><th></th><th>n</th><th>win rate</th><th>signalled edge</th><th>realised edge</th><th>net edge (after fees)</th><th>capture</th><th>slippage</th><th>fees</th><th>PnL</th><th>hold (mean / median)</th><th>exits by reason</th></tr>';
  const body = sec.checkpoints
    .map((c) => {
      const s = c.stats;
      const exits = Object.entries(s.exitsByReason)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${esc(k)} ${v}`)
        .join(', ');
      return `<tr><td>${esc(c.label)}</td><td>${s.count}</td><td>${fmtNum(s.winRate, pct)}</td><td>${fmtNum(s.meanSignalledEdgeBps, bps)}</td><td>${fmtNum(s.meanRealisedEdgeBps, bps)}</td><td>${fmtNum(s.meanNetEdgeBps, bps)}</td><td>${fmtNum(s.edgeCapture, (x) => x.toFixed(2))}</td><td>${fmtNum(s.meanSlippageBps, bps)}</td><td>${usd(s.feesUsd)}</td><td class="${s.pnlUsd >= 0 ? 'pos' : 'neg'}">${usd(s.pnlUsd)}</td><td>${fmtMs(s.meanHoldingMs)} / ${fmtMs(s.medianHoldingMs)}</td><td>${exits}</td></tr>`;
    })
    .join('');
  return `<table>${head}${body}</table>`;
}

function verdictBlock(v: Verdict, big: boolean): string {
  const checks = v.checks.map((c) => `<li class="${c.pass ? 'ok' : 'fail'}">${c.pass ? '✓' : '✗'} ${esc(c.text)}</li>`).join('');
  return `<div class="verdict ${v.status}${big ? ' big' : ''}"><div class="status">${esc(v.summary)}</div><ul>${checks}</ul></div>`;
}

/** A self-contained HTML page (no scripts, no external resources). */
export function renderReportHtml(report: Report): string {
  const runs = runsNote(report.runs)
    .map((l) => `<p class="note">${esc(l)}</p>`)
    .join('');
  const markets = report.markets.map((m) => `<h3>${esc(m.market)}</h3>${verdictBlock(m.verdict, false)}${statsTable(m)}`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hip3 report</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1d2430;background:#fafbfc;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}h3{font-size:15px;margin:20px 0 6px}
.note{color:#555;margin:2px 0}
table{border-collapse:collapse;width:100%;font-size:12.5px;background:#fff}
th,td{border:1px solid #dde2e8;padding:4px 6px;text-align:right}th{background:#f0f3f6}td:first-child,td:last-child{text-align:left}
.pos{color:#137333}.neg{color:#b3261e}
.verdict{border-radius:8px;padding:8px 12px;margin:8px 0;border:1px solid}
.verdict.go{background:#e6f4ea;border-color:#9bd3ae}.verdict.no-go{background:#fce8e6;border-color:#f1a9a2}
.verdict.insufficient-data{background:#fef7e0;border-color:#f2d58a}
.verdict .status{font-weight:600}.verdict.big .status{font-size:18px}
.verdict ul{margin:4px 0 0;padding-left:18px}.verdict li.fail{color:#b3261e}.verdict li.ok{color:#137333}
svg{background:#fff;border:1px solid #dde2e8;border-radius:6px;width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#555}svg .label{fill:#333}
.grid{stroke:#eef1f4}.axis{stroke:#888}.zero{stroke:#444;stroke-dasharray:4 3}.mark{stroke:#b0b8c4;stroke-dasharray:2 3}
.diag{stroke:#7a8ca5;stroke-dasharray:6 4}
polyline.up{stroke:#137333;stroke-width:2}polyline.down{stroke:#b3261e;stroke-width:2}
circle.win{fill:#1e8e3e;fill-opacity:.7}circle.loss{fill:#d93025;fill-opacity:.7}
</style></head><body>
<h1>hip3 report</h1>
<p class="note">${report.roundTrips.length} round trips · generated ${esc(new Date(report.generatedMs).toISOString())}</p>
${runs}
${verdictBlock(report.overall.verdict, true)}
${report.signals !== undefined ? signalStatsHtml(report.signals) : ''}
<h2>Cumulative PnL</h2>
${pnlChartSvg(report.roundTrips)}
<h2>Edge at entry vs outcome</h2>
<p class="note">Each dot is a round trip: green won after fees, red lost. Dots on the dashed diagonal earned, after fees, all the edge the detector signalled; dots under zero lost.</p>
${edgeScatterSvg(report.roundTrips)}
<h2>Overall</h2>
${statsTable(report.overall)}
<h2>Per market</h2>
${markets || '<p class="note">No round trips.</p>'}
</body></html>
`;
}
