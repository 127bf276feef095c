// Parsers for everything the venue sends: WebSocket frames, post responses, /exchange and /info replies.
// Contract: a parser never throws; it returns a fully checked value or a WireParseError (typed code and
// the path of the first problem). Checked values are the parsed JSON itself, typed (no copies).
//
// Hot paths (bbo, activeAssetCtx) have dedicated `…Into(text, out)` parsers that fill a caller-owned
// reusable object with numbers (and the raw price strings) and return a numeric code, allocating nothing
// per frame in the common case. They first try a strict scanner for the venue's exact serialisation and
// fall back to JSON.parse + validation for anything else (other key order, whitespace, escapes), so the
// answer never depends on which path ran (tested).
import { WireParseError } from './errors.ts';
import {
  arr,
  bool,
  checkPerpAssetCtx,
  dec,
  fail,
  guard,
  int,
  isObj,
  nullableDec,
  type Obj,
  obj,
  optBool,
  optDec,
  optInt,
  optStr,
  str,
} from './validate.ts';
import {
  type ClearinghouseState,
  type ExchangeResponse,
  type FrontendOpenOrder,
  type KnownOrderStatus,
  type L2Book,
  type OpenOrder,
  type OrderStatusResponse,
  type PostResponse,
  type SpotAssetCtx,
  type UserFill,
  type UserRateLimit,
  WS_GREETING,
  type WsMessage,
  type WsOrderUpdate,
  type WsUserEvent,
} from './wire.ts';

// ───────────────────────────── decimals ─────────────────────────────

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * Parses the decimal text t[start, end) ("-"? digits ("." digits)?) to the nearest double, exactly like
 * Number(); NaN for anything else (empty, exponent, spaces, "1.", ".5", "0x1"). With ≤ 15 digits the
 * mantissa and the power of ten are exact doubles, so one division is correctly rounded; longer inputs
 * go through Number() after the same grammar check (and give NaN if that overflows to ±Infinity).
 */
export function decimalAt(t: string, start: number, end: number): number {
  let i = start;
  let neg = false;
  if (i < end && t.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < end; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0 && digits > 0) {
      frac = 0;
    } else {
      return Number.NaN;
    }
  }
  if (digits === 0 || frac === 0) return Number.NaN;
  if (digits > 15) return finiteOrNaN(Number(t.slice(start, end)));
  const v = frac > 0 ? m / (POW10[frac] as number) : m;
  return neg ? -v : v;
}

function finiteOrNaN(v: number): number {
  return Number.isFinite(v) ? v : Number.NaN;
}

/** Number value of a venue decimal string; NaN if it is not one. */
export function parseDecimal(s: string): number {
  return decimalAt(s, 0, s.length);
}

// ───────────────────────────── hot path: bbo ─────────────────────────────

/** Codes returned by the `…Into` parsers. */
export const PARSE_OK = 0;
export const PARSE_WRONG_CHANNEL = 1;
export const PARSE_NOT_JSON = 2;
export const PARSE_BAD_SHAPE = 3;
export type ParseCode = typeof PARSE_OK | typeof PARSE_WRONG_CHANNEL | typeof PARSE_NOT_JSON | typeof PARSE_BAD_SHAPE;

/** Reusable result of parseBboInto. A missing side has has* = false, NaN numbers and '' raw strings. */
export interface BboFrame {
  coin: string;
  time: number;
  hasBid: boolean;
  bidPx: number;
  bidSz: number;
  bidN: number;
  bidPxRaw: string;
  bidSzRaw: string;
  hasAsk: boolean;
  askPx: number;
  askSz: number;
  askN: number;
  askPxRaw: string;
  askSzRaw: string;
}

export function newBboFrame(): BboFrame {
  return {
    coin: '',
    time: 0,
    hasBid: false,
    bidPx: Number.NaN,
    bidSz: Number.NaN,
    bidN: 0,
    bidPxRaw: '',
    bidSzRaw: '',
    hasAsk: false,
    askPx: Number.NaN,
    askSz: Number.NaN,
    askN: 0,
    askPxRaw: '',
    askSzRaw: '',
  };
}

// Scanner state for one level (module scope: no allocation, single-threaded).
let lvPx = 0;
let lvSz = 0;
let lvN = 0;
let lvPxStart = 0;
let lvPxEnd = 0;
let lvSzStart = 0;
let lvSzEnd = 0;
let intValue = 0;

/** Reuses `prev` when t[start, end) spells the same text (the common case for coin names). */
function sliceOr(prev: string, t: string, start: number, end: number): string {
  return prev.length === end - start && t.startsWith(prev, start) ? prev : t.slice(start, end);
}

/** True when t[start, end) needs no unescaping and is legal inside a JSON string (no \\, no control chars). */
function isPlainJsonString(t: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = t.charCodeAt(i);
    if (c < 32 || c === 92) return false;
  }
  return true;
}

/** Scans a JSON non-negative integer at i (no leading zeros); returns the index after it or -1. */
function scanInt(t: string, i: number): number {
  const start = i;
  let v = 0;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
  }
  const n = i - start;
  if (n === 0 || n > 15 || (n > 1 && t.charCodeAt(start) === 48)) return -1;
  intValue = v;
  return i;
}

let scanEnd = 0;

/**
 * Parses a JSON string holding a decimal, starting just after its opening quote, in one pass (digits and
 * the closing quote together). Sets scanEnd after the closing quote; NaN (scanEnd = -1) on anything but a
 * plain decimal, e.g. an escape.
 */
function scanQuotedDecimal(t: string, start: number): number {
  let i = start;
  let neg = false;
  if (t.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (;;) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0 && digits > 0) {
      frac = 0;
    } else if (c === 34) {
      break;
    } else {
      scanEnd = -1; // includes NaN from reading past the end
      return Number.NaN;
    }
    i++;
  }
  if (digits === 0 || frac === 0) {
    scanEnd = -1;
    return Number.NaN;
  }
  scanEnd = i + 1;
  if (digits > 15) {
    const v = Number(t.slice(start, i));
    if (Number.isFinite(v)) return v;
    scanEnd = -1;
    return Number.NaN;
  }
  const v = frac > 0 ? m / (POW10[frac] as number) : m;
  return neg ? -v : v;
}

const LV_PX = '{"px":"';
const LV_SZ = ',"sz":"';
const LV_N = ',"n":';

/** Scans {"px":"…","sz":"…","n":N} at i into the lv* variables; returns the index after it or -1. */
function scanLevel(t: string, i: number): number {
  if (!t.startsWith(LV_PX, i)) return -1;
  lvPxStart = i + LV_PX.length;
  lvPx = scanQuotedDecimal(t, lvPxStart);
  if (scanEnd < 0) return -1;
  lvPxEnd = scanEnd - 1;
  if (!t.startsWith(LV_SZ, scanEnd)) return -1;
  lvSzStart = scanEnd + LV_SZ.length;
  lvSz = scanQuotedDecimal(t, lvSzStart);
  if (scanEnd < 0) return -1;
  lvSzEnd = scanEnd - 1;
  if (!t.startsWith(LV_N, scanEnd)) return -1;
  const j = scanInt(t, scanEnd + LV_N.length);
  if (j < 0 || t.charCodeAt(j) !== 125) return -1; // }
  lvN = intValue;
  return j + 1;
}

const BBO_HEAD = '{"channel":"bbo","data":{"coin":"';
const BBO_TIME = '","time":';
const BBO_LEVELS = ',"bbo":[';

/**
 * `head` (which ends with the coin's opening quote) then a plain coin name: the index of its closing quote,
 * or -1 when the text does not start that way.
 */
function scanHeadAndCoin(t: string, head: string): number {
  if (!t.startsWith(head)) return -1;
  const coinEnd = t.indexOf('"', head.length);
  if (coinEnd < 0 || coinEnd === head.length || !isPlainJsonString(t, head.length, coinEnd)) return -1;
  return coinEnd;
}

function setBid(out: BboFrame, px: number, sz: number, n: number, pxRaw: string, szRaw: string): void {
  out.hasBid = true;
  out.bidPx = px;
  out.bidSz = sz;
  out.bidN = n;
  out.bidPxRaw = pxRaw;
  out.bidSzRaw = szRaw;
}
function setAsk(out: BboFrame, px: number, sz: number, n: number, pxRaw: string, szRaw: string): void {
  out.hasAsk = true;
  out.askPx = px;
  out.askSz = sz;
  out.askN = n;
  out.askPxRaw = pxRaw;
  out.askSzRaw = szRaw;
}
function clearBid(out: BboFrame): void {
  out.hasBid = false;
  out.bidPx = Number.NaN;
  out.bidSz = Number.NaN;
  out.bidN = 0;
  out.bidPxRaw = '';
  out.bidSzRaw = '';
}
function clearAsk(out: BboFrame): void {
  out.hasAsk = false;
  out.askPx = Number.NaN;
  out.askSz = Number.NaN;
  out.askN = 0;
  out.askPxRaw = '';
  out.askSzRaw = '';
}

/**
 * The strict scanner alone (exported for tests and benchmarks). The venue's exact layout: {"channel":"bbo","data":{"coin":"…","time":N,"bbo":[L|null,L|null]}} with
 * L = {"px":"…","sz":"…","n":N}. Returns true when it filled `out`; false = not this layout, and `out`
 * is untouched.
 */
export function scanBboInto(t: string, out: BboFrame): boolean {
  const coinEnd = scanHeadAndCoin(t, BBO_HEAD);
  if (coinEnd < 0 || !t.startsWith(BBO_TIME, coinEnd)) return false;
  let i = scanInt(t, coinEnd + BBO_TIME.length);
  if (i < 0) return false;
  const time = intValue;
  if (!t.startsWith(BBO_LEVELS, i)) return false;
  i += BBO_LEVELS.length;
  // Everything is scanned into locals first: `out` is written only once the whole frame matched.
  let bid = false;
  let bidPx = 0;
  let bidSz = 0;
  let bidN = 0;
  let bPxS = 0;
  let bPxE = 0;
  let bSzS = 0;
  let bSzE = 0;
  if (t.startsWith('null', i)) {
    i += 4;
  } else {
    i = scanLevel(t, i);
    if (i < 0) return false;
    bid = true;
    bidPx = lvPx;
    bidSz = lvSz;
    bidN = lvN;
    bPxS = lvPxStart;
    bPxE = lvPxEnd;
    bSzS = lvSzStart;
    bSzE = lvSzEnd;
  }
  if (t.charCodeAt(i) !== 44) return false; // ,
  i++;
  let ask = false;
  if (t.startsWith('null', i)) {
    i += 4;
  } else {
    i = scanLevel(t, i);
    if (i < 0) return false;
    ask = true;
  }
  if (i + 3 !== t.length || !t.endsWith(']}}')) return false;
  if (bid) setBid(out, bidPx, bidSz, bidN, sliceOr(out.bidPxRaw, t, bPxS, bPxE), sliceOr(out.bidSzRaw, t, bSzS, bSzE));
  else clearBid(out);
  if (ask) setAsk(out, lvPx, lvSz, lvN, sliceOr(out.askPxRaw, t, lvPxStart, lvPxEnd), sliceOr(out.askSzRaw, t, lvSzStart, lvSzEnd));
  else clearAsk(out);
  out.coin = sliceOr(out.coin, t, BBO_HEAD.length, coinEnd);
  out.time = time;
  return true;
}

function fillLevelFromJson(x: unknown): boolean {
  if (!isObj(x)) return false;
  const px = x.px;
  const sz = x.sz;
  const n = x.n;
  if (typeof px !== 'string' || typeof sz !== 'string' || typeof n !== 'number' || !Number.isSafeInteger(n)) return false;
  lvPx = parseDecimal(px);
  lvSz = parseDecimal(sz);
  if (Number.isNaN(lvPx) || Number.isNaN(lvSz)) return false;
  lvN = n;
  return true;
}

/** JSON.parse of a frame expected on `channel`: its `data` object, or the code saying why not. */
function jsonFrameData(text: string, channel: string): Obj | ParseCode {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return PARSE_NOT_JSON;
  }
  if (!isObj(msg)) return PARSE_BAD_SHAPE;
  if (msg.channel !== channel) return PARSE_WRONG_CHANNEL;
  const data = msg.data;
  return isObj(data) ? data : PARSE_BAD_SHAPE;
}

/** JSON.parse + validation path of parseBboInto (also used alone to benchmark the alternative). */
export function parseBboIntoViaJson(text: string, out: BboFrame): ParseCode {
  const data = jsonFrameData(text, 'bbo');
  if (typeof data === 'number') return data;
  const coin = data.coin;
  const time = data.time;
  const bbo = data.bbo;
  if (typeof coin !== 'string' || typeof time !== 'number' || !Number.isSafeInteger(time) || !Array.isArray(bbo) || bbo.length !== 2) {
    return PARSE_BAD_SHAPE;
  }
  const b = bbo[0];
  const a = bbo[1];
  // Check both sides before writing anything, so a rejected frame leaves `out` as it was.
  let bidPx = Number.NaN;
  let bidSz = Number.NaN;
  let bidN = 0;
  if (b !== null) {
    if (!fillLevelFromJson(b)) return PARSE_BAD_SHAPE;
    bidPx = lvPx;
    bidSz = lvSz;
    bidN = lvN;
  }
  if (a !== null && !fillLevelFromJson(a)) return PARSE_BAD_SHAPE;
  out.coin = coin;
  out.time = time;
  if (b === null) clearBid(out);
  else setBid(out, bidPx, bidSz, bidN, (b as Obj).px as string, (b as Obj).sz as string);
  if (a === null) clearAsk(out);
  else setAsk(out, lvPx, lvSz, lvN, (a as Obj).px as string, (a as Obj).sz as string);
  return PARSE_OK;
}

/**
 * Hot path for `bbo` frames: fills `out` (see newBboFrame) and returns PARSE_OK, or an error code with
 * `out` unchanged. Prices and sizes as numbers (exactly Number(px)) plus their raw strings.
 */
export function parseBboInto(text: string, out: BboFrame): ParseCode {
  if (scanBboInto(text, out)) return PARSE_OK;
  return parseBboIntoViaJson(text, out);
}

// ───────────────────────────── hot path: activeAssetCtx ─────────────────────────────

/** Reusable result of parseActiveAssetCtxInto. Nullable venue fields become NaN (raw: null). */
export interface ActiveAssetCtxFrame {
  coin: string;
  funding: number;
  openInterest: number;
  prevDayPx: number;
  dayNtlVlm: number;
  premium: number;
  oraclePx: number;
  markPx: number;
  midPx: number;
  impactBidPx: number;
  impactAskPx: number;
  dayBaseVlm: number;
  oraclePxRaw: string;
  markPxRaw: string;
  midPxRaw: string | null;
}

export function newActiveAssetCtxFrame(): ActiveAssetCtxFrame {
  return {
    coin: '',
    funding: Number.NaN,
    openInterest: Number.NaN,
    prevDayPx: Number.NaN,
    dayNtlVlm: Number.NaN,
    premium: Number.NaN,
    oraclePx: Number.NaN,
    markPx: Number.NaN,
    midPx: Number.NaN,
    impactBidPx: Number.NaN,
    impactAskPx: Number.NaN,
    dayBaseVlm: Number.NaN,
    oraclePxRaw: '',
    markPxRaw: '',
    midPxRaw: null,
  };
}

/** Writes a whole checked frame (both parse paths; positional so nothing is allocated per frame). */
function setCtx(
  out: ActiveAssetCtxFrame,
  coin: string,
  funding: number,
  openInterest: number,
  prevDayPx: number,
  dayNtlVlm: number,
  premium: number,
  oraclePx: number,
  markPx: number,
  midPx: number,
  impactBidPx: number,
  impactAskPx: number,
  dayBaseVlm: number,
  oraclePxRaw: string,
  markPxRaw: string,
  midPxRaw: string | null,
): void {
  out.coin = coin;
  out.funding = funding;
  out.openInterest = openInterest;
  out.prevDayPx = prevDayPx;
  out.dayNtlVlm = dayNtlVlm;
  out.premium = premium;
  out.oraclePx = oraclePx;
  out.markPx = markPx;
  out.midPx = midPx;
  out.impactBidPx = impactBidPx;
  out.impactAskPx = impactAskPx;
  out.dayBaseVlm = dayBaseVlm;
  out.oraclePxRaw = oraclePxRaw;
  out.markPxRaw = markPxRaw;
  out.midPxRaw = midPxRaw;
}

const CTX_HEAD = '{"channel":"activeAssetCtx","data":{"coin":"';
const CTX_OPEN = '","ctx":{';

let valStart = 0; // start of the last value scanned by scanKey*Decimal (-1 for null); it ends at scanEnd - 1

/** `"key":` then a quoted decimal; NaN with scanEnd = -1 on mismatch. */
function scanKeyDecimal(t: string, i: number, keyToken: string): number {
  if (!t.startsWith(keyToken, i)) {
    scanEnd = -1;
    return Number.NaN;
  }
  const j = i + keyToken.length;
  if (t.charCodeAt(j) !== 34) {
    scanEnd = -1;
    return Number.NaN;
  }
  valStart = j + 1;
  return scanQuotedDecimal(t, j + 1);
}

/** `"key":` then a quoted decimal or null (NaN with valStart = -1). A mismatch sets scanEnd = -1. */
function scanKeyNullableDecimal(t: string, i: number, keyToken: string): number {
  if (!t.startsWith(keyToken, i)) {
    scanEnd = -1;
    return Number.NaN;
  }
  const j = i + keyToken.length;
  const c = t.charCodeAt(j);
  if (c === 34) {
    valStart = j + 1;
    return scanQuotedDecimal(t, j + 1);
  }
  if (c === 110 && t.charCodeAt(j + 1) === 117 && t.charCodeAt(j + 2) === 108 && t.charCodeAt(j + 3) === 108) {
    valStart = -1;
    scanEnd = j + 4;
    return Number.NaN;
  }
  scanEnd = -1;
  return Number.NaN;
}

const K_FUNDING = '"funding":';
const K_OI = ',"openInterest":';
const K_PREV = ',"prevDayPx":';
const K_NTL = ',"dayNtlVlm":';
const K_PREMIUM = ',"premium":';
const K_ORACLE = ',"oraclePx":';
const K_MARK = ',"markPx":';
const K_MID = ',"midPx":';
const K_IMPACT = ',"impactPxs":';
const K_BASE = ',"dayBaseVlm":';

/**
 * The strict scanner alone: true when `t` is exactly the venue's activeAssetCtx layout (keys in the
 * venue's order, no whitespace, no escapes) and `out` was filled; false leaves `out` untouched.
 */
export function scanActiveAssetCtxInto(t: string, out: ActiveAssetCtxFrame): boolean {
  const coinEnd = scanHeadAndCoin(t, CTX_HEAD);
  if (coinEnd < 0 || !t.startsWith(CTX_OPEN, coinEnd)) return false;
  const funding = scanKeyDecimal(t, coinEnd + CTX_OPEN.length, K_FUNDING);
  if (scanEnd < 0) return false;
  const openInterest = scanKeyDecimal(t, scanEnd, K_OI);
  if (scanEnd < 0) return false;
  const prevDayPx = scanKeyDecimal(t, scanEnd, K_PREV);
  if (scanEnd < 0) return false;
  const dayNtlVlm = scanKeyDecimal(t, scanEnd, K_NTL);
  if (scanEnd < 0) return false;
  const premium = scanKeyNullableDecimal(t, scanEnd, K_PREMIUM);
  if (scanEnd < 0) return false;
  const oraclePx = scanKeyDecimal(t, scanEnd, K_ORACLE);
  if (scanEnd < 0) return false;
  const oStart = valStart;
  const oEnd = scanEnd - 1;
  const markPx = scanKeyDecimal(t, scanEnd, K_MARK);
  if (scanEnd < 0) return false;
  const mStart = valStart;
  const mEnd = scanEnd - 1;
  const midPx = scanKeyNullableDecimal(t, scanEnd, K_MID);
  if (scanEnd < 0) return false;
  const midStart = valStart;
  const midEnd = scanEnd - 1;
  let impactBidPx = Number.NaN;
  let impactAskPx = Number.NaN;
  let i = scanEnd;
  if (!t.startsWith(K_IMPACT, i)) return false;
  i += K_IMPACT.length;
  const c = t.charCodeAt(i);
  if (c === 110) {
    if (t.charCodeAt(i + 1) !== 117 || t.charCodeAt(i + 2) !== 108 || t.charCodeAt(i + 3) !== 108) return false;
    i += 4;
  } else {
    // ["bid","ask"]
    if (c !== 91 || t.charCodeAt(i + 1) !== 34) return false;
    impactBidPx = scanQuotedDecimal(t, i + 2);
    if (scanEnd < 0 || t.charCodeAt(scanEnd) !== 44 || t.charCodeAt(scanEnd + 1) !== 34) return false;
    impactAskPx = scanQuotedDecimal(t, scanEnd + 2);
    if (scanEnd < 0 || t.charCodeAt(scanEnd) !== 93) return false;
    i = scanEnd + 1;
  }
  const dayBaseVlm = scanKeyDecimal(t, i, K_BASE);
  if (scanEnd < 0) return false;
  const n = t.length;
  if (scanEnd + 3 !== n || t.charCodeAt(n - 1) !== 125 || t.charCodeAt(n - 2) !== 125 || t.charCodeAt(n - 3) !== 125) return false;
  const coin = sliceOr(out.coin, t, CTX_HEAD.length, coinEnd);
  const oracleRaw = sliceOr(out.oraclePxRaw, t, oStart, oEnd);
  const markRaw = sliceOr(out.markPxRaw, t, mStart, mEnd);
  const midRaw = midStart < 0 ? null : sliceOr(out.midPxRaw ?? '', t, midStart, midEnd);
  setCtx(out, coin, funding, openInterest, prevDayPx, dayNtlVlm, premium, oraclePx, markPx, midPx, impactBidPx, impactAskPx, dayBaseVlm, oracleRaw, markRaw, midRaw);
  return true;
}

function decField(o: Obj, key: string): number {
  const v = o[key];
  return typeof v === 'string' ? parseDecimal(v) : Number.NaN;
}
function nullableDecField(o: Obj, key: string): number | undefined {
  const v = o[key];
  if (v === null) return Number.NaN;
  if (typeof v !== 'string') return undefined;
  const x = parseDecimal(v);
  return !Number.isNaN(x) ? x : undefined;
}

/** JSON.parse + validation path of parseActiveAssetCtxInto (also benchmarked alone). */
export function parseActiveAssetCtxIntoViaJson(text: string, out: ActiveAssetCtxFrame): ParseCode {
  const data = jsonFrameData(text, 'activeAssetCtx');
  if (typeof data === 'number') return data;
  if (typeof data.coin !== 'string' || !isObj(data.ctx)) return PARSE_BAD_SHAPE;
  const c = data.ctx;
  const funding = decField(c, 'funding');
  const openInterest = decField(c, 'openInterest');
  const prevDayPx = decField(c, 'prevDayPx');
  const dayNtlVlm = decField(c, 'dayNtlVlm');
  const oraclePx = decField(c, 'oraclePx');
  const markPx = decField(c, 'markPx');
  const dayBaseVlm = decField(c, 'dayBaseVlm');
  if (Number.isNaN(funding) || Number.isNaN(openInterest) || Number.isNaN(prevDayPx) || Number.isNaN(dayNtlVlm)) return PARSE_BAD_SHAPE;
  if (Number.isNaN(oraclePx) || Number.isNaN(markPx) || Number.isNaN(dayBaseVlm)) return PARSE_BAD_SHAPE;
  const premium = nullableDecField(c, 'premium');
  const midPx = nullableDecField(c, 'midPx');
  if (premium === undefined || midPx === undefined) return PARSE_BAD_SHAPE;
  let impactBidPx = Number.NaN;
  let impactAskPx = Number.NaN;
  const imp = c.impactPxs;
  if (imp !== null) {
    if (!Array.isArray(imp) || imp.length !== 2 || typeof imp[0] !== 'string' || typeof imp[1] !== 'string') return PARSE_BAD_SHAPE;
    impactBidPx = parseDecimal(imp[0]);
    impactAskPx = parseDecimal(imp[1]);
    if (Number.isNaN(impactBidPx) || Number.isNaN(impactAskPx)) return PARSE_BAD_SHAPE;
  }
  const midRaw = c.midPx as string | null;
  setCtx(out, data.coin, funding, openInterest, prevDayPx, dayNtlVlm, premium, oraclePx, markPx, midPx, impactBidPx, impactAskPx, dayBaseVlm, c.oraclePx as string, c.markPx as string, midRaw);
  return PARSE_OK;
}

/**
 * Hot path for `activeAssetCtx` (perp) frames: fills `out` (see newActiveAssetCtxFrame) and returns
 * PARSE_OK, or an error code with `out` unchanged. A spot coin arrives on channel
 * activeSpotAssetCtx, which gives PARSE_WRONG_CHANNEL here.
 */
export function parseActiveAssetCtxInto(text: string, out: ActiveAssetCtxFrame): ParseCode {
  if (scanActiveAssetCtxInto(text, out)) return PARSE_OK;
  return parseActiveAssetCtxIntoViaJson(text, out);
}

/** The channel name of a frame from its first bytes, without parsing (undefined if not the usual layout). */
export function sniffChannel(text: string): string | undefined {
  if (!text.startsWith('{"channel":"')) return undefined;
  const end = text.indexOf('"', 12);
  return end < 0 ? undefined : text.slice(12, end);
}

// ───────────────────────────── validators (shape checks) ─────────────────────────────

/** An array whose every element passes `check` (element paths `path[i]`); returns it. */
function checkEach(x: unknown, path: string, check: (x: unknown, path: string) => void): unknown[] {
  const a = arr(x, path);
  for (let i = 0; i < a.length; i++) check(a[i], `${path}[${i}]`);
  return a;
}

function side(o: Obj, key: string, path: string): void {
  const v = o[key];
  if (v !== 'A' && v !== 'B') fail(`${path}.${key}`, 'expected "A" or "B"');
}

function level(x: unknown, path: string, requireN: boolean): void {
  const o = obj(x, path);
  dec(o, 'px', path);
  dec(o, 'sz', path);
  if (requireN) int(o, 'n', path);
  else optInt(o, 'n', path);
}

function checkBbo(d: unknown, path: string): void {
  const o = obj(d, path);
  str(o, 'coin', path);
  int(o, 'time', path);
  const b = arr(o.bbo, `${path}.bbo`);
  if (b.length !== 2) fail(`${path}.bbo`, 'expected [bid, ask]');
  if (b[0] !== null) level(b[0], `${path}.bbo[0]`, true);
  if (b[1] !== null) level(b[1], `${path}.bbo[1]`, true);
}

function checkL2Book(d: unknown, path: string, requireN: boolean): void {
  const o = obj(d, path);
  str(o, 'coin', path);
  int(o, 'time', path);
  const lv = arr(o.levels, `${path}.levels`);
  if (lv.length !== 2) fail(`${path}.levels`, 'expected [bids, asks]');
  for (let s = 0; s < 2; s++) {
    const side = arr(lv[s], `${path}.levels[${s}]`);
    for (let i = 0; i < side.length; i++) level(side[i], `${path}.levels[${s}][${i}]`, requireN);
  }
  optDec(o, 'spread', path);
}

function checkTrade(x: unknown, path: string): void {
  const o = obj(x, path);
  str(o, 'coin', path);
  side(o, 'side', path);
  dec(o, 'px', path);
  dec(o, 'sz', path);
  int(o, 'time', path);
  str(o, 'hash', path);
  int(o, 'tid', path);
  const u = arr(o.users, `${path}.users`);
  if (u.length !== 2 || typeof u[0] !== 'string' || typeof u[1] !== 'string') fail(`${path}.users`, 'expected [buyer, seller]');
}

function checkSpotAssetCtx(x: unknown, path: string): SpotAssetCtx {
  const o = obj(x, path);
  dec(o, 'prevDayPx', path);
  dec(o, 'dayNtlVlm', path);
  dec(o, 'markPx', path);
  nullableDec(o, 'midPx', path);
  dec(o, 'circulatingSupply', path);
  str(o, 'coin', path);
  dec(o, 'totalSupply', path);
  dec(o, 'dayBaseVlm', path);
  return o as unknown as SpotAssetCtx;
}

function checkOpenOrder(x: unknown, path: string): Obj {
  const o = obj(x, path);
  str(o, 'coin', path);
  side(o, 'side', path);
  dec(o, 'limitPx', path);
  dec(o, 'sz', path);
  int(o, 'oid', path);
  int(o, 'timestamp', path);
  dec(o, 'origSz', path);
  optStr(o, 'cloid', path);
  optBool(o, 'reduceOnly', path);
  return o;
}

function checkFrontendOpenOrder(x: unknown, path: string): void {
  const o = checkOpenOrder(x, path);
  str(o, 'triggerCondition', path);
  bool(o, 'isTrigger', path);
  dec(o, 'triggerPx', path);
  checkEach(o.children, `${path}.children`, checkFrontendOpenOrder);
  bool(o, 'isPositionTpsl', path);
  bool(o, 'reduceOnly', path);
  str(o, 'orderType', path);
  optStr(o, 'tif', path);
  optStr(o, 'cloid', path);
}

function checkOrderUpdate(x: unknown, path: string): void {
  const o = obj(x, path);
  checkOpenOrder(o.order, `${path}.order`);
  str(o, 'status', path);
  int(o, 'statusTimestamp', path);
}

function checkFill(x: unknown, path: string): void {
  const o = obj(x, path);
  str(o, 'coin', path);
  dec(o, 'px', path);
  dec(o, 'sz', path);
  side(o, 'side', path);
  int(o, 'time', path);
  dec(o, 'startPosition', path);
  str(o, 'dir', path);
  dec(o, 'closedPnl', path);
  str(o, 'hash', path);
  int(o, 'oid', path);
  bool(o, 'crossed', path);
  dec(o, 'fee', path);
  int(o, 'tid', path);
  str(o, 'feeToken', path);
  optDec(o, 'builderFee', path);
  optDec(o, 'feeTrialEscrow', path);
  optInt(o, 'twapId', path);
  optStr(o, 'cloid', path);
  if (o.liquidation !== undefined && o.liquidation !== null) {
    const l = obj(o.liquidation, `${path}.liquidation`);
    optStr(l, 'liquidatedUser', `${path}.liquidation`);
    dec(l, 'markPx', `${path}.liquidation`);
    str(l, 'method', `${path}.liquidation`);
  }
}

function checkFills(x: unknown, path: string): void {
  checkEach(x, path, checkFill);
}

function checkUserEvent(d: unknown, path: string): void {
  const o = obj(d, path);
  if ('fills' in o) checkFills(o.fills, `${path}.fills`);
  else if ('funding' in o) {
    const f = obj(o.funding, `${path}.funding`);
    int(f, 'time', `${path}.funding`);
    str(f, 'coin', `${path}.funding`);
    dec(f, 'usdc', `${path}.funding`);
    dec(f, 'szi', `${path}.funding`);
    dec(f, 'fundingRate', `${path}.funding`);
  } else if ('liquidation' in o) {
    const l = obj(o.liquidation, `${path}.liquidation`);
    int(l, 'lid', `${path}.liquidation`);
    str(l, 'liquidator', `${path}.liquidation`);
    str(l, 'liquidated_user', `${path}.liquidation`);
  } else if ('nonUserCancel' in o) {
    const a = arr(o.nonUserCancel, `${path}.nonUserCancel`);
    for (let i = 0; i < a.length; i++) {
      const c = obj(a[i], `${path}.nonUserCancel[${i}]`);
      str(c, 'coin', `${path}.nonUserCancel[${i}]`);
      int(c, 'oid', `${path}.nonUserCancel[${i}]`);
    }
  } else if ('twapHistory' in o) arr(o.twapHistory, `${path}.twapHistory`);
  else if ('twapSliceFills' in o) arr(o.twapSliceFills, `${path}.twapSliceFills`);
  else fail(path, 'unknown user event (expected fills, funding, liquidation, nonUserCancel, twapHistory or twapSliceFills)');
}

function checkMarginSummary(x: unknown, path: string): void {
  const o = obj(x, path);
  dec(o, 'accountValue', path);
  dec(o, 'totalNtlPos', path);
  dec(o, 'totalRawUsd', path);
  dec(o, 'totalMarginUsed', path);
}

function checkClearinghouseState(x: unknown, path: string): ClearinghouseState {
  const o = obj(x, path);
  checkMarginSummary(o.marginSummary, `${path}.marginSummary`);
  checkMarginSummary(o.crossMarginSummary, `${path}.crossMarginSummary`);
  dec(o, 'crossMaintenanceMarginUsed', path);
  dec(o, 'withdrawable', path);
  int(o, 'time', path);
  const ap = arr(o.assetPositions, `${path}.assetPositions`);
  for (let i = 0; i < ap.length; i++) {
    const pp = `${path}.assetPositions[${i}]`;
    const a = obj(ap[i], pp);
    str(a, 'type', pp);
    const p = obj(a.position, `${pp}.position`);
    const q = `${pp}.position`;
    str(p, 'coin', q);
    dec(p, 'szi', q);
    const lev = obj(p.leverage, `${q}.leverage`);
    const lt = str(lev, 'type', `${q}.leverage`);
    int(lev, 'value', `${q}.leverage`);
    if (lt === 'isolated') dec(lev, 'rawUsd', `${q}.leverage`);
    else if (lt !== 'cross') fail(`${q}.leverage.type`, 'expected "cross" or "isolated"');
    dec(p, 'entryPx', q);
    dec(p, 'positionValue', q);
    dec(p, 'unrealizedPnl', q);
    dec(p, 'returnOnEquity', q);
    nullableDec(p, 'liquidationPx', q);
    dec(p, 'marginUsed', q);
    int(p, 'maxLeverage', q);
    const cf = obj(p.cumFunding, `${q}.cumFunding`);
    dec(cf, 'allTime', `${q}.cumFunding`);
    dec(cf, 'sinceOpen', `${q}.cumFunding`);
    dec(cf, 'sinceChange', `${q}.cumFunding`);
  }
  return o as unknown as ClearinghouseState;
}

function checkExchangeResponse(x: unknown, path: string): ExchangeResponse {
  const o = obj(x, path);
  if (o.status === 'err') {
    str(o, 'response', path);
    return o as unknown as ExchangeResponse;
  }
  if (o.status !== 'ok') fail(`${path}.status`, 'expected "ok" or "err"');
  const r = obj(o.response, `${path}.response`);
  const type = str(r, 'type', `${path}.response`);
  if (type === 'default') return o as unknown as ExchangeResponse;
  if (type !== 'order' && type !== 'cancel') fail(`${path}.response.type`, `unexpected response type ${JSON.stringify(type)}`);
  const data = obj(r.data, `${path}.response.data`);
  const st = arr(data.statuses, `${path}.response.data.statuses`);
  for (let i = 0; i < st.length; i++) {
    const p = `${path}.response.data.statuses[${i}]`;
    const s = st[i];
    if (type === 'cancel') {
      if (s === 'success') continue;
      const e = obj(s, p);
      str(e, 'error', p);
      continue;
    }
    if (s === 'waitingForFill' || s === 'waitingForTrigger') continue;
    const e = obj(s, p);
    if ('error' in e) str(e, 'error', p);
    else if ('resting' in e) {
      const q = obj(e.resting, `${p}.resting`);
      int(q, 'oid', `${p}.resting`);
      optStr(q, 'cloid', `${p}.resting`);
    } else if ('filled' in e) {
      const q = obj(e.filled, `${p}.filled`);
      dec(q, 'totalSz', `${p}.filled`);
      dec(q, 'avgPx', `${p}.filled`);
      int(q, 'oid', `${p}.filled`);
      optStr(q, 'cloid', `${p}.filled`);
    } else fail(p, 'expected resting, filled, error, "waitingForFill" or "waitingForTrigger"');
  }
  return o as unknown as ExchangeResponse;
}

function checkPostResponse(x: unknown, path: string): PostResponse {
  const o = obj(x, path);
  const type = o.type;
  if (type === 'info') {
    const p = obj(o.payload, `${path}.payload`);
    str(p, 'type', `${path}.payload`);
    if (!('data' in p)) fail(`${path}.payload.data`, 'missing');
  } else if (type === 'action') {
    checkExchangeResponse(o.payload, `${path}.payload`);
  } else if (type === 'error') {
    str(o, 'payload', path);
  } else fail(`${path}.type`, 'expected "info", "action" or "error"');
  return o as unknown as PostResponse;
}

/** {coin, ctx} of the asset-context channels, the ctx checked by `checkCtx`. */
function checkCoinCtx(d: unknown, path: string, checkCtx: (x: unknown, path: string) => unknown): void {
  const o = obj(d, path);
  str(o, 'coin', path);
  checkCtx(o.ctx, `${path}.ctx`);
}

/** The {dex, user, …} envelope of the per-dex user channels; returns the object for the rest. */
function checkDexUser(d: unknown, path: string): Obj {
  const o = obj(d, path);
  str(o, 'dex', path);
  str(o, 'user', path);
  return o;
}

function checkWsData(channel: string, d: unknown): boolean {
  const path = 'data';
  switch (channel) {
    case 'bbo':
      checkBbo(d, path);
      return true;
    case 'l2Book':
      checkL2Book(d, path, true);
      return true;
    case 'trades':
      checkEach(d, path, checkTrade);
      return true;
    case 'activeAssetCtx':
      checkCoinCtx(d, path, checkPerpAssetCtx);
      return true;
    case 'activeSpotAssetCtx':
      checkCoinCtx(d, path, checkSpotAssetCtx);
      return true;
    case 'allMids': {
      const o = obj(d, path);
      const mids = obj(o.mids, `${path}.mids`);
      for (const k in mids) dec(mids, k, `${path}.mids`);
      return true;
    }
    case 'allDexsAssetCtxs': {
      const o = obj(d, path);
      const c = arr(o.ctxs, `${path}.ctxs`);
      for (let i = 0; i < c.length; i++) {
        const e = arr(c[i], `${path}.ctxs[${i}]`);
        if (e.length !== 2 || typeof e[0] !== 'string') fail(`${path}.ctxs[${i}]`, 'expected [dex, ctxs]');
        checkEach(e[1], `${path}.ctxs[${i}][1]`, checkPerpAssetCtx);
      }
      return true;
    }
    case 'orderUpdates':
      checkEach(d, path, checkOrderUpdate);
      return true;
    case 'userFills': {
      const o = obj(d, path);
      str(o, 'user', path);
      optBool(o, 'isSnapshot', path);
      checkFills(o.fills, `${path}.fills`);
      return true;
    }
    case 'user':
      checkUserEvent(d, path);
      return true;
    case 'clearinghouseState': {
      const o = checkDexUser(d, path);
      checkClearinghouseState(o.clearinghouseState, `${path}.clearinghouseState`);
      return true;
    }
    case 'openOrders': {
      const o = checkDexUser(d, path);
      checkEach(o.orders, `${path}.orders`, checkFrontendOpenOrder);
      return true;
    }
    case 'post': {
      const o = obj(d, path);
      int(o, 'id', path);
      checkPostResponse(o.response, `${path}.response`);
      return true;
    }
    case 'subscriptionResponse': {
      const o = obj(d, path);
      if (o.method !== 'subscribe' && o.method !== 'unsubscribe') fail(`${path}.method`, 'expected "subscribe" or "unsubscribe"');
      const s = obj(o.subscription, `${path}.subscription`);
      str(s, 'type', `${path}.subscription`);
      return true;
    }
    case 'error':
      if (typeof d !== 'string') fail(path, 'expected a string');
      return true;
    case 'pong':
      return true;
    default:
      return false;
  }
}

// ───────────────────────────── public parsers ─────────────────────────────

export type WsParseResult =
  | { kind: 'message'; message: WsMessage }
  /** The plain-text "Websocket connection established." frame: ignore it. */
  | { kind: 'greeting' }
  /** Valid JSON on a channel this module does not model (e.g. webData2): forward or ignore. */
  | { kind: 'unknown'; channel: string; data: unknown }
  /**
   * Not a valid frame. When the text was JSON with a channel, `channel` and the parsed `data` are kept so
   * a caller can salvage the valid elements of an array channel (partitionOrderUpdates, partitionFills)
   * instead of losing a whole batch to one bad element.
   */
  | { kind: 'error'; error: WireParseError; channel?: string; data?: unknown };

const GREETING: WsParseResult = Object.freeze({ kind: 'greeting' });

/** Parses any server frame. Never throws. */
export function parseWsMessage(text: string): WsParseResult {
  if (typeof text !== 'string') return { kind: 'error', error: new WireParseError('not_json', '', 'frame is not text') };
  if (text === WS_GREETING) return GREETING;
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { kind: 'error', error: new WireParseError('not_json', '', `not JSON: ${text.slice(0, 80)}`) };
  }
  if (!isObj(msg) || typeof msg.channel !== 'string') {
    return { kind: 'error', error: new WireParseError('bad_shape', 'channel', 'frame has no channel') };
  }
  const channel = msg.channel;
  const r = guard(() => checkWsData(channel, msg.data));
  if (r instanceof WireParseError) return { kind: 'error', error: r, channel, data: msg.data };
  if (!r) return { kind: 'unknown', channel, data: msg.data };
  return { kind: 'message', message: msg as unknown as WsMessage };
}

/** A /exchange reply (or WS post action payload), already JSON-parsed. */
export function parseExchangeResponse(json: unknown): ExchangeResponse | WireParseError {
  return guard(() => checkExchangeResponse(json, 'response'));
}

/** The `data.response` of a WS post frame. */
export function parsePostResponse(json: unknown): PostResponse | WireParseError {
  return guard(() => checkPostResponse(json, 'response'));
}

export function parseClearinghouseState(json: unknown): ClearinghouseState | WireParseError {
  return guard(() => checkClearinghouseState(json, 'clearinghouseState'));
}

export function parseOpenOrders(json: unknown): OpenOrder[] | WireParseError {
  return guard(() => checkEach(json, 'openOrders', checkOpenOrder) as OpenOrder[]);
}

export function parseFrontendOpenOrders(json: unknown): FrontendOpenOrder[] | WireParseError {
  return guard(() => checkEach(json, 'frontendOpenOrders', checkFrontendOpenOrder) as FrontendOpenOrder[]);
}

export function parseOrderStatusResponse(json: unknown): OrderStatusResponse | WireParseError {
  return guard(() => {
    const o = obj(json, 'orderStatus');
    if (o.status === 'unknownOid') return o as unknown as OrderStatusResponse;
    if (o.status !== 'order') fail('orderStatus.status', 'expected "order" or "unknownOid"');
    const w = obj(o.order, 'orderStatus.order');
    checkFrontendOpenOrder(w.order, 'orderStatus.order.order');
    str(w, 'status', 'orderStatus.order');
    int(w, 'statusTimestamp', 'orderStatus.order');
    return o as unknown as OrderStatusResponse;
  });
}

/** info userFills / userFillsByTime: an array of fills. */
export function parseUserFills(json: unknown): UserFill[] | WireParseError {
  return guard(() => {
    checkFills(json, 'userFills');
    return json as UserFill[];
  });
}

/** info l2Book: a book, or null for an unknown market. Levels may lack `n` in trimmed captures. */
export function parseL2BookResponse(json: unknown): L2Book | null | WireParseError {
  if (json === null) return null;
  return guard(() => {
    checkL2Book(json, 'l2Book', false);
    return json as L2Book;
  });
}

export function parseAllMidsResponse(json: unknown): Record<string, string> | WireParseError {
  return guard(() => {
    const o = obj(json, 'allMids');
    for (const k in o) dec(o, k, 'allMids');
    return o as Record<string, string>;
  });
}

export function parseUserRateLimit(json: unknown): UserRateLimit | WireParseError {
  return guard(() => {
    const o = obj(json, 'userRateLimit');
    dec(o, 'cumVlm', 'userRateLimit');
    int(o, 'nRequestsUsed', 'userRateLimit');
    int(o, 'nRequestsCap', 'userRateLimit');
    optInt(o, 'nRequestsSurplus', 'userRateLimit');
    return o as unknown as UserRateLimit;
  });
}

/** Order-update arrays (`orderUpdates` data) checked on their own, e.g. from a recorded feed. */
export function parseOrderUpdates(json: unknown): WsOrderUpdate[] | WireParseError {
  return guard(() => checkEach(json, 'orderUpdates', checkOrderUpdate) as WsOrderUpdate[]);
}

/** Splits an array into the elements that pass `check` and the errors of those that do not. */
function partition<T>(json: unknown, name: string, check: (x: unknown, path: string) => void): { valid: T[]; invalid: WireParseError[] } {
  const valid: T[] = [];
  const invalid: WireParseError[] = [];
  if (!Array.isArray(json)) {
    invalid.push(new WireParseError('bad_shape', name, `${name}: expected an array`));
    return { valid, invalid };
  }
  for (let i = 0; i < json.length; i++) {
    const x: unknown = json[i];
    const r = guard(() => check(x, `${name}[${i}]`));
    if (r instanceof WireParseError) invalid.push(r);
    else valid.push(x as T);
  }
  return { valid, invalid };
}

/**
 * Salvage for an `orderUpdates` frame rejected by parseWsMessage: the elements that are valid on their
 * own, and one error per bad element (each bad update should be resolved through orderStatus).
 */
export function partitionOrderUpdates(data: unknown): { valid: WsOrderUpdate[]; invalid: WireParseError[] } {
  return partition<WsOrderUpdate>(data, 'orderUpdates', checkOrderUpdate);
}

/** Salvage for fills (userFills `data.fills`, user-event `fills`): valid fills and one error per bad one. */
export function partitionFills(fills: unknown): { valid: UserFill[]; invalid: WireParseError[] } {
  return partition<UserFill>(fills, 'fills', checkFill);
}

export function parseUserEvent(json: unknown): WsUserEvent | WireParseError {
  return guard(() => {
    checkUserEvent(json, 'user');
    return json as WsUserEvent;
  });
}

// ───────────────────────────── order status classification ─────────────────────────────

export type OrderStatusClass = 'open' | 'triggered' | 'filled' | 'canceled' | 'rejected' | 'unknown';

const KNOWN_STATUSES: ReadonlySet<string> = new Set<KnownOrderStatus>([
  'open',
  'filled',
  'canceled',
  'triggered',
  'rejected',
  'marginCanceled',
  'vaultWithdrawalCanceled',
  'openInterestCapCanceled',
  'selfTradeCanceled',
  'reduceOnlyCanceled',
  'siblingFilledCanceled',
  'delistedCanceled',
  'liquidatedCanceled',
  'outcomeSettledCanceled',
  'scheduledCancel',
  'internalCancel',
  'tickRejected',
  'minTradeNtlRejected',
  'perpMarginRejected',
  'reduceOnlyRejected',
  'badAloPxRejected',
  'iocCancelRejected',
  'badTriggerPxRejected',
  'marketOrderNoLiquidityRejected',
  'positionIncreaseAtOpenInterestCapRejected',
  'positionFlipAtOpenInterestCapRejected',
  'tooAggressiveAtOpenInterestCapRejected',
  'openInterestIncreaseRejected',
  'insufficientSpotBalanceRejected',
  'oracleRejected',
  'perpMaxPositionRejected',
  'tooManyOpenOrdersRejected',
]);

export function isKnownOrderStatus(s: string): s is KnownOrderStatus {
  return KNOWN_STATUSES.has(s);
}

/**
 * What an order status means for our book-keeping: still working (open, triggered), done by fill,
 * done by cancel, done by rejection. Unknown future values classify by suffix (…Canceled, …Rejected)
 * when possible, else 'unknown' (the caller should then ask orderStatus rather than guess).
 */
export function classifyOrderStatus(s: string): OrderStatusClass {
  if (s === 'open') return 'open';
  if (s === 'filled') return 'filled';
  if (s === 'triggered') return 'triggered';
  if (s === 'canceled' || s === 'scheduledCancel' || s === 'internalCancel' || s.endsWith('Canceled')) return 'canceled';
  if (s === 'rejected' || s.endsWith('Rejected')) return 'rejected';
  return 'unknown';
}
