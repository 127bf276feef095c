// The default hlsim universe: the validator dex ('') with BTC, ETH, SOL, HYPE and the builder dex `xyz` with
// its first 32 markets in mainnet meta order (so xyz asset ids equal mainnet's: 110000 + index). Prices,
// spreads and basis come from the generated CALIBRATION table (see calibrate.ts for the derivation and
// sources). Validator asset ids are 0..3 here, NOT mainnet's (SOL is 5 and HYPE 159 there).
import type { CalibrationRow } from './calibrate.ts';
import { CALIBRATION } from './calibration.ts';

export interface SimMarketDef {
  /** Venue coin name: 'BTC' or 'xyz:XYZ100'. */
  name: string;
  /** '' for the validator dex. */
  dex: string;
  szDecimals: number;
  maxLeverage: number;
  onlyIsolated?: boolean;
  /** Oracle (and book centre) at start. */
  initialPx: number;
}

export interface SimUniverse {
  /** Dex names in perpDexs order: '' first. */
  dexes: string[];
  /** Markets in meta order within each dex. */
  markets: SimMarketDef[];
}

function marketDefFromCalibration(row: CalibrationRow): SimMarketDef {
  return {
    name: row.name,
    dex: row.dex,
    szDecimals: row.szDecimals,
    maxLeverage: row.maxLeverage,
    onlyIsolated: row.onlyIsolated,
    initialPx: row.oraclePx,
  };
}

/** A fresh copy of the default universe (callers may mutate it). */
export function defaultUniverse(): SimUniverse {
  const dexes: string[] = [];
  for (const row of CALIBRATION) if (!dexes.includes(row.dex)) dexes.push(row.dex);
  return { dexes, markets: CALIBRATION.map(marketDefFromCalibration) };
}

/** The calibration row of a market of the default universe, if it is one. */
export function calibrationOf(name: string): CalibrationRow | undefined {
  return CALIBRATION.find((r) => r.name === name);
}
