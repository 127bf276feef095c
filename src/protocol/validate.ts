// Shape checks for parsed JSON. Validators check the object in place and return it typed (no copy), or
// throw WireParseError with the path of the first problem; the public parsers catch that at their
// boundary and RETURN it, so a caller never sees a throw and never gets a half-checked object.
import { WireParseError } from './errors.ts';
import type { PerpAssetCtx } from './wire.ts';

export type Obj = Record<string, unknown>;

// Decimal strings as the venue writes them ("110427.0", "-0.0000015186"): no exponent, no sign but "-".
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

export function fail(path: string, what: string): never {
  throw new WireParseError('bad_shape', path, `${path}: ${what}`);
}

export function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function obj(x: unknown, path: string): Obj {
  if (!isObj(x)) fail(path, 'expected an object');
  return x;
}

export function arr(x: unknown, path: string): unknown[] {
  if (!Array.isArray(x)) fail(path, 'expected an array');
  return x;
}

export function str(o: Obj, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string') fail(`${path}.${key}`, 'expected a string');
  return v;
}

export function optStr(o: Obj, key: string, path: string): void {
  const v = o[key];
  if (v !== undefined && v !== null && typeof v !== 'string') fail(`${path}.${key}`, 'expected a string or null');
}

export function num(o: Obj, key: string, path: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${path}.${key}`, 'expected a finite number');
  return v;
}

export function int(o: Obj, key: string, path: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(`${path}.${key}`, 'expected an integer');
  return v;
}

export function optInt(o: Obj, key: string, path: string): void {
  const v = o[key];
  if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isSafeInteger(v))) fail(`${path}.${key}`, 'expected an integer or null');
}

export function bool(o: Obj, key: string, path: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') fail(`${path}.${key}`, 'expected a boolean');
  return v;
}

export function optBool(o: Obj, key: string, path: string): void {
  const v = o[key];
  if (v !== undefined && v !== null && typeof v !== 'boolean') fail(`${path}.${key}`, 'expected a boolean or null');
}

export function isDecimal(v: unknown): v is string {
  // A decimal long enough to overflow a double (> 308 digits) is rejected like the fast parsers do.
  return typeof v === 'string' && DECIMAL.test(v) && (v.length < 300 || Number.isFinite(Number(v)));
}

export function dec(o: Obj, key: string, path: string): string {
  const v = o[key];
  if (!isDecimal(v)) fail(`${path}.${key}`, 'expected a decimal string');
  return v;
}

export function nullableDec(o: Obj, key: string, path: string): void {
  const v = o[key];
  if (v !== null && !isDecimal(v)) fail(`${path}.${key}`, 'expected a decimal string or null');
}

export function optDec(o: Obj, key: string, path: string): void {
  const v = o[key];
  if (v !== undefined && v !== null && !isDecimal(v)) fail(`${path}.${key}`, 'expected a decimal string');
}

/** Runs a throwing validator and turns any failure into a returned WireParseError. */
export function guard<T>(run: () => T): T | WireParseError {
  try {
    return run();
  } catch (e) {
    if (e instanceof WireParseError) return e;
    return new WireParseError('bad_shape', '', `unexpected shape: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Checks a perp asset context (activeAssetCtx.ctx, metaAndAssetCtxs[1][i], allDexsAssetCtxs). */
export function checkPerpAssetCtx(x: unknown, path: string): PerpAssetCtx {
  const o = obj(x, path);
  dec(o, 'funding', path);
  dec(o, 'openInterest', path);
  dec(o, 'prevDayPx', path);
  dec(o, 'dayNtlVlm', path);
  nullableDec(o, 'premium', path);
  dec(o, 'oraclePx', path);
  dec(o, 'markPx', path);
  nullableDec(o, 'midPx', path);
  const imp = o.impactPxs;
  if (imp !== null) {
    const a = arr(imp, `${path}.impactPxs`);
    if (a.length !== 2 || !isDecimal(a[0]) || !isDecimal(a[1])) fail(`${path}.impactPxs`, 'expected [bidPx, askPx] or null');
  }
  dec(o, 'dayBaseVlm', path);
  return o as unknown as PerpAssetCtx;
}
