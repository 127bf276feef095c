// Re-derives the committed calibration table from the real snapshot and compares.
// UPDATE_CALIBRATION=1 node --test test/sim/market-calibration.test.ts rewrites src/sim/market/calibration.ts.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { isValidPrice } from '../../src/protocol/format.ts';
import { deriveCalibration, MARKET_SOURCES, renderCalibrationModule } from '../../src/sim/market/calibrate.ts';
import { CALIBRATION } from '../../src/sim/market/calibration.ts';
import { defaultUniverse } from '../../src/sim/market/universe.ts';

const fixture = new URL('../fixtures/hyperliquid/nautilus_trader/ws_all_dexs_asset_ctxs.json', import.meta.url);
const metaSample = new URL('../fixtures/hyperliquid/nautilus_trader/http_meta_perp_sample.json', import.meta.url);
const tableFile = new URL('../../src/sim/market/calibration.ts', import.meta.url);

const derived = deriveCalibration(JSON.parse(readFileSync(fixture, 'utf8')));

test('calibration.ts is exactly what the fixture derives (regenerate with UPDATE_CALIBRATION=1)', () => {
  const text = renderCalibrationModule(derived);
  if (process.env.UPDATE_CALIBRATION === '1') writeFileSync(tableFile, text);
  assert.deepEqual(CALIBRATION, derived);
  assert.equal(readFileSync(tableFile, 'utf8'), text);
});

test('derived numbers follow anchors.md §6.4 for the markets it names', () => {
  const byName = new Map(derived.map((r) => [r.name, r]));
  // "CL 1.5 bps, SILVER 0.8, XYZ100 0.3, GOLD 0.3 bps impact spread, with |mid − oracle| of 1–3 bps"
  const expected: [string, number][] = [
    ['xyz:CL', 1.5],
    ['xyz:SILVER', 0.8],
    ['xyz:XYZ100', 0.3],
    ['xyz:GOLD', 0.3],
  ];
  for (const [name, spread] of expected) {
    const r = byName.get(name)!;
    assert.ok(Math.abs(r.impactSpreadBps - spread) < 0.1, `${name} spread ${r.impactSpreadBps}`);
    assert.ok(Math.abs(r.basisBps) <= 3, `${name} basis ${r.basisBps}`);
  }
  const xyzSpreads = derived.filter((r) => r.dex === 'xyz').map((r) => r.impactSpreadBps).sort((a, b) => a - b);
  const median = xyzSpreads[Math.floor(xyzSpreads.length / 2)]!;
  assert.ok(median > 3 && median < 15, `xyz median impact spread ${median}`); // §6.4: 11.3 over all 64 books
});

test('szDecimals and leverage agree with the meta fixture where it lists the market', () => {
  const meta = JSON.parse(readFileSync(metaSample, 'utf8')) as { universe: { name: string; szDecimals: number; maxLeverage: number }[] };
  let compared = 0;
  for (const m of meta.universe) {
    const r = derived.find((x) => x.name === m.name);
    if (r === undefined) continue;
    assert.equal(r.szDecimals, m.szDecimals, m.name);
    assert.equal(r.maxLeverage, m.maxLeverage, m.name);
    compared++;
  }
  assert.equal(compared, 2); // BTC, ETH
});

test('default universe: validator dex + xyz with ≥ 8 markets in meta order, valid prices, unique names', () => {
  const u = defaultUniverse();
  assert.deepEqual(u.dexes, ['', 'xyz']);
  const xyz = u.markets.filter((m) => m.dex === 'xyz');
  assert.ok(xyz.length >= 8);
  assert.deepEqual(
    xyz.map((m) => m.name),
    MARKET_SOURCES.filter((s) => s.dex === 'xyz')
      .sort((a, b) => a.index - b.index)
      .map((s) => `xyz:${s.coin}`),
  );
  // xyz indices are contiguous from 0, so sim asset ids equal mainnet's (110000 + index)
  assert.deepEqual(
    MARKET_SOURCES.filter((s) => s.dex === 'xyz').map((s) => s.index),
    xyz.map((_, i) => i),
  );
  assert.equal(new Set(u.markets.map((m) => m.name)).size, u.markets.length);
  for (const m of u.markets) {
    assert.ok(isValidPrice(String(m.initialPx), m.szDecimals, 'perp'), `${m.name} ${m.initialPx}`);
    assert.ok(m.maxLeverage >= 1 && m.maxLeverage <= 50);
    assert.ok(m.name.startsWith(m.dex === '' ? '' : `${m.dex}:`));
  }
  u.markets.pop();
  assert.equal(defaultUniverse().markets.length, xyz.length + 4); // callers get a fresh copy
});
