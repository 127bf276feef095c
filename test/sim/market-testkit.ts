// A small in-test order book implementing MarketPort, used by the market unit tests so that they do not
// depend on the exchange's internals (the integration test runs against the real SimExchange). It
// validates what the venue validates for agent orders (tick, lot, 10 USDC minimum, Alo crossing) and
// matches IOC orders against resting ones, so maker/taker behaviour is observable.
import { isValidPrice, isValidSize } from '../../src/protocol/format.ts';
import type { BookTop, MarketPort, SimOrderInput } from '../../src/sim/market/port.ts';

interface Resting {
  address: string;
  isBuy: boolean;
  px: number;
  sz: number;
  seq: number;
}

export class TestBook implements MarketPort {
  readonly szDecimals: Map<string, number>;
  readonly books = new Map<string, Resting[]>();
  readonly oracles: { coin: string; oraclePx: number; externalMarkPx?: number }[] = [];
  readonly funded = new Map<string, number>();
  readonly errors: string[] = [];
  trades = 0;
  #seq = 0;

  constructor(markets: { name: string; szDecimals: number }[]) {
    this.szDecimals = new Map(markets.map((m) => [m.name, m.szDecimals]));
  }

  setOracle(coin: string, oraclePx: number, externalMarkPx?: number): void {
    this.oracles.push({ coin, oraclePx, externalMarkPx });
  }

  fund(address: string, usdc: number): void {
    this.funded.set(address, (this.funded.get(address) ?? 0) + usdc);
  }

  internalCancelAll(address: string, coin?: string): void {
    for (const [c, book] of this.books) {
      if (coin !== undefined && c !== coin) continue;
      this.books.set(
        c,
        book.filter((r) => r.address !== address),
      );
    }
  }

  bestBidAsk(coin: string): BookTop {
    const top: BookTop = {};
    for (const r of this.books.get(coin) ?? []) {
      if (r.isBuy && (top.bid === undefined || r.px > top.bid.px)) top.bid = { px: r.px, sz: r.sz };
      if (!r.isBuy && (top.ask === undefined || r.px < top.ask.px)) top.ask = { px: r.px, sz: r.sz };
    }
    return top;
  }

  internalPlaceOrders(address: string, orders: SimOrderInput[]): unknown[] {
    return orders.map((o) => {
      const e = this.#place(address, o);
      if (typeof e === 'string') this.errors.push(`${o.coin} ${e}`);
      return typeof e === 'string' ? { error: e } : e;
    });
  }

  #place(address: string, o: SimOrderInput): unknown {
    const d = this.szDecimals.get(o.coin);
    if (d === undefined) return 'Unknown asset';
    if (!isValidPrice(o.px, d, 'perp')) return 'Price must be divisible by tick size.';
    if (!isValidSize(o.sz, d)) return 'Order has invalid size.';
    const px = Number(o.px);
    let sz = Number(o.sz);
    if (px * sz < 10) return 'Order must have minimum value of $10.';
    const book = this.books.get(o.coin) ?? [];
    this.books.set(o.coin, book);
    const crosses = (r: Resting): boolean => r.isBuy !== o.isBuy && (o.isBuy ? r.px <= px : r.px >= px);
    if (o.tif === 'Alo' && book.some(crosses)) return 'Post only order would have immediately matched';
    const opposite = book.filter(crosses).sort((a, b) => (o.isBuy ? a.px - b.px : b.px - a.px) || a.seq - b.seq);
    let filled = 0;
    for (const r of opposite) {
      if (sz <= 0) break;
      const q = Math.min(sz, r.sz);
      r.sz -= q;
      sz -= q;
      filled += q;
      this.trades++;
    }
    this.books.set(
      o.coin,
      book.filter((r) => r.sz > 1e-12),
    );
    if (o.tif === 'Ioc') {
      return filled > 0 ? { filled: { totalSz: String(filled), avgPx: o.px, oid: ++this.#seq } } : 'Order could not immediately match against any resting orders.';
    }
    if (sz > 1e-12) this.books.get(o.coin)!.push({ address, isBuy: o.isBuy, px, sz, seq: ++this.#seq });
    return { resting: { oid: this.#seq } };
  }
}
