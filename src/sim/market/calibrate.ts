// Derivation of the default universe's calibration from a real `allDexsAssetCtxs` frame
// (test/fixtures/hyperliquid/nautilus_trader/ws_all_dexs_asset_ctxs.json, mainnet, 2026-05-29 ~20:44 UTC,
// i.e. after the US close). Pure: the caller reads the file. The result is committed as calibration.ts and
// test/sim/market-calibration.test.ts re-derives it from the fixture and compares
// (UPDATE_CALIBRATION=1 node --test test/sim/market-calibration.test.ts rewrites calibration.ts).
//
// The frame carries contexts by position in each dex's `meta` universe, not names. Names, szDecimals,
// maxLeverage and onlyIsolated therefore come from the venue's own `meta` listings:
// - validator dex: BTC/ETH szDecimals and leverage as in test/fixtures/.../http_meta_perp_sample.json; SOL
//   (index 5) and HYPE (index 159) from the public mainnet `meta` (SOL 2/20x, HYPE 2/10x).
// - xyz: the public mainnet `meta {dex:"xyz"}` universe (indices 0..31 are the markets that had a book in the
//   capture; 32+ had none or were delisted). The mapping is confirmed by the prices in the frame
//   (XYZ100 29858, GOLD 4570, JPY 158.91, EUR 1.1642, SILVER 77.8, CL 91.06, NATGAS 3.049 ...).
// Keeping xyz in meta order means sim asset ids equal mainnet ones (110000 + index).

export interface MarketSource {
  dex: string;
  /** Position of the market in its dex's meta universe (and in the frame's ctx array). */
  index: number;
  coin: string;
  szDecimals: number;
  maxLeverage: number;
  onlyIsolated: boolean;
}

const validator = (index: number, coin: string, szDecimals: number, maxLeverage: number): MarketSource => ({
  dex: '',
  index,
  coin,
  szDecimals,
  maxLeverage,
  onlyIsolated: false,
});
const xyz = (index: number, coin: string, szDecimals: number, maxLeverage: number, iso: boolean): MarketSource => ({
  dex: 'xyz',
  index,
  coin,
  szDecimals,
  maxLeverage,
  onlyIsolated: iso,
});

export const MARKET_SOURCES: readonly MarketSource[] = [
  validator(0, 'BTC', 5, 40),
  validator(1, 'ETH', 4, 25),
  validator(5, 'SOL', 2, 20),
  validator(159, 'HYPE', 2, 10),
  xyz(0, 'XYZ100', 4, 30, false),
  xyz(1, 'TSLA', 3, 20, false),
  xyz(2, 'NVDA', 3, 20, false),
  xyz(3, 'GOLD', 4, 25, false),
  xyz(4, 'HOOD', 3, 10, true),
  xyz(5, 'INTC', 2, 10, true),
  xyz(6, 'PLTR', 3, 10, true),
  xyz(7, 'COIN', 3, 10, true),
  xyz(8, 'META', 3, 20, false),
  xyz(9, 'AAPL', 3, 20, false),
  xyz(10, 'MSFT', 3, 20, false),
  xyz(11, 'ORCL', 3, 10, true),
  xyz(12, 'GOOGL', 3, 20, false),
  xyz(13, 'AMZN', 3, 20, false),
  xyz(14, 'AMD', 3, 10, true),
  xyz(15, 'MU', 3, 10, false),
  xyz(16, 'SNDK', 3, 10, false),
  xyz(17, 'MSTR', 3, 10, true),
  xyz(18, 'CRCL', 3, 10, true),
  xyz(19, 'NFLX', 3, 10, true),
  xyz(20, 'COST', 4, 20, true),
  xyz(21, 'LLY', 4, 10, true),
  xyz(22, 'SKHX', 3, 10, false),
  xyz(23, 'TSM', 3, 10, true),
  xyz(24, 'JPY', 2, 50, true),
  xyz(25, 'EUR', 1, 50, true),
  xyz(26, 'SILVER', 2, 25, false),
  xyz(27, 'RIVN', 2, 10, true),
  xyz(28, 'BABA', 3, 10, true),
  xyz(29, 'CL', 3, 20, false),
  xyz(30, 'COPPER', 2, 20, true),
  xyz(31, 'NATGAS', 1, 10, true),
];

/** One market of the default universe with what the real snapshot said about it. */
export interface CalibrationRow {
  /** 'BTC' or 'xyz:GOLD' (the venue's coin name). */
  name: string;
  dex: string;
  szDecimals: number;
  maxLeverage: number;
  onlyIsolated: boolean;
  oraclePx: number;
  markPx: number;
  /** Book mid (BBO) at capture time. */
  midPx: number;
  impactBidPx: number;
  impactAskPx: number;
  /** (impactAsk − impactBid) / impact mid, in bps: the spread a ~impact-notional taker pays. */
  impactSpreadBps: number;
  /** (midPx − oraclePx) / oraclePx, in bps: the book's offset from the oracle at capture time. */
  basisBps: number;
  /** 24 h notional volume, USD: sets default ladder depth. */
  dayNtlVlm: number;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

function num(v: unknown, what: string): number {
  const x = typeof v === 'string' ? Number(v) : Number.NaN;
  if (!Number.isFinite(x)) throw new Error(`calibration: ${what} is not a decimal string: ${JSON.stringify(v)}`);
  return x;
}

/** Derives the calibration rows of MARKET_SOURCES from an `allDexsAssetCtxs` WS frame. */
export function deriveCalibration(frame: unknown, sources: readonly MarketSource[] = MARKET_SOURCES): CalibrationRow[] {
  const ctxsByDex = new Map<string, unknown[]>();
  const ctxs = (frame as { data?: { ctxs?: unknown } }).data?.ctxs;
  if (!Array.isArray(ctxs)) throw new Error('calibration: frame has no data.ctxs array');
  for (const entry of ctxs) {
    if (Array.isArray(entry) && typeof entry[0] === 'string' && Array.isArray(entry[1])) {
      ctxsByDex.set(entry[0], entry[1]);
    }
  }
  return sources.map((s) => {
    const name = s.dex === '' ? s.coin : `${s.dex}:${s.coin}`;
    const ctx = ctxsByDex.get(s.dex)?.[s.index] as Record<string, unknown> | undefined;
    if (ctx === undefined) throw new Error(`calibration: no ctx for ${name} (dex '${s.dex}' index ${s.index})`);
    const impact = ctx.impactPxs;
    if (!Array.isArray(impact) || impact.length !== 2) throw new Error(`calibration: ${name} has no impactPxs`);
    const oraclePx = num(ctx.oraclePx, `${name}.oraclePx`);
    const midPx = num(ctx.midPx, `${name}.midPx`);
    const impactBidPx = num(impact[0], `${name}.impactPxs[0]`);
    const impactAskPx = num(impact[1], `${name}.impactPxs[1]`);
    return {
      name,
      dex: s.dex,
      szDecimals: s.szDecimals,
      maxLeverage: s.maxLeverage,
      onlyIsolated: s.onlyIsolated,
      oraclePx,
      markPx: num(ctx.markPx, `${name}.markPx`),
      midPx,
      impactBidPx,
      impactAskPx,
      impactSpreadBps: round2(((impactAskPx - impactBidPx) / ((impactAskPx + impactBidPx) / 2)) * 1e4),
      basisBps: round2(((midPx - oraclePx) / oraclePx) * 1e4),
      dayNtlVlm: Math.round(num(ctx.dayNtlVlm, `${name}.dayNtlVlm`)),
    };
  });
}

/** The source text of calibration.ts for the given rows. */
export function renderCalibrationModule(rows: readonly CalibrationRow[]): string {
  const lines = rows.map((r) => `  ${JSON.stringify(r).replaceAll('":', '": ').replaceAll(',"', ', "')},`);
  return [
    '// GENERATED from test/fixtures/hyperliquid/nautilus_trader/ws_all_dexs_asset_ctxs.json by',
    '// deriveCalibration() in calibrate.ts. Do not edit: run',
    '//   UPDATE_CALIBRATION=1 node --test test/sim/market-calibration.test.ts',
    "import type { CalibrationRow } from './calibrate.ts';",
    '',
    'export const CALIBRATION: readonly CalibrationRow[] = [',
    ...lines,
    '];',
    '',
  ].join('\n');
}
