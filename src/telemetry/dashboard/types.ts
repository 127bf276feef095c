// What the dashboard shows and where it gets it. The app implements DashboardSource from the core's state
// (the dashboard never computes trading numbers itself: incident #40, the original's dashboard computed edge
// differently from the detector) and calls DashboardHandle.push for events as they happen.

export interface DashboardMarket {
  market: string;
  oraclePx: number | null;
  markPx: number | null;
  bidPx: number | null;
  askPx: number | null;
  /** (mid − oracle) / oracle, bps. */
  basisBps: number | null;
  /** Current edges as the detector measures them, bps. */
  buyEdgeBps: number | null;
  sellEdgeBps: number | null;
  /** "ok", "stale", "not ready", "disabled", or a gate name blocking it. */
  health: string;
  bboAgeMs: number | null;
  ctxAgeMs: number | null;
}

export interface DashboardVerdict {
  gate: string;
  pass: boolean;
}

export interface DashboardSignal {
  id: string;
  tsMs: number;
  market: string;
  side: 'buy' | 'sell';
  edgeBps: number;
  netEdgeBps: number;
  decision: string;
  reason?: string;
  verdicts: DashboardVerdict[];
}

export interface DashboardOrder {
  cloid: string;
  market: string;
  side: 'buy' | 'sell';
  purpose: string;
  px: number;
  sz: number;
  status: string;
  ageMs: number;
}

export interface DashboardPosition {
  market: string;
  side: 'long' | 'short';
  size: number;
  entryPx: number;
  markPx: number | null;
  unrealisedPnlUsd: number;
  holdingMs: number;
  /** An exit is in flight for this market. */
  flattening: boolean;
}

export interface DashboardTrade {
  id: string;
  market: string;
  side: 'buy' | 'sell';
  exitReason: string;
  pnlUsd: number;
  holdingMs: number;
  tsMs: number;
}

export interface LatencyHistogram {
  /** "frame→decision", "decision→wire", … */
  name: string;
  /** Non-cumulative counts per bucket, upper bound in µs (Infinity for the last). */
  buckets: { leUs: number; count: number }[];
  p50Us: number | null;
  p99Us: number | null;
}

export interface DashboardSnapshot {
  nowMs: number;
  mode: 'observe' | 'trade';
  network: string;
  markets: DashboardMarket[];
  openOrders: DashboardOrder[];
  positions: DashboardPosition[];
  pnl: { realisedUsd: number; unrealisedUsd: number; feesUsd: number; roundTrips: number; wins: number };
  /** Cumulative realised PnL after each round trip (or sampled), oldest first. */
  pnlHistory: { tsMs: number; cumPnlUsd: number }[];
  latency: LatencyHistogram[];
  /** Per gate: how many times it passed and blocked. */
  gateCounters: Record<string, { pass: number; block: number }>;
  readiness: { trading: boolean; marketsReady: number; marketsTotal: number; detail?: string };
  hardStop: { latched: boolean; reason?: string; sinceMs?: number; flat?: boolean };
}

/** Events pushed to the browsers as they happen (between snapshots). */
export type DashboardEvent =
  | { type: 'signal'; data: DashboardSignal }
  | { type: 'trade'; data: DashboardTrade }
  | { type: 'alert'; data: { level: 'info' | 'warn' | 'error'; message: string; tsMs: number } };

/** What the app gives the dashboard. */
export interface DashboardSource {
  /** The current state; called on every push interval while a browser is connected. */
  snapshot(): DashboardSnapshot;
  /** Signals to show a browser that just connected (newest last). */
  recentSignals(): DashboardSignal[];
  /** The hard-stop button was pressed (after the page's confirmation). The app latches the hard stop. */
  onHardStop(reason: string): void | Promise<void>;
}
