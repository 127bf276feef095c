// The journal: a SQLite database (node:sqlite, WAL) of everything the bot saw and did.
// Writes never happen on the hot path: the record* methods push onto an in-memory queue (O(1), no I/O) and a
// short timer (or a full batch, via setImmediate) writes the queue in one transaction. A crash therefore loses
// at most the batch not yet flushed; committed batches survive (WAL, incident #1/#2: the original's Parquet
// writer never flushed and its footer was never written). Every table has a natural unique key and every
// insert is ON CONFLICT DO NOTHING, so replaying rows after a restart never duplicates them. (Not INSERT OR
// IGNORE: that would also silently skip a row with a NULL/NaN in a NOT NULL column; such a row must fail and
// be reported.)
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type {
  FillRow,
  FollowUpRow,
  HardStopRow,
  OrderRow,
  OrderStatusRow,
  ReadinessRow,
  RoundTripRow,
  RunRow,
  SignalRow,
} from './types.ts';

/** Schema migrations, applied in order; PRAGMA user_version records how many have run. Never edit a shipped one. */
export const MIGRATIONS: readonly string[] = [
  // 1: the tables.
  `CREATE TABLE signals (
     signal_id TEXT PRIMARY KEY, ts_ms INTEGER NOT NULL, market TEXT NOT NULL, side TEXT NOT NULL,
     oracle_px REAL NOT NULL, bid_px REAL NOT NULL, ask_px REAL NOT NULL,
     edge_bps REAL NOT NULL, net_edge_bps REAL NOT NULL, decision TEXT NOT NULL, reject_reason TEXT,
     inputs_json TEXT NOT NULL, verdicts_json TEXT NOT NULL);
   CREATE TABLE follow_ups (
     signal_id TEXT NOT NULL, offset_ms INTEGER NOT NULL, captured_ms INTEGER NOT NULL,
     oracle_px REAL NOT NULL, bid_px REAL NOT NULL, ask_px REAL NOT NULL, edge_bps REAL NOT NULL,
     PRIMARY KEY (signal_id, offset_ms));
   CREATE TABLE orders (
     cloid TEXT PRIMARY KEY, market TEXT NOT NULL, side TEXT NOT NULL, kind TEXT NOT NULL,
     reduce_only INTEGER NOT NULL, tif TEXT NOT NULL, px REAL NOT NULL, sz REAL NOT NULL,
     created_ms INTEGER NOT NULL, signal_id TEXT, exit_reason TEXT,
     oid INTEGER, status TEXT NOT NULL DEFAULT 'created', status_ms INTEGER);
   CREATE TABLE order_events (
     cloid TEXT NOT NULL, ts_ms INTEGER NOT NULL, status TEXT NOT NULL, oid INTEGER, detail TEXT,
     UNIQUE (cloid, ts_ms, status));
   CREATE TABLE fills (
     tid INTEGER PRIMARY KEY, cloid TEXT, oid INTEGER NOT NULL, market TEXT NOT NULL, side TEXT NOT NULL,
     px REAL NOT NULL, sz REAL NOT NULL, fee REAL NOT NULL, closed_pnl REAL NOT NULL, ts_ms INTEGER NOT NULL,
     crossed INTEGER NOT NULL);
   CREATE TABLE round_trips (
     id TEXT PRIMARY KEY, market TEXT NOT NULL, side TEXT NOT NULL, entry_ms INTEGER NOT NULL,
     exit_ms INTEGER NOT NULL, entry_px REAL NOT NULL, exit_px REAL NOT NULL, size REAL NOT NULL,
     entry_reason TEXT NOT NULL, exit_reason TEXT NOT NULL, fees_usd REAL NOT NULL, pnl_usd REAL NOT NULL,
     signalled_edge_bps REAL, realised_edge_bps REAL NOT NULL, slippage_bps REAL);
   CREATE TABLE hard_stops (
     ts_ms INTEGER NOT NULL, event TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT,
     UNIQUE (ts_ms, event, reason));
   CREATE TABLE readiness (
     ts_ms INTEGER NOT NULL, scope TEXT NOT NULL, state TEXT NOT NULL, detail TEXT,
     UNIQUE (ts_ms, scope, state));`,
  // 2: indexes for the report and the research loop (per-market, by time).
  `CREATE INDEX signals_market_ts ON signals (market, ts_ms);
   CREATE INDEX round_trips_exit ON round_trips (exit_ms);
   CREATE INDEX fills_cloid ON fills (cloid);
   CREATE INDEX order_events_cloid ON order_events (cloid, ts_ms);`,
  // 3: one row per start of the bot, so a report can say what it is about (network, mode, configuration).
  `CREATE TABLE runs (
     run_id TEXT PRIMARY KEY, started_ms INTEGER NOT NULL, network TEXT NOT NULL, mode TEXT NOT NULL,
     simulated INTEGER NOT NULL, config_json TEXT NOT NULL);`,
];

export class JournalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JournalError';
  }
}

/** Opens (creating if needed) a journal database and brings its schema up to date. Fails loudly at once. */
export function openDatabase(path: string, options: { readOnly?: boolean } = {}): DatabaseSync {
  let db: DatabaseSync;
  try {
    if (!options.readOnly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new DatabaseSync(path, { readOnly: options.readOnly ?? false });
  } catch (err) {
    // Incident #2: an unwritable data directory must stop the start, not lose data hours later.
    throw new JournalError(`cannot open journal ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  if (version > MIGRATIONS.length) {
    db.close();
    throw new JournalError(`journal ${path} has schema version ${version}, newer than this hip3 (${MIGRATIONS.length})`);
  }
  if (options.readOnly) {
    if (version < MIGRATIONS.length) {
      db.close();
      throw new JournalError(`journal ${path} has schema version ${version}; open it once read-write to migrate`);
    }
    return db;
  }
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 2000;');
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.exec('BEGIN');
    try {
      db.exec(MIGRATIONS[v]);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      db.close();
      throw new JournalError(`journal ${path}: migration ${v + 1} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return db;
}

type Entry =
  | { t: 'signal'; row: SignalRow }
  | { t: 'followUp'; row: FollowUpRow }
  | { t: 'order'; row: OrderRow }
  | { t: 'orderStatus'; row: OrderStatusRow }
  | { t: 'fill'; row: FillRow }
  | { t: 'roundTrip'; row: RoundTripRow }
  | { t: 'hardStop'; row: HardStopRow }
  | { t: 'readiness'; row: ReadinessRow }
  | { t: 'run'; row: RunRow };

export interface JournalOptions {
  path: string;
  /** Flush period of the queue (ms). */
  flushIntervalMs?: number;
  /** Queue length that triggers a flush on the next turn. */
  flushBatchSize?: number;
  /** Applied to every text written (reasons, details, JSON): removes secrets. */
  redact?: (s: string) => string;
  /** Called when a flush fails (the batch is kept and retried on the next flush) or a row is dropped.
   * Default: a line on stderr — a journal failure is never silent (incidents #1, #2). */
  onError?: (err: Error) => void;
  /** Rows kept in memory at most while the database refuses writes; beyond it new rows are dropped and counted. */
  maxQueued?: number;
}

export interface JournalStats {
  queued: number;
  written: number;
  flushes: number;
  failedFlushes: number;
  /** Rows refused by the database on their own (a bad value) and dropped so they cannot block the rest. */
  droppedRows: number;
}

const identity = (s: string) => s;
const opt = <T>(x: T | undefined): T | null => (x === undefined ? null : x);

export class Journal {
  readonly db: DatabaseSync;
  private queue: Entry[] = [];
  private readonly batchSize: number;
  private readonly redact: (s: string) => string;
  private readonly onError: (err: Error) => void;
  private readonly maxQueued: number;
  private readonly timer: NodeJS.Timeout;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly stmts: Record<Entry['t'] | 'orderStatusUpdate', StatementSync>;
  readonly stats: JournalStats = { queued: 0, written: 0, flushes: 0, failedFlushes: 0, droppedRows: 0 };

  constructor(options: JournalOptions) {
    this.db = openDatabase(options.path);
    this.batchSize = options.flushBatchSize ?? 500;
    this.redact = options.redact ?? identity;
    this.onError = options.onError ?? ((err) => process.stderr.write(`hip3 journal: ${err.message}\n`));
    this.maxQueued = options.maxQueued ?? 1_000_000;
    const p = (sql: string) => this.db.prepare(sql);
    this.stmts = {
      signal: p(`INSERT INTO signals VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`),
      followUp: p(`INSERT INTO follow_ups VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`),
      order: p(
        `INSERT INTO orders (cloid, market, side, kind, reduce_only, tif, px, sz, created_ms, signal_id, exit_reason, status, status_ms)
         VALUES (?,?,?,?,?,?,?,?,?,?,?,'created',?) ON CONFLICT DO NOTHING`,
      ),
      orderStatus: p(`INSERT INTO order_events VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING`),
      // The latest event by time decides the current status; an older event replayed later does not win.
      orderStatusUpdate: p(
        `UPDATE orders SET status = ?, status_ms = ?, oid = COALESCE(?, oid)
         WHERE cloid = ? AND (status_ms IS NULL OR status_ms <= ?)`,
      ),
      fill: p(`INSERT INTO fills VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`),
      roundTrip: p(`INSERT INTO round_trips VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`),
      hardStop: p(`INSERT INTO hard_stops VALUES (?,?,?,?) ON CONFLICT DO NOTHING`),
      readiness: p(`INSERT INTO readiness VALUES (?,?,?,?) ON CONFLICT DO NOTHING`),
      run: p(`INSERT INTO runs VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING`),
    };
    this.timer = setInterval(() => this.flushSafely(), options.flushIntervalMs ?? 200);
    this.timer.unref();
  }

  // ---- the hot-path side: O(1), no I/O ----
  recordSignal(row: SignalRow): void {
    this.push({ t: 'signal', row });
  }
  recordFollowUp(row: FollowUpRow): void {
    this.push({ t: 'followUp', row });
  }
  recordOrder(row: OrderRow): void {
    this.push({ t: 'order', row });
  }
  recordOrderStatus(row: OrderStatusRow): void {
    this.push({ t: 'orderStatus', row });
  }
  recordFill(row: FillRow): void {
    this.push({ t: 'fill', row });
  }
  recordRoundTrip(row: RoundTripRow): void {
    this.push({ t: 'roundTrip', row });
  }
  recordHardStop(row: HardStopRow): void {
    this.push({ t: 'hardStop', row });
  }
  recordReadiness(row: ReadinessRow): void {
    this.push({ t: 'readiness', row });
  }
  recordRun(row: RunRow): void {
    this.push({ t: 'run', row });
  }

  private push(entry: Entry): void {
    if (this.closed) return;
    if (this.queue.length >= this.maxQueued) {
      this.stats.droppedRows++;
      return;
    }
    this.queue.push(entry);
    this.stats.queued = this.queue.length;
    if (this.queue.length >= this.batchSize && this.immediate === undefined) {
      // Not now: the caller is handling a frame. Next turn of the loop.
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.flushSafely();
      });
    }
  }

  private flushSafely(): void {
    try {
      this.flush();
    } catch (err) {
      this.stats.failedFlushes++;
      this.onError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * Writes the queue in one transaction. If the transaction fails, the rows are retried one by one: rows the
   * database refuses on their own are dropped and reported (one bad row must not block the journal forever);
   * if every row fails, the failure is systemic (disk, lock): the batch stays queued and the error is thrown.
   */
  flush(): number {
    if (this.queue.length === 0) return 0;
    const batch = this.queue;
    this.queue = [];
    try {
      this.transaction(() => {
        for (const e of batch) this.write(e);
      });
    } catch (err) {
      const written = this.flushRowByRow(batch);
      if (written === 0) {
        this.queue = batch.concat(this.queue);
        this.stats.queued = this.queue.length;
        throw err;
      }
      this.stats.written += written;
      this.stats.flushes++;
      this.stats.queued = this.queue.length;
      return written;
    }
    this.stats.written += batch.length;
    this.stats.flushes++;
    this.stats.queued = this.queue.length;
    return batch.length;
  }

  private transaction(fn: () => void): void {
    this.db.exec('BEGIN');
    try {
      fn();
      this.db.exec('COMMIT');
    } catch (err) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // already rolled back
      }
      throw err;
    }
  }

  private flushRowByRow(batch: Entry[]): number {
    let written = 0;
    const failed: { entry: Entry; err: unknown }[] = [];
    for (const e of batch) {
      try {
        this.transaction(() => this.write(e));
        written++;
      } catch (err) {
        failed.push({ entry: e, err });
      }
    }
    if (written > 0) {
      for (const f of failed) {
        this.stats.droppedRows++;
        this.onError(new JournalError(`journal dropped a ${f.entry.t} row: ${f.err instanceof Error ? f.err.message : String(f.err)}`));
      }
    }
    return written;
  }

  private write(e: Entry): void {
    const r = this.redact;
    const s = this.stmts;
    switch (e.t) {
      case 'signal': {
        const x = e.row;
        s.signal.run(x.signalId, x.tsMs, x.market, x.side, x.oraclePx, x.bidPx, x.askPx, x.edgeBps, x.netEdgeBps, x.decision,
          x.rejectReason === undefined ? null : r(x.rejectReason), r(JSON.stringify(x.inputs)), r(JSON.stringify(x.verdicts)));
        return;
      }
      case 'followUp': {
        const x = e.row;
        s.followUp.run(x.signalId, x.offsetMs, x.capturedMs, x.oraclePx, x.bidPx, x.askPx, x.edgeBps);
        return;
      }
      case 'order': {
        const x = e.row;
        s.order.run(x.cloid, x.market, x.side, x.kind, x.reduceOnly ? 1 : 0, x.tif, x.px, x.sz, x.createdMs, opt(x.signalId),
          opt(x.exitReason), null);
        return;
      }
      case 'orderStatus': {
        const x = e.row;
        const detail = x.detail === undefined ? null : r(x.detail);
        s.orderStatus.run(x.cloid, x.tsMs, x.status, opt(x.oid), detail);
        s.orderStatusUpdate.run(x.status, x.tsMs, opt(x.oid), x.cloid, x.tsMs);
        return;
      }
      case 'fill': {
        const x = e.row;
        s.fill.run(x.tid, opt(x.cloid), x.oid, x.market, x.side, x.px, x.sz, x.fee, x.closedPnl, x.tsMs, x.crossed ? 1 : 0);
        return;
      }
      case 'roundTrip': {
        const x = e.row;
        s.roundTrip.run(x.id, x.market, x.side, x.entryMs, x.exitMs, x.entryPx, x.exitPx, x.size, r(x.entryReason), r(x.exitReason),
          x.feesUsd, x.pnlUsd, x.signalledEdgeBps, x.realisedEdgeBps, x.slippageBps);
        return;
      }
      case 'hardStop': {
        const x = e.row;
        s.hardStop.run(x.tsMs, x.event, r(x.reason), x.detail === undefined ? null : r(x.detail));
        return;
      }
      case 'readiness': {
        const x = e.row;
        s.readiness.run(x.tsMs, x.scope, x.state, x.detail === undefined ? null : r(x.detail));
        return;
      }
      case 'run': {
        const x = e.row;
        s.run.run(x.runId, x.startedMs, x.network, x.mode, x.simulated ? 1 : 0, r(x.configJson));
        return;
      }
    }
  }

  /** Flushes what is queued and closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    clearInterval(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
    try {
      this.flush();
    } finally {
      this.closed = true;
      this.db.close();
    }
  }
}

// ---- reading (report, tests, research) ----

interface RoundTripSql {
  id: string;
  market: string;
  side: string;
  entry_ms: number;
  exit_ms: number;
  entry_px: number;
  exit_px: number;
  size: number;
  entry_reason: string;
  exit_reason: string;
  fees_usd: number;
  pnl_usd: number;
  signalled_edge_bps: number | null;
  realised_edge_bps: number;
  slippage_bps: number | null;
}

/** Round trips in the order they closed. */
export function readRoundTrips(db: DatabaseSync): RoundTripRow[] {
  const rows = db.prepare('SELECT * FROM round_trips ORDER BY exit_ms, entry_ms, id').all() as unknown as RoundTripSql[];
  return rows.map((x) => ({
    id: x.id,
    market: x.market,
    side: x.side === 'sell' ? 'sell' : 'buy',
    entryMs: x.entry_ms,
    exitMs: x.exit_ms,
    entryPx: x.entry_px,
    exitPx: x.exit_px,
    size: x.size,
    entryReason: x.entry_reason,
    exitReason: x.exit_reason,
    feesUsd: x.fees_usd,
    pnlUsd: x.pnl_usd,
    signalledEdgeBps: x.signalled_edge_bps,
    realisedEdgeBps: x.realised_edge_bps,
    slippageBps: x.slippage_bps,
  }));
}

/** Row counts per table (for summaries and tests). */
export function countRows(db: DatabaseSync): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of ['signals', 'follow_ups', 'orders', 'order_events', 'fills', 'round_trips', 'hard_stops', 'readiness', 'runs']) {
    out[t] = (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  }
  return out;
}

/** Counts of signals by decision and of rejections by reason. */
export function signalSummary(db: DatabaseSync): { byDecision: Record<string, number>; byRejectReason: Record<string, number> } {
  const byDecision: Record<string, number> = {};
  const byRejectReason: Record<string, number> = {};
  for (const r of db.prepare('SELECT decision, COUNT(*) AS n FROM signals GROUP BY decision').all() as unknown as { decision: string; n: number }[])
    byDecision[r.decision] = r.n;
  for (const r of db
    .prepare('SELECT reject_reason, COUNT(*) AS n FROM signals WHERE reject_reason IS NOT NULL GROUP BY reject_reason')
    .all() as unknown as { reject_reason: string; n: number }[])
    byRejectReason[r.reject_reason] = r.n;
  return { byDecision, byRejectReason };
}

/** The runs recorded in a journal, oldest first. */
export function readRuns(db: DatabaseSync): RunRow[] {
  const rows = db.prepare('SELECT * FROM runs ORDER BY started_ms').all() as unknown as {
    run_id: string;
    started_ms: number;
    network: string;
    mode: string;
    simulated: number;
    config_json: string;
  }[];
  return rows.map((x) => ({ runId: x.run_id, startedMs: x.started_ms, network: x.network, mode: x.mode, simulated: x.simulated === 1, configJson: x.config_json }));
}
