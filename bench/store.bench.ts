// Storage costs: what the hot path pays to hand a row to the journal or a frame to the recorder (enqueue,
// no I/O), and what the background flush sustains (rows/s into SQLite, frames/s into gzip).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../src/store/journal.ts';
import { FeedRecorder } from '../src/store/recorder.ts';
import type { SignalRow } from '../src/store/types.ts';
import type { BenchRecorder } from './harness.ts';

function signal(i: number): SignalRow {
  return {
    signalId: `sig-${i}`,
    tsMs: 1_700_000_000_000 + i,
    market: 'xyz:GOLD',
    side: 'buy',
    oraclePx: 100,
    bidPx: 99.9,
    askPx: 100.1,
    edgeBps: 30,
    netEdgeBps: 8,
    decision: 'rejected',
    rejectReason: 'MaxPositionTotal',
    inputs: { oracleAgeMs: 120, basisBps: -3.5, spreadBps: 12 },
    verdicts: [
      { gate: 'HardStop', pass: true },
      { gate: 'MaxPositionTotal', pass: false, value: 310, limit: 300 },
    ],
  };
}

const BBO = JSON.stringify({ channel: 'bbo', data: { coin: 'xyz:GOLD', time: 1_700_000_000_000, bbo: [{ px: '100.01', sz: '12.5', n: 3 }, { px: '100.05', sz: '8.1', n: 2 }] } });

export default async function (r: BenchRecorder): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hip3-bench-store-'));
  try {
    // Journal: enqueue latency per row (what a frame handler pays), then flush throughput.
    const journal = new Journal({ path: join(dir, 'journal.sqlite'), flushIntervalMs: 3_600_000, flushBatchSize: 1e9 });
    const N = 50_000;
    const rows = Array.from({ length: N }, (_, i) => signal(i));
    const enqueueNs = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      const t0 = process.hrtime.bigint();
      journal.recordSignal(rows[i]);
      enqueueNs[i] = Number(process.hrtime.bigint() - t0);
    }
    r.latency('journal.enqueue', 'ns', enqueueNs);
    const f0 = process.hrtime.bigint();
    journal.flush();
    const flushS = Number(process.hrtime.bigint() - f0) / 1e9;
    r.throughput('journal.flush_rows_per_s', 'rows/s', N / flushS);
    journal.close();

    // Recorder: record() latency per frame, then compress+write throughput.
    const recorder = new FeedRecorder({ dir: join(dir, 'feed'), flushIntervalMs: 3_600_000 });
    const M = 200_000;
    const recordNs = new Float64Array(M);
    const base = BigInt(Date.now()) * 1_000_000n;
    for (let i = 0; i < M; i++) {
      const t0 = process.hrtime.bigint();
      recorder.record(BBO, base + BigInt(i));
      recordNs[i] = Number(process.hrtime.bigint() - t0);
    }
    r.latency('recorder.record', 'ns', recordNs);
    const c0 = process.hrtime.bigint();
    await recorder.close();
    r.throughput('recorder.flush_frames_per_s', 'frames/s', M / (Number(process.hrtime.bigint() - c0) / 1e9));
    r.note(`journal: ${N} signal rows enqueued then flushed in one transaction; recorder: ${M} bbo frames (${BBO.length} B) gzip`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
