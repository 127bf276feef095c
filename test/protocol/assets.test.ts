import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  AssetTable,
  decodePerpAssetId,
  isHip3AssetId,
  isMainPerpAssetId,
  isOutcomeAssetId,
  isSpotAssetId,
  parseAllPerpMetas,
  parseMetaAndAssetCtxs,
  parsePerpDexs,
  parsePerpMeta,
  perpAssetId,
  priceKindForAsset,
  splitAssetName,
} from '../../src/protocol/assets.ts';
import { AssetError, WireParseError } from '../../src/protocol/errors.ts';
import type { PerpDexs, PerpMeta, WsAllDexsAssetCtxs } from '../../src/protocol/wire.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/hyperliquid/nautilus_trader/${name}`, import.meta.url), 'utf8'));

function ok<T>(r: T | WireParseError): T {
  if (r instanceof WireParseError) assert.fail(`unexpected parse error at ${r.path}: ${r.message}`);
  return r;
}

const assetError = (code: string) => (e: unknown) => e instanceof AssetError && e.code === code;

// A perpDexs reply in the documented shape. The dex names are the real ones of the allDexsAssetCtxs
// capture; their order (hence their indices) is chosen by this test, as the fixtures hold no perpDexs.
const DEX_NAMES = ['xyz', 'flx', 'vntl', 'hyna', 'km', 'abcd', 'cash', 'para'];
const perpDexsJson: unknown = [
  null,
  ...DEX_NAMES.map((name) => ({
    name,
    fullName: `${name} dex`,
    deployer: `0x${'1'.repeat(40)}`,
    oracleUpdater: null,
    feeRecipient: null,
    assetToStreamingOiCap: [],
    subDeployers: [],
    deployerFeeScale: '1.0',
    lastDeployerFeeScaleChangeTime: '1970-01-01T00:00:00',
    assetToFundingMultiplier: [],
    assetToFundingInterestRate: [],
  })),
];

describe('asset ids', () => {
  test('perpAssetId: main dex = index; builder dex = 100000 + dex × 10000 + index', () => {
    assert.equal(perpAssetId(0, 0), 0);
    assert.equal(perpAssetId(0, 187), 187);
    assert.equal(perpAssetId(1, 0), 110000); // testnet test:ABC
    assert.equal(perpAssetId(2, 0), 120000); // testnet unit:ES
    assert.equal(perpAssetId(1, 3), 110003);
    assert.equal(perpAssetId(9989, 9999), 99_999_999);
    assert.throws(() => perpAssetId(9990, 0), assetError('bad_asset_id'));
    assert.throws(() => perpAssetId(1, 10000), assetError('bad_asset_id'));
    assert.throws(() => perpAssetId(-1, 0), assetError('bad_asset_id'));
    assert.throws(() => perpAssetId(1, 0.5), assetError('bad_asset_id'));
  });

  test('ranges and the price kind (HIP-3 is perp: not the Python ≥ 10000 → spot bug)', () => {
    assert.equal(priceKindForAsset(0), 'perp');
    assert.equal(priceKindForAsset(9999), 'perp');
    assert.equal(priceKindForAsset(10000), 'spot'); // PURR/USDC
    assert.equal(priceKindForAsset(10107), 'spot'); // HYPE/USDC
    assert.equal(priceKindForAsset(110000), 'perp');
    assert.equal(priceKindForAsset(150003), 'perp');
    assert.throws(() => priceKindForAsset(100_000_010), assetError('bad_asset_id')); // outcome
    assert.throws(() => priceKindForAsset(105000), assetError('bad_asset_id')); // dex index 0 is the main dex
    assert.throws(() => priceKindForAsset(-1), assetError('bad_asset_id'));
    assert.equal(isSpotAssetId(110000), false);
    assert.equal(isHip3AssetId(110000), true);
    assert.equal(isHip3AssetId(100000), false);
    assert.equal(isMainPerpAssetId(10000), false);
    assert.equal(isOutcomeAssetId(100_000_001), true);
    assert.deepEqual(decodePerpAssetId(120007), { perpDexIndex: 2, indexInMeta: 7 });
    assert.deepEqual(decodePerpAssetId(5), { perpDexIndex: 0, indexInMeta: 5 });
    assert.equal(decodePerpAssetId(10005), undefined);
    assert.deepEqual(splitAssetName('xyz:XYZ100'), { dex: 'xyz', coin: 'XYZ100' });
    assert.deepEqual(splitAssetName('BTC'), { dex: '', coin: 'BTC' });
  });
});

describe('payload parsers', () => {
  test('meta sample (nulls for isDelisted / onlyIsolated)', () => {
    const meta = ok(parsePerpMeta(fixture('http_meta_perp_sample.json'), ''));
    assert.deepEqual(
      meta.universe.map((u) => u.name),
      ['BTC', 'ETH', 'ATOM'],
    );
    // The same reply claimed for a builder dex is rejected: the names are not "xyz:…".
    const wrong = parsePerpMeta(fixture('http_meta_perp_sample.json'), 'xyz');
    assert.ok(wrong instanceof WireParseError && wrong.path === 'meta.universe[0].name');
  });

  test('allPerpMetas with non-USDC collateral and growth mode', () => {
    const metas = ok(parseAllPerpMetas(fixture('http_all_perp_metas_non_usdc_collateral.json')));
    assert.equal(metas.length, 3);
    assert.equal(metas[1]?.collateralToken, 360);
    assert.equal(metas[1]?.universe[0]?.growthMode, 'enabled');
  });

  test('perpDexs: entry 0 null, names unique', () => {
    const dexs = ok(parsePerpDexs(perpDexsJson));
    assert.equal(dexs[0], null);
    assert.equal(dexs[1]?.name, 'xyz');
    assert.ok(parsePerpDexs([]) instanceof WireParseError);
    assert.ok(parsePerpDexs([{ name: 'x' }]) instanceof WireParseError);
    const dup = [null, ...(perpDexsJson as unknown[]).slice(1, 2), ...(perpDexsJson as unknown[]).slice(1, 2)];
    assert.ok(parsePerpDexs(dup) instanceof WireParseError);
    assert.ok(parsePerpDexs([null, { name: 'a:b', fullName: '', deployer: '0x' }]) instanceof WireParseError);
  });

  test('metaAndAssetCtxs: one ctx per asset, ctxs validated', () => {
    const meta = fixture('http_meta_perp_sample.json');
    const all = fixture('ws_all_dexs_asset_ctxs.json') as { data: WsAllDexsAssetCtxs };
    const mainCtxs = all.data.ctxs.find(([d]) => d === '')?.[1] ?? [];
    const r = ok(parseMetaAndAssetCtxs([meta, mainCtxs.slice(0, 3)], ''));
    assert.equal(r[1][0]?.oraclePx, '77605.0');
    const short = parseMetaAndAssetCtxs([meta, mainCtxs.slice(0, 2)]);
    assert.ok(short instanceof WireParseError);
    const broken = parseMetaAndAssetCtxs([meta, [{ ...mainCtxs[0], markPx: 12 }, mainCtxs[1], mainCtxs[2]]]);
    assert.ok(broken instanceof WireParseError && broken.path === 'metaAndAssetCtxs[1][0].markPx', String(broken));
    assert.ok(parseMetaAndAssetCtxs({}) instanceof WireParseError);
  });

  test('malformed metas are typed errors, never throws', () => {
    for (const bad of [null, 1, 'x', {}, { universe: {} }, { universe: [{}] }, { universe: [{ name: 'A', szDecimals: -1, maxLeverage: 3 }] }, { universe: [{ name: '', szDecimals: 1, maxLeverage: 3 }] }, { universe: [{ name: 'A', szDecimals: 1, maxLeverage: 0 }] }]) {
      assert.ok(parsePerpMeta(bad) instanceof WireParseError, JSON.stringify(bad));
    }
    assert.ok(parseAllPerpMetas({}) instanceof WireParseError);
  });
});

describe('AssetTable', () => {
  const perpDexs = ok(parsePerpDexs(perpDexsJson)) as PerpDexs;

  test('from perpDexs + allPerpMetas fixture', () => {
    const metas = ok(parseAllPerpMetas(fixture('http_all_perp_metas_non_usdc_collateral.json')));
    const t = AssetTable.fromAllPerpMetas(perpDexs, metas);
    assert.equal(t.size, 3);
    const us500 = t.byName('km:US500');
    assert.equal(us500.assetId, 100000 + 5 * 10000);
    assert.equal(us500.dex, 'km');
    assert.equal(us500.coin, 'US500');
    assert.equal(us500.szDecimals, 3);
    assert.equal(us500.maxLeverage, 20);
    assert.equal(us500.growthMode, 'enabled');
    assert.equal(us500.collateralToken, 360);
    assert.equal(us500.priceKind, 'perp');
    assert.equal(t.byId(140000).name, 'hyna:BTC');
    // A bare name is the main-dex asset of that name (the venue's own meaning), even if a builder dex
    // lists the same coin.
    assert.equal(t.byName('BTC').assetId, 0);
    // A bare coin that only one builder dex lists resolves to it.
    assert.equal(t.byName('US500').name, 'km:US500');
    assert.equal(t.get('US500'), undefined);
    assert.throws(() => t.byName('ETH'), assetError('unknown_asset'));
    assert.throws(() => t.byName('xyz:US500'), assetError('unknown_asset'));
    assert.throws(() => t.byId(1), assetError('unknown_asset'));
    assert.equal(t.getById(1), undefined);
  });

  test('a bare coin on several builder dexes is ambiguous', () => {
    const m = (names: string[]): PerpMeta => ({ universe: names.map((name) => ({ name, szDecimals: 2, maxLeverage: 10 })) });
    const t = AssetTable.build(perpDexs, [
      { dex: '', meta: m(['BTC']) },
      { dex: 'xyz', meta: m(['xyz:XYZ100', 'xyz:GOLD']) },
      { dex: 'flx', meta: m(['flx:GOLD']) },
    ]);
    assert.throws(() => t.byName('GOLD'), assetError('ambiguous_asset'));
    assert.equal(t.byName('xyz:GOLD').assetId, 110001);
    assert.equal(t.byName('flx:GOLD').assetId, 120000);
    assert.equal(t.byName('XYZ100').assetId, 110000);
    assert.deepEqual(t.dexes, ['', 'xyz', 'flx']);
    assert.deepEqual(
      t.all().map((s) => s.assetId),
      [0, 110000, 110001, 120000],
    );
  });

  test('delisted assets keep their index; isolated-only flags', () => {
    const t = AssetTable.build(perpDexs, [
      {
        dex: 'xyz',
        meta: {
          universe: [
            { name: 'xyz:OLD', szDecimals: 1, maxLeverage: 5, isDelisted: true },
            { name: 'xyz:ISO', szDecimals: 1, maxLeverage: 5, marginMode: 'strictIsolated' },
            { name: 'xyz:ONLY', szDecimals: 1, maxLeverage: 5, onlyIsolated: true },
            { name: 'xyz:X', szDecimals: 1, maxLeverage: 5, onlyIsolated: null },
          ],
        },
      },
    ]);
    assert.equal(t.byName('xyz:OLD').isDelisted, true);
    assert.equal(t.byName('xyz:ISO').assetId, 110001);
    assert.equal(t.byName('xyz:ISO').onlyIsolated, true);
    assert.equal(t.byName('xyz:ISO').marginMode, 'strictIsolated');
    assert.equal(t.byName('xyz:ONLY').onlyIsolated, true);
    assert.equal(t.byName('xyz:X').onlyIsolated, false);
    assert.equal(t.byName('xyz:X').isDelisted, false);
  });

  test('inconsistent input is an AssetError', () => {
    const m = (names: string[]): PerpMeta => ({ universe: names.map((name) => ({ name, szDecimals: 2, maxLeverage: 10 })) });
    assert.throws(() => AssetTable.build(perpDexs, [{ dex: 'nope', meta: m(['nope:A']) }]), assetError('unknown_asset'));
    assert.throws(() => AssetTable.build(perpDexs, [{ dex: 'xyz', meta: m(['flx:A']) }]), assetError('bad_meta'));
    assert.throws(() => AssetTable.build(perpDexs, [{ dex: 'xyz', meta: m(['A']) }]), assetError('bad_meta'));
    assert.throws(() => AssetTable.build(perpDexs, [{ dex: 'xyz', meta: m(['xyz:A', 'xyz:A']) }]), assetError('ambiguous_asset'));
    assert.throws(
      () =>
        AssetTable.build(perpDexs, [
          { dex: 'xyz', meta: m(['xyz:A']) },
          { dex: 'xyz', meta: m(['xyz:B']) },
        ]),
      assetError('ambiguous_asset'),
    );
    // An allPerpMetas entry mixing dexes.
    assert.throws(() => AssetTable.fromAllPerpMetas(perpDexs, [m(['xyz:A', 'flx:B'])]), assetError('bad_meta'));
  });

  test('ids come from the meta order, never from perpDexs\' alphabetical lists (reference incident #16)', () => {
    // The reference bot's production xyz universe (meta order); SILVER 110026 and RIVN 110027 were swapped
    // when ids were taken from an alphabetical list.
    const universe =
      'XYZ100 TSLA NVDA GOLD HOOD INTC PLTR COIN META AAPL MSFT ORCL GOOGL AMZN AMD MU SNDK MSTR CRCL NFLX COST LLY SKHX TSM JPY EUR SILVER RIVN BABA CL COPPER NATGAS URANIUM ALUMINIUM SMSN PLATINUM USAR CRWV URNM PALLADIUM DXY GME'.split(' ');
    const alphabetical = [...universe].sort();
    const dexs = structuredClone(perpDexsJson) as { assetToStreamingOiCap: [string, string][] }[];
    (dexs[1] as { assetToStreamingOiCap: [string, string][] }).assetToStreamingOiCap = alphabetical.map((c) => [`xyz:${c}`, '1000000.0']);
    const t = AssetTable.build(ok(parsePerpDexs(dexs)), [
      { dex: 'xyz', meta: { universe: universe.map((c) => ({ name: `xyz:${c}`, szDecimals: 2, maxLeverage: 10 })) } },
    ]);
    assert.equal(t.byName('xyz:SILVER').assetId, 110026);
    assert.equal(t.byName('xyz:RIVN').assetId, 110027);
    assert.equal(t.byName('xyz:CL').assetId, 110029);
    assert.equal(t.byName('xyz:GOLD').assetId, 110003);
    assert.equal(t.byId(110041).name, 'xyz:GME');
    universe.forEach((c, i) => {
      assert.equal(t.byId(110000 + i).name, `xyz:${c}`);
    });
  });

  test('the real allDexsAssetCtxs capture: every dex has a table slot and ids are unique', () => {
    const all = fixture('ws_all_dexs_asset_ctxs.json') as { data: WsAllDexsAssetCtxs };
    // Synthesise metas with the real per-dex asset counts (names are placeholders).
    const metas = all.data.ctxs.map(([dex, ctxs]) => ({
      dex,
      meta: { universe: ctxs.map((_, i) => ({ name: dex === '' ? `M${i}` : `${dex}:C${i}`, szDecimals: 2, maxLeverage: 10 })) },
    }));
    const t = AssetTable.build(perpDexs, metas);
    assert.equal(t.size, all.data.ctxs.reduce((n, [, c]) => n + c.length, 0));
    assert.equal(t.byName('xyz:C79').assetId, 110079);
    assert.equal(t.byName('M229').assetId, 229);
    assert.equal(new Set(t.all().map((s) => s.assetId)).size, t.size);
  });
});
