// Outbound: orders and cancels created while handling one event are queued here and leave together at the
// end of that event (no tick: design principle 2), cancels first, then reduce-only, then new orders.
import type { CancelByCloidWire, CancelWire } from '../protocol/index.ts';
import type { OutboundBatch, OutboundOrder } from './types.ts';

export class Outbound {
  private cancels: CancelWire[] = [];
  private cancelsByCloid: CancelByCloidWire[] = [];
  private reduceOnly: OutboundOrder[] = [];
  private fresh: OutboundOrder[] = [];
  private nextId = 1;

  get empty(): boolean {
    return this.cancels.length === 0 && this.cancelsByCloid.length === 0 && this.reduceOnly.length === 0 && this.fresh.length === 0;
  }

  cancel(c: CancelWire): void {
    this.cancels.push(c);
  }

  cancelByCloid(c: CancelByCloidWire): void {
    this.cancelsByCloid.push(c);
  }

  order(o: OutboundOrder): void {
    if (o.reduceOnly) this.reduceOnly.push(o);
    else this.fresh.push(o);
  }

  /** Removes and returns every queued new (non-reduce-only) order: the hard-stop purge. */
  purgeNew(): OutboundOrder[] {
    const out = this.fresh;
    this.fresh = [];
    return out;
  }

  /** Takes everything queued as one batch (null when nothing is queued). */
  take(): OutboundBatch | null {
    if (this.empty) return null;
    const orders = this.reduceOnly.length === 0 ? this.fresh : this.fresh.length === 0 ? this.reduceOnly : this.reduceOnly.concat(this.fresh);
    const batch: OutboundBatch = { id: this.nextId++, cancels: this.cancels, cancelsByCloid: this.cancelsByCloid, orders };
    this.cancels = [];
    this.cancelsByCloid = [];
    this.reduceOnly = [];
    this.fresh = [];
    return batch;
  }
}
