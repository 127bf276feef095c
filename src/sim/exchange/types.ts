// Shared types of the hlsim exchange: what the server (transport) and the market agents code against.
// Every data payload is already in the venue's exact WS shape (hyperliquid-protocol.md §4), all numbers as
// canonical decimal strings, so the server forwards `data` unchanged.

import type { SimMarketDef } from '../market/universe.ts';

/** One tradable market (defined by the market helper's universe; re-exported here for convenience). */
export type { SimMarketDef };

export type SimTif = 'Gtc' | 'Ioc' | 'Alo';

/** An order placed in-process (market agents, tests): same matching path as a signed order. */
export interface SimOrderInput {
  coin: string;
  isBuy: boolean;
  /** Limit price as the venue's wire string, e.g. '1670.1'. */
  px: string;
  /** Size as the venue's wire string, e.g. '0.0147'. */
  sz: string;
  tif: SimTif;
  reduceOnly?: boolean;
  /** '0x' + 32 hex digits (lowercase). */
  cloid?: string;
}

/** Per-order status, exactly as in the `order` action response (§3). */
export type SimOrderStatus =
  | { resting: { oid: number; cloid?: string } }
  | { filled: { totalSz: string; avgPx: string; oid: number; cloid?: string } }
  | { error: string };

export interface WireLevel {
  px: string;
  sz: string;
  n: number;
}

export interface BboData {
  coin: string;
  time: number;
  bbo: [WireLevel | null, WireLevel | null];
}

export interface L2BookData {
  coin: string;
  time: number;
  levels: [WireLevel[], WireLevel[]];
}

export interface WireTrade {
  coin: string;
  side: 'B' | 'A';
  px: string;
  sz: string;
  time: number;
  hash: string;
  tid: number;
  /** [buyer, seller] */
  users: [string, string];
}

export interface PerpAssetCtx {
  funding: string;
  openInterest: string;
  prevDayPx: string;
  dayNtlVlm: string;
  premium: string | null;
  oraclePx: string;
  markPx: string;
  midPx: string | null;
  impactPxs: [string, string] | null;
  dayBaseVlm: string;
}

export interface ActiveAssetCtxData {
  coin: string;
  ctx: PerpAssetCtx;
}

/** The order as it appears in orderUpdates / openOrders. */
export interface WireBasicOrder {
  coin: string;
  side: 'B' | 'A';
  limitPx: string;
  /** Remaining size. */
  sz: string;
  oid: number;
  timestamp: number;
  origSz: string;
  cloid?: string;
  reduceOnly?: boolean;
}

export interface WireOrderUpdate {
  order: WireBasicOrder;
  status: string;
  statusTimestamp: number;
}

export interface WireFill {
  coin: string;
  px: string;
  sz: string;
  side: 'B' | 'A';
  time: number;
  startPosition: string;
  dir: string;
  closedPnl: string;
  hash: string;
  oid: number;
  crossed: boolean;
  fee: string;
  tid: number;
  feeToken: string;
  twapId: null;
  cloid?: string;
}

export interface UserFillsData {
  user: string;
  isSnapshot?: true;
  fills: WireFill[];
}

export type UserEventData = { fills: WireFill[] } | { nonUserCancel: { coin: string; oid: number }[] };

/** Every venue event, in the order the venue would publish it. `data` is the exact WS `data` field. */
export type SimEvent =
  | { kind: 'bbo'; coin: string; data: BboData }
  | { kind: 'l2Book'; coin: string; data: L2BookData }
  | { kind: 'trades'; coin: string; data: WireTrade[] }
  | { kind: 'activeAssetCtx'; coin: string; data: ActiveAssetCtxData }
  | { kind: 'orderUpdates'; user: string; data: WireOrderUpdate[] }
  | { kind: 'userFills'; user: string; data: UserFillsData }
  | { kind: 'user'; user: string; data: UserEventData };

export interface SimFeeConfig {
  /** Base taker fee in basis points (validator perps). Default 4.5. */
  takerBps: number;
  /** Base maker fee in basis points; negative = rebate. Default 1.5. */
  makerBps: number;
  /** Multiplier applied to both rates on HIP-3 dexes. Default 2. */
  hip3Multiplier?: number;
}

export interface SimExchangeOptions {
  markets: SimMarketDef[];
  /** Perp dex names in perpDexs order: index 0 must be '' (the main dex). */
  dexes: string[];
  fees?: SimFeeConfig;
  /** Which phantom-agent source ('a' mainnet, 'b' testnet) signatures are checked against. Default true. */
  isMainnet?: boolean;
  /** Venue clock in ms. */
  now: () => number;
}

/** HTTP-level result of a protocol entry point: the server sends `body` as JSON with `httpStatus`. */
export interface SimHttpResult {
  httpStatus: number;
  body: unknown;
}

export interface BestBidAsk {
  bid?: { px: number; sz: number };
  ask?: { px: number; sz: number };
}

export interface SimPositionView {
  coin: string;
  /** Signed size (number, for convenience) and its exact wire string. */
  szi: number;
  sziStr: string;
  entryPx: string | null;
  /** Realised PnL of this coin since the account began (wire string). */
  realizedPnl: string;
}

export interface SimAccountSummary {
  address: string;
  /** Deposits in micro-USDC per dex. */
  depositsMicro: Record<string, number>;
  /** Cash per dex in micro-USDC: the cross balance plus isolated positions' own cash (deposits − bought + sold notional − fees). */
  rawUsdMicro: Record<string, number>;
  /** Account value at mark per dex (number, USDC). */
  accountValue: Record<string, number>;
  realizedPnlMicro: number;
  feesPaidMicro: number;
  positions: SimPositionView[];
  openOrders: number;
}
