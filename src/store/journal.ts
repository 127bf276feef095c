// The journal: a SQLite database (node:sqlite, WAL) of everything the bot saw and did.
// Writes never happen on the bot's thread: the record* methods push onto an in-memory queue (O(1), no I/O);
// a short timer (or a full batch, via setImmediate) turns the queued rows into plain SQL parameter arrays in
// bounded slices and posts them to a writer thread (node:worker_threads) that owns its own connection and
// writes each slice in one transaction. A synchronous node:sqlite flush on the bot's thread measured 6–17 ms
// for 500 rows, a stall every frame queued behind; now the bot's thread only pays for the slice's preparation
// and its postMessage. A crash therefore loses at most the rows not yet committed (the last slices);
// committed batches survive (WAL, incident #1/#2: the original's Parquet writer never flushed and its footer
// was never written). Every table has a natural unique key and every insert is ON CONFLICT DO NOTHING, so
// replaying rows after a restart never duplicates them. (Not INSERT OR IGNORE: that would also silently skip
// a row with a NULL/NaN in a NOT NULL column; such a row must fail and be reported.)
// flush() and close() stay synchronous (shutdown, tests): they post what is queued and block on an Atomics
// wait until the writer answers.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { isMainThread, MessageChannel, type MessagePort, parentPort, receiveMessageOnPort, Worker, workerData } from 'node:worker_threads';
import type {
  FillRow,
  FollowUpRow,
  HardStopRow,
  OrderRow,
  OrderStatusRow,
  ReadinessRow,
  RoundTripRow,
  RunRow,
  SignalObservation,
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
  // 4: a signal that re-announces an opportunity already signalled (same market, side and oracle update) names
  // the first one; reports count opportunities, not announcements.
  `ALTER TABLE signals ADD COLUMN duplicate_of TEXT;`,
];

export class JournalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JournalError';
  }
}

/** Opens (creating if needed) a journal database and brings its schema up to date. Fails loudly at once. */
export function openDatabase(path: string, options: { readOnly?: boolean; mustExist?: boolean } = {}): DatabaseSync {
  let db: DatabaseSync;
  // A reader (the report) must not create an empty journal where it expected one.
  if (options.mustExist && path !== ':memory:' && !existsSync(path)) throw new JournalError(`cannot open journal ${path}: no such file`);
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

type SqlValue = string | number | null;
/** One row as the writer thread receives it: the entry kind, then the statement's parameters (redacted). */
type SqlRow = [Entry['t'], ...SqlValue[]];

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
  /** Rows prepared and posted to the writer per turn of the event loop (bounds the bot thread's share). */
  sliceRows?: number;
}

export interface JournalStats {
  /** Rows not yet committed: queued here, in flight to the writer, or kept by it after a failure. */
  queued: number;
  written: number;
  flushes: number;
  failedFlushes: number;
  /** Rows refused by the database on their own (a bad value) and dropped so they cannot block the rest. */
  droppedRows: number;
}

/** The writer thread's counters, sent with each answer. */
interface WriterReport {
  seq: number;
  received: number;
  pending: number;
  written: number;
  flushes: number;
  failedFlushes: number;
  droppedRows: number;
  /** Rows dropped since the last report (one message each). */
  dropped: string[];
  /** Set when this write failed as a whole (the rows stay with the writer for the next attempt). */
  error?: string;
  /** Rows written by this request. */
  writtenNow: number;
}

type WriterRequest = { type: 'rows'; rows: SqlRow[] } | { type: 'flush'; rows: SqlRow[] } | { type: 'close'; rows: SqlRow[] };

const identity = (s: string) => s;
const opt = <T>(x: T | undefined): T | null => (x === undefined ? null : x);
const SYNC_TIMEOUT_MS = 30_000;

/** The statement parameters of an entry, texts redacted: what the writer thread binds. */
function sqlRow(e: Entry, r: (s: string) => string): SqlRow {
  switch (e.t) {
    case 'signal': {
      const x = e.row;
      return ['signal', x.signalId, x.tsMs, x.market, x.side, x.oraclePx, x.bidPx, x.askPx, x.edgeBps, x.netEdgeBps, x.decision,
        x.rejectReason === undefined ? null : r(x.rejectReason), r(JSON.stringify(x.inputs)), r(JSON.stringify(x.verdicts)), x.duplicateOf ?? null];
    }
    case 'followUp': {
      const x = e.row;
      return ['followUp', x.signalId, x.offsetMs, x.capturedMs, x.oraclePx, x.bidPx, x.askPx, x.edgeBps];
    }
    case 'order': {
      const x = e.row;
      return ['order', x.cloid, x.market, x.side, x.kind, x.reduceOnly ? 1 : 0, x.tif, x.px, x.sz, x.createdMs, opt(x.signalId), opt(x.exitReason), null];
    }
    case 'orderStatus': {
      const x = e.row;
      return ['orderStatus', x.cloid, x.tsMs, x.status, opt(x.oid), x.detail === undefined ? null : r(x.detail)];
    }
    case 'fill': {
      const x = e.row;
      return ['fill', x.tid, opt(x.cloid), x.oid, x.market, x.side, x.px, x.sz, x.fee, x.closedPnl, x.tsMs, x.crossed ? 1 : 0];
    }
    case 'roundTrip': {
      const x = e.row;
      return ['roundTrip', x.id, x.market, x.side, x.entryMs, x.exitMs, x.entryPx, x.exitPx, x.size, r(x.entryReason), r(x.exitReason),
        x.feesUsd, x.pnlUsd, x.signalledEdgeBps, x.realisedEdgeBps, x.slippageBps];
    }
    case 'hardStop': {
      const x = e.row;
      return ['hardStop', x.tsMs, x.event, r(x.reason), x.detail === undefined ? null : r(x.detail)];
    }
    case 'readiness': {
      const x = e.row;
      return ['readiness', x.tsMs, x.scope, x.state, x.detail === undefined ? null : r(x.detail)];
    }
    case 'run': {
      const x = e.row;
      return ['run', x.runId, x.startedMs, x.network, x.mode, x.simulated ? 1 : 0, r(x.configJson)];
    }
  }
}

export class Journal {
  /** A connection of this thread, for reading (the writer thread has its own). */
  readonly db: DatabaseSync;
  private queue: Entry[] = [];
  private readonly batchSize: number;
  private readonly sliceRows: number;
  private readonly redact: (s: string) => string;
  private readonly onError: (err: Error) => void;
  private readonly maxQueued: number;
  private readonly timer: NodeJS.Timeout;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly worker: Worker;
  private readonly replies: MessagePort;
  private readonly signal: Int32Array;
  private writerError: Error | null = null;
  /** Rows dropped here because the queue was full (the writer counts the bad rows it dropped). */
  private droppedFull = 0;
  /** Rows posted to the writer, and the writer's latest report (by sequence number). */
  private posted = 0;
  private lastSeq = -1;
  private lastReport: WriterReport = { seq: -1, received: 0, pending: 0, written: 0, flushes: 0, failedFlushes: 0, droppedRows: 0, dropped: [], writtenNow: 0 };
  readonly stats: JournalStats = { queued: 0, written: 0, flushes: 0, failedFlushes: 0, droppedRows: 0 };

  constructor(options: JournalOptions) {
    // Opened (and migrated) here first: a bad location or schema stops the start at once (incident #2).
    this.db = openDatabase(options.path);
    this.batchSize = options.flushBatchSize ?? 500;
    this.sliceRows = Math.max(1, options.sliceRows ?? 50);
    this.redact = options.redact ?? identity;
    this.onError = options.onError ?? ((err) => process.stderr.write(`hip3 journal: ${err.message}\n`));
    this.maxQueued = options.maxQueued ?? 1_000_000;
    const channel = new MessageChannel();
    this.replies = channel.port1;
    this.signal = new Int32Array(new SharedArrayBuffer(4));
    this.worker = new Worker(new URL(import.meta.url), {
      workerData: { hip3JournalWriter: true, path: options.path, retryMs: options.flushIntervalMs ?? 200, replies: channel.port2, signal: this.signal },
      transferList: [channel.port2],
    });
    this.worker.unref();
    this.worker.on('message', (m: WriterReport) => this.onReport(m));
    this.worker.on('error', (err) => {
      this.writerError = err;
      this.onError(new JournalError(`journal writer failed: ${err.message}`));
    });
    this.worker.on('exit', (code) => {
      if (!this.closed && this.writerError === null) {
        this.writerError = new JournalError(`journal writer stopped (exit code ${code})`);
        this.onError(this.writerError);
      }
    });
    this.timer = setInterval(() => this.postSlices(), options.flushIntervalMs ?? 200);
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
    if (this.queue.length + this.inWriter() >= this.maxQueued) {
      this.droppedFull++;
      this.stats.droppedRows++;
      return;
    }
    this.queue.push(entry);
    this.stats.queued++;
    if (this.queue.length >= this.batchSize) this.scheduleSlice();
  }

  private scheduleSlice(): void {
    // Not now: the caller is handling a frame. A later turn of the loop.
    this.immediate ??= setImmediate(() => {
      this.immediate = undefined;
      this.postSlices(true);
    });
  }

  /** Rows handed to the writer and not committed yet (in flight or kept after a failure). */
  private inWriter(): number {
    return this.posted - this.lastReport.received + this.lastReport.pending;
  }

  /** Takes up to `max` queued rows as SQL rows (redacted). */
  private take(max: number): SqlRow[] {
    const n = Math.min(max, this.queue.length);
    const out: SqlRow[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = sqlRow(this.queue[i], this.redact);
    this.queue = n === this.queue.length ? [] : this.queue.slice(n);
    this.posted += n;
    return out;
  }

  /** Posts one slice; if more is queued, the next slice goes on a later turn (other events run in between). */
  private postSlices(fromImmediate = false): void {
    if (this.closed || this.queue.length === 0 || this.writerError !== null) return;
    if (!fromImmediate && this.immediate !== undefined) return;
    const rows = this.take(this.sliceRows);
    this.worker.postMessage({ type: 'rows', rows } satisfies WriterRequest);
    if (this.queue.length > 0) this.scheduleSlice();
  }

  private onReport(m: WriterReport): void {
    for (const d of m.dropped) this.onError(new JournalError(d));
    if (m.error !== undefined) this.onError(new JournalError(m.error));
    if (m.seq > this.lastSeq) {
      this.lastSeq = m.seq;
      this.lastReport = m;
    }
    this.updateStats();
  }

  private updateStats(): void {
    const w = this.lastReport;
    this.stats.queued = this.queue.length + this.inWriter();
    this.stats.written = w.written;
    this.stats.flushes = w.flushes;
    this.stats.failedFlushes = w.failedFlushes;
    // dropped here (queue full) plus dropped by the writer (bad rows)
    this.stats.droppedRows = this.droppedFull + w.droppedRows;
  }

  /** A synchronous request to the writer: posts, blocks until it answers (shutdown and tests, never a frame). */
  private request(type: 'flush' | 'close', rows: SqlRow[]): WriterReport {
    if (this.writerError !== null) throw this.writerError;
    Atomics.store(this.signal, 0, 0);
    this.worker.postMessage({ type, rows } satisfies WriterRequest);
    const waited = Atomics.wait(this.signal, 0, 0, SYNC_TIMEOUT_MS);
    const reply = receiveMessageOnPort(this.replies);
    if (reply === undefined) {
      throw new JournalError(waited === 'timed-out' ? `journal writer did not answer within ${SYNC_TIMEOUT_MS} ms` : 'journal writer answered nothing');
    }
    const report = reply.message as WriterReport;
    for (const d of report.dropped) this.onError(new JournalError(d));
    if (report.seq > this.lastSeq) {
      this.lastSeq = report.seq;
      this.lastReport = report;
    }
    this.updateStats();
    return report;
  }

  /**
   * Writes everything queued now (and whatever the writer kept from a failed attempt), synchronously.
   * Rows the database refuses on their own are dropped and reported (one bad row must not block the journal);
   * if the whole write fails, the failure is systemic (disk, lock): the rows stay with the writer and the
   * error is thrown. Returns the rows written.
   */
  flush(): number {
    if (this.closed) return 0;
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
    const report = this.request('flush', this.take(this.queue.length));
    if (report.error !== undefined) throw new JournalError(report.error);
    return report.writtenNow;
  }

  /** Flushes what is queued, stops the writer and closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    clearInterval(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
    try {
      const report = this.request('close', this.take(this.queue.length));
      if (report.error !== undefined) throw new JournalError(`journal closed with ${report.pending} rows unwritten: ${report.error}`);
    } finally {
      this.closed = true;
      this.replies.close();
      void this.worker.terminate();
      this.db.close();
    }
  }
}

/** The writer thread: its own connection, the prepared inserts, the rows not yet committed. */
function runWriter(data: { path: string; retryMs: number; replies: MessagePort; signal: Int32Array }): void {
  const port = parentPort;
  if (port === null) return;
  let db: DatabaseSync;
  try {
    db = openDatabase(data.path);
  } catch (err) {
    // Every request gets the failure as its answer (a synchronous caller must not wait for a writer that is not there).
    const error = `journal writer cannot open ${data.path}: ${err instanceof Error ? err.message : String(err)}`;
    port.on('message', (m: WriterRequest) => {
      const r: WriterReport = { seq: 0, received: 0, pending: 0, written: 0, flushes: 0, failedFlushes: 1, droppedRows: 0, dropped: [], writtenNow: 0, error };
      if (m.type === 'rows') port.postMessage(r);
      else {
        data.replies.postMessage(r);
        Atomics.store(data.signal, 0, 1);
        Atomics.notify(data.signal, 0);
        if (m.type === 'close') port.close();
      }
    });
    return;
  }
  // Prepared on first use: a statement that cannot be prepared (a schema problem) fails its rows like any write.
  const sql: Record<Entry['t'] | 'orderStatusUpdate', string> = {
    signal: `INSERT INTO signals VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
    followUp: `INSERT INTO follow_ups VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
    order: `INSERT INTO orders (cloid, market, side, kind, reduce_only, tif, px, sz, created_ms, signal_id, exit_reason, status, status_ms)
       VALUES (?,?,?,?,?,?,?,?,?,?,?,'created',?) ON CONFLICT DO NOTHING`,
    orderStatus: `INSERT INTO order_events VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING`,
    // The latest event by time decides the current status; an older event replayed later does not win.
    orderStatusUpdate: `UPDATE orders SET status = ?, status_ms = ?, oid = COALESCE(?, oid)
       WHERE cloid = ? AND (status_ms IS NULL OR status_ms <= ?)`,
    fill: `INSERT INTO fills VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
    roundTrip: `INSERT INTO round_trips VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
    hardStop: `INSERT INTO hard_stops VALUES (?,?,?,?) ON CONFLICT DO NOTHING`,
    readiness: `INSERT INTO readiness VALUES (?,?,?,?) ON CONFLICT DO NOTHING`,
    run: `INSERT INTO runs VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
  };
  const prepared = new Map<string, StatementSync>();
  const stmt = (k: Entry['t'] | 'orderStatusUpdate'): StatementSync => {
    let st = prepared.get(k);
    if (st === undefined) {
      st = db.prepare(sql[k]);
      prepared.set(k, st);
    }
    return st;
  };
  const write = (row: SqlRow): void => {
    const kind = row[0];
    if (kind === 'orderStatus') {
      const [, cloid, tsMs, status, oid, detail] = row;
      stmt('orderStatus').run(cloid, tsMs, status, oid, detail);
      stmt('orderStatusUpdate').run(status, tsMs, oid, cloid, tsMs);
      return;
    }
    stmt(kind).run(...row.slice(1));
  };
  const transaction = (fn: () => void): void => {
    db.exec('BEGIN');
    try {
      fn();
      db.exec('COMMIT');
    } catch (err) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // already rolled back
      }
      throw err;
    }
  };
  let pending: SqlRow[] = [];
  let seq = 0;
  let received = 0;
  let dropped: string[] = [];
  const totals = { written: 0, flushes: 0, failedFlushes: 0, droppedRows: 0 };
  const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

  /** Writes the pending rows in one transaction; on failure row by row (see Journal.flush). */
  const writePending = (): { writtenNow: number; error?: string } => {
    if (pending.length === 0) return { writtenNow: 0 };
    const batch = pending;
    pending = [];
    try {
      transaction(() => {
        for (const r of batch) write(r);
      });
    } catch (err) {
      let written = 0;
      const failed: { row: SqlRow; err: unknown }[] = [];
      for (const r of batch) {
        try {
          transaction(() => write(r));
          written++;
        } catch (e) {
          failed.push({ row: r, err: e });
        }
      }
      if (written === 0) {
        pending = batch.concat(pending);
        totals.failedFlushes++;
        return { writtenNow: 0, error: message(err) };
      }
      for (const f of failed) {
        totals.droppedRows++;
        dropped.push(`journal dropped a ${f.row[0]} row: ${message(f.err)}`);
      }
      totals.written += written;
      totals.flushes++;
      return { writtenNow: written };
    }
    totals.written += batch.length;
    totals.flushes++;
    return { writtenNow: batch.length };
  };
  const report = (r: { writtenNow: number; error?: string }): WriterReport => {
    const out: WriterReport = { seq: seq++, received, pending: pending.length, ...totals, dropped, writtenNow: r.writtenNow, error: r.error };
    dropped = [];
    return out;
  };
  const answer = (r: WriterReport): void => {
    data.replies.postMessage(r);
    Atomics.store(data.signal, 0, 1);
    Atomics.notify(data.signal, 0);
  };
  // After a systemic failure the kept rows are retried on this period even if no new rows arrive.
  const retry = setInterval(() => {
    if (pending.length > 0) port.postMessage(report(writePending()));
  }, data.retryMs);
  port.on('message', (m: WriterRequest) => {
    received += m.rows.length;
    for (const r of m.rows) pending.push(r);
    if (m.type === 'rows') {
      port.postMessage(report(writePending()));
      return;
    }
    if (m.type === 'flush') {
      answer(report(writePending()));
      return;
    }
    const r = report(writePending());
    clearInterval(retry);
    db.close();
    port.close();
    answer(r);
  });
}

if (!isMainThread && (workerData as { hip3JournalWriter?: boolean } | null)?.hip3JournalWriter === true) {
  runWriter(workerData as { path: string; retryMs: number; replies: MessagePort; signal: Int32Array });
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

/**
 * Distinct signals (duplicates and those seen after the stop left out) with their follow-ups, oldest first.
 */
export function readSignalObservations(db: DatabaseSync): SignalObservation[] {
  const rows = db
    .prepare(
      `SELECT s.signal_id, s.ts_ms, s.market, s.side, s.oracle_px, s.bid_px, s.ask_px, s.edge_bps, s.net_edge_bps, s.decision,
              f.offset_ms, f.edge_bps AS fu_edge_bps
         FROM signals s LEFT JOIN follow_ups f ON f.signal_id = s.signal_id
        WHERE s.duplicate_of IS NULL AND s.decision <> 'shutdown'
        ORDER BY s.ts_ms, s.signal_id`,
    )
    .all() as unknown as {
    signal_id: string;
    ts_ms: number;
    market: string;
    side: string;
    oracle_px: number;
    bid_px: number;
    ask_px: number;
    edge_bps: number;
    net_edge_bps: number;
    decision: string;
    offset_ms: number | null;
    fu_edge_bps: number | null;
  }[];
  const out: SignalObservation[] = [];
  let last: SignalObservation | undefined;
  for (const r of rows) {
    if (last?.signalId !== r.signal_id) {
      last = {
        signalId: r.signal_id,
        tsMs: r.ts_ms,
        market: r.market,
        side: r.side === 'sell' ? 'sell' : 'buy',
        oraclePx: r.oracle_px,
        bidPx: r.bid_px,
        askPx: r.ask_px,
        edgeBps: r.edge_bps,
        netEdgeBps: r.net_edge_bps,
        decision: r.decision,
        followUps: {},
      };
      out.push(last);
    }
    if (r.offset_ms !== null && r.fu_edge_bps !== null) last.followUps[r.offset_ms] = r.fu_edge_bps;
  }
  return out;
}

/** Every signal id (ids start with their run's id). */
export function readSignalIds(db: DatabaseSync): string[] {
  return (db.prepare('SELECT signal_id FROM signals').all() as unknown as { signal_id: string }[]).map((r) => r.signal_id);
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
