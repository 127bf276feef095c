// Types shared by the core's components and its public API (CoreEngine's inputs and outputs).
import type { CancelByCloidWire, CancelWire, Cloid, OrderResponseStatus, OrderWire } from '../protocol/index.ts';

export type Side = 'buy' | 'sell';

/** What the core needs to know about a market (from the protocol's AssetTable / meta). */
export interface MarketSpec {
  /** Venue coin name: "xyz:GOLD" for HIP-3, "BTC" for validator perps. */
  coin: string;
  /** Asset id used on the wire (HIP-3: 100000 + dexIndex × 10000 + index in meta(dex)). */
  assetId: number;
  /** Size decimals from meta(dex) (never a default: incident #46). */
  szDecimals: number;
  maxLeverage?: number;
  /** Open-interest cap of the asset, USD; absent = the OI-cap gate is inert for this market. */
  oiCapUsd?: number;
  /** Delisted / halted by the deployer at startup. */
  halted?: boolean;
}

export type OrderPurpose = 'entry' | 'exit';

/** One order handed to the signer. `wire` is ready to be placed in an order action as is. */
export interface OutboundOrder {
  wire: OrderWire;
  cloid: Cloid;
  coin: string;
  reduceOnly: boolean;
  purpose: OrderPurpose;
}

/**
 * Everything the core wants sent after one event. Cancels go first (cancel by oid, then by cloid), then the
 * orders, reduce-only before new. The app signs `orders` as ONE order action and reports its outcome with
 * `onPostResult(id, …)`; statuses are matched to `orders` by index. Cancel outcomes are confirmed through
 * orderUpdates and need no report.
 */
export interface OutboundBatch {
  id: number;
  cancels: CancelWire[];
  cancelsByCloid: CancelByCloidWire[];
  orders: OutboundOrder[];
}

/** The hand-off to the signer/socket. Called synchronously at the end of an event. */
export interface OrderSink {
  /** Sign and write the batch. Throw ONLY if nothing was written (the core then treats every order of the
   * batch as not sent). Anything else (timeouts, lost socket) is reported later via onPostResult. */
  send(batch: OutboundBatch): void;
  /** Optional: ask the venue for the status of an order whose outcome is unknown (info orderStatus);
   * answer with CoreEngine.onOrderStatus. */
  requestOrderStatus?(cloid: Cloid, coin: string): void;
}

export type PostResult =
  | { kind: 'ok'; statuses: readonly OrderResponseStatus[] }
  /** Top-level error: `{status:"err"}`, a post `error` payload, or a send failure. Nothing was placed. */
  | { kind: 'error'; message: string }
  /** Timeout or disconnect: the orders may or may not exist. */
  | { kind: 'unknown' };

/**
 * Reconciliation input, built by the app from clearinghouseState (+ openOrders). Contract:
 * - `requestedAtMs` (REQUIRED): the engine-clock time (the `clock` given to CoreEngine, e.g. Date.now())
 *   read just BEFORE the first reconciliation query was issued. A market whose position changed locally
 *   (a fill or a venue-reported fill applied) at or after that time, or with an order sent at or after it,
 *   is not corrected by this snapshot: the venue may have answered before that change. A snapshot without
 *   a finite requestedAtMs is refused (counted in `reconcileRefused`), never guessed.
 * - `venueTimeMs`: the time the venue says the snapshot describes (clearinghouseState.time); fills with a
 *   venue time at or before it are taken as included once a correction was made.
 * - Unknown orders are NOT resolved by a snapshot: our orders are IOC and never rest, so absence from
 *   openOrders says nothing about whether they filled. Only orderStatus (sink.requestOrderStatus →
 *   onOrderStatus), orderUpdates, a late post response or the order's fills resolve them.
 */
export interface ReconcileSnapshot {
  /** Venue time the snapshot describes (clearinghouseState.time), ms. */
  venueTimeMs: number;
  /** Engine-clock time, ms, read just before the reconciliation request was issued (see above). */
  requestedAtMs: number;
  /** Positions with non-zero size (szi signed: > 0 long). */
  positions: readonly { coin: string; szi: number; entryPx?: number }[];
  /** Open orders of the account, when queried: used to find orphan orders (incident #49) only. */
  openOrders?: readonly { coin: string; oid: number; cloid?: string | null }[];
}

/** One gate's verdict in a signal record. */
export interface GateVerdict {
  gate: string;
  pass: boolean;
  /** Measured value and its limit, in the gate's unit, for the research loop. */
  value?: number;
  limit?: number;
}

/** What the engine measured of one market at a moment (a signal's inputs; also part of the engine's MarketView). */
export interface MarketMeasures {
  bidPx: number;
  bidSz: number;
  askPx: number;
  askSz: number;
  oraclePx: number;
  markPx: number;
  oracleAgeMs: number;
  oracleMoveBps: number;
  bboAgeMs: number;
  ctxAgeMs: number;
  spreadBps: number;
  spreadEwmaBps: number;
  basisEwmaBps: number;
}

/** Emitted for every evaluated opportunity (trade or not) — incident #42: every signal gets a verdict. */
export interface SignalRecord {
  timeMs: number;
  coin: string;
  side: Side;
  /** Counts oracle changes of this market; groups the records of one oracle move. */
  oracleSeq: number;
  inputs: MarketMeasures;
  rawEdgeBps: number;
  /** Edge in the configured mode (relative to basis or raw). */
  edgeBps: number;
  thresholdBps: number;
  netEdgeBps: number;
  edgeMode: 'relativeToBasis' | 'raw';
  gates: GateVerdict[];
  decision: 'order' | 'skip';
  /** 'ok' or the first failing gate. */
  reason: string;
  size?: string;
  limitPx?: string;
  cloid?: Cloid;
  /** Repeats of an identical (oracle move, side, reason) record that were counted but not emitted. */
  suppressedBefore: number;
}

export type OrderState = 'created' | 'sent' | 'resting' | 'unknown' | 'filled' | 'rejected' | 'cancelled';

export interface OrderEvent {
  timeMs: number;
  cloid: Cloid;
  coin: string;
  purpose: OrderPurpose;
  from: OrderState;
  to: OrderState;
  /** Why: venue status or error text, 'sendFailed', 'hardStopPurge', 'postTimeout', … */
  detail: string;
}

export interface FillEvent {
  timeMs: number;
  coin: string;
  tid: number;
  cloid: Cloid | null;
  purpose: OrderPurpose | 'external';
  side: Side;
  px: number;
  sz: number;
  feeUsd: number;
  /** Position after the fill (signed). */
  positionAfter: number;
}

export interface RoundTrip {
  coin: string;
  side: Side;
  entryTimeMs: number;
  exitTimeMs: number;
  entryReason: string;
  exitReason: string;
  /** Size-weighted entry / exit prices. */
  entryPx: number;
  exitPx: number;
  size: number;
  feesUsd: number;
  grossPnlUsd: number;
  /** Realised PnL including fees. */
  pnlUsd: number;
  /** Edge at the signal vs realised (exit vs entry price) in bps. */
  signalledEdgeBps: number | null;
  realisedEdgeBps: number;
  /** Entry fill price vs the touch at the signal, bps (positive = worse). */
  entrySlippageBps: number | null;
}

export interface HardStopEvent {
  timeMs: number;
  kind: 'triggered' | 'completed' | 'reset';
  reason: string;
}

/** Everything the journal, metrics and dashboard want to know. All optional. */
export interface CoreObserver {
  onSignal?(r: SignalRecord): void;
  onOrder?(e: OrderEvent): void;
  onFill?(f: FillEvent): void;
  onRoundTrip?(rt: RoundTrip): void;
  onHardStop?(e: HardStopEvent): void;
  onExitTriggered?(e: { timeMs: number; coin: string; reason: string; attempt: number }): void;
}
