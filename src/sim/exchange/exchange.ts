// SimExchange: hlsim's exchange as a pure, deterministic state machine. No sockets, no timers: the venue
// clock is injected (`now()`), time-driven duties (scheduled cancels) run on `tick()` and at the start of
// every call. The server wraps handleExchange/handleInfo/onEvent for HTTP and WS; the market agents call
// the in-process admin methods (internalPlaceOrders, …), which take the same matching path as a signed
// order but skip signature and nonce.
//
// Money is exact: prices are integers in price units (10^-(6 − szDecimals)), sizes integers in lots
// (10^-szDecimals), so a fill's notional px × sz is an integer number of micro-USDC. Each account's cash
// per dex is the venue's totalRawUsd (deposits − bought notional + sold notional − fees), so the sum of
// every account's cash plus the fees collected equals the deposits, exactly, at every moment.
//
// Venue behaviour reproduced (sources in errors.ts) and hlsim's documented choices:
// - Signed actions: the signer is recovered from the action as the venue re-serialises it (canonical.ts).
//   A never-seen signer → "L1 error: User or API Wallet 0x… does not exist."; a known account (or an
//   agent's user) that never deposited → "Must deposit before performing actions. User: 0x…". Source
//   letter 'a' (isMainnet, the default) or 'b'. Nonces per signer (nonces.ts); the nonce is consumed even
//   when the action then fails. vaultAddress → "Vault not registered: 0x…" (no vaults/sub-accounts).
// - Order checks, in this order: size (zero / lot), duplicate cloid among open orders, tick, 80 % band
//   from the mark, reduce-only, $10 minimum (opening orders only), ALO cross, margin, IOC without match.
//   Tick, reduce-only, minimum, ALO, margin and IOC rejections get an oid and an orderUpdates status
//   (tickRejected, reduceOnlyRejected, minTradeNtlRejected, badAloPxRejected, perpMarginRejected,
//   iocCancelRejected); size, cloid, band and unknown-asset errors are response-only.
// - Reduce-only orders are shrunk to the position and never flip; resting ones shrink with it and end as
//   reduceOnlyCanceled when it closes or flips. Self-trade: the resting order is cancelled
//   (selfTradeCanceled) and the taker continues. IOC remainder → "canceled"; fully filled → "filled".
// - Margin per market: cross by default; isolated on isolated-only markets (meta marginMode
//   "strictIsolated") and where the account chose it (updateLeverage isCross=false). An isolated position
//   holds its own cash (the venue's leverage.rawUsd): notional / leverage moves in from the cross balance
//   when it opens and everything left goes back when it closes (isolatedCash). Leverage 20× or the market
//   max unless updateLeverage; no liquidations, no funding payments (ctx.funding "0.0"), liquidationPx null,
//   no updateIsolatedMargin (422).
// - Fees: taker/maker bps (default 4.5 / 1.5), × hip3Multiplier (default 2) on HIP-3 dexes, truncated to
//   the micro-USDC; builder fees are not charged. fund(address, usdc) without a dex credits every dex.
// - Numbers are printed like the venue: shortest decimal with at least one fractional digit ("100.0").
// - Events are produced per call (a whole batch action is one call) and emitted at its end, in order:
//   orderUpdates, userFills + user, trades, bbo (only when the touch changed), l2Book (every book change),
//   activeAssetCtx (on setOracle, and when a stale mark falls back to the local mark on tick()). They are
//   emitted synchronously, before handleExchange returns.
// - userFills lists newest first (≤ 2000), userFillsByTime oldest first; dayNtlVlm/dayBaseVlm are
//   cumulative since start (no 24 h window); nonUserCancel events are not produced.
import { isValidPrice, isValidSize } from '../../protocol/format.ts';
import { recoverL1Signer } from '../../protocol/signing.ts';
import { recoverUserSignedSigner, type UserSignedAction } from '../../protocol/user-signed.ts';
import { frontOf, type Level, OrderBook, type RestingOrder } from './book.ts';
import { formatFloat, formatMicro, formatMicroBig, formatScaled, parseScaled, pow10, roundPriceUnits } from './decimal.ts';
import { err } from './errors.ts';
import { NonceBook } from './nonces.ts';
import { venueL1Action } from './canonical.ts';
import type {
  ActiveAssetCtxData,
  BboData,
  BestBidAsk,
  L2BookData,
  PerpAssetCtx,
  SimAccountSummary,
  SimEvent,
  SimExchangeOptions,
  SimHttpResult,
  SimMarketDef,
  SimOrderInput,
  SimOrderStatus,
  SimPositionView,
  SimTif,
  UserFillsData,
  WireBasicOrder,
  WireFill,
  WireLevel,
  WireOrderUpdate,
  WireTrade,
} from './types.ts';

/** Minimum order value in micro-USDC ($10). */
const MIN_NOTIONAL_MICRO = 10_000_000;
/** Levels per side in l2Book data. */
const L2_DEPTH = 20;
/** Fills kept per account for userFills (the venue serves the latest 2000). */
const FILLS_KEPT = 10_000;
const FILLS_SERVED = 2000;
/** Finished orders kept for orderStatus. */
const FINISHED_ORDERS_KEPT = 200_000;
/** The venue's volume gate for scheduleCancel (measured: "Required: $1000000"). */
const SCHEDULE_CANCEL_MIN_VOLUME_USD = 1_000_000;
const SCHEDULE_CANCEL_MIN_LEAD_MS = 5000;
/** Leverage a new position uses until updateLeverage (the venue's default is 20× or the market max if lower). */
const DEFAULT_LEVERAGE = 20;
/** Oracle updates closer than this are ignored (HIP-3 deployer rule, §5.3). */
const ORACLE_MIN_SPACING_MS = 2500;
/** Each oracle/mark update moves at most this fraction (§5.3). */
const ORACLE_MAX_STEP = 0.01;
/** Without a deployer update for this long the mark falls back to the local mark (§5.3). */
const MARK_STALE_MS = 10_000;
/** Orders further than this fraction from the mark are refused (venue: "80% away from the reference price"). */
const PRICE_BAND = 0.8;
const ADDRESS = /^0x[0-9a-f]{40}$/;

interface Market {
  def: SimMarketDef;
  coin: string;
  assetId: number;
  dexIndex: number;
  szDecimals: number;
  pxDecimals: number;
  book: OrderBook;
  takerRateE8: number;
  makerRateE8: number;
  maxLeverage: number;
  oraclePx: number;
  markPx: number;
  prevDayPx: number;
  lastOracleTime: number;
  /** When the mark last came from the deployer (a setOracle, or the exchange's start): staleness counts from it. */
  lastDeployerMarkTime: number;
  /** Last trade price in price units (0 = none yet). */
  lastTradePx: number;
  dayNtlVlmMicro: number;
  dayBaseVlmLots: number;
  /** Sum of long position sizes (= sum of shorts), in lots. */
  openInterestLots: number;
  /** Last published bbo, for change detection: bid px, sz, n, ask px, sz, n. */
  lastBbo: number[];
}

interface SimOrder extends RestingOrder {
  market: Market;
  status: string;
  statusTimestamp: number;
  /** Margin this open order reserves in its clearinghouse (USDC, display precision). */
  reservedMargin: number;
}

interface Position {
  /** Signed size in lots. */
  szi: number;
  /** Cost basis of the open size in micro-USDC (always ≥ 0). */
  entryNtl: number;
  realizedMicro: number;
  /** Isolated margin (fixed when the position opens: the account's mode for the market at that moment). */
  isolated: boolean;
  /**
   * An isolated position's own cash, micro-USDC: the venue's `leverage.rawUsd` (margin moved in from the
   * cross balance + the fills' cash flows − fees). Its equity (marginUsed) is rawUsd + szi × mark. 0 for cross.
   */
  isoRawMicro: number;
}

interface Clearinghouse {
  depositsMicro: number;
  /** The venue's totalRawUsd, micro-USDC. */
  rawUsdMicro: number;
  positions: Map<Market, Position>;
  /** Margin reserved by open orders in this dex (USDC). */
  orderMargin: number;
  openOrders: number;
}

interface Account {
  address: string;
  chs: Clearinghouse[];
  openOrders: Map<number, SimOrder>;
  /** Latest order per cloid (open or finished). */
  byCloid: Map<string, SimOrder>;
  reduceOnlyOpen: number;
  fills: WireFill[];
  leverage: Map<Market, number>;
  /** Markets this account switched to isolated margin with updateLeverage (isolated-only markets always are). */
  isolatedMode: Set<Market>;
  volumeMicro: number;
  realizedMicro: number;
  feesMicro: number;
  scheduledCancel: number | undefined;
  everFunded: boolean;
}

interface Agent {
  address: string;
  user: string;
  name: string;
  validUntil: number | undefined;
}

type OrderOutcome = SimOrderStatus;

export class SimExchange {
  readonly isMainnet: boolean;
  private readonly nowFn: () => number;
  private readonly listeners: ((e: SimEvent) => void)[] = [];
  private readonly dexes: string[];
  private readonly marketList: Market[] = [];
  private readonly byCoin = new Map<string, Market>();
  private readonly byAsset = new Map<number, Market>();
  private readonly accounts = new Map<string, Account>();
  private readonly agents = new Map<string, Agent>();
  private readonly nonces = new NonceBook();
  private readonly orders = new Map<number, SimOrder>();
  private readonly finished: number[] = [];
  private finishedHead = 0;
  private readonly scheduleCancelMinVolumeUsd: number;
  private nextOid = 1;
  private nextTid = 1;
  private txSeq = 0;
  private feesMicro = 0;
  private depositsMicro = 0;
  private time = 0;
  /** Accounts with an armed scheduleCancel (so begin() skips the scan when none is). */
  private armedSchedules = 0;
  // Events of the call in progress, flushed in one go at its end.
  private readonly pendingTrades = new Map<Market, WireTrade[]>();
  private readonly pendingUpdates = new Map<string, WireOrderUpdate[]>();
  private readonly pendingFills = new Map<string, WireFill[]>();
  private readonly dirty = new Set<Market>();
  private readonly ctxDirty = new Set<Market>();
  private readonly outbox: SimEvent[] = [];
  private emitting = false;

  constructor(opts: SimExchangeOptions & { scheduleCancelMinVolumeUsd?: number }) {
    this.isMainnet = opts.isMainnet ?? true;
    this.nowFn = opts.now;
    this.scheduleCancelMinVolumeUsd = opts.scheduleCancelMinVolumeUsd ?? SCHEDULE_CANCEL_MIN_VOLUME_USD;
    this.dexes = opts.dexes.length > 0 ? [...opts.dexes] : [''];
    if (this.dexes[0] !== '') throw new Error("SimExchange: dexes[0] must be '' (the validator dex)");
    const fees = opts.fees ?? { takerBps: 4.5, makerBps: 1.5 };
    const hip3 = fees.hip3Multiplier ?? 2;
    const perDex = new Map<string, number>();
    const startTime = opts.now();
    for (const def of opts.markets) {
      const dexIndex = this.dexes.indexOf(def.dex);
      if (dexIndex < 0) throw new Error(`SimExchange: market ${def.name} is on unknown dex '${def.dex}'`);
      if (def.dex !== '' && !def.name.startsWith(`${def.dex}:`)) {
        throw new Error(`SimExchange: HIP-3 market ${def.name} must be named '${def.dex}:COIN'`);
      }
      if (this.byCoin.has(def.name)) throw new Error(`SimExchange: duplicate market ${def.name}`);
      if (!Number.isInteger(def.szDecimals) || def.szDecimals < 0 || def.szDecimals > 6) {
        throw new Error(`SimExchange: market ${def.name} has bad szDecimals ${def.szDecimals}`);
      }
      const index = perDex.get(def.dex) ?? 0;
      perDex.set(def.dex, index + 1);
      const assetId = dexIndex === 0 ? index : 100000 + dexIndex * 10000 + index;
      const mult = dexIndex === 0 ? 1 : hip3;
      const pxDecimals = 6 - def.szDecimals;
      const initial = roundPriceUnits(def.initialPx, def.szDecimals) / pow10(pxDecimals);
      const m: Market = {
        def,
        coin: def.name,
        assetId,
        dexIndex,
        szDecimals: def.szDecimals,
        pxDecimals,
        book: new OrderBook(),
        takerRateE8: Math.round(fees.takerBps * 10000 * mult),
        makerRateE8: Math.round(fees.makerBps * 10000 * mult),
        maxLeverage: def.maxLeverage,
        oraclePx: initial,
        markPx: initial,
        prevDayPx: initial,
        lastOracleTime: Number.NEGATIVE_INFINITY,
        lastDeployerMarkTime: startTime,
        lastTradePx: 0,
        dayNtlVlmMicro: 0,
        dayBaseVlmLots: 0,
        openInterestLots: 0,
        lastBbo: [0, 0, 0, 0, 0, 0],
      };
      this.marketList.push(m);
      this.byCoin.set(m.coin, m);
      this.byAsset.set(assetId, m);
    }
  }

  // ───────────────────────────── observation ─────────────────────────────

  onEvent(listener: (e: SimEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  now(): number {
    return this.nowFn();
  }

  /**
   * Runs the venue's time-driven duties due at now(): scheduled cancels (dead-man's switch) and the stale
   * mark fallback. The server calls it periodically; every other entry point also runs the scheduled
   * cancels first, so a due switch always fires before any later action is processed.
   */
  tick(): void {
    this.begin();
    this.fallBackStaleMarks();
    this.flush();
  }

  /**
   * §5.3: a mark with no deployer update for 10 s falls back to the local mark (median of best bid, best
   * ask and last trade), and follows it while the deployer stays silent; activeAssetCtx on every change.
   * Staleness counts from the last setOracle, or from the exchange's start for a market never published.
   */
  private fallBackStaleMarks(): void {
    for (const m of this.marketList) {
      if (this.time - m.lastDeployerMarkTime < MARK_STALE_MS) continue;
      const local = this.localMark(m);
      if (local === undefined) continue;
      const mark = this.roundPx(m, local);
      if (mark !== m.markPx) {
        m.markPx = mark;
        this.ctxDirty.add(m);
      }
    }
  }

  // ───────────────────────────── snapshots for new subscriptions ─────────────────────────────

  bboData(coin: string): BboData | null {
    const m = this.byCoin.get(coin);
    if (m === undefined) return null;
    return { coin, time: this.nowFn(), bbo: [levelWire(m, m.book.bids.best()), levelWire(m, m.book.asks.best())] };
  }

  l2BookData(coin: string): L2BookData | null {
    const m = this.byCoin.get(coin);
    if (m === undefined) return null;
    return this.l2Of(m, this.nowFn());
  }

  activeAssetCtxData(coin: string): ActiveAssetCtxData | null {
    const m = this.byCoin.get(coin);
    if (m === undefined) return null;
    return { coin, ctx: this.ctxOf(m) };
  }

  userFillsSnapshot(user: string): UserFillsData {
    const acct = this.accounts.get(user.toLowerCase());
    const fills = acct === undefined ? [] : acct.fills.slice(-FILLS_SERVED);
    return { user: user.toLowerCase(), isSnapshot: true, fills };
  }

  // ───────────────────────────── admin / in-process ─────────────────────────────

  /**
   * Credits `usdc` to an account. With `dex` ('' or a HIP-3 dex name) only that dex's clearinghouse is
   * credited; without it EVERY dex's clearinghouse receives `usdc` (as if the user had sent collateral to
   * each), so a funded account can trade on every dex. Deposits are counted per clearinghouse.
   */
  fund(address: string, usdc: number, dex?: string): void {
    const micro = Math.round(usdc * 1e6);
    if (!Number.isSafeInteger(micro) || micro <= 0) throw new Error(`fund: bad amount ${usdc}`);
    const acct = this.account(address.toLowerCase());
    const targets = dex === undefined ? this.dexes.map((_, i) => i) : [this.dexes.indexOf(dex)];
    if (targets[0] < 0) throw new Error(`fund: unknown dex '${String(dex)}'`);
    // Integer micro-USDC stays exact while every total is a safe integer (≈ 9e9 USDC in all).
    if (!Number.isSafeInteger(this.depositsMicro + micro * targets.length * 4)) throw new Error('fund: total deposits too large to keep exact');
    for (const i of targets) {
      acct.chs[i].depositsMicro += micro;
      acct.chs[i].rawUsdMicro += micro;
      this.depositsMicro += micro;
    }
    acct.everFunded = true;
  }

  /** Places orders for `address` without signature or nonce; same validation and matching as a signed order. */
  internalPlaceOrders(address: string, orders: SimOrderInput[]): SimOrderStatus[] {
    this.begin();
    const acct = this.account(address.toLowerCase());
    const out: SimOrderStatus[] = [];
    for (const o of orders) {
      const m = this.byCoin.get(o.coin);
      if (m === undefined) {
        out.push({ error: `Unknown coin ${o.coin}` }); // hlsim-invented, in-process callers only
        continue;
      }
      out.push(this.placeOne(acct, m, o.isBuy, o.px, o.sz, o.tif, o.reduceOnly === true, o.cloid));
    }
    this.flush();
    return out;
  }

  /**
   * updateLeverage for `address` without signature or nonce (same rules as the signed action); returns the
   * venue's response body: {status:'ok', response:{type:'default'}} or {status:'err', response}.
   */
  internalUpdateLeverage(address: string, coin: string, isCross: boolean, leverage: number): unknown {
    return this.atomically(() => {
      const m = this.byCoin.get(coin);
      if (m === undefined) return { status: 'err', response: `Unknown coin ${coin}` };
      return this.updateLeverage(this.account(address.toLowerCase()), m.assetId, isCross, leverage).body;
    });
  }

  /** Cancels one open order of `address` by oid; false when it is not open (filled, cancelled, unknown). */
  internalCancel(address: string, oid: number): boolean {
    this.begin();
    const acct = this.accounts.get(address.toLowerCase());
    const o = acct?.openOrders.get(oid);
    if (acct !== undefined && o !== undefined) this.cancelOrder(acct, o, 'canceled');
    this.flush();
    return o !== undefined;
  }

  /** Cancels every open order of `address` (on `coin` only, if given), status "canceled". */
  internalCancelAll(address: string, coin?: string): void {
    this.begin();
    const acct = this.accounts.get(address.toLowerCase());
    if (acct !== undefined) {
      const m = coin === undefined ? undefined : this.byCoin.get(coin);
      if (coin === undefined || m !== undefined) {
        for (const o of [...acct.openOrders.values()]) {
          if (m === undefined || o.market === m) this.cancelOrder(acct, o, 'canceled');
        }
      }
    }
    this.flush();
  }

  /**
   * Publishes an oracle price (and the deployer's mark input) for a market, as the deployer's setOracle
   * would (§5.3): ignored (returns false) if less than 2.5 s after the previous accepted update; the
   * oracle is clamped to ±1 % of the previous one; the new mark is the median of the submitted mark
   * (externalMarkPx, or the oracle when none is given) and the local mark (median of best bid, best ask and
   * last trade), clamped to ±1 % of the previous mark. Emits activeAssetCtx.
   */
  setOracle(coin: string, oraclePx: number, externalMarkPx?: number): boolean {
    const m = this.byCoin.get(coin);
    if (m === undefined || !(oraclePx > 0) || !Number.isFinite(oraclePx)) return false;
    this.begin();
    if (this.time - m.lastOracleTime < ORACLE_MIN_SPACING_MS) {
      this.flush();
      return false;
    }
    const first = m.lastOracleTime === Number.NEGATIVE_INFINITY;
    m.lastOracleTime = this.time;
    m.lastDeployerMarkTime = this.time;
    const oracle = first ? oraclePx : clampStep(oraclePx, m.oraclePx);
    m.oraclePx = this.roundPx(m, oracle);
    const submitted = externalMarkPx !== undefined && externalMarkPx > 0 ? externalMarkPx : m.oraclePx;
    const local = this.localMark(m);
    const mark = local === undefined ? submitted : (submitted + local) / 2; // median of two values = mean
    m.markPx = this.roundPx(m, first ? mark : clampStep(mark, m.markPx));
    this.ctxDirty.add(m);
    this.flush();
    return true;
  }

  bestBidAsk(coin: string): BestBidAsk {
    const m = this.byCoin.get(coin);
    if (m === undefined) return {};
    const out: BestBidAsk = {};
    const b = m.book.bids.best();
    const a = m.book.asks.best();
    if (b !== undefined) out.bid = { px: b.px / pow10(m.pxDecimals), sz: b.total / pow10(m.szDecimals) };
    if (a !== undefined) out.ask = { px: a.px / pow10(m.pxDecimals), sz: a.total / pow10(m.szDecimals) };
    return out;
  }

  lastTradePx(coin: string): number | undefined {
    const m = this.byCoin.get(coin);
    if (m === undefined || m.lastTradePx === 0) return undefined;
    return m.lastTradePx / pow10(m.pxDecimals);
  }

  oraclePx(coin: string): number | undefined {
    return this.byCoin.get(coin)?.oraclePx;
  }

  markPx(coin: string): number | undefined {
    return this.byCoin.get(coin)?.markPx;
  }

  accountSummary(address: string): SimAccountSummary {
    const a = address.toLowerCase();
    const acct = this.accounts.get(a);
    const summary: SimAccountSummary = {
      address: a,
      depositsMicro: {},
      rawUsdMicro: {},
      accountValue: {},
      realizedPnlMicro: acct?.realizedMicro ?? 0,
      feesPaidMicro: acct?.feesMicro ?? 0,
      positions: [],
      openOrders: acct?.openOrders.size ?? 0,
    };
    this.dexes.forEach((dex, i) => {
      const ch = acct?.chs[i];
      summary.depositsMicro[dex] = ch?.depositsMicro ?? 0;
      summary.rawUsdMicro[dex] = ch === undefined ? 0 : cashOf(ch);
      summary.accountValue[dex] = ch === undefined ? 0 : accountValueOf(ch);
      if (ch !== undefined) for (const [m, p] of ch.positions) summary.positions.push(positionView(m, p));
    });
    return summary;
  }

  position(address: string, coin: string): SimPositionView | null {
    const acct = this.accounts.get(address.toLowerCase());
    const m = this.byCoin.get(coin);
    if (acct === undefined || m === undefined) return null;
    const p = acct.chs[m.dexIndex].positions.get(m);
    return p === undefined ? null : positionView(m, p);
  }

  /** Sum over every account and dex of cash (the venue's totalRawUsd), in micro-USDC. */
  totalCash(): number {
    let total = 0;
    for (const acct of this.accounts.values()) for (const ch of acct.chs) total += cashOf(ch);
    return total;
  }

  /** Fees collected by the venue (taker + maker fees, net of rebates), in micro-USDC. */
  feesCollected(): number {
    return this.feesMicro;
  }

  /** Everything ever deposited with fund(), in micro-USDC. totalCash() + feesCollected() equals it. */
  totalDeposits(): number {
    return this.depositsMicro;
  }

  coins(): string[] {
    return this.marketList.map((m) => m.coin);
  }

  marketDef(coin: string): SimMarketDef | undefined {
    return this.byCoin.get(coin)?.def;
  }

  /** The venue asset id of a coin (index in meta, or 100000 + dexIndex × 10000 + index for HIP-3). */
  assetId(coin: string): number | undefined {
    return this.byCoin.get(coin)?.assetId;
  }

  /** The master account an agent signs for, if it is an approved, unexpired agent. */
  agentUser(agentAddress: string): string | undefined {
    const ag = this.agents.get(agentAddress.toLowerCase());
    if (ag === undefined) return undefined;
    if (ag.validUntil !== undefined && this.nowFn() > ag.validUntil) return undefined;
    return ag.user;
  }

  // ───────────────────────────── POST /exchange ─────────────────────────────

  /** One signed action, body exactly as posted to /exchange (or in a WS `post` action payload). */
  handleExchange(body: unknown): SimHttpResult {
    return this.atomically(() => this.exchangeRequest(body));
  }

  private exchangeRequest(body: unknown): SimHttpResult {
    if (!isObj(body)) return deserializeError();
    const action = body.action;
    const nonce = body.nonce;
    const signature = body.signature;
    if (!isObj(action) || typeof action.type !== 'string') return deserializeError();
    if (typeof nonce !== 'number' || !Number.isSafeInteger(nonce) || nonce < 0) return deserializeError();
    if (!isObj(signature) || typeof signature.r !== 'string' || typeof signature.s !== 'string' || typeof signature.v !== 'number') {
      return deserializeError();
    }
    const vaultAddress = body.vaultAddress ?? null;
    const expiresAfter = body.expiresAfter ?? null;
    if (vaultAddress !== null && typeof vaultAddress !== 'string') return deserializeError();
    if (expiresAfter !== null && (typeof expiresAfter !== 'number' || !Number.isSafeInteger(expiresAfter))) {
      return deserializeError();
    }
    const sig = { r: signature.r, s: signature.s, v: signature.v };
    if (action.type === 'approveAgent') return this.approveAgent(action, nonce, sig, vaultAddress, expiresAfter);

    // The venue deserialises the action and re-serialises its own structs to hash: key order, dropped nulls,
    // canonical decimals and lowercase hex are what it signs over (canonical.ts).
    const hashed = venueL1Action(action);
    if (hashed === undefined) return deserializeError();
    let signer: string;
    try {
      signer = recoverL1Signer({
        action: hashed,
        nonce,
        isMainnet: this.isMainnet,
        vaultAddress: vaultAddress ?? undefined,
        expiresAfter: expiresAfter ?? undefined,
        signature: sig,
      });
    } catch {
      return deserializeError();
    }
    // The signer must be an account or an API wallet (agent) one approved. An address the venue has never
    // seen does not exist; a known account that never deposited must deposit first.
    const user = this.accounts.has(signer) ? signer : this.agentUser(signer);
    if (user === undefined) return topError(err.signerMissing(signer));
    if (this.accounts.get(user)?.everFunded !== true) return topError(err.mustDeposit(user));
    if (vaultAddress !== null) return topError(err.vaultNotRegistered(vaultAddress.toLowerCase()));
    if (expiresAfter !== null && expiresAfter < this.time) return topError(err.expired());
    const nonceError = this.nonces.check(signer, nonce, this.time);
    if (nonceError !== undefined) return topError(nonceError);
    this.nonces.use(signer, nonce);
    return this.runL1(this.account(user), hashed);
  }

  private runL1(acct: Account, action: Record<string, unknown>): SimHttpResult {
    switch (action.type) {
      case 'order':
        return this.orderAction(acct, action);
      case 'cancel':
        return this.cancelAction(acct, action.cancels as { a: number; o: number }[]);
      case 'cancelByCloid':
        return this.cancelByCloidAction(acct, action.cancels as { asset: number; cloid: string }[]);
      case 'scheduleCancel':
        return this.scheduleCancel(acct, action.time as number | undefined);
      case 'updateLeverage':
        return this.updateLeverage(acct, action.asset as number, action.isCross as boolean, action.leverage as number);
      case 'noop':
        return okDefault();
      default:
        return deserializeError();
    }
  }

  private orderAction(acct: Account, action: Record<string, unknown>): SimHttpResult {
    const orders = action.orders as Record<string, unknown>[];
    const grouping = action.grouping;
    const statuses: OrderOutcome[] = [];
    for (const o of orders) {
      const asset = o.a as number;
      const m = this.byAsset.get(asset);
      if (m === undefined) {
        statuses.push({ error: err.unknownAsset(asset) });
        continue;
      }
      const t = o.t as Record<string, unknown>;
      const limit = t.limit as { tif?: unknown } | undefined;
      if (grouping !== 'na' || limit === undefined) {
        statuses.push({ error: err.unsupportedOrder(asset) });
        continue;
      }
      const tif = limit.tif === 'FrontendMarket' ? 'Ioc' : (limit.tif as SimTif);
      const cloid = typeof o.c === 'string' ? o.c : undefined;
      statuses.push(this.placeOne(acct, m, o.b as boolean, o.p as string, o.s as string, tif, o.r as boolean, cloid));
    }
    return ok({ type: 'order', data: { statuses } });
  }

  private cancelAction(acct: Account, cancels: { a: number; o: number }[]): SimHttpResult {
    if (cancels.length > 200) return topError(err.overWeight());
    const statuses: ('success' | { error: string })[] = [];
    for (const c of cancels) {
      const o = acct.openOrders.get(c.o);
      if (o === undefined || o.market.assetId !== c.a) statuses.push({ error: err.cancelMissing(c.a) });
      else {
        this.cancelOrder(acct, o, 'canceled');
        statuses.push('success');
      }
    }
    return ok({ type: 'cancel', data: { statuses } });
  }

  private cancelByCloidAction(acct: Account, cancels: { asset: number; cloid: string }[]): SimHttpResult {
    if (cancels.length > 200) return topError(err.overWeight());
    const statuses: ('success' | { error: string })[] = [];
    for (const c of cancels) {
      const o = acct.byCloid.get(c.cloid.toLowerCase());
      if (o === undefined || !o.live || o.market.assetId !== c.asset) statuses.push({ error: err.cancelMissing(c.asset) });
      else {
        this.cancelOrder(acct, o, 'canceled');
        statuses.push('success');
      }
    }
    return ok({ type: 'cancel', data: { statuses } });
  }

  private scheduleCancel(acct: Account, time: number | undefined): SimHttpResult {
    const tradedUsd = acct.volumeMicro / 1e6;
    if (tradedUsd < this.scheduleCancelMinVolumeUsd) {
      return topError(err.scheduleCancelVolume(this.scheduleCancelMinVolumeUsd, tradedUsd));
    }
    if (time === undefined) {
      this.setSchedule(acct, undefined);
      return okDefault();
    }
    if (time < this.time + SCHEDULE_CANCEL_MIN_LEAD_MS) return topError(err.scheduleCancelTooEarly());
    this.setSchedule(acct, time);
    return okDefault();
  }

  private setSchedule(acct: Account, time: number | undefined): void {
    if (acct.scheduledCancel !== undefined) this.armedSchedules--;
    acct.scheduledCancel = time;
    if (time !== undefined) this.armedSchedules++;
  }

  /**
   * updateLeverage {asset, isCross, leverage}: sets the account's margin mode and leverage for a market.
   * Isolated-only markets refuse cross; the mode cannot change while a position is open; lowering the
   * leverage of an open position needs the margin for it (the isolated position's own equity, or the cross
   * balance). An open isolated position keeps its margin: the new leverage applies to what opens next.
   */
  private updateLeverage(acct: Account, asset: number, isCross: boolean, leverage: number): SimHttpResult {
    const m = this.byAsset.get(asset);
    if (m === undefined) return topError(err.unknownAsset(asset));
    if (!Number.isInteger(leverage) || leverage < 1 || leverage > m.maxLeverage) return topError(err.invalidLeverage());
    if (isCross && m.def.onlyIsolated === true) return topError(err.crossNotAllowed());
    const ch = acct.chs[m.dexIndex];
    const pos = ch.positions.get(m);
    if (pos !== undefined && pos.isolated === isCross) return topError(err.switchLeverageType());
    const before = this.leverageOf(acct, m);
    if (pos !== undefined && leverage < before) {
      const value = (Math.abs(pos.szi) / pow10(m.szDecimals)) * m.markPx;
      if (pos.isolated) {
        const equity = pos.isoRawMicro / 1e6 + (pos.szi / pow10(m.szDecimals)) * m.markPx;
        if (equity < value / leverage) return topError(err.isolatedLeverageDecrease());
      } else {
        const more = value / leverage - value / before;
        if (more > this.availableMargin(acct, ch)) return topError(err.crossLeverageDecrease());
      }
    }
    acct.leverage.set(m, leverage);
    if (isCross) acct.isolatedMode.delete(m);
    else acct.isolatedMode.add(m);
    return okDefault();
  }

  private approveAgent(
    action: Record<string, unknown>,
    nonce: number,
    sig: { r: string; s: string; v: number },
    vaultAddress: string | null,
    expiresAfter: number | null,
  ): SimHttpResult {
    const agentAddress = action.agentAddress;
    const agentName = action.agentName ?? '';
    if (
      typeof action.signatureChainId !== 'string' ||
      typeof action.hyperliquidChain !== 'string' ||
      typeof agentAddress !== 'string' ||
      !ADDRESS.test(agentAddress.toLowerCase()) ||
      typeof agentName !== 'string' ||
      typeof action.nonce !== 'number'
    ) {
      return deserializeError();
    }
    if (vaultAddress !== null || expiresAfter !== null) return deserializeError(); // not supported on user-signed actions
    let signer: string;
    try {
      signer = recoverUserSignedSigner({ action: action as unknown as UserSignedAction, signature: sig });
    } catch {
      return deserializeError();
    }
    if (action.hyperliquidChain !== (this.isMainnet ? 'Mainnet' : 'Testnet')) return topError(err.wrongChain());
    if (action.nonce !== nonce) return topError(err.nonceMismatch());
    const acct = this.accounts.get(signer);
    if (acct?.everFunded !== true) return topError(err.mustDeposit(signer));
    const nonceError = this.nonces.check(signer, nonce, this.time);
    if (nonceError !== undefined) return topError(nonceError);
    this.nonces.use(signer, nonce);
    const parsed = /^(.*?)(?: valid_until (\d+))?$/.exec(agentName) as RegExpExecArray;
    const name = parsed[1];
    if (name.length > 16) return topError(err.agentName());
    const validUntil = parsed[2] === undefined ? undefined : Number(parsed[2]);
    const address = agentAddress.toLowerCase();
    // One agent per (user, name): a new unnamed agent replaces the previous unnamed one, a named one
    // replaces the agent of that name. The replaced agent is deregistered and its nonce state pruned (§6.3).
    for (const ag of this.agents.values()) {
      if (ag.user === signer && ag.name === name && ag.address !== address) {
        this.agents.delete(ag.address);
        this.nonces.forget(ag.address);
      }
    }
    this.agents.set(address, { address, user: signer, name, validUntil });
    return okDefault();
  }

  // ───────────────────────────── POST /info ─────────────────────────────

  /** One info request, body exactly as posted to /info (or in a WS `post` info payload). */
  handleInfo(body: unknown): SimHttpResult {
    return this.atomically(() => this.infoRequest(body));
  }

  private infoRequest(body: unknown): SimHttpResult {
    if (!isObj(body) || typeof body.type !== 'string') return deserializeError();
    const dexArg = body.dex ?? '';
    if (typeof dexArg !== 'string') return deserializeError();
    const dexIndex = this.dexes.indexOf(dexArg);
    const user = typeof body.user === 'string' ? body.user.toLowerCase() : undefined;
    switch (body.type) {
      case 'meta':
        return okInfo(dexIndex < 0 ? null : this.metaOf(dexIndex));
      case 'metaAndAssetCtxs':
        return okInfo(dexIndex < 0 ? null : [this.metaOf(dexIndex), this.marketsOf(dexIndex).map((m) => this.ctxOf(m))]);
      case 'allPerpMetas':
        return okInfo(this.dexes.map((_, i) => this.metaOf(i)));
      case 'perpDexs':
        return okInfo(this.perpDexs());
      case 'allMids':
        return okInfo(dexIndex < 0 ? null : this.allMids(dexIndex));
      case 'l2Book': {
        if (typeof body.coin !== 'string') return deserializeError();
        return okInfo(this.l2BookData(body.coin));
      }
      case 'clearinghouseState':
        if (user === undefined || dexIndex < 0) return deserializeError();
        return okInfo(this.clearinghouseState(user, dexIndex));
      case 'openOrders':
        if (user === undefined || dexIndex < 0) return deserializeError();
        return okInfo(this.openOrdersOf(user, dexIndex).map((o) => basicOrder(o)));
      case 'frontendOpenOrders':
        if (user === undefined || dexIndex < 0) return deserializeError();
        return okInfo(this.openOrdersOf(user, dexIndex).map((o) => frontendOrder(o)));
      case 'orderStatus': {
        if (user === undefined) return deserializeError();
        return okInfo(this.orderStatus(user, body.oid));
      }
      case 'userFills': {
        if (user === undefined) return deserializeError();
        const fills = this.accounts.get(user)?.fills ?? [];
        return okInfo(fills.slice(-FILLS_SERVED).reverse());
      }
      case 'userFillsByTime': {
        if (user === undefined || typeof body.startTime !== 'number') return deserializeError();
        const start = body.startTime;
        const end = typeof body.endTime === 'number' ? body.endTime : Number.POSITIVE_INFINITY;
        const fills = (this.accounts.get(user)?.fills ?? []).filter((f) => f.time >= start && f.time <= end);
        return okInfo(fills.slice(0, FILLS_SERVED));
      }
      default:
        return deserializeError();
    }
  }

  private marketsOf(dexIndex: number): Market[] {
    return this.marketList.filter((m) => m.dexIndex === dexIndex);
  }

  private metaOf(dexIndex: number): unknown {
    const universe = this.marketsOf(dexIndex).map((m) => {
      const entry: Record<string, unknown> = {
        szDecimals: m.szDecimals,
        name: m.coin,
        maxLeverage: m.maxLeverage,
        marginTableId: m.maxLeverage,
      };
      if (m.def.onlyIsolated === true) {
        entry.onlyIsolated = true;
        entry.marginMode = 'strictIsolated';
      }
      return entry;
    });
    const tables = [...new Set(this.marketsOf(dexIndex).map((m) => m.maxLeverage))].sort((a, b) => a - b);
    return {
      universe,
      marginTables: tables.map((lev) => [
        lev,
        { description: '', marginTiers: [{ lowerBound: '0.0', maxLeverage: lev }] },
      ]),
      collateralToken: 0,
    };
  }

  private perpDexs(): unknown[] {
    return this.dexes.map((dex, i) => {
      if (i === 0) return null;
      return {
        name: dex,
        fullName: dex,
        deployer: deterministicAddress(`deployer:${dex}`),
        oracleUpdater: null,
        feeRecipient: null,
        assetToStreamingOiCap: this.marketsOf(i).map((m) => [m.coin, '1000000000.0']),
        subDeployers: [],
        deployerFeeScale: '1.0',
        lastDeployerFeeScaleChangeTime: '1970-01-01T00:00:00',
        assetToFundingMultiplier: [],
        assetToFundingInterestRate: [],
      };
    });
  }

  private allMids(dexIndex: number): Record<string, string> {
    const mids: Record<string, string> = {};
    for (const m of this.marketsOf(dexIndex)) {
      const mid = midOf(m);
      mids[m.coin] = mid === undefined ? formatFloat(m.markPx, m.pxDecimals) : formatFloat(mid, m.pxDecimals + 1);
    }
    return mids;
  }

  /**
   * The venue's clearinghouseState (§5.1). Cross positions: leverage {type:'cross', value}, marginUsed =
   * position value / leverage. Isolated positions: leverage {type:'isolated', value, rawUsd} and marginUsed
   * = rawUsd + szi × mark (the position's own equity), as in the venue's documented example.
   * crossMarginSummary covers the cross balance and cross positions only; marginSummary covers everything
   * (so its totalRawUsd = accountValue − Σ szi × mark includes the isolated rawUsd). withdrawable is what
   * the cross side can spare.
   */
  private clearinghouseState(user: string, dexIndex: number): unknown {
    const acct = this.accounts.get(user);
    const ch = acct?.chs[dexIndex];
    const assetPositions: unknown[] = [];
    const all = { value: 0, ntl: 0, margin: 0 };
    const cross = { value: 0, ntl: 0, margin: 0 };
    if (ch !== undefined && acct !== undefined) {
      cross.value = ch.rawUsdMicro / 1e6;
      all.value = cashOf(ch) / 1e6;
      for (const [m, p] of ch.positions) {
        const lev = this.leverageOf(acct, m);
        const szi = p.szi / pow10(m.szDecimals);
        const signedValue = szi * m.markPx;
        const value = Math.abs(signedValue);
        const signedEntry = (p.szi > 0 ? p.entryNtl : -p.entryNtl) / 1e6;
        const pnl = signedValue - signedEntry;
        const margin = p.isolated ? p.isoRawMicro / 1e6 + signedValue : value / lev;
        all.value += signedValue;
        all.ntl += value;
        all.margin += margin;
        if (!p.isolated) {
          cross.value += signedValue;
          cross.ntl += value;
          cross.margin += margin;
        }
        const initialMargin = p.entryNtl / 1e6 / lev;
        assetPositions.push({
          type: 'oneWay',
          position: {
            coin: m.coin,
            szi: formatScaled(p.szi, m.szDecimals),
            leverage: p.isolated ? { type: 'isolated', value: lev, rawUsd: formatMicro(p.isoRawMicro) } : { type: 'cross', value: lev },
            entryPx: this.entryPxString(m, p),
            positionValue: formatFloat(value, 6),
            unrealizedPnl: formatFloat(pnl, 6),
            returnOnEquity: formatFloat(initialMargin > 0 ? pnl / initialMargin : 0, 10),
            liquidationPx: null,
            marginUsed: formatFloat(margin, 6),
            maxLeverage: m.maxLeverage,
            cumFunding: { allTime: '0.0', sinceOpen: '0.0', sinceChange: '0.0' },
          },
        });
      }
    }
    const summary = (x: typeof all, rawMicro: number) => ({
      accountValue: formatFloat(x.value, 6),
      totalNtlPos: formatFloat(x.ntl, 6),
      totalRawUsd: formatMicro(rawMicro),
      totalMarginUsed: formatFloat(x.margin, 6),
    });
    return {
      marginSummary: summary(all, ch === undefined ? 0 : cashOf(ch)),
      crossMarginSummary: summary(cross, ch?.rawUsdMicro ?? 0),
      crossMaintenanceMarginUsed: formatFloat(cross.margin / 2, 6),
      withdrawable: formatFloat(Math.max(0, cross.value - cross.margin), 6),
      assetPositions,
      time: this.time,
    };
  }

  private entryPxString(m: Market, p: Position): string {
    const absSz = Math.abs(p.szi);
    if (absSz === 0) return '0.0';
    // entryNtl (micro) / size (lots) = price units exactly when it divides.
    if (p.entryNtl % absSz === 0) return formatScaled(p.entryNtl / absSz, m.pxDecimals);
    return formatFloat(p.entryNtl / absSz / pow10(m.pxDecimals), m.pxDecimals + 4);
  }

  private openOrdersOf(user: string, dexIndex: number): SimOrder[] {
    const acct = this.accounts.get(user);
    if (acct === undefined) return [];
    const out: SimOrder[] = [];
    for (const o of acct.openOrders.values()) if (o.market.dexIndex === dexIndex) out.push(o);
    return out.sort((a, b) => b.oid - a.oid); // newest first, as the venue lists them
  }

  private orderStatus(user: string, oidArg: unknown): unknown {
    let o: SimOrder | undefined;
    if (typeof oidArg === 'number') {
      o = this.orders.get(oidArg);
      if (o !== undefined && o.user !== user) o = undefined;
    } else if (typeof oidArg === 'string') {
      o = this.accounts.get(user)?.byCloid.get(oidArg.toLowerCase());
    }
    if (o === undefined) return { status: 'unknownOid' };
    return { status: 'order', order: { order: frontendOrder(o), status: o.status, statusTimestamp: o.statusTimestamp } };
  }

  // ───────────────────────────── matching ─────────────────────────────

  private placeOne(
    acct: Account,
    m: Market,
    isBuy: boolean,
    pxStr: string,
    szStr: string,
    tif: SimTif,
    reduceOnly: boolean,
    cloidIn: string | undefined,
  ): OrderOutcome {
    const asset = m.assetId;
    const szLots = parseScaled(szStr, m.szDecimals);
    if (szLots === 0) return { error: err.zeroSize() };
    if (szLots === undefined || !isValidSize(szStr, m.szDecimals)) return { error: err.invalidSize() };
    const cloid = cloidIn?.toLowerCase();
    if (cloid !== undefined) {
      const prev = acct.byCloid.get(cloid);
      if (prev?.live === true) return { error: err.duplicateCloid(asset) };
    }
    const px = isValidPrice(pxStr, m.szDecimals, 'perp') ? parseScaled(pxStr, m.pxDecimals) : undefined;
    if (px === undefined || px === 0) return this.reject(acct, m, isBuy, pxStr, szLots, szLots, reduceOnly, cloid, 'tickRejected', err.tick(asset));
    const pxFloat = px / pow10(m.pxDecimals);
    if (Math.abs(pxFloat - m.markPx) > PRICE_BAND * m.markPx) return { error: err.priceBand() };

    const ch = acct.chs[m.dexIndex];
    const pos = ch.positions.get(m);
    const szi = pos === undefined ? 0 : pos.szi;
    const opposite = isBuy ? szi < 0 : szi > 0;
    const absPos = szi < 0 ? -szi : szi;
    let sz = szLots;
    if (reduceOnly) {
      if (!opposite) {
        return this.reject(acct, m, isBuy, pxStr, szLots, szLots, reduceOnly, cloid, 'reduceOnlyRejected', err.reduceOnly(asset));
      }
      if (sz > absPos) sz = absPos; // shrunk to the position, never flips (measured)
    }
    const increasing = opposite ? (reduceOnly ? 0 : Math.max(0, sz - absPos)) : sz;
    const notional = px * szLots;
    if (!Number.isSafeInteger(notional)) return { error: err.invalidSize() };
    // The $10 minimum applies to orders that open; a closing order of any size passes (measured).
    if (increasing > 0 && notional < MIN_NOTIONAL_MICRO) {
      return this.reject(acct, m, isBuy, pxStr, szLots, sz, reduceOnly, cloid, 'minTradeNtlRejected', err.minNotional(asset));
    }
    const book = m.book;
    const opp = isBuy ? book.asks : book.bids;
    const oppBest = opp.best();
    const crosses = oppBest !== undefined && (isBuy ? px >= oppBest.px : px <= oppBest.px);
    if (tif === 'Alo' && crosses) {
      const bid = book.bids.best();
      const ask = book.asks.best();
      const bbo = err.badAloPx(
        bid === undefined ? 'None' : formatScaled(bid.px, m.pxDecimals),
        ask === undefined ? 'None' : formatScaled(ask.px, m.pxDecimals),
        asset,
      );
      return this.reject(acct, m, isBuy, pxStr, szLots, sz, reduceOnly, cloid, 'badAloPxRejected', bbo);
    }
    const lev = this.leverageOf(acct, m);
    if (increasing > 0) {
      const required = (px * increasing) / 1e6 / lev;
      if (required > this.availableMargin(acct, ch)) {
        return this.reject(acct, m, isBuy, pxStr, szLots, sz, reduceOnly, cloid, 'perpMarginRejected', err.margin(asset));
      }
    }
    if (tif === 'Ioc' && !crosses) {
      return this.reject(acct, m, isBuy, pxStr, szLots, sz, reduceOnly, cloid, 'iocCancelRejected', err.iocCancel(asset));
    }

    const order = this.newOrder(acct, m, isBuy, px, sz, szLots, cloid, reduceOnly, tif, 'open');
    if (cloid !== undefined) acct.byCloid.set(cloid, order);

    let filledLots = 0;
    let filledNtl = 0;
    let hash = '';
    if (crosses) {
      hash = this.nextHash();
      while (order.sz > 0) {
        const level = opp.best();
        if (level === undefined || (isBuy ? px < level.px : px > level.px)) break;
        const maker = frontOf(level) as SimOrder | undefined;
        if (maker === undefined) {
          opp.dropLevel(level);
          continue;
        }
        const makerAcct = this.accounts.get(maker.user) as Account;
        if (maker.user === acct.address) {
          // Self-trade prevention: the resting order is cancelled, the taker continues (selfTradeCanceled).
          this.cancelOrder(makerAcct, maker, 'selfTradeCanceled');
          continue;
        }
        const q = Math.min(order.sz, maker.sz);
        this.match(m, level, maker, makerAcct, order, acct, q, hash);
        filledLots += q;
        filledNtl += level.px * q;
        if (order.reduceOnly && order.sz > 0) {
          // a reduce-only taker never outgrows the (shrinking) position
          const p = ch.positions.get(m);
          const left = p === undefined ? 0 : Math.abs(p.szi);
          if (order.sz > left) order.sz = left;
        }
      }
      this.dirty.add(m);
    }

    const rest = order.sz;
    if (tif === 'Ioc' || rest === 0) {
      order.live = false;
      this.finish(order, rest === 0 ? 'filled' : 'canceled');
      this.pushUpdate(acct.address, order);
      if (filledLots === 0) {
        // only reachable for a reduce-only IOC whose position vanished mid-match
        return { error: err.iocCancel(asset) };
      }
      return { filled: this.filledStatus(m, filledLots, filledNtl, order) };
    }
    // Rest the remainder.
    order.status = 'open';
    order.statusTimestamp = this.time;
    (isBuy ? book.bids : book.asks).add(order);
    acct.openOrders.set(order.oid, order);
    if (reduceOnly) acct.reduceOnlyOpen++;
    else {
      order.reservedMargin = (px * order.sz) / 1e6 / lev;
      ch.orderMargin += order.reservedMargin;
    }
    ch.openOrders++;
    this.dirty.add(m);
    this.pushUpdate(acct.address, order);
    return cloid === undefined ? { resting: { oid: order.oid } } : { resting: { oid: order.oid, cloid } };
  }

  private filledStatus(m: Market, lots: number, ntl: number, order: SimOrder): { totalSz: string; avgPx: string; oid: number; cloid?: string } {
    const avgPx = ntl % lots === 0 ? formatScaled(ntl / lots, m.pxDecimals) : formatFloat(ntl / lots / pow10(m.pxDecimals), m.pxDecimals + 4);
    const out: { totalSz: string; avgPx: string; oid: number; cloid?: string } = {
      totalSz: formatScaled(lots, m.szDecimals),
      avgPx,
      oid: order.oid,
    };
    if (order.cloid !== undefined) out.cloid = order.cloid;
    return out;
  }

  /** Registers a new order with the next oid, timestamped now: live (on its way to the book) only when 'open'. */
  private newOrder(acct: Account, m: Market, isBuy: boolean, px: number, sz: number, origSz: number, cloid: string | undefined, reduceOnly: boolean, tif: SimTif, status: string): SimOrder {
    const order: SimOrder = {
      oid: this.nextOid++,
      user: acct.address,
      isBuy,
      px,
      sz,
      origSz,
      timestamp: this.time,
      cloid,
      reduceOnly,
      tif,
      live: status === 'open',
      level: null,
      market: m,
      status,
      statusTimestamp: this.time,
      reservedMargin: 0,
    };
    this.orders.set(order.oid, order);
    return order;
  }

  /** A validation rejection that the venue reports both in the response and as an orderUpdates status. */
  private reject(
    acct: Account,
    m: Market,
    isBuy: boolean,
    pxStr: string,
    origSz: number,
    sz: number,
    reduceOnly: boolean,
    cloid: string | undefined,
    status: string,
    message: string,
  ): OrderOutcome {
    const px = parseScaled(pxStr, m.pxDecimals) ?? 0;
    const order = this.newOrder(acct, m, isBuy, px, sz, origSz, cloid, reduceOnly, 'Gtc', status);
    this.finished.push(order.oid);
    if (cloid !== undefined && acct.byCloid.get(cloid)?.live !== true) acct.byCloid.set(cloid, order);
    this.pushUpdate(acct.address, order);
    this.evictFinished();
    return { error: message };
  }

  /** One fill between a resting maker and the taker, at the maker's price. */
  private match(m: Market, level: Level, maker: SimOrder, makerAcct: Account, taker: SimOrder, takerAcct: Account, q: number, hash: string): void {
    const px = level.px;
    const ntl = px * q;
    const tid = this.nextTid++;
    const time = this.time;
    this.applyFill(makerAcct, m, maker.isBuy, px, q, ntl, false, maker, hash, tid);
    this.applyFill(takerAcct, m, taker.isBuy, px, q, ntl, true, taker, hash, tid);
    taker.sz -= q;
    // maker bookkeeping
    maker.sz -= q;
    level.total -= q;
    const makerCh = makerAcct.chs[m.dexIndex];
    if (!maker.reduceOnly && maker.reservedMargin > 0) {
      const release = maker.origSz > 0 ? (maker.reservedMargin * q) / (maker.sz + q) : maker.reservedMargin;
      maker.reservedMargin -= release;
      makerCh.orderMargin -= release;
    }
    if (maker.sz === 0) {
      maker.live = false;
      maker.level = null;
      level.count--;
      if (level.count === 0) (maker.isBuy ? m.book.bids : m.book.asks).dropLevel(level);
      this.closeOpen(makerAcct, maker, 'filled');
    }
    m.lastTradePx = px;
    m.dayNtlVlmMicro += ntl;
    m.dayBaseVlmLots += q;
    makerAcct.volumeMicro += ntl;
    takerAcct.volumeMicro += ntl;
    if (this.listeners.length > 0) {
      let trades = this.pendingTrades.get(m);
      if (trades === undefined) {
        trades = [];
        this.pendingTrades.set(m, trades);
      }
      trades.push({
        coin: m.coin,
        side: taker.isBuy ? 'B' : 'A',
        px: formatScaled(px, m.pxDecimals),
        sz: formatScaled(q, m.szDecimals),
        time,
        hash,
        tid,
        users: taker.isBuy ? [takerAcct.address, makerAcct.address] : [makerAcct.address, takerAcct.address],
      });
    }
    if (makerAcct.reduceOnlyOpen > 0) this.fixReduceOnly(makerAcct, m);
    if (takerAcct.reduceOnlyOpen > 0) this.fixReduceOnly(takerAcct, m);
  }

  /** Applies one side of a fill to an account: position, entry, realised PnL, cash, fee; records the fill. */
  private applyFill(
    acct: Account,
    m: Market,
    isBuy: boolean,
    px: number,
    q: number,
    ntl: number,
    crossed: boolean,
    order: SimOrder,
    hash: string,
    tid: number,
  ): void {
    const ch = acct.chs[m.dexIndex];
    let pos = ch.positions.get(m);
    if (pos === undefined) {
      pos = { szi: 0, entryNtl: 0, realizedMicro: 0, isolated: this.isIsolated(acct, m), isoRawMicro: 0 };
      ch.positions.set(m, pos);
    }
    const start = pos.szi;
    const absStart = start < 0 ? -start : start;
    const signedEntryBefore = start > 0 ? pos.entryNtl : -pos.entryNtl;
    let closeQ = 0;
    let closedPnl = 0;
    let dir: string;
    if (start === 0 || (start > 0) === isBuy) {
      pos.entryNtl += ntl;
      dir = isBuy ? 'Open Long' : 'Open Short';
    } else {
      closeQ = Math.min(q, absStart);
      const closeNtl = px * closeQ;
      const removed = closeQ === absStart ? pos.entryNtl : mulDivRound(pos.entryNtl, closeQ, absStart);
      closedPnl = start > 0 ? closeNtl - removed : removed - closeNtl;
      pos.entryNtl -= removed;
      if (q > absStart) {
        pos.entryNtl = px * (q - absStart);
        dir = start > 0 ? 'Long > Short' : 'Short > Long';
      } else {
        dir = start > 0 ? 'Close Long' : 'Close Short';
      }
    }
    const end = start + (isBuy ? q : -q);
    pos.szi = end;
    m.openInterestLots += Math.max(end, 0) - Math.max(start, 0);
    const fee = feeOf(ntl, crossed ? m.takerRateE8 : m.makerRateE8);
    if (pos.isolated) this.isolatedCash(acct, ch, m, pos, isBuy, px, q, closeQ, absStart, signedEntryBefore, fee);
    else ch.rawUsdMicro += (isBuy ? -ntl : ntl) - fee;
    pos.realizedMicro += closedPnl;
    acct.realizedMicro += closedPnl;
    acct.feesMicro += fee;
    this.feesMicro += fee;
    if (end === 0) ch.positions.delete(m);
    const fill: WireFill = {
      coin: m.coin,
      px: formatScaled(px, m.pxDecimals),
      sz: formatScaled(q, m.szDecimals),
      side: isBuy ? 'B' : 'A',
      time: this.time,
      startPosition: formatScaled(start, m.szDecimals),
      dir,
      closedPnl: formatMicro(closedPnl),
      hash,
      oid: order.oid,
      crossed,
      fee: formatMicro(fee),
      tid,
      feeToken: 'USDC',
      twapId: null,
    };
    if (order.cloid !== undefined) fill.cloid = order.cloid;
    const fills = acct.fills;
    fills.push(fill);
    if (fills.length > FILLS_KEPT + 1000) fills.splice(0, fills.length - FILLS_KEPT);
    if (this.listeners.length === 0) return;
    let pending = this.pendingFills.get(acct.address);
    if (pending === undefined) {
      pending = [];
      this.pendingFills.set(acct.address, pending);
    }
    pending.push(fill);
  }

  /**
   * Cash of one fill on an isolated position, moved exactly between the cross balance and the position's
   * own rawUsd (so Σ cash is what the fill alone changes it by, as for cross):
   * - the closing part (with the whole fee): the position keeps the share of its equity-at-entry
   *   (rawUsd + signed entry notional) of the size that stays open; the rest — the closed part's margin,
   *   its realised PnL, the fee — goes back to the cross balance. Closing it all releases everything.
   * - the opening part: its margin, notional / leverage (rounded up to the micro-USDC), moves in from the
   *   cross balance, then the fill's notional flows through the position's rawUsd.
   */
  private isolatedCash(
    acct: Account,
    ch: Clearinghouse,
    m: Market,
    pos: Position,
    isBuy: boolean,
    px: number,
    q: number,
    closeQ: number,
    absStart: number,
    signedEntryBefore: number,
    fee: number,
  ): void {
    let raw = pos.isoRawMicro;
    if (closeQ > 0) {
      const left = absStart - closeQ;
      const equityKept = left === 0 ? 0 : mulDivRoundSigned(raw + signedEntryBefore, left, absStart);
      // entry notional still open after a partial close (pos.entryNtl is already reduced; a flip has left = 0)
      const signedEntryLeft = left === 0 ? 0 : signedEntryBefore > 0 ? pos.entryNtl : -pos.entryNtl;
      const target = equityKept - signedEntryLeft;
      const closeNtl = px * closeQ;
      ch.rawUsdMicro += raw + (isBuy ? -closeNtl : closeNtl) - fee - target;
      raw = target;
    }
    const openQ = q - closeQ;
    if (openQ > 0) {
      const openNtl = px * openQ;
      const lev = this.leverageOf(acct, m);
      const margin = Math.ceil(openNtl / lev);
      ch.rawUsdMicro -= margin;
      raw += margin + (isBuy ? -openNtl : openNtl) - (closeQ > 0 ? 0 : fee);
    }
    pos.isoRawMicro = raw;
  }

  /** Resting reduce-only orders shrink with the position and are cancelled when it closes or flips (measured). */
  private fixReduceOnly(acct: Account, m: Market): void {
    const pos = acct.chs[m.dexIndex].positions.get(m);
    const szi = pos === undefined ? 0 : pos.szi;
    for (const o of acct.openOrders.values()) {
      if (!o.reduceOnly || o.market !== m) continue;
      const opposite = o.isBuy ? szi < 0 : szi > 0;
      if (!opposite) {
        this.cancelOrder(acct, o, 'reduceOnlyCanceled');
        continue;
      }
      const abs = szi < 0 ? -szi : szi;
      if (o.sz > abs) {
        const side = o.isBuy ? m.book.bids : m.book.asks;
        side.shrink(o, o.sz - abs);
        this.dirty.add(m);
      }
    }
  }

  private cancelOrder(acct: Account, o: SimOrder, status: string): void {
    if (!o.live) return;
    const side = o.isBuy ? o.market.book.bids : o.market.book.asks;
    side.remove(o);
    this.dirty.add(o.market);
    this.closeOpen(acct, o, status);
  }

  /** Bookkeeping when an open order leaves the book (filled or cancelled). */
  private closeOpen(acct: Account, o: SimOrder, status: string): void {
    acct.openOrders.delete(o.oid);
    if (o.reduceOnly) acct.reduceOnlyOpen--;
    const ch = acct.chs[o.market.dexIndex];
    ch.orderMargin -= o.reservedMargin;
    o.reservedMargin = 0;
    ch.openOrders--;
    if (ch.openOrders === 0) ch.orderMargin = 0; // drop float residue
    this.finish(o, status);
    this.pushUpdate(acct.address, o);
  }

  private finish(o: SimOrder, status: string): void {
    o.status = status;
    o.statusTimestamp = this.time;
    this.finished.push(o.oid);
    this.evictFinished();
  }

  private evictFinished(): void {
    const live = this.finished.length - this.finishedHead;
    if (live <= FINISHED_ORDERS_KEPT) return;
    const oid = this.finished[this.finishedHead++];
    const o = this.orders.get(oid);
    if (o !== undefined && !o.live) {
      this.orders.delete(oid);
      const acct = this.accounts.get(o.user);
      if (o.cloid !== undefined && acct?.byCloid.get(o.cloid) === o) acct.byCloid.delete(o.cloid);
    }
    if (this.finishedHead > 65536) {
      this.finished.splice(0, this.finishedHead);
      this.finishedHead = 0;
    }
  }

  private pushUpdate(user: string, o: SimOrder): void {
    if (this.listeners.length === 0) return;
    let list = this.pendingUpdates.get(user);
    if (list === undefined) {
      list = [];
      this.pendingUpdates.set(user, list);
    }
    list.push({ order: basicOrder(o), status: o.status, statusTimestamp: o.statusTimestamp });
  }

  /**
   * What new margin can come from: the cross balance (cross account value − cross margin used − margin of
   * open orders). Isolated positions hold their own margin and neither add to nor draw on it.
   */
  private availableMargin(acct: Account, ch: Clearinghouse): number {
    let value = ch.rawUsdMicro / 1e6;
    let used = 0;
    for (const [m, p] of ch.positions) {
      if (p.isolated) continue;
      const szi = p.szi / pow10(m.szDecimals);
      value += szi * m.markPx;
      used += (Math.abs(szi) * m.markPx) / this.leverageOf(acct, m);
    }
    return value - used - ch.orderMargin;
  }

  /** The account's margin mode for a market: isolated-only markets always, others when it chose so. */
  private isIsolated(acct: Account, m: Market): boolean {
    return m.def.onlyIsolated === true || acct.isolatedMode.has(m);
  }

  private leverageOf(acct: Account, m: Market): number {
    return acct.leverage.get(m) ?? Math.min(DEFAULT_LEVERAGE, m.maxLeverage);
  }

  /** Median of best bid, best ask and last trade (those that exist), in USDC. */
  private localMark(m: Market): number | undefined {
    const b = m.book.bids.best();
    const a = m.book.asks.best();
    const scale = pow10(m.pxDecimals);
    const t = m.lastTradePx;
    if (b !== undefined && a !== undefined) {
      if (t === 0) return (b.px + a.px) / 2 / scale;
      return Math.max(Math.min(b.px, a.px), Math.min(Math.max(b.px, a.px), t)) / scale; // median of three
    }
    const one = b ?? a;
    if (one === undefined) return t === 0 ? undefined : t / scale;
    return t === 0 ? one.px / scale : (one.px + t) / 2 / scale;
  }

  private roundPx(m: Market, px: number): number {
    const units = roundPriceUnits(px, m.szDecimals);
    return units > 0 ? units / pow10(m.pxDecimals) : px;
  }

  private nextHash(): string {
    // Deterministic 32-byte transaction hash per action/order (the venue's is the L1 tx hash).
    this.txSeq++;
    return `0x${(0x5157000000000000n + BigInt(this.txSeq)).toString(16).padStart(64, '0')}`;
  }

  private account(address: string): Account {
    let acct = this.accounts.get(address);
    if (acct === undefined) {
      acct = {
        address,
        chs: this.dexes.map(() => ({ depositsMicro: 0, rawUsdMicro: 0, positions: new Map(), orderMargin: 0, openOrders: 0 })),
        openOrders: new Map(),
        byCloid: new Map(),
        reduceOnlyOpen: 0,
        fills: [],
        leverage: new Map(),
        isolatedMode: new Set(),
        volumeMicro: 0,
        realizedMicro: 0,
        feesMicro: 0,
        scheduledCancel: undefined,
        everFunded: false,
      };
      this.accounts.set(address, acct);
    }
    return acct;
  }

  // ───────────────────────────── call framing and events ─────────────────────────────

  /** Start of every entry point: read the clock once and run due scheduled cancels. */
  private begin(): void {
    this.time = this.nowFn();
    if (this.armedSchedules === 0) return;
    for (const acct of this.accounts.values()) {
      if (acct.scheduledCancel !== undefined && this.time >= acct.scheduledCancel) {
        this.setSchedule(acct, undefined);
        for (const o of [...acct.openOrders.values()]) this.cancelOrder(acct, o, 'scheduledCancel');
      }
    }
  }

  /** One entry point's work between begin and flush, flushed even when it throws. */
  private atomically<T>(work: () => T): T {
    this.begin();
    try {
      return work();
    } finally {
      this.flush();
    }
  }

  /** End of every entry point: publish the events the call produced, in venue order. */
  private flush(): void {
    if (this.listeners.length === 0) {
      this.pendingFills.clear();
      this.pendingTrades.clear();
      this.pendingUpdates.clear();
      this.dirty.clear();
      this.ctxDirty.clear();
      return;
    }
    const q = this.outbox;
    for (const [user, data] of this.pendingUpdates) q.push({ kind: 'orderUpdates', user, data });
    this.pendingUpdates.clear();
    for (const [user, fills] of this.pendingFills) {
      q.push({ kind: 'userFills', user, data: { user, fills } });
      q.push({ kind: 'user', user, data: { fills } });
    }
    this.pendingFills.clear();
    for (const [m, data] of this.pendingTrades) q.push({ kind: 'trades', coin: m.coin, data });
    this.pendingTrades.clear();
    for (const m of this.dirty) {
      const b = m.book.bids.best();
      const a = m.book.asks.best();
      const lb = m.lastBbo;
      const bp = b?.px ?? 0;
      const bs = b?.total ?? 0;
      const bn = b?.count ?? 0;
      const ap = a?.px ?? 0;
      const as = a?.total ?? 0;
      const an = a?.count ?? 0;
      if (lb[0] !== bp || lb[1] !== bs || lb[2] !== bn || lb[3] !== ap || lb[4] !== as || lb[5] !== an) {
        lb[0] = bp;
        lb[1] = bs;
        lb[2] = bn;
        lb[3] = ap;
        lb[4] = as;
        lb[5] = an;
        q.push({ kind: 'bbo', coin: m.coin, data: { coin: m.coin, time: this.time, bbo: [levelWire(m, b), levelWire(m, a)] } });
      }
      q.push({ kind: 'l2Book', coin: m.coin, data: this.l2Of(m, this.time) });
    }
    this.dirty.clear();
    for (const m of this.ctxDirty) q.push({ kind: 'activeAssetCtx', coin: m.coin, data: { coin: m.coin, ctx: this.ctxOf(m) } });
    this.ctxDirty.clear();
    // A listener may call back into the exchange; its events queue behind ours so every subscriber sees
    // events in the order the state changed.
    if (this.emitting) return;
    this.emitting = true;
    try {
      for (let i = 0; i < q.length; i++) {
        const e = q[i];
        const ls = this.listeners;
        if (ls.length === 1) ls[0](e);
        else for (const l of ls.slice()) l(e);
      }
    } finally {
      q.length = 0;
      this.emitting = false;
    }
  }

  private l2Of(m: Market, time: number): L2BookData {
    const bids = m.book.bids.topLevels(L2_DEPTH).map((l) => levelWire(m, l) as WireLevel);
    const asks = m.book.asks.topLevels(L2_DEPTH).map((l) => levelWire(m, l) as WireLevel);
    return { coin: m.coin, time, levels: [bids, asks] };
  }

  private ctxOf(m: Market): PerpAssetCtx {
    const mid = midOf(m);
    const b = m.book.bids.best();
    const a = m.book.asks.best();
    const impact: [string, string] | null =
      b !== undefined && a !== undefined ? [formatScaled(b.px, m.pxDecimals), formatScaled(a.px, m.pxDecimals)] : null;
    return {
      funding: '0.0',
      openInterest: formatScaled(m.openInterestLots, m.szDecimals),
      prevDayPx: formatFloat(m.prevDayPx, m.pxDecimals),
      dayNtlVlm: formatMicroBig(BigInt(m.dayNtlVlmMicro)),
      premium: mid === undefined ? null : formatFloat((mid - m.oraclePx) / m.oraclePx, 10),
      oraclePx: formatFloat(m.oraclePx, m.pxDecimals),
      markPx: formatFloat(m.markPx, m.pxDecimals),
      midPx: mid === undefined ? null : formatFloat(mid, m.pxDecimals + 1),
      impactPxs: impact,
      dayBaseVlm: formatScaled(m.dayBaseVlmLots, m.szDecimals),
    };
  }
}

// ───────────────────────────── helpers ─────────────────────────────

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function ok(response: unknown): SimHttpResult {
  return { httpStatus: 200, body: { status: 'ok', response } };
}

function okDefault(): SimHttpResult {
  return ok({ type: 'default' });
}

function okInfo(body: unknown): SimHttpResult {
  return { httpStatus: 200, body };
}

function topError(message: string): SimHttpResult {
  return { httpStatus: 200, body: { status: 'err', response: message } };
}

/** The venue answers a body it cannot deserialise with HTTP 422 and this plain-text message. */
function deserializeError(): SimHttpResult {
  return { httpStatus: 422, body: err.deserialize() };
}

function levelWire(m: Market, l: Level | undefined): WireLevel | null {
  if (l === undefined) return null;
  if (l.pxStr === '') l.pxStr = formatScaled(l.px, m.pxDecimals);
  if (l.szFor !== l.total) {
    l.szStr = formatScaled(l.total, m.szDecimals);
    l.szFor = l.total;
  }
  return { px: l.pxStr, sz: l.szStr, n: l.count };
}

function midOf(m: Market): number | undefined {
  const b = m.book.bids.best();
  const a = m.book.asks.best();
  if (b === undefined || a === undefined) return undefined;
  return (b.px + a.px) / 2 / pow10(m.pxDecimals);
}

function clampStep(next: number, prev: number): number {
  const hi = prev * (1 + ORACLE_MAX_STEP);
  const lo = prev * (1 - ORACLE_MAX_STEP);
  return Math.min(hi, Math.max(lo, next));
}

/** Cash of a clearinghouse in micro-USDC: the cross balance plus every isolated position's own rawUsd. */
function cashOf(ch: Clearinghouse): number {
  let cash = ch.rawUsdMicro;
  for (const p of ch.positions.values()) cash += p.isoRawMicro;
  return cash;
}

/** Account value at mark (USDC), cross and isolated: Σ cash + Σ szi × mark. */
function accountValueOf(ch: Clearinghouse): number {
  let v = cashOf(ch) / 1e6;
  for (const [m, p] of ch.positions) v += (p.szi / pow10(m.szDecimals)) * m.markPx;
  return v;
}

function positionView(m: Market, p: Position): SimPositionView {
  const abs = Math.abs(p.szi);
  return {
    coin: m.coin,
    szi: p.szi / pow10(m.szDecimals),
    sziStr: formatScaled(p.szi, m.szDecimals),
    entryPx: abs === 0 ? null : formatFloat(p.entryNtl / abs / pow10(m.pxDecimals), m.pxDecimals + 4),
    realizedPnl: formatMicro(p.realizedMicro),
  };
}

function basicOrder(o: SimOrder): WireBasicOrder {
  const m = o.market;
  const out: WireBasicOrder = {
    coin: m.coin,
    side: o.isBuy ? 'B' : 'A',
    limitPx: formatScaled(o.px, m.pxDecimals),
    sz: formatScaled(o.sz, m.szDecimals),
    oid: o.oid,
    timestamp: o.timestamp,
    origSz: formatScaled(o.origSz, m.szDecimals),
  };
  if (o.cloid !== undefined) out.cloid = o.cloid;
  if (o.reduceOnly) out.reduceOnly = true;
  return out;
}

function frontendOrder(o: SimOrder): Record<string, unknown> {
  const b = basicOrder(o);
  return {
    ...b,
    triggerCondition: 'N/A',
    isTrigger: false,
    triggerPx: '0.0',
    children: [],
    isPositionTpsl: false,
    reduceOnly: o.reduceOnly,
    orderType: 'Limit',
    tif: o.tif,
    cloid: o.cloid ?? null,
  };
}

/** Fee in micro-USDC: notional × rate (1e-8 units), truncated toward zero (fixture: 66.653 × 1.5 bp → "0.009997"). */
function feeOf(ntl: number, rateE8: number): number {
  const p = ntl * rateE8;
  if (Number.isSafeInteger(p)) {
    let q = Math.trunc(p / 1e8);
    if (p >= 0) {
      while (q * 1e8 > p) q--;
      while ((q + 1) * 1e8 <= p) q++;
    } else {
      while (q * 1e8 < p) q++;
      while ((q - 1) * 1e8 >= p) q--;
    }
    return q;
  }
  return Number((BigInt(ntl) * BigInt(rateE8)) / 100000000n);
}

/** round(a × b / c) for non-negative integers, exact. */
function mulDivRound(a: number, b: number, c: number): number {
  const p = a * b;
  if (Number.isSafeInteger(p)) {
    const q = Math.floor(p / c);
    const r = p - q * c;
    return 2 * r >= c ? q + 1 : q;
  }
  const big = BigInt(a) * BigInt(b);
  const C = BigInt(c);
  const q = big / C;
  return Number(2n * (big - q * C) >= C ? q + 1n : q);
}

/** round(a × b / c) for an integer a of either sign and non-negative integers b, c (half away from zero). */
function mulDivRoundSigned(a: number, b: number, c: number): number {
  return a < 0 ? -mulDivRound(-a, b, c) : mulDivRound(a, b, c);
}

function deterministicAddress(seed: string): string {
  let h = 0x811c9dc5;
  let out = '';
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619) >>> 0;
    h = Math.imul(h ^ round, 16777619) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return `0x${out}`;
}
