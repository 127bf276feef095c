import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { countRows, Journal, JournalError, MIGRATIONS, openDatabase, readRoundTrips, readRuns, signalSummary } from '../../src/store/journal.ts';
import { sampleFill, sampleRoundTrip, sampleSignal } from './samples.ts';

/** Waits (bounded: a writer that stalls fails the test instead of hanging the run) until n rows are written. */
async function writtenAtLeast(j: { stats: { written: number } }, n: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (j.stats.written < n) {
    if (Date.now() > deadline) assert.fail(`only ${j.stats.written} of ${n} rows written within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'hip3-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `j${n++}`, 'journal.sqlite');

function writeEverything(j: Journal): void {
  j.recordSignal(sampleSignal(0));
  j.recordSignal(sampleSignal(1));
  j.recordFollowUp({ signalId: 'sig-0', offsetMs: 1000, capturedMs: 1_700_000_001_000, oraclePx: 100, bidPx: 99.95, askPx: 100.05, edgeBps: -5 });
  j.recordFollowUp({ signalId: 'sig-0', offsetMs: 3000, capturedMs: 1_700_000_003_000, oraclePx: 100, bidPx: 99.95, askPx: 100.05, edgeBps: -5 });
  j.recordOrder({ cloid: '0xc0', market: 'xyz:GOLD', side: 'buy', kind: 'entry', reduceOnly: false, tif: 'Ioc', px: 100.1, sz: 0.2, createdMs: 1, signalId: 'sig-0' });
  j.recordOrderStatus({ cloid: '0xc0', tsMs: 2, status: 'sent' });
  j.recordOrderStatus({ cloid: '0xc0', tsMs: 3, status: 'filled', oid: 77 });
  j.recordFill(sampleFill(0));
  j.recordRoundTrip(sampleRoundTrip(0, 0.05));
  j.recordHardStop({ tsMs: 5, event: 'latched', reason: 'cumulativeLoss', detail: 'loss 21 > 20' });
  j.recordReadiness({ tsMs: 6, scope: 'trading', state: 'ready' });
  j.recordRun({ runId: 'run-1', startedMs: 1, network: 'http://127.0.0.1:1', mode: 'trade', simulated: true, configJson: '{}' });
}

describe('Journal', () => {
  it('writes every table in WAL mode with the current schema version', () => {
    const path = freshPath();
    const j = new Journal({ path });
    writeEverything(j);
    assert.equal(countRows(j.db).signals, 0, 'nothing is written before a flush (enqueue does no I/O)');
    j.close();
    const db = openDatabase(path, { readOnly: true });
    assert.deepEqual(countRows(db), { signals: 2, follow_ups: 2, orders: 1, order_events: 2, fills: 1, round_trips: 1, hard_stops: 1, readiness: 1, runs: 1 });
    assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
    assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, MIGRATIONS.length);
    const order = db.prepare('SELECT status, oid FROM orders').get() as { status: string; oid: number };
    assert.deepEqual({ ...order }, { status: 'filled', oid: 77 });
    const sig = db.prepare("SELECT verdicts_json, inputs_json FROM signals WHERE signal_id = 'sig-1'").get() as { verdicts_json: string; inputs_json: string };
    assert.deepEqual(JSON.parse(sig.verdicts_json), sampleSignal(1).verdicts, 'every gate verdict is kept');
    assert.equal(JSON.parse(sig.inputs_json).basisBps, -3.5);
    assert.deepEqual(signalSummary(db), { byDecision: { entered: 1, rejected: 1 }, byRejectReason: { MaxPositionTotal: 1 } });
    assert.deepEqual(readRoundTrips(db), [sampleRoundTrip(0, 0.05)]);
    assert.deepEqual(readRuns(db), [{ runId: 'run-1', startedMs: 1, network: 'http://127.0.0.1:1', mode: 'trade', simulated: true, configJson: '{}' }]);
    db.close();
  });

  it('can be read (report) while the bot is still writing it', () => {
    const path = freshPath();
    const j = new Journal({ path });
    j.recordRoundTrip(sampleRoundTrip(0, 0.01));
    j.flush();
    const reader = openDatabase(path, { readOnly: true });
    assert.equal(readRoundTrips(reader).length, 1);
    reader.close();
    j.close();
  });

  it('restart never duplicates rows (replaying everything after reopening)', () => {
    const path = freshPath();
    for (let run = 0; run < 3; run++) {
      const j = new Journal({ path });
      writeEverything(j);
      j.recordFill(sampleFill(0, { px: 123 })); // the same tid again, as reconciliation would deliver it
      j.close();
    }
    const db = new DatabaseSync(path);
    assert.deepEqual(countRows(db), { signals: 2, follow_ups: 2, orders: 1, order_events: 2, fills: 1, round_trips: 1, hard_stops: 1, readiness: 1, runs: 1 });
    db.close();
  });

  it('an older order event replayed late does not overwrite the newer status', () => {
    const path = freshPath();
    const j = new Journal({ path });
    j.recordOrder({ cloid: 'a', market: 'm', side: 'sell', kind: 'exit', reduceOnly: true, tif: 'Ioc', px: 1, sz: 1, createdMs: 1, exitReason: 'timeStop' });
    j.recordOrderStatus({ cloid: 'a', tsMs: 10, status: 'rejected', detail: 'iocCancelRejected' });
    j.recordOrderStatus({ cloid: 'a', tsMs: 5, status: 'sent' });
    j.close();
    const db = new DatabaseSync(path);
    assert.equal((db.prepare('SELECT status FROM orders').get() as { status: string }).status, 'rejected');
    assert.equal(countRows(db).order_events, 2);
    db.close();
  });

  it('flushes on a full batch in a later turn, not inside the call, on the writer thread', async () => {
    const j = new Journal({ path: freshPath(), flushBatchSize: 10, flushIntervalMs: 60_000 });
    for (let i = 0; i < 10; i++) j.recordSignal(sampleSignal(i));
    assert.equal(countRows(j.db).signals, 0);
    assert.equal(j.stats.queued, 10);
    await writtenAtLeast(j, 10);
    assert.equal(countRows(j.db).signals, 10);
    assert.equal(j.stats.queued, 0);
    j.close();
  });

  it('posts a large backlog in bounded slices, one per turn of the loop', async () => {
    const j = new Journal({ path: freshPath(), flushBatchSize: 10, flushIntervalMs: 60_000, sliceRows: 7 });
    for (let i = 0; i < 30; i++) j.recordSignal(sampleSignal(i));
    await new Promise((r) => setImmediate(r));
    // one slice of 7 left this turn; the rest waits for later turns
    assert.equal(j.stats.queued, 30, 'nothing is committed yet: 7 in flight, 23 queued');
    await writtenAtLeast(j, 30);
    assert.ok(j.stats.flushes >= 5, `30 rows in slices of 7 take 5 transactions, saw ${j.stats.flushes}`);
    assert.equal(countRows(j.db).signals, 30);
    j.close();
  });

  it('a writer that has stopped is reported and the journal refuses to pretend it flushed', async () => {
    const errors: Error[] = [];
    const j = new Journal({ path: freshPath(), onError: (e) => errors.push(e) });
    // @ts-expect-error reaching into the writer thread to kill it, as a crash of that thread would
    await j.worker.terminate();
    await new Promise((r) => setImmediate(r));
    assert.match(errors[0]?.message ?? '', /journal writer stopped/);
    j.recordSignal(sampleSignal(0));
    assert.throws(() => j.flush(), /journal writer stopped/);
  });

  it('flushes on its timer', async () => {
    const j = new Journal({ path: freshPath(), flushIntervalMs: 10 });
    j.recordSignal(sampleSignal(0));
    while (j.stats.flushes === 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(countRows(j.db).signals, 1);
    j.close();
  });

  it('incident #1: a process killed mid-run keeps every flushed batch, readable', () => {
    const path = freshPath();
    const child = spawnSync(process.execPath, [new URL('./journal-crash-child.ts', import.meta.url).pathname, path, '200', '50'], {
      encoding: 'utf8',
    });
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    assert.equal(child.stdout, 'flushed\n');
    const j = new Journal({ path }); // reopening after the crash works and recovers the WAL
    const counts = countRows(j.db);
    assert.equal(counts.signals, 200, 'the flushed batch survived; only the unflushed 50 are lost');
    assert.equal(counts.fills, 200);
    j.close();
  });

  it('incident #2: an unusable journal location fails loudly at open, not hours later', () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    assert.throws(() => new Journal({ path: join(blocker, 'journal.sqlite') }), JournalError);
  });

  it('refuses a journal written by a newer schema', () => {
    const path = freshPath();
    new Journal({ path }).close();
    const db = new DatabaseSync(path);
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    assert.throws(() => new Journal({ path }), /newer than this hip3/);
  });

  it('migrates an older journal forward, keeping its rows', () => {
    const path = join(dir, 'old.sqlite');
    const db = new DatabaseSync(path);
    db.exec(MIGRATIONS[0]);
    db.exec('PRAGMA user_version = 1');
    db.exec("INSERT INTO hard_stops VALUES (1, 'latched', 'manual', NULL)");
    db.close();
    const j = new Journal({ path });
    assert.equal((j.db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, MIGRATIONS.length);
    assert.equal(countRows(j.db).hard_stops, 1);
    j.close();
  });

  it('a systemic failure keeps the whole batch for the next flush', () => {
    const j = new Journal({ path: freshPath() });
    j.db.exec("CREATE TRIGGER boom1 BEFORE INSERT ON fills BEGIN SELECT RAISE(ABORT, 'disk says no'); END;");
    j.db.exec("CREATE TRIGGER boom2 BEFORE INSERT ON signals BEGIN SELECT RAISE(ABORT, 'disk says no'); END;");
    j.recordSignal(sampleSignal(0));
    j.recordFill(sampleFill(0));
    assert.throws(() => j.flush(), /disk says no/);
    assert.equal(j.stats.queued, 2);
    j.db.exec('DROP TRIGGER boom1; DROP TRIGGER boom2;');
    assert.equal(j.flush(), 2);
    assert.equal(countRows(j.db).fills, 1);
    j.close();
  });

  it('one bad row is dropped and reported; it cannot block the rest of the journal', () => {
    const errors: Error[] = [];
    const j = new Journal({ path: freshPath(), onError: (e) => errors.push(e) });
    j.recordSignal(sampleSignal(0));
    j.recordRoundTrip(sampleRoundTrip(1, 0.01, { pnlUsd: Number.NaN })); // NaN binds as NULL: NOT NULL refuses it
    j.recordRoundTrip(sampleRoundTrip(2, 0.01, { signalledEdgeBps: null, slippageBps: null }));
    assert.equal(j.flush(), 2);
    assert.deepEqual({ signals: countRows(j.db).signals, round_trips: countRows(j.db).round_trips }, { signals: 1, round_trips: 1 });
    assert.equal(j.stats.droppedRows, 1);
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /dropped a roundTrip row/);
    assert.equal(j.stats.queued, 0);
    assert.deepEqual(readRoundTrips(j.db)[0].signalledEdgeBps, null);
    j.close();
  });

  it('bounds the queue while the database refuses writes', () => {
    const j = new Journal({ path: freshPath(), maxQueued: 3, onError: () => {} });
    for (let i = 0; i < 5; i++) j.recordSignal(sampleSignal(i));
    assert.equal(j.stats.queued, 3);
    assert.equal(j.stats.droppedRows, 2);
    j.close();
  });

  it('applies the redactor to every text it writes', () => {
    const path = freshPath();
    const j = new Journal({ path, redact: (s) => s.replaceAll('SECRET', '[REDACTED]') });
    j.recordSignal(sampleSignal(0, { rejectReason: 'x SECRET', inputs: { note: 'SECRET' } }));
    j.recordHardStop({ tsMs: 1, event: 'latched', reason: 'r', detail: 'SECRET' });
    j.close();
    const db = new DatabaseSync(path);
    const dump = JSON.stringify([db.prepare('SELECT * FROM signals').all(), db.prepare('SELECT * FROM hard_stops').all()]);
    assert.ok(!dump.includes('SECRET'));
    assert.ok(dump.includes('[REDACTED]'));
    db.close();
  });
});
