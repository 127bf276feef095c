// Reconciliation: after every connect and periodically (default 60 s), OFF the hot path (promises started
// from timers, never awaited by frame handling — the reference blocked its loop, L11, and did not resync
// after a reconnect, L12). One run reads, for every traded dex, positions (clearinghouseState) and open
// orders (frontendOpenOrders), the fills since the last known fill (tid dedupe), and resolves orders whose
// post outcome was unknown (orderStatus by cloid). The result reaches the consumer as ONE snapshot event.
// A single empty or failed reply never shrinks state (incidents #28, #31: the venue intermittently answers
// an empty clearinghouse): a failed dex keeps its last accepted state, and an empty answer that would erase
// a non-empty one is only accepted when a second query confirms it. Orphan orders (our cloid prefix, unknown
// to the tracker) are reported and, by configuration, handed to a cancel callback.
import type { AssetPosition, ClearinghouseState, FrontendOpenOrder, OrderStatusResponse, UserFill } from '../protocol/wire.ts';
import { systemClock, silentLogger, type TimerHandle, type VenueClock, type VenueLogger } from './clock.ts';

export interface ReconcileSource {
  clearinghouseState(user: string, dex: string): Promise<ClearinghouseState>;
  frontendOpenOrders(user: string, dex: string): Promise<FrontendOpenOrder[]>;
  userFillsByTime(user: string, startTime: number, endTime?: number): Promise<UserFill[]>;
  orderStatus(user: string, oidOrCloid: number | string): Promise<OrderStatusResponse>;
}

export interface DexAccount {
  dex: string;
  positions: AssetPosition[];
  accountValue: string;
  withdrawable: string;
  /** true when this dex's state is carried over from an earlier run (its query failed or is unconfirmed). */
  carried: boolean;
  /** The venue's time of this state (clearinghouseState.time, epoch ms). */
  venueTime: number;
}

export interface UnknownOrderResolution {
  cloid: string;
  /** 'notFound' = the venue never saw it (orderStatus unknownOid on repeated queries). */
  status: string;
  order: FrontendOpenOrder | null;
  statusTimestamp: number;
}

export interface ReconcileSnapshot {
  seq: number;
  /** Connection session the run started under. */
  session: number;
  reason: 'connect' | 'periodic' | 'manual' | 'retry';
  /** Clock time just before the run's first query was sent: the snapshot reflects the venue at or after it. */
  requestedAt: number;
  /** Clock time when every answer was in. */
  at: number;
  /** The venue's time of the snapshot: the latest clearinghouseState.time among the dexes answered in this
   * run (`at` when none was, e.g. every query failed). */
  venueTime: number;
  /** Every query answered (and every shrinking empty answer confirmed). Readiness requires it. */
  complete: boolean;
  accounts: DexAccount[];
  openOrders: FrontendOpenOrder[];
  /** Fills not seen before (stream, snapshot or an earlier run), oldest first. */
  newFills: UserFill[];
  resolved: UnknownOrderResolution[];
  orphans: FrontendOpenOrder[];
  failures: string[];
}

export interface ReconcilerOptions {
  /** MASTER account (agents have no state of their own, §5.1). */
  user: string;
  dexes: () => readonly string[];
  source: ReconcileSource;
  clock?: VenueClock;
  logger?: VenueLogger;
  /** Periodic reconciliation (ms); 0 disables. */
  intervalMs?: number;
  /** Retry delay after an incomplete run (ms). */
  retryMs?: number;
  /** Delay before re-querying an empty answer that would erase state (ms). */
  confirmDelayMs?: number;
  /** First run with no fill known: fetch fills since `now - initialFillLookbackMs`. */
  initialFillLookbackMs?: number;
  /** Overlap when fetching fills since the last known one (ms), tid dedupe removes repeats. */
  fillOverlapMs?: number;
  /** Our cloids start with this (lowercase '0x…'); '' disables orphan detection. */
  cloidPrefix?: string;
  /** cloids the order tracker knows (orphan = ours by prefix and not in here). */
  knownCloids?: () => ReadonlySet<string>;
  /** When set, orphans are handed to it for cancellation. */
  cancelOrphans?: (orders: FrontendOpenOrder[]) => void;
  /** orderStatus 'unknownOid' answers before an unknown order is declared notFound. */
  notFoundAfter?: number;
  /** Max tids remembered for dedupe. */
  tidMemory?: number;
}

interface UnknownEntry {
  cloid: string;
  since: number;
  notFoundCount: number;
}

export class Reconciler {
  private readonly o: Required<Omit<ReconcilerOptions, 'cancelOrphans' | 'knownCloids'>> &
    Pick<ReconcilerOptions, 'cancelOrphans' | 'knownCloids'>;
  private readonly clock: VenueClock;
  private readonly log: VenueLogger;
  private readonly accepted = new Map<string, { account: DexAccount; orders: FrontendOpenOrder[] }>();
  private readonly seenTids = new Set<number>();
  private readonly tidOrder: number[] = [];
  private lastFillTime = 0;
  private readonly startedAt: number;
  private readonly unknown = new Map<string, UnknownEntry>();
  private running = false;
  private rerun: ReconcileSnapshot['reason'] | null = null;
  private seq = 0;
  private session = 0;
  private periodicTimer: TimerHandle | null = null;
  private retryTimer: TimerHandle | null = null;
  private stopped = false;
  private readonly delayed = new Set<TimerHandle>();
  /** Waits inside a run (the confirm delay): stop() clears their timers and wakes them so the run ends. */
  private readonly sleeps = new Set<{ timer: TimerHandle; wake: () => void }>();
  /** The one snapshot event per run. */
  onSnapshot: ((s: ReconcileSnapshot) => void) | null = null;

  constructor(opts: ReconcilerOptions) {
    this.o = {
      clock: systemClock,
      logger: silentLogger,
      intervalMs: 60_000,
      retryMs: 1000,
      confirmDelayMs: 500,
      initialFillLookbackMs: 3_600_000,
      fillOverlapMs: 5000,
      cloidPrefix: '',
      notFoundAfter: 2,
      tidMemory: 100_000,
      ...opts,
      user: opts.user.toLowerCase(),
    };
    this.clock = this.o.clock;
    this.log = this.o.logger;
    this.startedAt = this.clock.now();
  }

  get unknownCloids(): string[] {
    return [...this.unknown.keys()];
  }

  /** A fill seen anywhere (WS stream or snapshot): remembered for dedupe. Returns false if already seen. */
  noteFill(f: UserFill): boolean {
    if (this.seenTids.has(f.tid)) return false;
    this.seenTids.add(f.tid);
    this.tidOrder.push(f.tid);
    if (this.tidOrder.length > this.o.tidMemory) this.seenTids.delete(this.tidOrder.shift()!);
    if (f.time > this.lastFillTime) this.lastFillTime = f.time;
    // A fill for an order of unknown outcome proves it reached the venue: ask for its status now.
    if (f.cloid && this.unknown.has(f.cloid.toLowerCase())) this.request('manual', 0);
    return true;
  }

  /** A post carrying these orders ended unknown: resolve by orderStatus (never assume rejected). */
  trackUnknown(cloids: readonly string[]): void {
    const now = this.clock.now();
    for (const c of cloids) this.unknown.set(c.toLowerCase(), { cloid: c.toLowerCase(), since: now, notFoundCount: 0 });
    if (cloids.length > 0) this.request('manual', this.o.confirmDelayMs);
  }

  /** Resolution arrived by other means (a late post answer): stop querying it. */
  forgetUnknown(cloid: string): void {
    this.unknown.delete(cloid.toLowerCase());
  }

  /** New connection: reconcile now; readiness waits for a complete run of this session. */
  onConnect(session: number): void {
    this.session = session;
    this.request('connect', 0);
    this.armPeriodic();
  }

  onDisconnect(): void {
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** No timer survives and no snapshot is delivered after this (a run in progress ends without one). */
  stop(): void {
    this.stopped = true;
    for (const t of [this.periodicTimer, this.retryTimer, ...this.delayed]) if (t !== null) this.clock.clearTimeout(t);
    this.periodicTimer = this.retryTimer = null;
    this.delayed.clear();
    const sleeps = [...this.sleeps];
    this.sleeps.clear();
    for (const s of sleeps) {
      this.clock.clearTimeout(s.timer);
      s.wake();
    }
  }

  /** Asks for a run after `delayMs`; runs never overlap (one more is queued if one is in progress). */
  request(reason: ReconcileSnapshot['reason'], delayMs: number): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      const h = this.clock.setTimeout(() => {
        this.delayed.delete(h);
        this.request(reason, 0);
      }, delayMs);
      this.delayed.add(h);
      return;
    }
    if (this.running) {
      if (this.rerun === null || reason === 'connect') this.rerun = reason;
      return;
    }
    void this.run(reason);
  }

  /** One reconciliation run; resolves with the snapshot it delivered. */
  async run(reason: ReconcileSnapshot['reason']): Promise<ReconcileSnapshot> {
    this.running = true;
    const session = this.session;
    let snap: ReconcileSnapshot;
    try {
      snap = await this.collect(reason, session);
    } finally {
      this.running = false;
    }
    if (this.stopped) return snap;
    try {
      this.onSnapshot?.(snap);
    } catch (err) {
      this.log.error({ err: String(err) }, 'reconcile snapshot consumer threw');
    }
    if (!snap.complete && !this.stopped) {
      if (this.retryTimer === null) {
        this.retryTimer = this.clock.setTimeout(() => {
          this.retryTimer = null;
          this.request('retry', 0);
        }, this.o.retryMs);
      }
    }
    const next = this.rerun;
    this.rerun = null;
    if (next !== null) this.request(next, 0);
    return snap;
  }

  private armPeriodic(): void {
    if (this.o.intervalMs <= 0 || this.periodicTimer !== null || this.stopped) return;
    this.periodicTimer = this.clock.setTimeout(() => {
      this.periodicTimer = null;
      this.request('periodic', 0);
      this.armPeriodic();
    }, this.o.intervalMs);
  }

  private async collect(reason: ReconcileSnapshot['reason'], session: number): Promise<ReconcileSnapshot> {
    const user = this.o.user;
    const requestedAt = this.clock.now();
    const failures: string[] = [];
    const dexes = this.o.dexes();
    const fillsSince =
      this.lastFillTime > 0 ? this.lastFillTime - this.o.fillOverlapMs : this.startedAt - this.o.initialFillLookbackMs;
    const unknownList = [...this.unknown.values()];

    const [dexResults, fills, statuses] = await Promise.all([
      Promise.all(dexes.map((dex) => this.collectDex(dex, failures))),
      this.o.source.userFillsByTime(user, Math.max(0, fillsSince)).then(
        (f) => {
          if (Array.isArray(f)) return f;
          failures.push('userFillsByTime: not an array');
          return [] as UserFill[];
        },
        (err) => {
          failures.push(`userFillsByTime: ${String(err)}`);
          return [] as UserFill[];
        },
      ),
      Promise.all(
        unknownList.map((u) =>
          this.o.source.orderStatus(user, u.cloid).then(
            (r) => ({ u, r }),
            (err) => {
              failures.push(`orderStatus ${u.cloid}: ${String(err)}`);
              return { u, r: null };
            },
          ),
        ),
      ),
    ]);

    const newFills = [...fills].sort((a, b) => a.time - b.time || a.tid - b.tid).filter((f) => this.noteFill(f));

    const resolved: UnknownOrderResolution[] = [];
    for (const { u, r } of statuses) {
      if (r === null || !this.unknown.has(u.cloid)) continue;
      if (r.status === 'order') {
        this.unknown.delete(u.cloid);
        resolved.push({ cloid: u.cloid, status: r.order.status, order: r.order.order, statusTimestamp: r.order.statusTimestamp });
      } else if (++u.notFoundCount >= this.o.notFoundAfter) {
        this.unknown.delete(u.cloid);
        resolved.push({ cloid: u.cloid, status: 'notFound', order: null, statusTimestamp: this.clock.now() });
      } else {
        failures.push(`orderStatus ${u.cloid}: unknownOid (will re-check)`);
      }
    }

    const accounts: DexAccount[] = [];
    const openOrders: FrontendOpenOrder[] = [];
    for (const d of dexResults) {
      accounts.push(d.account);
      openOrders.push(...d.orders);
    }

    const orphans = this.findOrphans(openOrders);
    if (orphans.length > 0) {
      this.log.warn({ count: orphans.length, cloids: orphans.map((o) => o.cloid) }, 'orphan orders at the venue');
      this.o.cancelOrphans?.(orphans);
    }

    const at = this.clock.now();
    let venueTime = 0;
    for (const a of accounts) if (!a.carried && a.venueTime > venueTime) venueTime = a.venueTime;
    return {
      seq: ++this.seq,
      session,
      reason,
      requestedAt,
      at,
      venueTime: venueTime > 0 ? venueTime : at,
      complete: failures.length === 0,
      accounts,
      openOrders,
      newFills,
      resolved,
      orphans,
      failures,
    };
  }

  private async collectDex(dex: string, failures: string[]): Promise<{ account: DexAccount; orders: FrontendOpenOrder[] }> {
    const prev = this.accepted.get(dex);
    const query = async () => {
      const [ch, orders] = await Promise.all([
        this.o.source.clearinghouseState(this.o.user, dex),
        this.o.source.frontendOpenOrders(this.o.user, dex),
      ]);
      if (!ch || !Array.isArray(ch.assetPositions) || !Array.isArray(orders)) throw new Error('unexpected shape');
      return { ch, orders };
    };
    const carried = () => ({
      account: { ...(prev?.account ?? { dex, positions: [], accountValue: '0', withdrawable: '0', venueTime: 0 }), carried: true },
      orders: prev?.orders ?? [],
    });
    let got: { ch: ClearinghouseState; orders: FrontendOpenOrder[] };
    try {
      got = await query();
      const shrinks = (prev?.account.positions.length ?? 0) > 0 && got.ch.assetPositions.length === 0;
      const ordersShrink = (prev?.orders.length ?? 0) > 0 && got.orders.length === 0;
      if (shrinks || ordersShrink) {
        // One empty answer is not evidence (the venue returns transient empty states): ask again.
        await this.sleep(this.o.confirmDelayMs);
        if (this.stopped) throw new Error('reconciler stopped');
        const again = await query();
        // The second answer decides: empty twice in a row is accepted, otherwise the non-empty one wins.
        if (shrinks) got = { ...got, ch: again.ch };
        if (ordersShrink) got = { ...got, orders: again.orders };
      }
    } catch (err) {
      failures.push(`dex ${JSON.stringify(dex)}: ${String(err)}`);
      return carried();
    }
    const account: DexAccount = {
      dex,
      positions: got.ch.assetPositions,
      accountValue: got.ch.marginSummary?.accountValue ?? '0',
      withdrawable: got.ch.withdrawable ?? '0',
      carried: false,
      venueTime: Number.isFinite(got.ch.time) ? got.ch.time : 0,
    };
    const res = { account, orders: got.orders };
    this.accepted.set(dex, res);
    return res;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const entry = {
        timer: null as TimerHandle,
        wake: () => resolve(),
      };
      entry.timer = this.clock.setTimeout(() => {
        this.sleeps.delete(entry);
        resolve();
      }, ms);
      this.sleeps.add(entry);
    });
  }

  private findOrphans(orders: FrontendOpenOrder[]): FrontendOpenOrder[] {
    const prefix = this.o.cloidPrefix.toLowerCase();
    if (prefix === '' || !this.o.knownCloids) return [];
    const known = this.o.knownCloids();
    return orders.filter((o) => {
      const c = o.cloid?.toLowerCase();
      return c?.startsWith(prefix) === true && !known.has(c) && !this.unknown.has(c);
    });
  }
}
