// Wire numbers: prices and sizes leave the process as decimal strings produced here and nowhere else.
//
// # Rules (Hyperliquid "Tick and lot size", protocol doc §2.4)
// - price: at most 5 significant figures, at most MAX_DECIMALS − szDecimals decimals (MAX_DECIMALS = 6 for
//   perps including HIP-3, 8 for spot); an integer price is always allowed whatever its digit count;
// - size: at most szDecimals decimals;
// - no trailing zeros, no leading zeros, no exponent, never "-0".
// A value that cannot be represented under the requested rounding (zero, negative, NaN, ±Infinity, a size
// below one lot) throws FormatError: an order is never silently turned into a different order.
//
// # Exact arithmetic
// Numbers are first converted to a decimal digit string with `toPrecision(15)` (a double carries 15.95
// significant digits, so this is the decimal the caller meant, with binary noise such as
// 0.1 + 0.2 = 0.30000000000000004 or 1.1 * 3 = 3.3000000000000003 removed). All rounding then happens on
// the digit string, so 1.1 with one decimal stays "1.1" and never becomes "1.0999" or "1.1001". Decimal
// strings are accepted too and are used as written.
//
// # Rounding direction (the two SDKs disagree)
// - The TypeScript SDK (@nktkas/hyperliquid formatPrice) truncates: that is `round: 'down'` here for
//   positive prices (it also accepted negatives; we reject them, a price is never negative).
// - The Python SDK (examples/rounding.py, Exchange._slippage_price) rounds to nearest (`f"{px:.5g}"`, then
//   `round(…, decimals)`): that is `round: 'nearest'` here, ties to even like Python. (Python rounds twice,
//   so on a few inputs such as 0.00123451 it lands one tick below the true nearest; we round once, exactly.)
// There is deliberately NO default: the caller states the direction, because the right one depends on the
// order's role:
// - IOC taker (entries and exits that must cross): round AWAY from the touch — a buy rounds 'up', a sell
//   rounds 'down' (`aggressiveRounding(isBuy)`). Rounding toward the touch could leave the limit inside the
//   price we meant to hit and turn a fill into an IocCancel.
// - Resting / ALO / safety limits: round TOWARD the passive side — a buy rounds 'down', a sell rounds 'up'
//   (`passiveRounding(isBuy)`), so we never pay more than we computed. This equals the TS SDK for buys.
// - 'nearest' is for display and for parity with the Python SDK.
// Sizes always truncate toward zero (both SDKs agree): we never trade more than was computed.
import { FormatError } from './errors.ts';

export type PriceKind = 'perp' | 'spot';
export type PriceRounding = 'down' | 'up' | 'nearest';

/** Decimal value = digits × 10^exp; `digits` has no leading or trailing zeros ('' means zero). */
interface Decimal {
  neg: boolean;
  digits: string;
  exp: number;
}

const PLAIN_OR_EXP = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const PLAIN_UNSIGNED = /^\d+(?:\.\d+)?$/;
const CANONICAL = /^(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/;

function parseDecimalText(text: string): Decimal | undefined {
  const m = PLAIN_OR_EXP.exec(text);
  if (m === null) return undefined;
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  if (intPart.length === 0 && fracPart.length === 0) return undefined;
  const all = intPart + fracPart;
  let exp = -fracPart.length + (m[4] === undefined ? 0 : Number(m[4]));
  let start = 0;
  while (start < all.length && all.charCodeAt(start) === 48) start++;
  let end = all.length;
  while (end > start && all.charCodeAt(end - 1) === 48) {
    end--;
    exp++;
  }
  return { neg: m[1] === '-', digits: all.slice(start, end), exp: start === end ? 0 : exp };
}

function toDecimal(x: number | string, what: string): Decimal {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new FormatError('invalid_number', `${what} ${x} is not a finite number`);
    // toPrecision(15): the decimal the caller meant, without binary noise (see header).
    const d = parseDecimalText(x.toPrecision(15));
    if (d !== undefined) return d;
  } else if (typeof x === 'string') {
    const text = x.trim();
    const d = parseDecimalText(text);
    // A string beyond the double range ("1e400") is no order anyone meant.
    if (d !== undefined && Number.isFinite(Number(text))) return d;
  }
  throw new FormatError('invalid_number', `${what} ${JSON.stringify(x)} is not a decimal number`);
}

/** Adds one unit in the last place of a digit string ('' counts as 0). */
function incrementDigits(d: string): string {
  let i = d.length - 1;
  while (i >= 0 && d.charCodeAt(i) === 57) i--;
  if (i < 0) return `1${'0'.repeat(d.length)}`;
  return d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) + 1) + '0'.repeat(d.length - 1 - i);
}

/**
 * Rounds digits × 10^exp to a multiple of 10^t. Returns the mantissa (value = mantissa × 10^max(exp,t)),
 * '' for zero. Operates on magnitudes: 'down' is toward zero, 'up' away from zero.
 */
function roundDigits(digits: string, exp: number, t: number, mode: PriceRounding): { m: string; e: number } {
  if (digits.length === 0 || exp >= t) return { m: digits, e: exp };
  const keepLen = digits.length - (t - exp);
  const kept = keepLen > 0 ? digits.slice(0, keepLen) : '';
  // The dropped part is never zero: `digits` has no trailing zeros.
  let up: boolean;
  if (mode === 'down') up = false;
  else if (mode === 'up') up = true;
  else if (keepLen < 0)
    up = false; // dropped part < 0.1 unit
  else {
    const c = digits.charCodeAt(keepLen);
    if (c !== 53) up = c > 53;
    else if (digits.length - keepLen > 1) up = true; // 5 followed by a non-zero tail
    else up = kept.length > 0 && (kept.charCodeAt(kept.length - 1) & 1) === 1; // exact tie: to even
  }
  return { m: up ? incrementDigits(kept) : kept, e: t };
}

/** Renders mantissa × 10^e as a plain decimal without trailing zeros ('' renders as "0"). */
function renderDecimal(mantissa: string, e: number): string {
  if (mantissa.length === 0) return '0';
  let m = mantissa;
  let exp = e;
  let end = m.length;
  while (exp < 0 && end > 1 && m.charCodeAt(end - 1) === 48) {
    end--;
    exp++;
  }
  if (end !== m.length) m = m.slice(0, end);
  if (exp >= 0) return exp === 0 ? m : m + '0'.repeat(exp);
  const point = m.length + exp;
  if (point > 0) return `${m.slice(0, point)}.${m.slice(point)}`;
  return `0.${'0'.repeat(-point)}${m}`;
}

function checkSzDecimals(szDecimals: number): void {
  if (!Number.isInteger(szDecimals) || szDecimals < 0 || szDecimals > 18) {
    throw new FormatError('bad_decimals', `szDecimals ${szDecimals} is not a small non-negative integer`);
  }
}

/** The largest number of decimals a price may have: max(0, (6 perp | 8 spot) − szDecimals). */
export function maxPriceDecimals(szDecimals: number, kind: PriceKind): number {
  const d = (kind === 'spot' ? 8 : 6) - szDecimals;
  return Math.max(d, 0);
}

/** Direction for an order that must cross (IOC taker): away from the touch. */
export function aggressiveRounding(isBuy: boolean): PriceRounding {
  return isBuy ? 'up' : 'down';
}

/** Direction for a resting/ALO or protective limit: toward the passive side, never paying more. */
export function passiveRounding(isBuy: boolean): PriceRounding {
  return isBuy ? 'down' : 'up';
}

/**
 * Exponent of the price grid at `px`: valid prices near px are multiples of 10^tickExponent
 * (5 significant figures, at most maxPriceDecimals decimals, integers always allowed, so never above 0).
 */
export function priceTickExponent(px: number, szDecimals: number, kind: PriceKind): number {
  checkSzDecimals(szDecimals);
  const d = toDecimal(px, 'price');
  if (d.neg || d.digits.length === 0) throw new FormatError('not_positive', `price ${px} is not positive`);
  return tickExponentOf(d, maxPriceDecimals(szDecimals, kind));
}

function tickExponentOf(d: Decimal, maxDecimals: number): number {
  const leading = d.digits.length - 1 + d.exp; // 10^leading is the place of the first significant digit
  return Math.min(0, Math.max(leading - 4, -maxDecimals));
}

/**
 * Formats a limit or trigger price for the wire. `round` picks the direction explicitly (see the header
 * comment: aggressiveRounding for IOC takers, passiveRounding for resting orders, 'nearest' for Python
 * parity). Accepts a number or a decimal string. Throws FormatError for NaN/±Infinity/malformed input,
 * zero or negative prices, and prices that round to zero.
 */
export function formatPrice(px: number | string, szDecimals: number, kind: PriceKind, round: PriceRounding): string {
  checkSzDecimals(szDecimals);
  const d = toDecimal(px, 'price');
  if (d.neg || d.digits.length === 0) throw new FormatError('not_positive', `price ${px} is not positive`);
  const t = tickExponentOf(d, maxPriceDecimals(szDecimals, kind));
  const r = roundDigits(d.digits, d.exp, t, round);
  if (r.m.length === 0) {
    throw new FormatError('rounds_to_zero', `price ${px} rounds ${round} to zero with szDecimals ${szDecimals} (${kind})`);
  }
  return renderDecimal(r.m, r.e);
}

/**
 * Formats an order size: truncated toward zero to szDecimals decimals (never trade more than computed).
 * Throws FormatError for NaN/±Infinity/malformed input, zero or negative sizes, and sizes below one lot.
 */
export function formatSize(sz: number | string, szDecimals: number): string {
  checkSzDecimals(szDecimals);
  const d = toDecimal(sz, 'size');
  if (d.neg || d.digits.length === 0) throw new FormatError('not_positive', `size ${sz} is not positive`);
  const r = roundDigits(d.digits, d.exp, -szDecimals, 'down');
  if (r.m.length === 0) throw new FormatError('rounds_to_zero', `size ${sz} is below one lot (szDecimals ${szDecimals})`);
  return renderDecimal(r.m, r.e);
}

/** Parses a plain unsigned decimal string (no sign, no exponent); trailing zeros are allowed. */
function parsePlainUnsigned(s: string): Decimal | undefined {
  if (typeof s !== 'string' || !PLAIN_UNSIGNED.test(s)) return undefined;
  return parseDecimalText(s);
}

/**
 * True when `s` is a positive price the venue accepts for an asset with `szDecimals`: a plain decimal
 * (no sign, no exponent), at most maxPriceDecimals decimals and, unless it is an integer, at most 5
 * significant figures. Trailing zeros do not count (the check is numeric; use isCanonicalDecimal for the
 * exact wire form). hlsim rejects other prices with "Price must be divisible by tick size.".
 */
export function isValidPrice(s: string, szDecimals: number, kind: PriceKind): boolean {
  const d = parsePlainUnsigned(s);
  if (d === undefined || d.digits.length === 0) return false;
  if (!Number.isInteger(szDecimals) || szDecimals < 0) return false;
  if (d.exp >= 0) return true; // integer prices are always allowed
  if (-d.exp > maxPriceDecimals(szDecimals, kind)) return false;
  return d.digits.length <= 5;
}

/** True when `s` is a positive plain decimal with at most szDecimals decimals (trailing zeros ignored). */
export function isValidSize(s: string, szDecimals: number): boolean {
  const d = parsePlainUnsigned(s);
  if (d === undefined || d.digits.length === 0) return false;
  if (!Number.isInteger(szDecimals) || szDecimals < 0) return false;
  return d.exp >= -szDecimals;
}

/**
 * True when `s` is in the exact form the venue re-serialises decimals to (and hence hashes): no sign,
 * no exponent, no leading zeros, no trailing fractional zeros, no bare point. "0" is canonical.
 */
export function isCanonicalDecimal(s: string): boolean {
  return typeof s === 'string' && CANONICAL.test(s);
}

/** Rewrites any decimal string or number into canonical form (strips zeros, expands exponents). */
export function canonicalDecimal(x: number | string): string {
  const d = toDecimal(x, 'value');
  const s = renderDecimal(d.digits, d.exp);
  return d.neg && s !== '0' ? `-${s}` : s;
}

/**
 * Python SDK `float_to_wire`: exactly 8 decimals, error if that changes the value by ≥ 1e-12, trailing
 * zeros stripped. Differences, on purpose: -0 (and values that round to -0) give "0", not Python's "-0";
 * NaN/±Infinity throw instead of producing "NaN". (JS toFixed breaks exact ties at the 9th decimal half-up
 * where Python goes half-to-even; a tie is always ≥ 1e-12 away, hence an error in both, except for
 * |x| ≥ 2^33 where the tie is below float resolution: never the case for a price or size.)
 */
export function floatToWire(x: number): string {
  if (!Number.isFinite(x)) throw new FormatError('invalid_number', `float_to_wire: ${x} is not finite`);
  let s: string;
  if (Math.abs(x) >= 1e21) {
    s = BigInt(x).toString(); // toFixed switches to exponent form here; every such double is an integer
  } else {
    s = x.toFixed(8);
    if (Math.abs(Number(s) - x) >= 1e-12) {
      throw new FormatError('not_representable', `float_to_wire: ${x} needs more than 8 decimals`);
    }
    let end = s.length;
    while (s.charCodeAt(end - 1) === 48) end--;
    if (s.charCodeAt(end - 1) === 46) end--;
    s = s.slice(0, end);
  }
  return s === '-0' ? '0' : s;
}

function floatToInt(x: number, power: number, name: string): bigint {
  if (!Number.isFinite(x)) throw new FormatError('invalid_number', `${name}: ${x} is not finite`);
  const scaled = x * 10 ** power;
  if (Math.abs(Math.round(scaled) - scaled) >= 1e-3) {
    throw new FormatError('not_representable', `${name}: ${x} has more than ${power} decimals`);
  }
  // Python multiplies floats too, but for large values its int(round(x * 10**p)) is exact only when x is
  // an int; we take the exact decimal meaning of x (its shortest round-trip form) so 123123123123 maps to
  // 12312312312300000000, not to the nearest double 12312312312299999232.
  const d = parseDecimalText(String(Math.abs(x))) as Decimal;
  const r = roundDigits(d.digits, d.exp, -power, 'nearest');
  if (r.m.length === 0) return 0n;
  const v = BigInt(r.m) * 10n ** BigInt(r.e + power);
  return x < 0 ? -v : v;
}

/** Python `float_to_int_for_hashing`: x × 1e8 as an exact integer; throws if x has more than 8 decimals. */
export function floatToIntForHashing(x: number): bigint {
  return floatToInt(x, 8, 'float_to_int_for_hashing');
}

/** Python `float_to_usd_int`: x × 1e6 (USD micro-units, e.g. `ntli`); throws if not a safe integer result. */
export function floatToUsdInt(x: number): number {
  const v = floatToInt(x, 6, 'float_to_usd_int');
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new FormatError('not_representable', `float_to_usd_int: ${x} is too large`);
  }
  return Number(v);
}
