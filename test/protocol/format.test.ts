import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FormatError } from '../../src/protocol/errors.ts';
import {
  aggressiveRounding,
  canonicalDecimal,
  floatToIntForHashing,
  floatToUsdInt,
  floatToWire,
  formatPrice,
  formatSize,
  isCanonicalDecimal,
  isValidPrice,
  isValidSize,
  maxPriceDecimals,
  type PriceKind,
  type PriceRounding,
  passiveRounding,
  priceTickExponent,
} from '../../src/protocol/format.ts';

interface VectorRecord {
  kind: string;
  input: Record<string, unknown>;
  expected: { value?: unknown; error?: string };
  note?: string;
}
const vectors = JSON.parse(readFileSync(new URL('../fixtures/hyperliquid/signing_vectors.json', import.meta.url), 'utf8')) as VectorRecord[];
const ofKind = (k: string) => vectors.filter((v) => v.kind === k);

const isFormatError = (code?: string) => (e: unknown) => e instanceof FormatError && (code === undefined || e.code === code);

describe('signing_vectors.json formatting records', () => {
  test('the file has the expected formatting records', () => {
    assert.equal(ofKind('formatPrice(ts)').length, 24);
    assert.equal(ofKind('formatSize(ts)').length, 15);
    assert.equal(ofKind('float_to_wire').length, 11);
    assert.equal(ofKind('float_to_int_for_hashing').length, 4);
    assert.equal(ofKind('pythonPriceRounding').length, 5);
  });

  test('formatPrice(ts): every record, TS truncation = round "down"', () => {
    for (const r of ofKind('formatPrice(ts)')) {
      const { price, szDecimals, type } = r.input as { price: string; szDecimals: number; type: PriceKind };
      const expected = r.expected.value as string | undefined;
      if (expected === undefined) {
        assert.throws(() => formatPrice(price, szDecimals, type, 'down'), isFormatError(), `${price} must throw`);
      } else if (expected.startsWith('-')) {
        // Deliberate difference: the TS SDK formats negative prices; a price is never negative, so we
        // throw. The magnitude still formats exactly as the SDK does.
        assert.throws(() => formatPrice(price, szDecimals, type, 'down'), isFormatError('not_positive'));
        assert.equal(formatPrice(price.slice(1), szDecimals, type, 'down'), expected.slice(1));
      } else {
        assert.equal(formatPrice(price, szDecimals, type, 'down'), expected, `${price} sz${szDecimals} ${type}`);
        // The same value given as a number formats identically.
        assert.equal(formatPrice(Number(price), szDecimals, type, 'down'), expected, `${price} as number`);
      }
    }
  });

  test('formatSize(ts): every record (truncation)', () => {
    for (const r of ofKind('formatSize(ts)')) {
      const { size, szDecimals } = r.input as { size: string; szDecimals: number };
      const expected = r.expected.value as string | undefined;
      if (expected === undefined) {
        assert.throws(() => formatSize(size, szDecimals), isFormatError(), `${size} must throw`);
      } else if (expected.startsWith('-')) {
        // Deliberate difference (as for prices): sizes are magnitudes, negative input throws.
        assert.throws(() => formatSize(size, szDecimals), isFormatError('not_positive'));
        assert.equal(formatSize(size.slice(1), szDecimals), expected.slice(1));
      } else {
        assert.equal(formatSize(size, szDecimals), expected, `${size} sz${szDecimals}`);
        assert.equal(formatSize(Number(size), szDecimals), expected, `${size} as number`);
      }
    }
  });

  test('float_to_wire: every record (Python "-0" quirk replaced by "0")', () => {
    for (const r of ofKind('float_to_wire')) {
      const x = (r.input as { x: number }).x;
      if (r.expected.error !== undefined) {
        assert.throws(() => floatToWire(x), isFormatError('not_representable'), `${x}`);
      } else if (r.expected.value === '-0') {
        // The record is Python's quirk for -0.0 (JSON stores it as 0). We emit "0" on purpose.
        assert.equal(floatToWire(x), '0');
        assert.equal(floatToWire(-0), '0');
      } else {
        assert.equal(floatToWire(x), r.expected.value, `${x}`);
      }
    }
  });

  test('float_to_int_for_hashing: every record', () => {
    for (const r of ofKind('float_to_int_for_hashing')) {
      const x = (r.input as { x: number }).x;
      if (r.expected.error !== undefined) assert.throws(() => floatToIntForHashing(x), isFormatError('not_representable'));
      else assert.equal(floatToIntForHashing(x).toString(), String(r.expected.value));
    }
  });

  test('pythonPriceRounding: every record = round "nearest"', () => {
    for (const r of ofKind('pythonPriceRounding')) {
      const { px, szDecimals, isSpot } = r.input as { px: number; szDecimals: number; isSpot: boolean };
      const s = formatPrice(px, szDecimals, isSpot ? 'spot' : 'perp', 'nearest');
      assert.equal(Number(s), r.expected.value, `${px}`);
    }
  });

  test('where the SDKs disagree both behaviours are reachable through `round`', () => {
    // TS truncates, Python rounds to nearest: 1234.56 (szDecimals 0, perp).
    assert.equal(formatPrice(1234.56, 0, 'perp', 'down'), '1234.5');
    assert.equal(formatPrice(1234.56, 0, 'perp', 'nearest'), '1234.6');
    assert.equal(formatPrice(1.2345678, 0, 'perp', 'down'), '1.2345');
    assert.equal(formatPrice(1.2345678, 0, 'perp', 'nearest'), '1.2346');
    assert.equal(formatPrice(123456.7, 0, 'perp', 'down'), '123456');
    assert.equal(formatPrice(123456.7, 0, 'perp', 'nearest'), '123457');
    // Python rounds twice (.5g, then decimals); we round once, exactly.
    assert.equal(formatPrice(0.00123451, 0, 'perp', 'nearest'), '0.001235');
  });
});

describe('formatPrice rules', () => {
  test('rounding direction is explicit and exact', () => {
    assert.equal(formatPrice(100.123456, 0, 'perp', 'up'), '100.13');
    assert.equal(formatPrice(100.123456, 0, 'perp', 'down'), '100.12');
    assert.equal(formatPrice(100.125, 0, 'perp', 'nearest'), '100.12'); // tie → even
    assert.equal(formatPrice(100.135, 0, 'perp', 'nearest'), '100.14'); // tie → even
    assert.equal(formatPrice(9999.95, 0, 'perp', 'up'), '10000');
    assert.equal(formatPrice(9999.95, 0, 'perp', 'down'), '9999.9');
    assert.equal(formatPrice(99999.5, 0, 'perp', 'up'), '100000');
    assert.equal(formatPrice(99999.5, 0, 'perp', 'down'), '99999');
    assert.equal(formatPrice(0.000001, 0, 'perp', 'down'), '0.000001');
    assert.equal(formatPrice(0.0000004, 0, 'perp', 'up'), '0.000001');
    assert.throws(() => formatPrice(0.0000004, 0, 'perp', 'down'), isFormatError('rounds_to_zero'));
    assert.throws(() => formatPrice(0.0000004, 0, 'perp', 'nearest'), isFormatError('rounds_to_zero'));
  });

  test('binary noise never changes a price that is already on the grid', () => {
    for (const round of ['down', 'up', 'nearest'] as const) {
      assert.equal(formatPrice(0.1 + 0.2, 4, 'perp', round), '0.3');
      assert.equal(formatPrice(1.1 * 3, 2, 'perp', round), '3.3');
      assert.equal(formatPrice(1.1, 5, 'perp', round), '1.1');
      assert.equal(formatPrice(2.9999999999999996, 0, 'perp', round), '3');
      assert.equal(formatPrice(4.35 * 100, 0, 'perp', round), '435');
    }
    assert.equal(formatSize(1.1, 1), '1.1');
    assert.equal(formatSize(0.3 * 3, 1), '0.9');
    assert.equal(formatSize(4.35 * 100, 0), '435');
  });

  test('decimals: 6 − szDecimals (perp, HIP-3), 8 − szDecimals (spot), never negative', () => {
    assert.equal(maxPriceDecimals(0, 'perp'), 6);
    assert.equal(maxPriceDecimals(5, 'perp'), 1);
    assert.equal(maxPriceDecimals(7, 'perp'), 0);
    assert.equal(maxPriceDecimals(2, 'spot'), 6);
    assert.equal(formatPrice(1.23456789, 5, 'perp', 'down'), '1.2');
    assert.equal(formatPrice(1.23456789, 6, 'perp', 'down'), '1');
    assert.equal(formatPrice(0.0000123456789, 0, 'spot', 'down'), '0.00001234');
  });

  test('docs examples (Tick and lot size)', () => {
    assert.equal(isValidPrice('1234.5', 0, 'perp'), true);
    assert.equal(isValidPrice('1234.56', 0, 'perp'), false);
    assert.equal(isValidPrice('0.001234', 0, 'perp'), true);
    assert.equal(isValidPrice('0.0012345', 0, 'perp'), false);
    assert.equal(isValidPrice('0.01234', 1, 'perp'), true);
    assert.equal(isValidPrice('0.012345', 1, 'perp'), false);
    assert.equal(isValidPrice('123456', 0, 'perp'), true);
    assert.equal(isValidPrice('12345.6', 0, 'perp'), false);
    assert.equal(isValidSize('1.001', 3), true);
    assert.equal(isValidSize('1.0001', 3), false);
  });

  test('validators reject malformed, zero and negative strings', () => {
    for (const s of ['', '0', '0.0', '-1', '+1', '1e3', '.5', '1.', ' 1', 'abc', 'NaN', 'Infinity', '0x10']) {
      assert.equal(isValidPrice(s, 0, 'perp'), false, s);
      assert.equal(isValidSize(s, 3), false, s);
    }
    assert.equal(isValidPrice('1.10', 0, 'perp'), true); // numeric check; the exact wire form is isCanonicalDecimal
    assert.equal(isCanonicalDecimal('1.10'), false);
    assert.equal(isCanonicalDecimal('01'), false);
    assert.equal(isCanonicalDecimal('1.1'), true);
    assert.equal(isCanonicalDecimal('0'), true);
    assert.equal(isCanonicalDecimal('-0'), false);
  });

  test('never silently a different order: bad input throws FormatError', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.throws(() => formatPrice(bad, 0, 'perp', 'down'), isFormatError('invalid_number'));
      assert.throws(() => formatSize(bad, 0), isFormatError('invalid_number'));
      assert.throws(() => floatToWire(bad), isFormatError('invalid_number'));
    }
    for (const bad of [0, -0, -1, '0', '-0', '-0.5']) {
      assert.throws(() => formatPrice(bad, 0, 'perp', 'up'), isFormatError('not_positive'));
      assert.throws(() => formatSize(bad, 0), isFormatError('not_positive'));
    }
    for (const bad of ['', 'abc', '1..2', '1,5', '--1', '1e400', 'Infinity', '0x10']) {
      assert.throws(() => formatPrice(bad, 0, 'perp', 'up'), isFormatError('invalid_number'));
    }
    assert.throws(() => formatSize(0.0009, 3), isFormatError('rounds_to_zero'));
    assert.throws(() => formatPrice(1, -1, 'perp', 'up'), isFormatError('bad_decimals'));
    assert.throws(() => formatSize(1, 1.5), isFormatError('bad_decimals'));
  });

  test('rounding helpers: away from the touch for takers, toward safety for resting orders', () => {
    assert.equal(aggressiveRounding(true), 'up');
    assert.equal(aggressiveRounding(false), 'down');
    assert.equal(passiveRounding(true), 'down');
    assert.equal(passiveRounding(false), 'up');
    // IOC buy at ask × 1.001 keeps the whole allowance; a resting buy never pays more than computed.
    assert.equal(formatPrice(25.123456, 2, 'perp', aggressiveRounding(true)), '25.124');
    assert.equal(formatPrice(25.123456, 2, 'perp', passiveRounding(true)), '25.123');
  });

  test('priceTickExponent, canonicalDecimal, float helpers', () => {
    assert.equal(priceTickExponent(25.1, 2, 'perp'), -3);
    assert.equal(priceTickExponent(110427, 5, 'perp'), 0);
    assert.equal(priceTickExponent(0.0012, 0, 'perp'), -6);
    assert.equal(canonicalDecimal('00.1200'), '0.12');
    assert.equal(canonicalDecimal('1e3'), '1000');
    assert.equal(canonicalDecimal(-0), '0');
    assert.equal(canonicalDecimal('-1.50'), '-1.5');
    assert.equal(floatToUsdInt(1.5), 1_500_000);
    assert.equal(floatToUsdInt(-2.000001), -2_000_001);
    assert.throws(() => floatToUsdInt(1.0000001), isFormatError('not_representable'));
    assert.equal(floatToWire(-1.5), '-1.5');
    assert.equal(floatToWire(1e21), '1000000000000000000000');
    assert.equal(floatToWire(-1e-13), '0');
  });
});

describe('properties', () => {
  const kinds = fc.constantFrom<PriceKind>('perp', 'spot');
  const rounds = fc.constantFrom<PriceRounding>('down', 'up', 'nearest');
  const positive = fc.double({ min: 1e-7, max: 1e9, noNaN: true, noDefaultInfinity: true }).filter((x) => x > 0);

  test('formatPrice output parses back, is valid and canonical, and lies on the requested side within a tick', () => {
    fc.assert(
      fc.property(positive, fc.integer({ min: 0, max: 8 }), kinds, rounds, (px, szDecimals, kind, round) => {
        let out: string;
        try {
          out = formatPrice(px, szDecimals, kind, round);
        } catch (e) {
          // Only legitimate failure: below the smallest tick when not rounding up.
          assert.ok(e instanceof FormatError && e.code === 'rounds_to_zero' && round !== 'up', String(e));
          assert.ok(px < 10 ** -maxPriceDecimals(szDecimals, kind));
          return;
        }
        const v = Number(out);
        assert.ok(Number.isFinite(v) && v > 0);
        assert.ok(isValidPrice(out, szDecimals, kind), `${out} invalid (px ${px} sz ${szDecimals} ${kind})`);
        assert.ok(isCanonicalDecimal(out), out);
        assert.equal(formatPrice(out, szDecimals, kind, round), out, 'idempotent');
        // The input as the caller meant it (15 significant digits; see format.ts).
        const meant = Number(px.toPrecision(15));
        const tick = 10 ** priceTickExponent(px, szDecimals, kind);
        if (round === 'down') assert.ok(v <= meant && meant - v < tick * (1 + 1e-9), `${px} → ${out}`);
        if (round === 'up') assert.ok(v >= meant && v - meant < tick * (1 + 1e-9), `${px} → ${out}`);
        if (round === 'nearest') assert.ok(Math.abs(v - meant) <= tick / 2 + tick * 1e-9, `${px} → ${out}`);
      }),
      { numRuns: 3000 },
    );
  });

  test('a price already on the grid is returned unchanged by every rounding mode', () => {
    const gridPrice = fc
      .tuple(fc.integer({ min: 1, max: 99999 }), fc.integer({ min: -8, max: 3 }), fc.integer({ min: 0, max: 6 }))
      .map(([m, e, sz]) => ({ s: canonicalDecimal(`${m}e${e}`), sz }));
    fc.assert(
      fc.property(gridPrice, kinds, ({ s, sz }, kind) => {
        if (!isValidPrice(s, sz, kind)) return;
        for (const round of ['down', 'up', 'nearest'] as const) {
          assert.equal(formatPrice(s, sz, kind, round), s);
          assert.equal(formatPrice(Number(s), sz, kind, round), s);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('formatSize truncates toward zero to a valid size', () => {
    fc.assert(
      fc.property(positive, fc.integer({ min: 0, max: 8 }), (sz, d) => {
        let out: string;
        try {
          out = formatSize(sz, d);
        } catch (e) {
          assert.ok(e instanceof FormatError && e.code === 'rounds_to_zero');
          return;
        }
        const v = Number(out);
        const meant = Number(sz.toPrecision(15));
        assert.ok(isValidSize(out, d) && isCanonicalDecimal(out), out);
        assert.ok(v <= meant && meant - v < 10 ** -d * (1 + 1e-9), `${sz} → ${out}`);
      }),
      { numRuns: 2000 },
    );
  });

  test('floatToWire agrees with the Python rule on values with ≤ 8 decimals', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 8 }), (m, d) => {
        const x = m / 10 ** d;
        const s = floatToWire(x);
        assert.equal(Number(s), x === 0 ? 0 : x);
        assert.ok(!s.includes('e') && s !== '-0' && !/\.\d*0$/.test(s) && !s.endsWith('.'), s);
      }),
      { numRuns: 2000 },
    );
  });
});
