// Rows of the journal. The core emits similar records; the app maps them onto these. Times are epoch ms
// (the process's wall clock at the event, or the venue's time where the field says so). Prices and sizes are
// numbers here: the journal is for analysis, the wire strings stay in the protocol layer.

export type Side = 'buy' | 'sell';

/** One gate's verdict on one signal, in the order the gates ran. */
export interface GateVerdict {
  gate: string;
  pass: boolean;
  /** Why it blocked (or a note when it passed). */
  reason?: string;
  value?: number;
  limit?: number;
}

/** What was decided for a signal. */
/** 'shutdown': seen after the run's stop began (nothing could be entered any more; not a gate verdict). */
export type SignalDecision = 'entered' | 'rejected' | 'skipped' | 'observed' | 'shutdown';

export interface SignalRow {
  /** Natural id, unique per signal (the core's id); replays of the same id are ignored. */
  signalId: string;
  tsMs: number;
  market: string;
  side: Side;
  oraclePx: number;
  bidPx: number;
  askPx: number;
  /** The dislocation the detector measured (raw or relative to basis, per its mode), bps. */
  edgeBps: number;
  /** Edge after fees and slippage, bps. */
  netEdgeBps: number;
  decision: SignalDecision;
  /** The first blocking gate's reason, when not entered. */
  rejectReason?: string;
  /** Every input the detector used (ages, EWMAs, sizes, thresholds …). */
  inputs: Record<string, number | string | boolean | null>;
  verdicts: GateVerdict[];
  /** Set when this signal re-announces an opportunity already signalled (same market, side, oracle update). */
  duplicateOf?: string;
}

export interface FollowUpRow {
  signalId: string;
  /** Offset after the signal (e.g. 1000, 3000, 5000). */
  offsetMs: number;
  capturedMs: number;
  oraclePx: number;
  bidPx: number;
  askPx: number;
  /** The signal side's raw edge at capture time, bps. */
  edgeBps: number;
}

export type OrderKind = 'entry' | 'exit' | 'flatten';

export interface OrderRow {
  cloid: string;
  market: string;
  side: Side;
  kind: OrderKind;
  reduceOnly: boolean;
  tif: string;
  px: number;
  sz: number;
  createdMs: number;
  signalId?: string;
  /** For exits: which rule fired (markRegression, timeStop, oracleReversal, hardStop, shutdown …). */
  exitReason?: string;
}

/** One step of an order's life: created, sent, resting, filled, rejected, cancelled, unknown … */
export interface OrderStatusRow {
  cloid: string;
  tsMs: number;
  status: string;
  oid?: number;
  detail?: string;
}

export interface FillRow {
  /** Venue trade id: unique; a fill delivered twice (stream + reconciliation) is stored once. */
  tid: number;
  cloid?: string;
  oid: number;
  market: string;
  side: Side;
  px: number;
  sz: number;
  /** Fee in USD (negative = rebate). */
  fee: number;
  closedPnl: number;
  /** Venue time of the fill. */
  tsMs: number;
  crossed: boolean;
}

export interface RoundTripRow {
  /** Natural id, stable across replays: the entry order's cloid, or `${market}:${entryMs}`. */
  id: string;
  market: string;
  /** Side of the entry. */
  side: Side;
  entryMs: number;
  exitMs: number;
  entryPx: number;
  exitPx: number;
  size: number;
  /** Signal id or a short text. */
  entryReason: string;
  exitReason: string;
  feesUsd: number;
  /** PnL after fees, USD. */
  pnlUsd: number;
  /** The edge the detector signalled at entry, bps; null when the entry had no signal (e.g. adopted position). */
  signalledEdgeBps: number | null;
  /** The price move captured, entry to exit, in the position's favour, bps of the entry price (before fees:
   * comparable with the signalled edge). The report derives the edge after fees from pnlUsd itself. */
  realisedEdgeBps: number;
  /** Entry price worse than the touch at the signal, bps (positive = worse); null when unknown. */
  slippageBps: number | null;
}

/** PnL after fees as bps of the entry notional: the "realised edge" the report compares with the signal. */
export function realisedEdgeAfterFeesBps(pnlUsd: number, entryPx: number, size: number): number {
  const notional = entryPx * size;
  return notional > 0 ? (pnlUsd / notional) * 1e4 : 0;
}

export interface HardStopRow {
  tsMs: number;
  event: 'latched' | 'cleared' | 'flattened';
  reason: string;
  detail?: string;
}

export interface ReadinessRow {
  tsMs: number;
  /** A market name, or "trading" / "market-data" for the global states. */
  scope: string;
  state: string;
  detail?: string;
}

/** One start of the bot. */
export interface RunRow {
  runId: string;
  startedMs: number;
  /** "mainnet", "testnet" or the URL traded against. */
  network: string;
  mode: string;
  /** True when the venue was hlsim: results then say nothing about the live market. */
  simulated: boolean;
  /** The effective configuration, JSON (it never holds a key). */
  configJson: string;
}

/** A distinct signal with what its edge did next (follow-ups by offset), for the report's signal statistics. */
export interface SignalObservation
  extends Pick<SignalRow, 'signalId' | 'tsMs' | 'market' | 'side' | 'oraclePx' | 'bidPx' | 'askPx' | 'edgeBps' | 'netEdgeBps'> {
  /** As stored (a SignalDecision, or a value written by an older version). */
  decision: string;
  /** offset ms → the signal side's raw edge then, bps. */
  followUps: Record<number, number>;
}
