// What the market agents (oracle publisher, makers, takers) need from the exchange. SimExchange
// (src/sim/exchange) satisfies it structurally; market code never imports the exchange so that the two
// stay independent.

/**
 * An order placed in-process, without signature. Structurally identical to the exchange's own
 * SimOrderInput (src/sim/exchange/types.ts); redefined here on purpose so market does not import exchange.
 * px and sz are venue wire strings (valid tick and lot).
 */
export interface SimOrderInput {
  coin: string;
  isBuy: boolean;
  px: string;
  sz: string;
  tif: 'Gtc' | 'Ioc' | 'Alo';
  reduceOnly?: boolean;
  cloid?: string;
}

export interface BookTop {
  bid?: { px: number; sz: number };
  ask?: { px: number; sz: number };
}

export interface MarketPort {
  /**
   * Publishes a new oracle (and the deployer's external mark input) for a market. May return false when
   * the venue refuses the update (e.g. within 2.5 s of the previous one); agents count that as an error.
   */
  setOracle(coin: string, oraclePx: number, externalMarkPx?: number): unknown;
  /** Places orders for an account; returns one venue status per order ({resting}|{filled}|{error}). */
  internalPlaceOrders(address: string, orders: SimOrderInput[]): unknown[];
  internalCancelAll(address: string, coin?: string): void;
  bestBidAsk(coin: string): BookTop;
  fund(address: string, usdc: number): void;
}

/** The venue's error text of a status, or undefined when the status is not an error. */
export function statusError(status: unknown): string | undefined {
  if (typeof status === 'object' && status !== null && 'error' in status) {
    const error = (status as { error: unknown }).error;
    return typeof error === 'string' ? error : JSON.stringify(error);
  }
  return undefined;
}
