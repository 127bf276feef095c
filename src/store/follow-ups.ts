// Follow-ups: after every signal, snapshots of the market at fixed offsets (default T+1 s, 3 s, 5 s) — what
// the oracle, the book and the edge did next. This is what tells a real stale-quote edge (it closes within
// seconds) from a structural basis (it stays: §6.2, "less than 10% decay at 5 s means structural").
// Scheduling costs O(1) per signal and one timer in all: signals arrive in time order and every offset is
// constant, so each offset's queue is already sorted by due time.
import type { FollowUpRow, Side } from './types.ts';

export interface PendingSignal {
  signalId: string;
  tsMs: number;
  market: string;
  side: Side;
}

/** Reads the market now; undefined when there is nothing to record (market gone, no book). */
export type FollowUpCapture = (signal: PendingSignal, offsetMs: number, nowMs: number) => FollowUpRow | undefined;

export interface FollowUpOptions {
  offsetsMs: readonly number[];
  capture: FollowUpCapture;
  record: (row: FollowUpRow) => void;
  now?: () => number;
  /** At most this many pending signals per offset; older ones are dropped (and counted) beyond it. */
  maxPending?: number;
}

export class FollowUpScheduler {
  private readonly queues: PendingSignal[][];
  private readonly heads: number[];
  private timer: NodeJS.Timeout | undefined;
  private dueAt = Number.POSITIVE_INFINITY;
  private readonly offsets: readonly number[];
  private readonly now: () => number;
  private readonly maxPending: number;
  private readonly opts: FollowUpOptions;
  private closed = false;
  readonly stats = { scheduled: 0, captured: 0, skipped: 0, dropped: 0 };

  constructor(options: FollowUpOptions) {
    this.opts = options;
    this.offsets = [...options.offsetsMs].sort((a, b) => a - b);
    this.queues = this.offsets.map(() => []);
    this.heads = this.offsets.map(() => 0);
    this.now = options.now ?? Date.now;
    this.maxPending = options.maxPending ?? 100_000;
  }

  /** Hot path: remember the signal; no I/O, at most one timer (re)armed. */
  schedule(signal: PendingSignal): void {
    if (this.closed) return;
    this.stats.scheduled++;
    for (let i = 0; i < this.queues.length; i++) {
      const q = this.queues[i];
      if (q.length - this.heads[i] >= this.maxPending) {
        this.heads[i]++;
        this.stats.dropped++;
      }
      q.push(signal);
    }
    this.arm(signal.tsMs + this.offsets[0]);
  }

  private arm(due: number): void {
    if (due >= this.dueAt && this.timer !== undefined) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.dueAt = due;
    this.timer = setTimeout(() => this.run(), Math.max(0, due - this.now()));
    this.timer.unref();
  }

  /** Captures everything due now; re-arms for the next due item. Exposed for tests. */
  run(): void {
    this.timer = undefined;
    this.dueAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.queues.length; i++) {
      const q = this.queues[i];
      const offset = this.offsets[i];
      while (this.heads[i] < q.length && q[this.heads[i]].tsMs + offset <= now) {
        const signal = q[this.heads[i]++];
        const row = this.opts.capture(signal, offset, now);
        if (row) {
          this.opts.record(row);
          this.stats.captured++;
        } else this.stats.skipped++;
      }
      if (this.heads[i] > 1024 && this.heads[i] * 2 > q.length) {
        q.splice(0, this.heads[i]);
        this.heads[i] = 0;
      }
      if (this.heads[i] < q.length) next = Math.min(next, q[this.heads[i]].tsMs + offset);
    }
    if (next !== Number.POSITIVE_INFINITY && !this.closed) this.arm(next);
  }

  pending(): number {
    return this.queues.reduce((a, q, i) => a + q.length - this.heads[i], 0);
  }

  /** Stops the timer; pending follow-ups are abandoned (they are observations, not obligations). */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The signal side's raw edge in bps: buy (oracle − ask)/oracle, sell (bid − oracle)/oracle. */
export function sideEdgeBps(side: Side, oraclePx: number, bidPx: number, askPx: number): number {
  return side === 'buy' ? ((oraclePx - askPx) / oraclePx) * 1e4 : ((bidPx - oraclePx) / oraclePx) * 1e4;
}
