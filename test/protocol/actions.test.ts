import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  batchModifyAction,
  builderFee,
  CloidGenerator,
  cancelAction,
  cancelByCloidAction,
  cloidFromInt,
  cloidToBigInt,
  isCloid,
  type L1Action,
  modifyAction,
  noopAction,
  type OrderWire,
  type OrderWireInput,
  orderAction,
  orderWire,
  scheduleCancelAction,
  updateIsolatedMarginAction,
  updateLeverageAction,
} from '../../src/protocol/actions.ts';
import { ActionError } from '../../src/protocol/errors.ts';
import { l1ActionHash, signL1Action } from '../../src/protocol/signing.ts';

interface VectorRecord {
  kind: string;
  source: string;
  privateKey: string | null;
  action: Record<string, unknown> | null;
  nonce: number | null;
  vaultAddress: string | null;
  expiresAfter: number | null;
  isMainnet: boolean | null;
  expected: { hash?: string; r?: string; s?: string; v?: number };
  note?: string;
}
const vectors = JSON.parse(readFileSync(new URL('../fixtures/hyperliquid/signing_vectors.json', import.meta.url), 'utf8')) as VectorRecord[];

type WireOrder = {
  a: number;
  b: boolean;
  p: string;
  s: string;
  r: boolean;
  t: { limit?: { tif: 'Alo' | 'Ioc' | 'Gtc' }; trigger?: { isMarket: boolean; triggerPx: string; tpsl: 'tp' | 'sl' } };
  c?: string;
};

/** Rebuilds a vector's action from its content through our builders only (key order is ours). */
function rebuild(action: Record<string, unknown>): L1Action | undefined {
  switch (action.type) {
    case 'order': {
      const orders = (action.orders as WireOrder[]).map((o) => {
        const input: OrderWireInput = { asset: o.a, isBuy: o.b, px: o.p, sz: o.s, reduceOnly: o.r };
        if (o.t.limit !== undefined) input.tif = o.t.limit.tif;
        if (o.t.trigger !== undefined) input.trigger = { tpsl: o.t.trigger.tpsl, triggerPx: o.t.trigger.triggerPx, isMarket: o.t.trigger.isMarket };
        if (o.c !== undefined) input.cloid = o.c;
        return orderWire(input);
      });
      return orderAction(orders, action.grouping as 'na', action.builder as { b: string; f: number } | undefined);
    }
    case 'cancel':
      return cancelAction(action.cancels as { a: number; o: number }[]);
    case 'cancelByCloid':
      return cancelByCloidAction(action.cancels as { asset: number; cloid: string }[]);
    case 'scheduleCancel':
      return scheduleCancelAction(action.time as number | undefined);
    case 'updateLeverage':
      return updateLeverageAction(action.asset as number, action.isCross as boolean, action.leverage as number);
    case 'noop':
      return noopAction();
    default:
      return undefined;
  }
}

const l1Records = vectors.filter((v) => (v.kind === 'l1ActionHash' || v.kind === 'l1ActionSignature' || v.kind.startsWith('l1ActionHash(')) && v.action !== null);
const isNegative = (v: VectorRecord) => (v.note ?? '').startsWith('NEGATIVE');
const hasSyntheticKey = (v: VectorRecord) => Object.keys(v.action ?? {}).some((k) => k.startsWith('_'));

describe('builders reproduce every L1 vector of their action types', () => {
  const buildable = l1Records.filter((v) => !isNegative(v) && !hasSyntheticKey(v) && rebuild(v.action as Record<string, unknown>) !== undefined);

  test('covers the derived vectors and the SDK order/scheduleCancel vectors', () => {
    const types = new Set(buildable.map((v) => v.action?.type));
    for (const t of ['order', 'cancel', 'cancelByCloid', 'scheduleCancel', 'updateLeverage', 'noop']) assert.ok(types.has(t), t);
    assert.ok(buildable.filter((v) => v.source.startsWith('derived')).length >= 14);
    // 23 SDK records (order, scheduleCancel) + 14 derived (cancel, cancelByCloid, HIP-3 ALO, tpsl, leverage…).
    assert.equal(buildable.length, 37);
  });

  test('identical JSON (keys and their order) and identical hash / signature', () => {
    for (const v of buildable) {
      const built = rebuild(v.action as Record<string, unknown>);
      assert.equal(JSON.stringify(built), JSON.stringify(v.action), `${v.source} ${v.note}`);
      const args = { action: built, nonce: v.nonce as number, vaultAddress: v.vaultAddress, expiresAfter: v.expiresAfter };
      if (v.expected.hash !== undefined) assert.equal(l1ActionHash(args), v.expected.hash, v.note);
      if (v.expected.r !== undefined) {
        const sig = signL1Action({ ...args, privateKey: v.privateKey as string, isMainnet: v.isMainnet as boolean });
        assert.deepEqual(sig, { r: v.expected.r, s: v.expected.s, v: v.expected.v }, v.note);
      }
    }
  });

  test('the historical trigger key order (NEGATIVE vectors) is never produced', () => {
    const negatives = l1Records.filter(isNegative);
    assert.ok(negatives.length >= 2);
    for (const v of negatives) {
      const built = rebuild(v.action as Record<string, unknown>);
      assert.notEqual(JSON.stringify(built), JSON.stringify(v.action));
      const t = (built as { orders: OrderWire[] }).orders[0]?.t as { trigger: object };
      assert.deepEqual(Object.keys(t.trigger), ['isMarket', 'triggerPx', 'tpsl']);
      const sig = signL1Action({ action: built, nonce: v.nonce as number, privateKey: v.privateKey as string, isMainnet: v.isMainnet as boolean });
      assert.notEqual(sig.r, v.expected.r);
    }
  });
});

describe('orderWire / orderAction', () => {
  const base = { asset: 110000, isBuy: true, px: '12.345', sz: '3.1', reduceOnly: false, tif: 'Ioc' } as const;

  test('optional keys are absent, not undefined', () => {
    const w = orderWire(base);
    assert.deepEqual(Object.keys(w), ['a', 'b', 'p', 's', 'r', 't']);
    assert.equal('c' in w, false);
    const a = orderAction([w]);
    assert.deepEqual(Object.keys(a), ['type', 'orders', 'grouping']);
    assert.equal(a.grouping, 'na');
    assert.deepEqual(Object.keys(scheduleCancelAction()), ['type']);
    assert.deepEqual(Object.keys(orderWire({ ...base, cloid: cloidFromInt(7) })), ['a', 'b', 'p', 's', 'r', 't', 'c']);
  });

  test('hex is lowercased: cloid and builder address', () => {
    const w = orderWire({ ...base, cloid: '0xDEADBEEFDEADBEEFDEADBEEFDEADBEEF' });
    assert.equal(w.c, '0xdeadbeefdeadbeefdeadbeefdeadbeef');
    const a = orderAction([w], 'na', { b: '0xABCDEF0123456789ABCDEF0123456789ABCDEF01', f: 10 });
    assert.deepEqual(a.builder, { b: '0xabcdef0123456789abcdef0123456789abcdef01', f: 10 });
    assert.deepEqual(Object.keys(a), ['type', 'orders', 'grouping', 'builder']);
  });

  test('groupings, including the priority form', () => {
    const w = orderWire(base);
    assert.equal(orderAction([w], 'positionTpsl').grouping, 'positionTpsl');
    assert.deepEqual(orderAction([w], { p: 1000 }).grouping, { p: 1000 });
    assert.throws(() => orderAction([w], { p: -1 }), ActionError);
    assert.throws(() => orderAction([w], 'bogus' as 'na'), ActionError);
    assert.throws(() => orderAction([]), ActionError);
  });

  const rejects = (f: () => unknown, code: string) =>
    assert.throws(f, (e: unknown) => e instanceof ActionError && e.code === code, `expected ActionError ${code}`);

  test('validation: asset, px, sz, tif/trigger, cloid', () => {
    for (const asset of [-1, 1.5, Number.NaN, 2 ** 53]) rejects(() => orderWire({ ...base, asset }), 'bad_asset');
    for (const px of ['0', '1.10', '01', '-1', '1e5', '.5', '1.', '', ' 1', '0.0']) rejects(() => orderWire({ ...base, px }), 'bad_price');
    for (const sz of ['0', '1.0', '-0.1', 'abc']) rejects(() => orderWire({ ...base, sz }), 'bad_size');
    rejects(() => orderWire({ ...base, tif: 'Fok' as 'Ioc' }), 'bad_order_type');
    rejects(() => orderWire({ ...base, tif: undefined }), 'bad_order_type');
    rejects(() => orderWire({ ...base, trigger: { isMarket: true, triggerPx: '1', tpsl: 'sl' } }), 'bad_order_type');
    rejects(() => orderWire({ ...base, tif: undefined, trigger: { isMarket: true, triggerPx: '1.0', tpsl: 'sl' } }), 'bad_price');
    rejects(() => orderWire({ ...base, tif: undefined, trigger: { isMarket: true, triggerPx: '1', tpsl: 'xx' as 'sl' } }), 'bad_order_type');
    for (const cloid of ['0x1', '0x' + 'g'.repeat(32), '1'.repeat(34), `0x${'0'.repeat(33)}`]) rejects(() => orderWire({ ...base, cloid }), 'bad_cloid');
  });

  test('with szDecimals, px/triggerPx/sz must be on the market grid (spot vs perp by asset id)', () => {
    assert.equal(orderWire({ ...base, szDecimals: 2 }).p, '12.345');
    rejects(() => orderWire({ ...base, px: '12.3456', szDecimals: 2 }), 'bad_price'); // 6 significant figures
    rejects(() => orderWire({ ...base, px: '1.23456', szDecimals: 2 }), 'bad_price'); // 5 decimals > 6 − 2
    rejects(() => orderWire({ ...base, sz: '3.123', szDecimals: 2 }), 'bad_size');
    rejects(() => orderWire({ ...base, sz: '0.1928733304402333767298326824', szDecimals: 2 }), 'bad_size');
    assert.equal(orderWire({ ...base, px: '123456', szDecimals: 2 }).p, '123456'); // integers always allowed
    // 0.000123 has 6 decimals: allowed for spot (8 − 2), not for a perp or a HIP-3 perp (6 − 2).
    assert.equal(orderWire({ ...base, asset: 10000, px: '0.000123', szDecimals: 2 }).p, '0.000123');
    rejects(() => orderWire({ ...base, asset: 110000, px: '0.000123', szDecimals: 2 }), 'bad_price');
    rejects(() => orderWire({ ...base, asset: 3, px: '0.000123', szDecimals: 2 }), 'bad_price');
    rejects(
      () => orderWire({ ...base, tif: undefined, trigger: { isMarket: true, triggerPx: '12.3456', tpsl: 'sl' }, szDecimals: 2 }),
      'bad_price',
    );
  });

  test('validation: other builders', () => {
    rejects(() => updateLeverageAction(0, true, 0), 'bad_leverage');
    rejects(() => updateLeverageAction(0, true, 2.5), 'bad_leverage');
    rejects(() => updateLeverageAction(-1, true, 2), 'bad_asset');
    rejects(() => scheduleCancelAction(0), 'bad_time');
    rejects(() => scheduleCancelAction(1.5), 'bad_time');
    rejects(() => cancelAction([]), 'bad_oid');
    rejects(() => cancelAction([{ a: 0, o: -1 }]), 'bad_oid');
    rejects(() => cancelByCloidAction([{ asset: 1, cloid: 'x' }]), 'bad_cloid');
    rejects(() => builderFee('0x12', 1), 'bad_address');
    rejects(() => builderFee(`0x${'1'.repeat(40)}`, 1001), 'bad_fee');
    rejects(() => modifyAction(-5, orderWire(base)), 'bad_oid');
  });

  test('cancel builders drop unknown keys (they would change the hash)', () => {
    const c = cancelAction([{ a: 3, o: 9, extra: 1 } as { a: number; o: number }]);
    assert.equal(JSON.stringify(c), '{"type":"cancel","cancels":[{"a":3,"o":9}]}');
    const cc = cancelByCloidAction([{ cloid: cloidFromInt(1), asset: 110001 }]);
    assert.equal(JSON.stringify(cc), `{"type":"cancelByCloid","cancels":[{"asset":110001,"cloid":"${cloidFromInt(1)}"}]}`);
  });

  test('modify, batchModify, updateIsolatedMargin key order', () => {
    const w = orderWire(base);
    assert.deepEqual(Object.keys(modifyAction(5, w)), ['type', 'oid', 'order']);
    assert.equal(modifyAction('0xABCDEF0123456789ABCDEF0123456789', w).oid, '0xabcdef0123456789abcdef0123456789');
    assert.equal(JSON.stringify(batchModifyAction([{ oid: 1, order: w }])), JSON.stringify({ type: 'batchModify', modifies: [{ oid: 1, order: w }] }));
    assert.deepEqual(Object.keys(updateIsolatedMarginAction(1, true, -1_000_000)), ['type', 'asset', 'isBuy', 'ntli']);
  });
});

describe('cloids', () => {
  test('cloidFromInt matches Python Cloid.from_int and round-trips', () => {
    assert.equal(cloidFromInt(1), '0x00000000000000000000000000000001');
    assert.equal(cloidFromInt((1n << 128n) - 1n), `0x${'f'.repeat(32)}`);
    assert.throws(() => cloidFromInt(-1), ActionError);
    assert.throws(() => cloidFromInt(1n << 128n), ActionError);
    assert.throws(() => cloidFromInt(0.5), ActionError);
    assert.equal(cloidToBigInt(cloidFromInt(123456789)), 123456789n);
    assert.equal(isCloid(cloidFromInt(5)), true);
    assert.equal(isCloid('0xDEADBEEFDEADBEEFDEADBEEFDEADBEEF'), false);
    assert.equal(isCloid(5), false);
  });

  test('CloidGenerator: prefix + counter, unique, recognisable', () => {
    const g = new CloidGenerator({ prefix: '0xa1b3', start: 41 });
    const first = g.next();
    assert.equal(first, '0xa1b30000000000000000000000000029');
    const seen = new Set<string>([first]);
    for (let i = 0; i < 10_000; i++) {
      const c = g.next();
      assert.ok(isCloid(c) && g.owns(c), c);
      seen.add(c);
    }
    assert.equal(seen.size, 10_001);
    assert.equal(g.owns(cloidFromInt(41)), false);
    assert.equal(g.owns('0xA1B30000000000000000000000000029'), true);
    assert.equal(g.owns(undefined), false);
    assert.equal(new CloidGenerator({ start: 1 }).next(), cloidFromInt(1));
  });

  test('CloidGenerator wraps at its counter width and rejects bad prefixes', () => {
    const g = new CloidGenerator({ prefix: 'ff'.repeat(12), start: 2 ** 32 - 1 });
    assert.equal(g.next(), `0x${'ff'.repeat(12)}ffffffff`);
    assert.equal(g.next(), `0x${'ff'.repeat(12)}00000000`);
    assert.throws(() => new CloidGenerator({ prefix: 'abc' }), ActionError);
    assert.throws(() => new CloidGenerator({ prefix: 'zz' }), ActionError);
    assert.throws(() => new CloidGenerator({ prefix: 'ff'.repeat(13) }), ActionError);
    assert.throws(() => new CloidGenerator({ start: -1 }), ActionError);
    const d = new CloidGenerator({ prefix: '01' });
    assert.ok(isCloid(d.next()));
  });
});
