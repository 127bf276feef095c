// OrderTracker: the ONE owner of our orders and positions (design principle 6; removes L1–L4 and the
// #30/#35 saga of the original, where four structures disagreed).
//
// Orders: a cloid-keyed state machine
//   created → sent → resting | filled | rejected | cancelled      (terminal: filled, rejected, cancelled)
//                  ↘ unknown (timeout / disconnect) → any terminal, resolved by orderStatus, orderUpdates,
//                    fills or a reconciliation snapshot — never assumed rejected.
// Every terminal transition releases the market's pending-entry mark or flatten claim, whatever caused it
// (post error, send failure, hard-stop purge, resolved unknown: L5, incident #23).
//
// Positions are derived from fills deduplicated by tid. A fill the venue reported in a post response or an
// orderUpdate before its userFill arrives counts as a *provisional* position (size reported − size seen in
// fills), so the HasPosition gate closes the moment the order is known filled (L4), and the userFill then
// replaces it without double counting (incident #23's "dedupe by cloid").
import type { Cloid, OrderResponseStatus, UserFill, WsOrderUpdate } from '../protocol/index.ts';
import type { FillEvent, OrderEvent, OrderPurpose, OrderState, ReconcileSnapshot, RoundTrip, Side } from './types.ts';

export interface TrackedOrder {
  cloid: Cloid;
  coin: string;
  assetId: number;
  isBuy: boolean;
  px: number;
  sz: number;
  reduceOnly: boolean;
  purpose: OrderPurpose;
  state: OrderState;
  oid: number | null;
  createdAtMs: number;
  sentAtMs: number;
  batchId: number;
  lastQueryMs: number;
  /** Largest filled size the venue reported for this order (post response, orderUpdates, orderStatus). */
  reportedFilledSz: number;
  reportedAvgPx: number;
  /** Filled size and notional seen in (deduplicated) fills. */
  fillsSz: number;
  fillsNotional: number;
  /** Entry: 'signal'; exit: the exit reason ('markRegression', 'timeStop', 'hardStop', …). */
  reason: string;
  signalEdgeBps: number | null;
  /** Touch price at decision time and the allowance bound the limit was derived from. */
  touchPx: number;
  boundPx: number;
  /** Oracle at decision time (the entry's baseline for the oracle-reversal exit). */
  oraclePx: number;
  /** Exit attempt number (0 = first). */
  attempt: number;
  detail: string;
}

export function isTerminal(s: OrderState): boolean {
  return s === 'filled' || s === 'rejected' || s === 'cancelled';
}

/** Maps a venue order status (orderUpdates / orderStatus) to our state; unknown statuses are terminal
 * (incident #13: an unmapped status must not leak a pending order). */
export function mapVenueStatus(status: string): OrderState {
  if (status === 'open' || status === 'triggered') return 'resting';
  if (status === 'filled') return 'filled';
  if (status === 'rejected' || status.endsWith('Rejected')) return 'rejected';
  return 'cancelled'; // canceled, *Canceled, scheduledCancel, internalCancel, and anything new
}

interface RoundTripAcc {
  side: Side;
  entryTimeMs: number;
  entryReason: string;
  entrySz: number;
  entryNotional: number;
  exitSz: number;
  exitNotional: number;
  fees: number;
  gross: number;
  signalledEdgeBps: number | null;
  entrySlippageBps: number | null;
  exitReason: string;
}

export interface MarketBook {
  coin: string;
  assetId: number;
  szDecimals: number;
  /** Signed size from fills (plus reconciliation adjustments). */
  fillSz: number;
  avgEntryPx: number;
  /** Local time the current position was opened (kept across reconciliations: incident #51). */
  openedAtMs: number;
  /** Oracle at entry (for the oracle-reversal exit); 0 if unknown. */
  entryOraclePx: number;
  entryReason: string;
  rt: RoundTripAcc | null;
  pendingEntry: Cloid | null;
  flattenClaim: Cloid | null;
  /** Non-terminal orders, and terminal ones whose reported fills are not yet seen as userFills. */
  active: Set<Cloid>;
  /** Fills up to this venue time are already included via reconciliation… */
  reconciledThroughMs: number;
  /** …except fills of orders sent after that reconciliation's request (engine time): the snapshot
   * cannot include them, whatever venue time they carry (clock skew, a late-stamped snapshot). */
  reconciledRequestedAtMs: number;
  /** Venue time of the latest fill applied (a snapshot older than it must not correct the size). */
  lastFillVenueMs: number;
  /** Engine time of the last local change of the position (a fill applied, or a venue-reported fill). */
  lastChangeLocalMs: number;
  /** When a position first appeared from a venue report before any fill (0 = none). */
  provisionalOpenedAtMs: number;
  /** Orders of `active` whose reported fills exceed their seen fills (0 → position = fillSz, no scan). */
  awaiting: number;
}

export interface TrackerListener {
  onOrder(e: OrderEvent): void;
  onTerminal(o: TrackedOrder, from: OrderState): void;
  onFill(f: FillEvent, o: TrackedOrder | null): void;
  onRoundTrip(rt: RoundTrip): void;
  /** Position of a market went from zero to non-zero (or was adopted). */
  onPositionOpened(book: MarketBook): void;
}

const RETIRED_MAX = 4096;
const TIDS_MAX = 200_000;

function roundLots(x: number, szDecimals: number): number {
  const f = 10 ** szDecimals;
  const r = Math.round(x * f) / f;
  return r === 0 ? 0 : r; // no -0
}

export class OrderTracker {
  readonly orders = new Map<Cloid, TrackedOrder>();
  readonly books = new Map<string, MarketBook>();
  private readonly retired = new Map<Cloid, TrackedOrder>();
  private readonly oidToCloid = new Map<number, Cloid>();
  private readonly seenTids = new Set<number>();
  /** Orders marked sent whose `sent` transition the listener has not heard yet (see markSent). */
  private readonly unannounced: TrackedOrder[] = [];
  private readonly listener: TrackerListener;
  /** Consecutive reconciliation snapshots that showed no position at all while we hold some. */
  emptyReconcileStreak = 0;
  readonly counters = {
    fillsApplied: 0,
    fillsDuplicate: 0,
    snapshotFillsIgnored: 0,
    fillsBeforeReconcileIgnored: 0,
    externalFills: 0,
    reconcileAdjustments: 0,
    reconcileDeferred: 0,
    reconcileEmptyIgnored: 0,
    reconcileRefused: 0,
    lateStatusIgnored: 0,
  };

  constructor(listener: TrackerListener) {
    this.listener = listener;
  }

  addMarket(coin: string, assetId: number, szDecimals: number): MarketBook {
    const b: MarketBook = {
      coin,
      assetId,
      szDecimals,
      fillSz: 0,
      avgEntryPx: 0,
      openedAtMs: 0,
      entryOraclePx: 0,
      entryReason: '',
      rt: null,
      pendingEntry: null,
      flattenClaim: null,
      active: new Set(),
      reconciledThroughMs: 0,
      reconciledRequestedAtMs: Number.NEGATIVE_INFINITY,
      lastFillVenueMs: 0,
      lastChangeLocalMs: Number.NEGATIVE_INFINITY,
      provisionalOpenedAtMs: 0,
      awaiting: 0,
    };
    this.books.set(coin, b);
    return b;
  }

  book(coin: string): MarketBook | undefined {
    return this.books.get(coin);
  }

  find(cloid: string | null | undefined): TrackedOrder | undefined {
    if (cloid == null) return undefined;
    const c = cloid.toLowerCase() as Cloid;
    return this.orders.get(c) ?? this.retired.get(c);
  }

  private byOid(oid: number): TrackedOrder | undefined {
    const c = this.oidToCloid.get(oid);
    return c === undefined ? undefined : this.find(c);
  }

  // ───────────── positions ─────────────

  /** Position including provisional fills (signed). */
  position(coin: string): number {
    const b = this.books.get(coin);
    return b === undefined ? 0 : this.positionOf(b);
  }

  positionOf(b: MarketBook): number {
    if (b.awaiting === 0) return b.fillSz; // hot path: no provisional fills, no iteration
    let p = b.fillSz;
    for (const c of b.active) {
      const o = this.orders.get(c);
      if (o === undefined) continue;
      const extra = o.reportedFilledSz - o.fillsSz;
      if (extra > 0) p += o.isBuy ? extra : -extra;
    }
    return roundLots(p, b.szDecimals);
  }

  private recountAwaiting(b: MarketBook): void {
    let n = 0;
    for (const c of b.active) {
      const o = this.orders.get(c);
      if (o !== undefined && o.reportedFilledSz > o.fillsSz + 1e-12) n++;
    }
    b.awaiting = n;
  }

  /** Remaining size of non-terminal, non-reduce-only orders of the market. */
  pendingEntrySize(coin: string): number {
    const b = this.books.get(coin);
    if (b === undefined || b.active.size === 0) return 0;
    let s = 0;
    for (const c of b.active) {
      const o = this.orders.get(c);
      if (o === undefined || o.reduceOnly || isTerminal(o.state)) continue;
      const done = Math.max(o.reportedFilledSz, o.fillsSz);
      if (o.sz > done) s += o.sz - done;
    }
    return s;
  }

  // ───────────── order lifecycle ─────────────

  /** Registers a new order in state `created` and takes the market's pending mark (entry) or flatten claim
   * (exit). The caller has checked that the mark/claim was free in the same synchronous turn. */
  create(o: TrackedOrder, nowMs: number): void {
    const b = this.books.get(o.coin);
    if (b === undefined) throw new Error(`tracker: unknown market ${o.coin}`);
    if (o.purpose === 'entry') {
      if (b.pendingEntry !== null) throw new Error(`tracker: ${o.coin} already has a pending entry`);
      b.pendingEntry = o.cloid;
    } else {
      if (b.flattenClaim !== null) throw new Error(`tracker: ${o.coin} already has a flatten in flight`);
      b.flattenClaim = o.cloid;
    }
    this.orders.set(o.cloid, o);
    b.active.add(o.cloid);
    this.listener.onOrder({ timeMs: nowMs, cloid: o.cloid, coin: o.coin, purpose: o.purpose, from: 'created', to: 'created', detail: o.reason });
  }

  /** Moves a created order to `sent` WITHOUT telling the listener yet: the engine calls this between the
   * hard-stop guard and the hand-off, where no observer code may run (an observer could latch the stop).
   * `announceSent` (after the hand-off) or the order's next transition reports it. */
  markSent(cloid: Cloid, batchId: number, nowMs: number): void {
    const o = this.orders.get(cloid);
    if (o === undefined || o.state !== 'created') return;
    o.batchId = batchId;
    o.sentAtMs = nowMs;
    o.state = 'sent';
    o.detail = 'sent';
    this.unannounced.push(o);
  }

  /** Reports every `created → sent` not yet reported. */
  announceSent(): void {
    while (this.unannounced.length > 0) this.announce(this.unannounced[0] as TrackedOrder);
  }

  private announce(o: TrackedOrder): void {
    const i = this.unannounced.indexOf(o);
    if (i < 0) return;
    this.unannounced.splice(i, 1);
    this.listener.onOrder({ timeMs: o.sentAtMs, cloid: o.cloid, coin: o.coin, purpose: o.purpose, from: 'created', to: 'sent', detail: 'sent' });
  }

  /** Moves an order to a new state; terminal transitions release the market's mark/claim. */
  transition(o: TrackedOrder, to: OrderState, detail: string, nowMs: number): void {
    if (this.unannounced.length > 0) this.announce(o); // a re-entrant answer: report `sent` first
    const from = o.state;
    if (from === to) return;
    if (isTerminal(from)) {
      this.counters.lateStatusIgnored++;
      return;
    }
    o.state = to;
    o.detail = detail;
    this.listener.onOrder({ timeMs: nowMs, cloid: o.cloid, coin: o.coin, purpose: o.purpose, from, to, detail });
    if (!isTerminal(to)) return;
    const b = this.books.get(o.coin);
    if (b !== undefined) {
      if (b.pendingEntry === o.cloid) b.pendingEntry = null;
      if (b.flattenClaim === o.cloid) b.flattenClaim = null;
    }
    this.maybeRetire(o);
    this.listener.onTerminal(o, from);
  }

  private maybeRetire(o: TrackedOrder): void {
    if (!isTerminal(o.state) || o.reportedFilledSz > o.fillsSz + 1e-12) return;
    const b = this.books.get(o.coin);
    b?.active.delete(o.cloid);
    this.orders.delete(o.cloid);
    this.retired.set(o.cloid, o);
    if (this.retired.size > RETIRED_MAX) {
      const first = this.retired.keys().next().value as Cloid;
      const old = this.retired.get(first);
      this.retired.delete(first);
      if (old?.oid != null) this.oidToCloid.delete(old.oid);
    }
  }

  private setOid(o: TrackedOrder, oid: number): void {
    if (o.oid === oid) return;
    o.oid = oid;
    this.oidToCloid.set(oid, o.cloid);
  }

  private report(o: TrackedOrder, filledSz: number, avgPx: number, nowMs: number): void {
    if (!(filledSz > o.reportedFilledSz)) return;
    o.reportedFilledSz = Math.min(filledSz, o.sz);
    if (avgPx > 0) o.reportedAvgPx = avgPx;
    const b = this.books.get(o.coin);
    if (b !== undefined) b.lastChangeLocalMs = nowMs;
    if (o.reportedFilledSz > o.fillsSz + 1e-12 && !this.orders.has(o.cloid) && b !== undefined) {
      // retired after a first partial fill; the venue now reports more: track the missing fills again
      this.retired.delete(o.cloid);
      this.orders.set(o.cloid, o);
      b.active.add(o.cloid);
    }
    if (b !== undefined) this.recountAwaiting(b);
    if (b === undefined || b.fillSz !== 0 || b.provisionalOpenedAtMs !== 0 || o.reduceOnly) return;
    // a position exists from this moment, before its userFill: start its clocks now (exits, L4)
    b.provisionalOpenedAtMs = nowMs;
    b.openedAtMs = nowMs;
    b.avgEntryPx = o.reportedAvgPx > 0 ? o.reportedAvgPx : o.px;
    b.entryOraclePx = o.purpose === 'entry' ? o.oraclePx : 0;
    b.entryReason = o.purpose === 'entry' ? o.reason : 'external';
    this.listener.onPositionOpened(b);
  }

  /** Applies one status of an order-action post response (matched by index by the caller). */
  applyPostStatus(o: TrackedOrder, st: OrderResponseStatus, nowMs: number): { rejected: string | null } {
    if (typeof st === 'string') {
      // waitingForFill / waitingForTrigger: accepted, not yet done
      if (o.state === 'sent' || o.state === 'unknown') this.transition(o, 'resting', st, nowMs);
      return { rejected: null };
    }
    if ('resting' in st) {
      this.setOid(o, st.resting.oid);
      this.transition(o, 'resting', 'resting', nowMs);
      return { rejected: null };
    }
    if ('filled' in st) {
      this.setOid(o, st.filled.oid);
      this.report(o, Number(st.filled.totalSz), Number(st.filled.avgPx), nowMs);
      // An IOC is done once the venue answers: a partial fill's remainder is already cancelled.
      this.transition(o, o.reportedFilledSz >= o.sz - 1e-12 ? 'filled' : 'cancelled', 'filled', nowMs);
      this.maybeRetire(o);
      return { rejected: null };
    }
    this.transition(o, 'rejected', st.error, nowMs);
    return { rejected: st.error };
  }

  /** orderUpdates element. Returns the order it applied to (if ours) and whether it was a rejection. */
  applyOrderUpdate(u: WsOrderUpdate, nowMs: number): { order: TrackedOrder | undefined; to: OrderState | null } {
    const o = this.find(u.order.cloid) ?? this.byOid(u.order.oid);
    if (o === undefined) return { order: undefined, to: null };
    this.setOid(o, u.order.oid);
    const orig = Number(u.order.origSz);
    const remaining = Number(u.order.sz);
    const to = mapVenueStatus(u.status);
    if (Number.isFinite(orig) && Number.isFinite(remaining) && orig > remaining) this.report(o, orig - remaining, 0, nowMs);
    if (to === 'filled' && o.reportedFilledSz < o.sz) this.report(o, o.sz, 0, nowMs);
    this.transition(o, to, u.status, nowMs);
    this.maybeRetire(o);
    return { order: o, to };
  }

  /** info orderStatus answer for an order (status string, or 'unknownOid' when the venue never saw it). */
  applyOrderStatus(o: TrackedOrder, status: string, filledSz: number | undefined, nowMs: number): OrderState {
    if (status === 'unknownOid') {
      // The venue has no such order: it was never placed.
      this.transition(o, 'cancelled', 'unknownOid', nowMs);
      return 'cancelled';
    }
    const to = mapVenueStatus(status);
    if (filledSz !== undefined && filledSz > 0) this.report(o, filledSz, 0, nowMs);
    if (to === 'filled' && o.reportedFilledSz < o.sz) this.report(o, o.sz, 0, nowMs);
    this.transition(o, to, status, nowMs);
    this.maybeRetire(o);
    return to;
  }

  // ───────────── fills ─────────────

  /**
   * Applies userFills. Streaming fills update positions (dedup by tid). Snapshot fills (isSnapshot) only
   * count when they belong to an order this tracker placed (a fill missed while disconnected, L12; tid dedup
   * drops the ones already seen); anything else in a snapshot is history and must not rebuild positions
   * (incident #22).
   */
  applyFills(fills: readonly UserFill[], isSnapshot: boolean, nowMs: number): void {
    for (const f of fills) {
      if (this.seenTids.has(f.tid)) {
        this.counters.fillsDuplicate++;
        continue;
      }
      this.rememberTid(f.tid);
      const b = this.books.get(f.coin);
      if (b === undefined) continue; // not one of our markets
      // a fill with a cloid that is not ours is someone else's (L14): never absorbed into one of our orders
      const order = this.find(f.cloid) ?? this.byOid(f.oid) ?? (f.cloid == null ? this.awaitingFill(b, f.side === 'B') : undefined);
      if (isSnapshot && order === undefined) {
        this.counters.snapshotFillsIgnored++;
        continue;
      }
      // sent strictly after the request: the snapshot cannot hold it (same ms: it may, so it counts as included)
      if (f.time <= b.reconciledThroughMs && !(order !== undefined && order.sentAtMs > b.reconciledRequestedAtMs)) {
        this.counters.fillsBeforeReconcileIgnored++;
        if (order !== undefined) this.noteFillOnOrder(order, Number(f.sz), Number(f.px), nowMs);
        continue;
      }
      if (f.time > b.lastFillVenueMs) b.lastFillVenueMs = f.time;
      this.applyOneFill(b, f, order, nowMs);
    }
  }

  /** A fill that names no order we know (no cloid, unseen oid) but matches a venue-reported fill still
   * missing from userFills on the same market and side: attribute it there rather than count it twice. */
  private awaitingFill(b: MarketBook, isBuy: boolean): TrackedOrder | undefined {
    for (const c of b.active) {
      const o = this.orders.get(c);
      if (o !== undefined && o.isBuy === isBuy && o.reportedFilledSz > o.fillsSz + 1e-12) return o;
    }
    return undefined;
  }

  private rememberTid(tid: number): void {
    this.seenTids.add(tid);
    if (this.seenTids.size > TIDS_MAX) {
      let drop = TIDS_MAX / 2;
      for (const t of this.seenTids) {
        this.seenTids.delete(t);
        if (--drop === 0) break;
      }
    }
  }

  private noteFillOnOrder(o: TrackedOrder, sz: number, px: number, nowMs: number): void {
    o.fillsSz += sz;
    o.fillsNotional += sz * px;
    if (o.fillsSz > o.reportedFilledSz) o.reportedFilledSz = o.fillsSz;
    const b = this.books.get(o.coin);
    if (b !== undefined && b.awaiting > 0) this.recountAwaiting(b);
    // Fully filled = done. A partial fill alone says nothing about the rest (more pieces may follow): the
    // post response, orderUpdates or orderStatus decide, so a flatten claim is not released early.
    if (!isTerminal(o.state) && o.fillsSz >= o.sz - 1e-12) this.transition(o, 'filled', 'fill', nowMs);
    this.maybeRetire(o);
  }

  private applyOneFill(b: MarketBook, f: UserFill, order: TrackedOrder | undefined, nowMs: number): void {
    const sz = Number(f.sz);
    const px = Number(f.px);
    const fee = Number(f.fee) + (f.builderFee !== undefined ? Number(f.builderFee) : 0);
    if (!(sz > 0) || !(px > 0)) return;
    this.counters.fillsApplied++;
    b.lastChangeLocalMs = nowMs;
    if (order === undefined) this.counters.externalFills++;
    const isBuy = f.side === 'B';
    const signed = isBuy ? sz : -sz;
    const before = b.fillSz;
    const after = roundLots(before + signed, b.szDecimals);
    const exitReason = order !== undefined && order.purpose === 'exit' ? order.reason : order === undefined ? 'external' : 'entry';

    let remaining = sz;
    let feeLeft = Number.isFinite(fee) ? fee : 0;
    if (before !== 0 && Math.sign(before) !== Math.sign(signed)) {
      // closing (part of) the position
      const closeQty = Math.min(sz, Math.abs(before));
      const dir = before > 0 ? 1 : -1;
      const rt = b.rt ?? this.startRoundTrip(b, before > 0 ? 'buy' : 'sell', nowMs, 'adopted', null, null);
      rt.gross += closeQty * (px - b.avgEntryPx) * dir;
      rt.exitSz += closeQty;
      rt.exitNotional += closeQty * px;
      rt.fees += feeLeft * (closeQty / sz);
      feeLeft -= feeLeft * (closeQty / sz);
      rt.exitReason = exitReason;
      remaining = roundLots(sz - closeQty, b.szDecimals);
      if (Math.abs(before) - closeQty <= 1e-12) {
        b.fillSz = 0;
        this.finishRoundTrip(b, nowMs);
      } else {
        b.fillSz = roundLots(before + (before > 0 ? -closeQty : closeQty), b.szDecimals);
      }
    }
    if (remaining > 0) {
      // opening or adding
      const cur = b.fillSz;
      if (cur === 0) {
        b.avgEntryPx = px;
        b.openedAtMs = b.provisionalOpenedAtMs !== 0 ? b.provisionalOpenedAtMs : nowMs;
        b.entryReason = order?.purpose === 'entry' ? order.reason : 'external';
        b.entryOraclePx = order?.purpose === 'entry' ? order.oraclePx : 0;
        const slip = order?.purpose === 'entry' && order.touchPx > 0 ? (isBuy ? (px - order.touchPx) / order.touchPx : (order.touchPx - px) / order.touchPx) * 1e4 : null;
        this.startRoundTrip(b, isBuy ? 'buy' : 'sell', nowMs, b.entryReason, order?.signalEdgeBps ?? null, slip);
      } else {
        const n = Math.abs(cur);
        b.avgEntryPx = (b.avgEntryPx * n + px * remaining) / (n + remaining);
      }
      b.fillSz = roundLots(cur + (isBuy ? remaining : -remaining), b.szDecimals);
      const rt = b.rt;
      if (rt !== null) {
        rt.entrySz += remaining;
        rt.entryNotional += remaining * px;
        rt.fees += feeLeft;
      }
      if (cur === 0 && b.provisionalOpenedAtMs === 0) this.listener.onPositionOpened(b);
      b.provisionalOpenedAtMs = 0;
    }
    if (order !== undefined) this.noteFillOnOrder(order, sz, px, nowMs);
    this.listener.onFill(
      {
        timeMs: nowMs,
        coin: b.coin,
        tid: f.tid,
        cloid: order?.cloid ?? null,
        purpose: order?.purpose ?? 'external',
        side: isBuy ? 'buy' : 'sell',
        px,
        sz,
        feeUsd: Number.isFinite(fee) ? fee : 0,
        positionAfter: after,
      },
      order ?? null,
    );
  }

  private startRoundTrip(b: MarketBook, side: Side, nowMs: number, reason: string, edge: number | null, slip: number | null): RoundTripAcc {
    b.rt = {
      side,
      entryTimeMs: nowMs,
      entryReason: reason,
      entrySz: 0,
      entryNotional: 0,
      exitSz: 0,
      exitNotional: 0,
      fees: 0,
      gross: 0,
      signalledEdgeBps: edge,
      entrySlippageBps: slip,
      exitReason: '',
    };
    return b.rt;
  }

  private finishRoundTrip(b: MarketBook, nowMs: number): void {
    const rt = b.rt;
    b.rt = null;
    b.avgEntryPx = 0;
    b.entryOraclePx = 0;
    if (rt === null) return;
    const entryPx = rt.entrySz > 0 ? rt.entryNotional / rt.entrySz : 0;
    const exitPx = rt.exitSz > 0 ? rt.exitNotional / rt.exitSz : 0;
    const dir = rt.side === 'buy' ? 1 : -1;
    this.listener.onRoundTrip({
      coin: b.coin,
      side: rt.side,
      entryTimeMs: rt.entryTimeMs,
      exitTimeMs: nowMs,
      entryReason: rt.entryReason,
      exitReason: rt.exitReason,
      entryPx,
      exitPx,
      size: rt.exitSz,
      feesUsd: rt.fees,
      grossPnlUsd: rt.gross,
      pnlUsd: rt.gross - rt.fees,
      signalledEdgeBps: rt.signalledEdgeBps,
      realisedEdgeBps: entryPx > 0 ? ((exitPx - entryPx) / entryPx) * 1e4 * dir : 0,
      entrySlippageBps: rt.entrySlippageBps,
    });
  }

  // ───────────── reconciliation ─────────────

  /**
   * Applies a reconciliation snapshot (design principle 4). Rules:
   * - a snapshot with no positions while we hold some is ignored until `emptyConfirmations` in a row agree
   *   (incident #31: the venue sometimes answers empty for 10–60 s);
   * - a market's size is corrected only when it is quiet: no live order, no order younger than
   *   `provisionalGraceMs`, no order sent and no local position change at or after the request
   *   (`requestedAtMs`), no fill newer than the snapshot — otherwise deferred, never cleared first and
   *   filled later (incident #28);
   * - an existing position keeps its opening time and context (incident #51);
   * - unknown orders are never resolved here: an IOC never rests, so its absence from the open orders says
   *   nothing (it may have filled); orderStatus, orderUpdates, post responses and fills resolve them.
   */
  applyReconcile(
    snap: ReconcileSnapshot,
    nowMs: number,
    emptyConfirmations: number,
    provisionalGraceMs: number,
  ): { adopted: string[]; orphanOrders: { coin: string; oid: number }[] } {
    const adopted: string[] = [];
    const orphanOrders: { coin: string; oid: number }[] = [];
    const requestedAt = snap.requestedAtMs;
    if (typeof requestedAt !== 'number' || !Number.isFinite(requestedAt)) {
      this.counters.reconcileRefused++; // without it no correction can be judged safe
      return { adopted, orphanOrders };
    }
    if (snap.openOrders !== undefined) {
      for (const oo of snap.openOrders) {
        const known = this.find(oo.cloid) ?? this.byOid(oo.oid);
        if (known === undefined && this.books.has(oo.coin)) orphanOrders.push({ coin: oo.coin, oid: oo.oid });
      }
    }
    let anyLocal = false;
    for (const b of this.books.values()) if (this.position(b.coin) !== 0) anyLocal = true;
    if (snap.positions.length === 0 && anyLocal) {
      this.emptyReconcileStreak++;
      if (this.emptyReconcileStreak < emptyConfirmations) {
        this.counters.reconcileEmptyIgnored++;
        return { adopted, orphanOrders };
      }
    } else {
      this.emptyReconcileStreak = 0;
    }
    const venue = new Map<string, { szi: number; entryPx?: number }>();
    for (const p of snap.positions) venue.set(p.coin, p);
    for (const b of this.books.values()) {
      const v = venue.get(b.coin);
      const venueSz = v === undefined ? 0 : roundLots(v.szi, b.szDecimals);
      const local = this.position(b.coin);
      if (venueSz === local) continue;
      // a fill newer than the snapshot means the snapshot is already stale for this market
      let quiet = b.lastFillVenueMs < snap.venueTimeMs && b.lastChangeLocalMs < requestedAt;
      for (const c of b.active) {
        const o = this.orders.get(c);
        if (o === undefined) continue;
        if (!isTerminal(o.state) || nowMs - o.sentAtMs < provisionalGraceMs || o.sentAtMs >= requestedAt) quiet = false;
      }
      if (!quiet) {
        this.counters.reconcileDeferred++;
        continue;
      }
      // drop stale provisional fills: the venue's size supersedes them
      for (const c of [...b.active]) {
        const o = this.orders.get(c);
        if (o === undefined) continue;
        o.reportedFilledSz = o.fillsSz;
        this.maybeRetire(o);
      }
      b.awaiting = 0;
      this.counters.reconcileAdjustments++;
      b.provisionalOpenedAtMs = 0;
      const before = b.fillSz;
      b.fillSz = venueSz;
      b.reconciledThroughMs = Math.max(b.reconciledThroughMs, snap.venueTimeMs);
      b.reconciledRequestedAtMs = requestedAt;
      if (venueSz === 0) {
        if (b.rt !== null) b.rt.exitReason = 'reconciled';
        this.finishRoundTrip(b, nowMs);
      } else if (before === 0 || Math.sign(before) !== Math.sign(venueSz)) {
        b.avgEntryPx = v?.entryPx ?? 0;
        b.openedAtMs = nowMs;
        b.entryReason = 'adopted';
        b.entryOraclePx = 0;
        this.startRoundTrip(b, venueSz > 0 ? 'buy' : 'sell', nowMs, 'adopted', null, null);
        if (b.rt !== null) {
          b.rt.entrySz = Math.abs(venueSz);
          b.rt.entryNotional = Math.abs(venueSz) * b.avgEntryPx;
        }
        adopted.push(b.coin);
        this.listener.onPositionOpened(b);
      } else if (v?.entryPx !== undefined && v.entryPx > 0) {
        b.avgEntryPx = v.entryPx; // same side, size differs: keep timers, take the venue's entry price
      }
    }
    return { adopted, orphanOrders };
  }

  /** Every non-terminal order. */
  liveOrders(): TrackedOrder[] {
    const out: TrackedOrder[] = [];
    for (const o of this.orders.values()) if (!isTerminal(o.state)) out.push(o);
    return out;
  }
}
