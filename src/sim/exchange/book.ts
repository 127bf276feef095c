// Price-time priority order book of one market. Each side is an array of price levels sorted so that the
// best level is LAST (bids ascending, asks descending): taking or emptying the touch is a pop, and a new
// level is placed by binary search. Each level is a FIFO queue (array + head index). A cancelled order is
// marked dead and unlinked from its level's totals in O(log levels); dead entries are skipped when
// matching and compacted away lazily.

export interface RestingOrder {
  oid: number;
  user: string;
  isBuy: boolean;
  /** Limit price in price units. */
  px: number;
  /** Remaining size in lots. */
  sz: number;
  /** Requested size in lots (the venue's origSz). */
  origSz: number;
  timestamp: number;
  cloid: string | undefined;
  reduceOnly: boolean;
  tif: 'Gtc' | 'Ioc' | 'Alo';
  live: boolean;
  level: Level | null;
}

export interface Level {
  px: number;
  orders: RestingOrder[];
  head: number;
  /** Sum of the live orders' remaining sizes, in lots. */
  total: number;
  /** Number of live orders. */
  count: number;
  /** Wire strings cached by the exchange ('' = not yet rendered); szStr is valid while szFor === total. */
  pxStr: string;
  szStr: string;
  szFor: number;
}

export class BookSide {
  readonly isBid: boolean;
  /** Best level last. */
  readonly levels: Level[] = [];

  constructor(isBid: boolean) {
    this.isBid = isBid;
  }

  best(): Level | undefined {
    return this.levels[this.levels.length - 1];
  }

  /** Index where a level at `px` is or would be inserted (levels sorted so that best is last). */
  private search(px: number): number {
    const levels = this.levels;
    let lo = 0;
    let hi = levels.length;
    if (this.isBid) {
      // ascending
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (levels[mid].px < px) lo = mid + 1;
        else hi = mid;
      }
    } else {
      // descending
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (levels[mid].px > px) lo = mid + 1;
        else hi = mid;
      }
    }
    return lo;
  }

  /** Appends an order at the back of its price level's queue. */
  add(order: RestingOrder): void {
    const levels = this.levels;
    const n = levels.length;
    let level: Level | undefined;
    // fast path: at or next to the touch
    if (n > 0 && levels[n - 1].px === order.px) {
      level = levels[n - 1];
    } else {
      const i = this.search(order.px);
      if (i < n && levels[i].px === order.px) {
        level = levels[i];
      } else {
        level = { px: order.px, orders: [], head: 0, total: 0, count: 0, pxStr: '', szStr: '', szFor: -1 };
        if (i === n) levels.push(level);
        else levels.splice(i, 0, level);
      }
    }
    level.orders.push(order);
    level.total += order.sz;
    level.count++;
    order.level = level;
  }

  /** Removes a live order (cancel): unlinks its size and drops its level when it was the last one. */
  remove(order: RestingOrder): void {
    const level = order.level;
    order.live = false;
    order.level = null;
    if (level === null) return;
    level.total -= order.sz;
    level.count--;
    if (level.count === 0) {
      this.dropLevel(level);
    } else if (level.orders.length - level.head > 2 * level.count + 32) {
      compact(level);
    }
  }

  /** Shrinks a live order's remaining size by `by` lots (fill or reduce-only clip). */
  shrink(order: RestingOrder, by: number): void {
    order.sz -= by;
    const level = order.level;
    if (level !== null) level.total -= by;
  }

  dropLevel(level: Level): void {
    const levels = this.levels;
    const n = levels.length;
    if (n > 0 && levels[n - 1] === level) {
      levels.pop();
      return;
    }
    const i = this.search(level.px);
    if (i < n && levels[i] === level) levels.splice(i, 1);
  }

  /** Up to `max` aggregated levels from the touch outward: [px, total, count]. */
  topLevels(max: number): Level[] {
    const out: Level[] = [];
    for (let i = this.levels.length - 1; i >= 0 && out.length < max; i--) out.push(this.levels[i]);
    return out;
  }

  /** Total live size within price `limit` (inclusive) from the touch; used by nothing hot. */
  depthTo(limit: number): number {
    let total = 0;
    for (let i = this.levels.length - 1; i >= 0; i--) {
      const l = this.levels[i];
      if (this.isBid ? l.px < limit : l.px > limit) break;
      total += l.total;
    }
    return total;
  }
}

/** First live order of a level, advancing the head past dead ones. */
export function frontOf(level: Level): RestingOrder | undefined {
  const orders = level.orders;
  let h = level.head;
  while (h < orders.length && !orders[h].live) h++;
  level.head = h;
  if (h > 1024 && h * 2 > orders.length) compact(level);
  return level.orders[level.head];
}

function compact(level: Level): void {
  const live: RestingOrder[] = [];
  for (let i = level.head; i < level.orders.length; i++) if (level.orders[i].live) live.push(level.orders[i]);
  level.orders = live;
  level.head = 0;
}

export class OrderBook {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);
}
