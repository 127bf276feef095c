// What the venue hashes. The exchange deserialises an L1 action into its own structs and re-serialises them
// (msgpack, struct field order) to compute the connectionId, so the signature only recovers the real signer
// when the client hashed exactly that form (protocol doc §1.2, §2.3):
//   - keys in the venue's field order (a client with another order recovers a different address);
//   - absent optionals absent (a null `c` or `time` is dropped, so a client that hashed nil mismatches);
//   - decimals re-printed canonically ("0.10" → "0.1", "01" → "1");
//   - hex (cloids, builder address) lowercased;
//   - unknown keys dropped.
// venueL1Action returns that form, or undefined when the body would not deserialise (HTTP 422).

import { canonicalDecimal } from '../../protocol/format.ts';

type Obj = Record<string, unknown>;

const DECIMAL = /^\d+(\.\d+)?$/;
const CLOID = /^0x[0-9a-fA-F]{32}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const TIFS = new Set(['Alo', 'Ioc', 'Gtc', 'FrontendMarket']);

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function isUint(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** A decimal string as the venue prints it back: no leading zeros, no trailing fractional zeros. */
function dec(x: unknown): string | undefined {
  return typeof x === 'string' && DECIMAL.test(x) ? canonicalDecimal(x) : undefined;
}

function orderType(t: unknown): Obj | undefined {
  if (!isObj(t)) return undefined;
  if (t.limit !== undefined) {
    if (!isObj(t.limit) || !TIFS.has(t.limit.tif as string)) return undefined;
    return { limit: { tif: t.limit.tif } };
  }
  const tr = t.trigger;
  if (!isObj(tr) || typeof tr.isMarket !== 'boolean' || (tr.tpsl !== 'tp' && tr.tpsl !== 'sl')) return undefined;
  const triggerPx = dec(tr.triggerPx);
  if (triggerPx === undefined) return undefined;
  return { trigger: { isMarket: tr.isMarket, triggerPx, tpsl: tr.tpsl } };
}

function orderWire(o: unknown): Obj | undefined {
  if (!isObj(o) || !isUint(o.a) || typeof o.b !== 'boolean' || typeof o.r !== 'boolean') return undefined;
  const p = dec(o.p);
  const s = dec(o.s);
  const t = orderType(o.t);
  if (p === undefined || s === undefined || t === undefined) return undefined;
  const out: Obj = { a: o.a, b: o.b, p, s, r: o.r, t };
  if (o.c !== undefined && o.c !== null) {
    if (typeof o.c !== 'string' || !CLOID.test(o.c)) return undefined;
    out.c = o.c.toLowerCase();
  }
  return out;
}

function grouping(g: unknown): unknown {
  if (g === 'na' || g === 'normalTpsl' || g === 'positionTpsl') return g;
  if (isObj(g) && isUint(g.p)) return { p: g.p };
  return undefined;
}

/** The action in the form the venue hashes, or undefined if it would not deserialise. */
export function venueL1Action(a: Obj): Obj | undefined {
  switch (a.type) {
    case 'order': {
      if (!Array.isArray(a.orders) || a.orders.length === 0) return undefined;
      const orders: Obj[] = [];
      for (const o of a.orders) {
        const w = orderWire(o);
        if (w === undefined) return undefined;
        orders.push(w);
      }
      const g = grouping(a.grouping);
      if (g === undefined) return undefined;
      const out: Obj = { type: 'order', orders, grouping: g };
      if (a.builder !== undefined && a.builder !== null) {
        const b = a.builder;
        if (!isObj(b) || typeof b.b !== 'string' || !ADDRESS.test(b.b) || !isUint(b.f)) return undefined;
        out.builder = { b: b.b.toLowerCase(), f: b.f };
      }
      return out;
    }
    case 'cancel': {
      if (!Array.isArray(a.cancels)) return undefined;
      const cancels: Obj[] = [];
      for (const c of a.cancels) {
        if (!isObj(c) || !isUint(c.a) || !isUint(c.o)) return undefined;
        cancels.push({ a: c.a, o: c.o });
      }
      const out: Obj = { type: 'cancel', cancels };
      if (a.f === true) out.f = true;
      return out;
    }
    case 'cancelByCloid': {
      if (!Array.isArray(a.cancels)) return undefined;
      const cancels: Obj[] = [];
      for (const c of a.cancels) {
        if (!isObj(c) || !isUint(c.asset) || typeof c.cloid !== 'string' || !CLOID.test(c.cloid)) return undefined;
        cancels.push({ asset: c.asset, cloid: c.cloid.toLowerCase() });
      }
      const out: Obj = { type: 'cancelByCloid', cancels };
      if (a.f === true) out.f = true;
      return out;
    }
    case 'scheduleCancel': {
      if (a.time === undefined || a.time === null) return { type: 'scheduleCancel' };
      return isUint(a.time) ? { type: 'scheduleCancel', time: a.time } : undefined;
    }
    case 'updateLeverage': {
      if (!isUint(a.asset) || typeof a.isCross !== 'boolean' || !isUint(a.leverage)) return undefined;
      return { type: 'updateLeverage', asset: a.asset, isCross: a.isCross, leverage: a.leverage };
    }
    case 'noop':
      return { type: 'noop' };
    default:
      return undefined;
  }
}
