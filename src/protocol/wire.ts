// Wire types: the exact JSON shapes Hyperliquid sends and accepts (protocol doc §3–§5). Field names are the
// venue's; decimal values stay `string` (DecimalString) exactly as on the wire — convert with Number() at
// the edge that needs a number (the hot-path parsers in parse.ts do it for bbo and activeAssetCtx).
// Types only, apart from the WS_GREETING constant.

/** A decimal number as the venue writes it, e.g. "110427.0", "0.0147", "-0.0000015186". */
export type DecimalString = string;
/** "0x" + 40 hex digits (the venue sends lowercase). */
export type Address = string;
/** "0x" + 32 hex digits. */
export type CloidString = string;
/** "0x" + 64 hex digits (a transaction hash). */
export type TxHash = string;

// ───────────────────────────── subscriptions (client → server) ─────────────────────────────

export type Subscription =
  | { type: 'allMids'; dex?: string }
  | { type: 'bbo'; coin: string }
  | { type: 'l2Book'; coin: string; nSigFigs?: number | null; mantissa?: number | null }
  | { type: 'trades'; coin: string }
  | { type: 'candle'; coin: string; interval: string }
  | { type: 'activeAssetCtx'; coin: string }
  | { type: 'activeAssetData'; user: Address; coin: string }
  | { type: 'assetCtxs'; dex?: string }
  | { type: 'allDexsAssetCtxs' }
  | { type: 'orderUpdates'; user: Address }
  | { type: 'userFills'; user: Address; aggregateByTime?: boolean }
  | { type: 'userEvents'; user: Address }
  | { type: 'userFundings'; user: Address }
  | { type: 'userNonFundingLedgerUpdates'; user: Address }
  | { type: 'notification'; user: Address }
  | { type: 'clearinghouseState'; user: Address; dex?: string }
  | { type: 'openOrders'; user: Address; dex?: string }
  | { type: 'webData3'; user: Address };

export type SubscriptionType = Subscription['type'];

export interface SubscribeRequest {
  method: 'subscribe' | 'unsubscribe';
  subscription: Subscription;
}
export interface PingRequest {
  method: 'ping';
}
export interface PostRequest {
  method: 'post';
  id: number;
  request: { type: 'info'; payload: InfoRequest } | { type: 'action'; payload: ExchangeRequest };
}
/** Every frame a client sends on the WebSocket. */
export type WsClientMessage = SubscribeRequest | PingRequest | PostRequest;

// ───────────────────────────── market data ─────────────────────────────

/** One price level of bbo / l2Book. `n` = number of orders at the level. */
export interface L2Level {
  px: DecimalString;
  sz: DecimalString;
  n: number;
}

export interface WsBbo {
  coin: string;
  time: number;
  /** [best bid, best ask]; a side with no orders is null. */
  bbo: [L2Level | null, L2Level | null];
}

export interface L2Book {
  coin: string;
  time: number;
  /** [bids (best first), asks (best first)]. */
  levels: [L2Level[], L2Level[]];
  spread?: DecimalString;
}

export interface WsTrade {
  coin: string;
  side: Side;
  px: DecimalString;
  sz: DecimalString;
  time: number;
  hash: TxHash;
  tid: number;
  /** [buyer, seller]. */
  users: [Address, Address];
}

/** "B" = bid/buy, "A" = ask/sell. */
export type Side = 'B' | 'A';

/** Perp asset context (activeAssetCtx, metaAndAssetCtxs, assetCtxs, allDexsAssetCtxs). */
export interface PerpAssetCtx {
  funding: DecimalString;
  openInterest: DecimalString;
  prevDayPx: DecimalString;
  dayNtlVlm: DecimalString;
  premium: DecimalString | null;
  oraclePx: DecimalString;
  markPx: DecimalString;
  midPx: DecimalString | null;
  impactPxs: [DecimalString, DecimalString] | null;
  dayBaseVlm: DecimalString;
}
/** The brief's name for the perp context. */
export type AssetCtx = PerpAssetCtx;

export interface SpotAssetCtx {
  prevDayPx: DecimalString;
  dayNtlVlm: DecimalString;
  markPx: DecimalString;
  midPx: DecimalString | null;
  circulatingSupply: DecimalString;
  coin: string;
  totalSupply: DecimalString;
  dayBaseVlm: DecimalString;
}

export interface WsActiveAssetCtx {
  coin: string;
  ctx: PerpAssetCtx;
}
export interface WsActiveSpotAssetCtx {
  coin: string;
  ctx: SpotAssetCtx;
}

/** allMids: coin → mid price. */
export interface AllMids {
  mids: Record<string, DecimalString>;
}

/** allDexsAssetCtxs: per dex ("" = main dex) the contexts in universe order. */
export interface WsAllDexsAssetCtxs {
  ctxs: [string, PerpAssetCtx[]][];
}

// ───────────────────────────── orders, fills, user events ─────────────────────────────

/** Order processing status (protocol doc §4.5). The venue adds values over time: parse leniently. */
export type KnownOrderStatus =
  | 'open'
  | 'filled'
  | 'canceled'
  | 'triggered'
  | 'rejected'
  | 'marginCanceled'
  | 'vaultWithdrawalCanceled'
  | 'openInterestCapCanceled'
  | 'selfTradeCanceled'
  | 'reduceOnlyCanceled'
  | 'siblingFilledCanceled'
  | 'delistedCanceled'
  | 'liquidatedCanceled'
  | 'outcomeSettledCanceled'
  | 'scheduledCancel'
  | 'internalCancel'
  | 'tickRejected'
  | 'minTradeNtlRejected'
  | 'perpMarginRejected'
  | 'reduceOnlyRejected'
  | 'badAloPxRejected'
  | 'iocCancelRejected'
  | 'badTriggerPxRejected'
  | 'marketOrderNoLiquidityRejected'
  | 'positionIncreaseAtOpenInterestCapRejected'
  | 'positionFlipAtOpenInterestCapRejected'
  | 'tooAggressiveAtOpenInterestCapRejected'
  | 'openInterestIncreaseRejected'
  | 'insufficientSpotBalanceRejected'
  | 'oracleRejected'
  | 'perpMaxPositionRejected'
  | 'tooManyOpenOrdersRejected';
/** A known status, or any other string the venue may introduce (kept as sent). */
export type OrderStatus = KnownOrderStatus | (string & {});

/** Basic open order (openInfo `openOrders`, and `order` inside `orderUpdates`). */
export interface OpenOrder {
  coin: string;
  side: Side;
  limitPx: DecimalString;
  /** Remaining size. */
  sz: DecimalString;
  oid: number;
  timestamp: number;
  origSz: DecimalString;
  cloid?: CloidString | null;
  reduceOnly?: boolean;
}

/** Order type as shown in outputs. */
export type OrderTypeLabel =
  | 'Market'
  | 'Limit'
  | 'Stop Market'
  | 'Stop Limit'
  | 'Take Profit Market'
  | 'Take Profit Limit'
  | (string & {});

export type TifLabel = 'Alo' | 'Ioc' | 'Gtc' | 'FrontendMarket' | 'LiquidationMarket' | (string & {});

/** frontendOpenOrders entry (also the `order` of orderStatus): OpenOrder plus trigger/tp-sl detail. */
export interface FrontendOpenOrder extends OpenOrder {
  triggerCondition: string;
  isTrigger: boolean;
  triggerPx: DecimalString;
  children: FrontendOpenOrder[];
  isPositionTpsl: boolean;
  reduceOnly: boolean;
  orderType: OrderTypeLabel;
  tif: TifLabel | null;
  cloid: CloidString | null;
}

/** One element of an `orderUpdates` frame (the frame's data is an array of these). */
export interface WsOrderUpdate {
  order: OpenOrder;
  status: OrderStatus;
  statusTimestamp: number;
}

export interface FillLiquidation {
  liquidatedUser?: Address;
  markPx: DecimalString;
  method: 'market' | 'backstop' | (string & {});
}

/** A fill (userFills, user events, info userFills). `crossed` = we were the taker. */
export interface UserFill {
  coin: string;
  px: DecimalString;
  sz: DecimalString;
  side: Side;
  time: number;
  startPosition: DecimalString;
  /** e.g. "Open Long", "Close Short". */
  dir: string;
  closedPnl: DecimalString;
  hash: TxHash;
  oid: number;
  crossed: boolean;
  /** Negative = rebate. */
  fee: DecimalString;
  tid: number;
  feeToken: string;
  builderFee?: DecimalString;
  feeTrialEscrow?: DecimalString;
  twapId?: number | null;
  cloid?: CloidString | null;
  liquidation?: FillLiquidation;
}

export interface WsUserFills {
  user: Address;
  /** true on the first message after (re)subscribing; absent or false on streamed updates. */
  isSnapshot?: boolean;
  fills: UserFill[];
}

export interface UserFunding {
  time: number;
  coin: string;
  usdc: DecimalString;
  szi: DecimalString;
  fundingRate: DecimalString;
  nSamples: number | null;
}

export interface UserLiquidationEvent {
  lid: number;
  liquidator: Address;
  liquidated_user: Address;
  liquidated_ntl_pos: DecimalString;
  liquidated_account_value: DecimalString;
}

/** `user` channel (subscription type userEvents): exactly one of these keys. */
export type WsUserEvent =
  | { fills: UserFill[] }
  | { funding: UserFunding }
  | { liquidation: UserLiquidationEvent }
  | { nonUserCancel: { coin: string; oid: number }[] }
  | { twapHistory: unknown[] }
  | { twapSliceFills: unknown[] };

// ───────────────────────────── account state (info / WS) ─────────────────────────────

export interface MarginSummary {
  accountValue: DecimalString;
  totalNtlPos: DecimalString;
  totalRawUsd: DecimalString;
  totalMarginUsed: DecimalString;
}

export type PositionLeverage = { type: 'cross'; value: number } | { type: 'isolated'; value: number; rawUsd: DecimalString };

export interface Position {
  coin: string;
  /** Signed size: > 0 long, < 0 short. */
  szi: DecimalString;
  leverage: PositionLeverage;
  entryPx: DecimalString;
  positionValue: DecimalString;
  unrealizedPnl: DecimalString;
  returnOnEquity: DecimalString;
  liquidationPx: DecimalString | null;
  marginUsed: DecimalString;
  maxLeverage: number;
  cumFunding: { allTime: DecimalString; sinceOpen: DecimalString; sinceChange: DecimalString };
}

export interface AssetPosition {
  type: 'oneWay' | (string & {});
  position: Position;
}

/** info clearinghouseState {user, dex?}: one per dex (each HIP-3 dex has its own clearinghouse). */
export interface ClearinghouseState {
  marginSummary: MarginSummary;
  crossMarginSummary: MarginSummary;
  crossMaintenanceMarginUsed: DecimalString;
  withdrawable: DecimalString;
  assetPositions: AssetPosition[];
  time: number;
}

export interface WsClearinghouseState {
  dex: string;
  user: Address;
  clearinghouseState: ClearinghouseState;
}
export interface WsOpenOrders {
  dex: string;
  user: Address;
  orders: FrontendOpenOrder[];
}

/** info orderStatus {user, oid}. */
export type OrderStatusResponse =
  | { status: 'order'; order: { order: FrontendOpenOrder; status: OrderStatus; statusTimestamp: number } }
  | { status: 'unknownOid' };

export interface UserRateLimit {
  cumVlm: DecimalString;
  nRequestsUsed: number;
  nRequestsCap: number;
  nRequestsSurplus?: number;
}

// ───────────────────────────── metadata ─────────────────────────────

/** One `meta.universe` entry. The asset's index in the array is its asset id on the main dex. */
export interface PerpAssetMeta {
  /** "COIN" on the main dex, "dex:COIN" on a builder dex. */
  name: string;
  szDecimals: number;
  maxLeverage: number;
  marginTableId?: number;
  onlyIsolated?: boolean | null;
  marginMode?: 'strictIsolated' | 'noCross' | (string & {}) | null;
  isDelisted?: boolean | null;
  growthMode?: 'enabled' | (string & {}) | null;
  lastGrowthModeChangeTime?: string | number | null;
}

/** info `meta` {dex?}; `allPerpMetas` returns one per dex. */
export interface PerpMeta {
  universe: PerpAssetMeta[];
  marginTables?: [number, unknown][];
  collateralToken?: number;
}

export type MetaAndAssetCtxs = [PerpMeta, PerpAssetCtx[]];

/** A builder-deployed perp dex (perpDexs entries 1..n; entry 0 is null = main dex). */
export interface PerpDex {
  name: string;
  fullName: string;
  deployer: Address;
  oracleUpdater: Address | null;
  feeRecipient: Address | null;
  assetToStreamingOiCap?: [string, DecimalString][];
  subDeployers?: [string, Address[]][];
  deployerFeeScale?: DecimalString;
  lastDeployerFeeScaleChangeTime?: string;
  assetToFundingMultiplier?: [string, DecimalString][];
  assetToFundingInterestRate?: [string, DecimalString][];
}

export type PerpDexs = (PerpDex | null)[];

// ───────────────────────────── info requests ─────────────────────────────

export type InfoRequest =
  | { type: 'meta'; dex?: string }
  | { type: 'metaAndAssetCtxs'; dex?: string }
  | { type: 'perpDexs' }
  | { type: 'allPerpMetas' }
  | { type: 'allMids'; dex?: string }
  | { type: 'l2Book'; coin: string; nSigFigs?: number | null; mantissa?: number | null }
  | { type: 'clearinghouseState'; user: Address; dex?: string }
  | { type: 'openOrders'; user: Address; dex?: string }
  | { type: 'frontendOpenOrders'; user: Address; dex?: string }
  | { type: 'orderStatus'; user: Address; oid: number | CloidString }
  | { type: 'userFills'; user: Address; aggregateByTime?: boolean }
  | { type: 'userFillsByTime'; user: Address; startTime: number; endTime?: number; aggregateByTime?: boolean }
  | { type: 'userRateLimit'; user: Address }
  | { type: 'spotMeta' }
  | { type: 'spotClearinghouseState'; user: Address }
  | { type: 'userFees'; user: Address }
  | { type: 'exchangeStatus' }
  | { type: 'perpsAtOpenInterestCap'; dex?: string };

export type InfoType = InfoRequest['type'];

// ───────────────────────────── exchange (actions) ─────────────────────────────

/** Signature as sent: r and s are "0x" + 64 hex digits, v is 27 or 28. */
export interface WireSignature {
  r: string;
  s: string;
  v: number;
}

/** POST /exchange body (and the payload of a WS post of type "action"). */
export interface ExchangeRequest<A extends { type: string } = { type: string }> {
  action: A;
  nonce: number;
  signature: WireSignature;
  /** Sub-account or vault; absent (or null) when trading for the signer's own account. */
  vaultAddress?: Address | null;
  expiresAfter?: number | null;
}

/** One per order, in request order. A status:"ok" response can still carry `{error}` entries. */
export type OrderResponseStatus =
  | { resting: { oid: number; cloid?: CloidString } }
  | { filled: { totalSz: DecimalString; avgPx: DecimalString; oid: number; cloid?: CloidString } }
  | { error: string }
  | 'waitingForFill'
  | 'waitingForTrigger';

export type CancelResponseStatus = 'success' | { error: string };

export type ExchangeOkResponse =
  | { type: 'order'; data: { statuses: OrderResponseStatus[] } }
  | { type: 'cancel'; data: { statuses: CancelResponseStatus[] } }
  | { type: 'default' };

export type ExchangeResponse = { status: 'ok'; response: ExchangeOkResponse } | { status: 'err'; response: string };

// ───────────────────────────── post over WS ─────────────────────────────

export type PostResponse =
  /** `payload.data` is exactly what POST /info would have returned. */
  | { type: 'info'; payload: { type: string; data: unknown } }
  | { type: 'action'; payload: ExchangeResponse }
  /** A string mirroring the HTTP status and description. */
  | { type: 'error'; payload: string };

export interface WsPost {
  id: number;
  response: PostResponse;
}

// ───────────────────────────── server → client frames ─────────────────────────────

export interface WsSubscriptionResponse {
  method: 'subscribe' | 'unsubscribe';
  /** The server's normalized echo (defaults filled in, e.g. nSigFigs: null): match by subset. */
  subscription: Subscription;
}

/** Every JSON frame the server sends, discriminated by `channel`. */
export type WsMessage =
  | { channel: 'subscriptionResponse'; data: WsSubscriptionResponse }
  | { channel: 'bbo'; data: WsBbo }
  | { channel: 'l2Book'; data: L2Book }
  | { channel: 'trades'; data: WsTrade[] }
  | { channel: 'activeAssetCtx'; data: WsActiveAssetCtx }
  | { channel: 'activeSpotAssetCtx'; data: WsActiveSpotAssetCtx }
  | { channel: 'allMids'; data: AllMids }
  | { channel: 'allDexsAssetCtxs'; data: WsAllDexsAssetCtxs }
  | { channel: 'orderUpdates'; data: WsOrderUpdate[] }
  | { channel: 'userFills'; data: WsUserFills }
  | { channel: 'user'; data: WsUserEvent }
  | { channel: 'clearinghouseState'; data: WsClearinghouseState }
  | { channel: 'openOrders'; data: WsOpenOrders }
  | { channel: 'post'; data: WsPost }
  | { channel: 'pong' }
  | { channel: 'error'; data: string };

export type WsChannel = WsMessage['channel'];

/** The plain-text (non-JSON) frame the server may send right after connecting. */
export const WS_GREETING = 'Websocket connection established.';
