// Follow-ups of every signal: at T+1 s, 3 s, 5 s (configurable) what the oracle, the book and the signal
// side's edge had become — the research loop's measure of whether the dislocation was real. Off the hot path:
// a signal appends to one FIFO per offset (already in time order) and a coarse timer captures what is due.
import type { Side } from '../../core/types.ts';
import type { FollowUpRow } from '../../store/types.ts';

export interface MarketNow {
  oraclePx: number;
  bidPx: number;
  askPx: number;
}

interface Pending {
  signalId: string;
  coin: string;
  side: Side;
  dueMs: number;
}

/** Raw edge of a side against the oracle, bps (buy: oracle − ask; sell: bid − oracle). */
export function sideEdgeBps(side: Side, m: MarketNow): number {
  return side === 'buy' ? ((m.oraclePx - m.askPx) / m.oraclePx) * 1e4 : ((m.bidPx - m.oraclePx) / m.oraclePx) * 1e4;
}

export class FollowUps {
  private readonly offsets: readonly number[];
  private readonly queues: Pending[][];
  private readonly heads: number[];
  private readonly view: (coin: string) => MarketNow | undefined;
  private readonly write: (row: FollowUpRow) => void;
  captured = 0;
  skipped = 0;

  constructor(offsetsMs: readonly number[], view: (coin: string) => MarketNow | undefined, write: (row: FollowUpRow) => void) {
    this.offsets = [...offsetsMs];
    this.queues = this.offsets.map(() => []);
    this.heads = this.offsets.map(() => 0);
    this.view = view;
    this.write = write;
  }

  add(signalId: string, coin: string, side: Side, signalMs: number): void {
    for (let i = 0; i < this.offsets.length; i++) this.queues[i].push({ signalId, coin, side, dueMs: signalMs + this.offsets[i] });
  }

  /** Captures every follow-up due at `nowMs`. */
  poll(nowMs: number): void {
    for (let i = 0; i < this.offsets.length; i++) {
      const q = this.queues[i];
      let h = this.heads[i];
      while (h < q.length && q[h].dueMs <= nowMs) this.capture(q[h++], this.offsets[i], nowMs);
      // compact now and then so the arrays do not grow for ever
      if (h > 1024 && h * 2 > q.length) {
        q.splice(0, h);
        h = 0;
      }
      this.heads[i] = h;
    }
  }

  /** Pending follow-ups (for shutdown: what will not be captured). */
  get pending(): number {
    let n = 0;
    for (let i = 0; i < this.queues.length; i++) n += this.queues[i].length - this.heads[i];
    return n;
  }

  private capture(p: Pending, offsetMs: number, nowMs: number): void {
    const m = this.view(p.coin);
    const edge = m === undefined ? Number.NaN : sideEdgeBps(p.side, m);
    // A market without a full book or oracle at that moment has no follow-up to record (never a made-up 0).
    if (m === undefined || !(m.oraclePx > 0) || !(m.bidPx > 0) || !(m.askPx > 0) || !Number.isFinite(edge)) {
      this.skipped++;
      return;
    }
    this.captured++;
    this.write({ signalId: p.signalId, offsetMs, capturedMs: nowMs, oraclePx: m.oraclePx, bidPx: m.bidPx, askPx: m.askPx, edgeBps: edge });
  }
}
