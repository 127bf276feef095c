// L1 action builders. The venue hashes the msgpack encoding of the action, and msgpack keeps map keys in
// insertion order, so every builder returns a plain object literal whose keys are written in the venue's
// order (protocol doc §2.1, §2.2). Optional fields are left out, never set to undefined or null (a nil key
// changes the hash). Builders validate their input and throw ActionError; the signer then signs exactly
// what it is given. They are on the hot path (frame → order): no copies beyond the literal, no regex
// beyond one test per string field.
import { isSpotAssetId } from './assets.ts';
import { ActionError } from './errors.ts';
import { isValidPrice, isValidSize } from './format.ts';

export type Tif = 'Alo' | 'Ioc' | 'Gtc';
/** A client order id: "0x" + 32 lowercase hex digits (16 bytes). */
export type Cloid = `0x${string}`;
export type Tpsl = 'tp' | 'sl';

export interface LimitOrderType {
  limit: { tif: Tif };
}
export interface TriggerOrderType {
  trigger: { isMarket: boolean; triggerPx: string; tpsl: Tpsl };
}
export type OrderTypeWire = LimitOrderType | TriggerOrderType;

/** One order on the wire, keys in hash order a, b, p, s, r, t, c. */
export interface OrderWire {
  a: number;
  b: boolean;
  p: string;
  s: string;
  r: boolean;
  t: OrderTypeWire;
  c?: Cloid;
}

/** 'na' for plain orders; TP/SL groupings; `{ p }` = priority fee rate p/1e8 (newer venue feature). */
export type OrderGrouping = 'na' | 'normalTpsl' | 'positionTpsl' | { p: number };

/** Builder fee: `b` lowercase address, `f` in tenths of a basis point (10 = 1 bp). */
export interface BuilderFee {
  b: string;
  f: number;
}

export interface OrderAction {
  type: 'order';
  orders: OrderWire[];
  grouping: OrderGrouping;
  builder?: BuilderFee;
}
export interface CancelWire {
  a: number;
  o: number;
}
export interface CancelAction {
  type: 'cancel';
  cancels: CancelWire[];
}
export interface CancelByCloidWire {
  asset: number;
  cloid: Cloid;
}
export interface CancelByCloidAction {
  type: 'cancelByCloid';
  cancels: CancelByCloidWire[];
}
export interface ScheduleCancelAction {
  type: 'scheduleCancel';
  time?: number;
}
export interface UpdateLeverageAction {
  type: 'updateLeverage';
  asset: number;
  isCross: boolean;
  leverage: number;
}
export interface UpdateIsolatedMarginAction {
  type: 'updateIsolatedMargin';
  asset: number;
  isBuy: boolean;
  ntli: number;
}
export interface ModifyAction {
  type: 'modify';
  oid: number | Cloid;
  order: OrderWire;
}
export interface BatchModifyAction {
  type: 'batchModify';
  modifies: { oid: number | Cloid; order: OrderWire }[];
}
export interface NoopAction {
  type: 'noop';
}

/** Every L1 (phantom-agent signed) action this module builds. */
export type L1Action =
  | OrderAction
  | CancelAction
  | CancelByCloidAction
  | ScheduleCancelAction
  | UpdateLeverageAction
  | UpdateIsolatedMarginAction
  | ModifyAction
  | BatchModifyAction
  | NoopAction;

// A positive decimal in the exact form the venue re-serialises (and hashes): no sign, exponent,
// leading zeros or trailing fractional zeros; "0" excluded.
const POSITIVE_CANONICAL = /^(?:[1-9]\d*(?:\.\d*[1-9])?|0\.\d*[1-9])$/;
const CLOID_LOWER = /^0x[0-9a-f]{32}$/;
const CLOID_ANY_CASE = /^0x[0-9a-fA-F]{32}$/;
const ADDRESS_ANY_CASE = /^0x[0-9a-fA-F]{40}$/;

function checkAsset(asset: number, what = 'asset'): void {
  if (!Number.isSafeInteger(asset) || asset < 0) throw new ActionError('bad_asset', `${what} ${asset} is not a non-negative integer`);
}

function checkPositiveDecimal(s: string, code: 'bad_price' | 'bad_size', what: string): void {
  if (typeof s !== 'string' || !POSITIVE_CANONICAL.test(s)) {
    throw new ActionError(code, `${what} ${JSON.stringify(s)} is not a positive canonical decimal string (use formatPrice/formatSize)`);
  }
}

/** Lowercases a cloid of either case; throws ActionError if it is not "0x" + 32 hex digits. */
export function normalizeCloid(cloid: string): Cloid {
  if (typeof cloid === 'string') {
    if (CLOID_LOWER.test(cloid)) return cloid as Cloid;
    if (CLOID_ANY_CASE.test(cloid)) return cloid.toLowerCase() as Cloid;
  }
  throw new ActionError('bad_cloid', `cloid ${JSON.stringify(cloid)} is not 0x + 32 hex digits`);
}

/** True for a cloid in wire form: "0x" + 32 lowercase hex digits. */
export function isCloid(s: unknown): s is Cloid {
  return typeof s === 'string' && CLOID_LOWER.test(s);
}

const TWO_POW_128 = 1n << 128n;

/** Python `Cloid.from_int`: the integer as "0x" + 32 zero-padded lowercase hex digits. */
export function cloidFromInt(n: number | bigint): Cloid {
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new ActionError('bad_cloid', `cloid int ${n} is not a safe integer`);
  const v = BigInt(n);
  if (v < 0n || v >= TWO_POW_128) throw new ActionError('bad_cloid', `cloid int ${n} is outside [0, 2^128)`);
  return `0x${v.toString(16).padStart(32, '0')}`;
}

/** The integer value of a cloid. */
export function cloidToBigInt(cloid: Cloid): bigint {
  return BigInt(normalizeCloid(cloid));
}

export interface OrderWireInput {
  asset: number;
  isBuy: boolean;
  /** Limit price, already formatted (formatPrice). For market triggers, the slippage bound. */
  px: string;
  /** Size, already formatted (formatSize). */
  sz: string;
  reduceOnly: boolean;
  /** Limit order time in force. Exactly one of tif / trigger. */
  tif?: Tif;
  trigger?: { isMarket: boolean; triggerPx: string; tpsl: Tpsl };
  cloid?: string;
  /**
   * The market's szDecimals. When given, px (and triggerPx) must also be on the venue's price grid and sz
   * on the lot grid (isValidPrice / isValidSize, spot or perp rules by asset id), so an unrounded number
   * can never reach the wire (reference incident: a 28-digit size was once sent).
   */
  szDecimals?: number;
}

function checkGrid(o: OrderWireInput, szDecimals: number): void {
  const kind = isSpotAssetId(o.asset) ? 'spot' : 'perp';
  if (!isValidPrice(o.px, szDecimals, kind)) throw new ActionError('bad_price', `px ${o.px} is not on the ${kind} price grid for szDecimals ${szDecimals}`);
  if (o.trigger !== undefined && !isValidPrice(o.trigger.triggerPx, szDecimals, kind)) {
    throw new ActionError('bad_price', `triggerPx ${o.trigger.triggerPx} is not on the ${kind} price grid for szDecimals ${szDecimals}`);
  }
  if (!isValidSize(o.sz, szDecimals)) throw new ActionError('bad_size', `sz ${o.sz} has more than ${szDecimals} decimals`);
}

/** Builds one order wire object {a,b,p,s,r,t,c?} after validating every field. */
export function orderWire(o: OrderWireInput): OrderWire {
  checkAsset(o.asset);
  checkPositiveDecimal(o.px, 'bad_price', 'px');
  checkPositiveDecimal(o.sz, 'bad_size', 'sz');
  let t: OrderTypeWire;
  if (o.trigger !== undefined) {
    if (o.tif !== undefined) throw new ActionError('bad_order_type', 'an order has either tif (limit) or trigger, not both');
    const tr = o.trigger;
    checkPositiveDecimal(tr.triggerPx, 'bad_price', 'triggerPx');
    if (tr.tpsl !== 'tp' && tr.tpsl !== 'sl') throw new ActionError('bad_order_type', `tpsl ${JSON.stringify(tr.tpsl)} is not "tp" or "sl"`);
    t = { trigger: { isMarket: tr.isMarket === true, triggerPx: tr.triggerPx, tpsl: tr.tpsl } };
  } else {
    const tif = o.tif;
    if (tif !== 'Ioc' && tif !== 'Alo' && tif !== 'Gtc') throw new ActionError('bad_order_type', `tif ${JSON.stringify(tif)} is not Alo, Ioc or Gtc`);
    t = { limit: { tif } };
  }
  if (o.szDecimals !== undefined) checkGrid(o, o.szDecimals);
  const b = o.isBuy === true;
  const r = o.reduceOnly === true;
  if (o.cloid === undefined) return { a: o.asset, b, p: o.px, s: o.sz, r, t };
  return { a: o.asset, b, p: o.px, s: o.sz, r, t, c: normalizeCloid(o.cloid) };
}

/** {type:'order', orders, grouping, builder?}; builder address is lowercased, fee validated (≤ 1000). */
export function orderAction(orders: OrderWire[], grouping: OrderGrouping = 'na', builder?: BuilderFee): OrderAction {
  if (!Array.isArray(orders) || orders.length === 0) throw new ActionError('bad_order_type', 'an order action needs at least one order');
  if (grouping !== 'na' && grouping !== 'normalTpsl' && grouping !== 'positionTpsl') {
    const p = typeof grouping === 'object' && grouping !== null ? grouping.p : Number.NaN;
    if (!Number.isSafeInteger(p) || p < 0 || p > 100_000_000) throw new ActionError('bad_order_type', `grouping ${JSON.stringify(grouping)} is not valid`);
    grouping = { p };
  }
  if (builder === undefined) return { type: 'order', orders, grouping };
  return { type: 'order', orders, grouping, builder: builderFee(builder.b, builder.f) };
}

/** A builder-fee object {b: lowercase address, f: tenths of a bp}. */
export function builderFee(address: string, feeTenthsBp: number): BuilderFee {
  if (typeof address !== 'string' || !ADDRESS_ANY_CASE.test(address)) throw new ActionError('bad_address', `builder ${JSON.stringify(address)} is not a 0x address`);
  if (!Number.isSafeInteger(feeTenthsBp) || feeTenthsBp < 0 || feeTenthsBp > 1000) {
    throw new ActionError('bad_fee', `builder fee ${feeTenthsBp} is not an integer in [0, 1000] tenths of a bp`);
  }
  return { b: address.toLowerCase(), f: feeTenthsBp };
}

function checkOid(o: number): void {
  if (!Number.isSafeInteger(o) || o < 0) throw new ActionError('bad_oid', `oid ${o} is not a non-negative integer`);
}

/** {type:'cancel', cancels:[{a,o}]} (rebuilt so extra keys never reach the hash). */
export function cancelAction(cancels: readonly CancelWire[]): CancelAction {
  if (cancels.length === 0) throw new ActionError('bad_oid', 'a cancel action needs at least one cancel');
  const out: CancelWire[] = new Array(cancels.length);
  for (let i = 0; i < cancels.length; i++) {
    const c = cancels[i] as CancelWire;
    checkAsset(c.a);
    checkOid(c.o);
    out[i] = { a: c.a, o: c.o };
  }
  return { type: 'cancel', cancels: out };
}

/** {type:'cancelByCloid', cancels:[{asset,cloid}]} — note the long key names, unlike cancel. */
export function cancelByCloidAction(cancels: readonly { asset: number; cloid: string }[]): CancelByCloidAction {
  if (cancels.length === 0) throw new ActionError('bad_cloid', 'a cancelByCloid action needs at least one cancel');
  const out: CancelByCloidWire[] = new Array(cancels.length);
  for (let i = 0; i < cancels.length; i++) {
    const c = cancels[i] as { asset: number; cloid: string };
    checkAsset(c.asset);
    out[i] = { asset: c.asset, cloid: normalizeCloid(c.cloid) };
  }
  return { type: 'cancelByCloid', cancels: out };
}

/**
 * Dead-man's switch: cancel all orders at `time` (ms; the venue wants ≥ 5 s ahead, ≤ 10 triggers a day).
 * Without `time` it unsets the schedule (the key is then absent, not null).
 */
export function scheduleCancelAction(time?: number): ScheduleCancelAction {
  if (time === undefined) return { type: 'scheduleCancel' };
  if (!Number.isSafeInteger(time) || time <= 0) throw new ActionError('bad_time', `scheduleCancel time ${time} is not a positive integer (ms)`);
  return { type: 'scheduleCancel', time };
}

/** {type:'updateLeverage', asset, isCross, leverage}; leverage is an integer ≥ 1. */
export function updateLeverageAction(asset: number, isCross: boolean, leverage: number): UpdateLeverageAction {
  checkAsset(asset);
  if (!Number.isSafeInteger(leverage) || leverage < 1) throw new ActionError('bad_leverage', `leverage ${leverage} is not an integer ≥ 1`);
  return { type: 'updateLeverage', asset, isCross: isCross === true, leverage };
}

/** {type:'updateIsolatedMargin', asset, isBuy, ntli}; ntli = USD × 1e6 (floatToUsdInt), signed. */
export function updateIsolatedMarginAction(asset: number, isBuy: boolean, ntli: number): UpdateIsolatedMarginAction {
  checkAsset(asset);
  if (!Number.isSafeInteger(ntli)) throw new ActionError('bad_size', `ntli ${ntli} is not an integer (USD × 1e6)`);
  return { type: 'updateIsolatedMargin', asset, isBuy: isBuy === true, ntli };
}

function checkModifyOid(oid: number | string): number | Cloid {
  if (typeof oid === 'number') {
    checkOid(oid);
    return oid;
  }
  return normalizeCloid(oid);
}

/** {type:'modify', oid, order}; oid is an order id or a cloid. */
export function modifyAction(oid: number | string, order: OrderWire): ModifyAction {
  return { type: 'modify', oid: checkModifyOid(oid), order };
}

/** {type:'batchModify', modifies:[{oid, order}]}. */
export function batchModifyAction(modifies: readonly { oid: number | string; order: OrderWire }[]): BatchModifyAction {
  if (modifies.length === 0) throw new ActionError('bad_oid', 'a batchModify action needs at least one modify');
  return { type: 'batchModify', modifies: modifies.map((m) => ({ oid: checkModifyOid(m.oid), order: m.order })) };
}

/** {type:'noop'}: consumes a nonce, changes nothing. */
export function noopAction(): NoopAction {
  return { type: 'noop' };
}

const HEX_PREFIX = /^(?:0x)?((?:[0-9a-fA-F]{2})*)$/;

/**
 * Fast cloid source: 16 bytes = fixed prefix bytes (so our orders are recognisable in fills and open
 * orders) + a big-endian counter in the remaining bytes. `start` should differ between runs (the default
 * is the wall clock in µs, so a restart never repeats a recent cloid); tests pass it explicitly.
 */
export class CloidGenerator {
  readonly prefix: string; // lowercase hex without 0x
  private readonly head: string; // "0x" + prefix
  private readonly width: number; // hex digits of the counter
  private readonly limit: number; // exclusive upper bound of the counter
  private counter: number;

  constructor(options: { prefix?: string; start?: number } = {}) {
    const m = HEX_PREFIX.exec(options.prefix ?? '');
    if (m === null) throw new ActionError('bad_cloid', `cloid prefix ${JSON.stringify(options.prefix)} is not whole hex bytes`);
    const prefix = (m[1] as string).toLowerCase();
    if (prefix.length > 24) throw new ActionError('bad_cloid', 'cloid prefix is longer than 12 bytes (the counter needs ≥ 4)');
    this.prefix = prefix;
    this.head = `0x${prefix}`;
    this.width = 32 - prefix.length;
    this.limit = this.width >= 14 ? Number.MAX_SAFE_INTEGER : 16 ** this.width;
    const start = options.start ?? Date.now() * 1000;
    if (!Number.isSafeInteger(start) || start < 0) throw new ActionError('bad_cloid', `cloid counter start ${start} is not a non-negative integer`);
    this.counter = start % this.limit;
  }

  /** The next cloid (wraps around at the counter width, which takes ≥ 2^32 orders). */
  next(): Cloid {
    const n = this.counter;
    this.counter = n + 1 >= this.limit ? 0 : n + 1;
    return `${this.head}${n.toString(16).padStart(this.width, '0')}` as Cloid;
  }

  /** True when `cloid` carries this generator's prefix (i.e. the order is ours). */
  owns(cloid: string | null | undefined): boolean {
    return typeof cloid === 'string' && cloid.length === 34 && cloid.toLowerCase().startsWith(this.head);
  }
}
