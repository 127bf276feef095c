// Named market regimes for hlsim. A scenario is plain data: defaults for every market plus per-market
// overrides. 'calibrated' values are resolved per market from the real snapshot (calibration.ts) by
// resolveMarketConfig(); markets outside the calibration table get FALLBACK_CALIBRATION.
//
// Why these four (reference-system.md §6, anchors.md §6.4):
// - calm: xyz as captured: tight books that follow the oracle within ~30–200 ms, few jumps.
// - jumpy: frequent oracle jumps (often > 1 %, so the oracle needs several capped 3 s steps: the
//   "consecutive moves" the original keyed on) and makers that lag 100 ms – 1.5 s: the regime the strategy
//   is built for (stale liquidity after an oracle step).
// - structural-basis: books permanently 15–40 bps away from the oracle (the deployer's mark follows the
//   book), ordinary lag. This is what the original mistook for edge: 74 % of its trades, −$30 of −$39.
// - thin: wide spreads (≥ 3× real), two small levels, rare takers: crossing is expensive.
import type { CalibrationRow } from './calibrate.ts';
import { rngStream } from './rng.ts';
import type { SimMarketDef } from './universe.ts';
import { calibrationOf } from './universe.ts';

/** How long a maker takes to re-quote after seeing an oracle change. */
export type LagDistribution =
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'lognormal'; medianMs: number; sigma: number; minMs: number; maxMs: number };

/**
 * Where the makers centre their books relative to the oracle, in bps: a number; 'calibrated' (the
 * snapshot's mid − oracle); or a range drawn once per market from the seed (optionally with random sign).
 */
export type BasisSpec = number | 'calibrated' | { minBps: number; maxBps: number; randomSign: boolean };

/** Oracle publication timing: one publisher per dex, like a deployer's single setOracle for all its assets. */
export interface OracleTimingConfig {
  /** Mean spacing of publications (the venue expects ~3 s). */
  intervalMs: number;
  /** Spacing is uniform in intervalMs ± jitterMs, and never below MIN_ORACLE_SPACING_MS. */
  jitterMs: number;
}

/** The underlying price process of one market and how its oracle/mark are published. */
export interface OracleConfig {
  /** Diffusion volatility of the underlying, bps per √second (1.2 ≈ 30 %/yr over trading hours). */
  volBpsPerSqrtSec: number;
  /** Volatility of log-volatility per √second (stochastic vol); 0 = constant vol. */
  volOfVol: number;
  /** Mean-reversion speed of log-volatility, per second. */
  volMeanReversionPerSec: number;
  /** Poisson rate of jumps of the underlying, per minute. */
  jumpsPerMinute: number;
  /** Mean absolute jump size in bps (exponential, random sign). */
  jumpMeanBps: number;
  /** Largest move of the published oracle (and mark) per update; the venue's cap is 1 %. */
  maxStepFrac: number;
  /** Standard deviation of the deployer's external mark input around oracle × (1 + basis), in bps. */
  markNoiseBps: number;
}

export interface MakerConfig {
  /** Price levels per side. */
  levels: number;
  /** Distance from the centre to the best level, bps; 'calibrated' = a quarter of the real impact spread. */
  topHalfSpreadBps: number | 'calibrated';
  /** Distance between levels, bps; 'calibrated' puts the real impact price mid-ladder. */
  levelSpacingBps: number | 'calibrated';
  /** Multiplies both distances above (after calibration). */
  spreadMultiplier: number;
  /** Lower bound on the best level's distance, bps (applied after the multiplier). */
  minTopHalfSpreadBps: number;
  /** Notional per level, USD; 'calibrated' scales with the market's real 24 h volume. */
  levelNotionalUsd: number | 'calibrated';
  /** Each level's size is multiplied by U(1 − f, 1 + f). */
  sizeJitterFrac: number;
  lag: LagDistribution;
  /** Alo never crosses (levels are pulled behind the opposite touch); Gtc may trade with stale quotes. */
  tif: 'Alo' | 'Gtc';
  /** Mean time between small re-quotes that keep the book moving between oracle updates; 0 = never. */
  jitterMeanIntervalMs: number;
  /** Standard deviation of the centre shift used by such a re-quote, bps. */
  jitterBps: number;
}

export interface TakerConfig {
  /** Poisson arrival rate of noise IOC orders per market, per minute; 0 = none. */
  arrivalsPerMinute: number;
  /** Order notional is lognormal with this median (USD) and log-sd; never below the venue's 10 USDC. */
  notionalMedianUsd: number;
  notionalSigma: number;
  /** IOC limit beyond the touch, bps. */
  slippageBps: number;
}

export interface MarketDynamicsConfig {
  oracle: OracleConfig;
  basis: BasisSpec;
  makers: MakerConfig[];
  takers: TakerConfig;
}

export interface MarketOverrides {
  oracle?: Partial<OracleConfig>;
  basis?: BasisSpec;
  /** Merged index by index onto the scenario's makers; extra entries extend the last maker. */
  makers?: Partial<MakerConfig>[];
  takers?: Partial<TakerConfig>;
}

export interface ScenarioConfig extends MarketDynamicsConfig {
  name: string;
  description: string;
  oracleTiming: OracleTimingConfig;
  /** Overrides by market name ('xyz:GOLD'). */
  perMarket: Record<string, MarketOverrides>;
}

export interface ScenarioOverrides extends MarketOverrides {
  description?: string;
  oracleTiming?: Partial<OracleTimingConfig>;
  perMarket?: Record<string, MarketOverrides>;
}

/** The venue refuses setOracle calls closer than 2.5 s. */
export const MIN_ORACLE_SPACING_MS = 2500;
/** The venue's cap on one oracle/mark update. */
const MAX_ORACLE_STEP_FRAC = 0.01;

const FALLBACK_CALIBRATION = { impactSpreadBps: 10, basisBps: 0, dayNtlVlm: 5_000_000 } as const;

const TIMING: OracleTimingConfig = { intervalMs: 3000, jitterMs: 300 };

const CALM_ORACLE: OracleConfig = {
  volBpsPerSqrtSec: 1.2,
  volOfVol: 0.03,
  volMeanReversionPerSec: 1 / 600,
  jumpsPerMinute: 0.3,
  jumpMeanBps: 10,
  maxStepFrac: MAX_ORACLE_STEP_FRAC,
  markNoiseBps: 1,
};

const FAST_MAKER: MakerConfig = {
  levels: 5,
  topHalfSpreadBps: 'calibrated',
  levelSpacingBps: 'calibrated',
  spreadMultiplier: 1,
  minTopHalfSpreadBps: 0.5,
  levelNotionalUsd: 'calibrated',
  sizeJitterFrac: 0.3,
  lag: { kind: 'uniform', minMs: 30, maxMs: 200 },
  tif: 'Alo',
  jitterMeanIntervalMs: 1500,
  jitterBps: 0.3,
};

const SLOW_MAKER: MakerConfig = {
  ...FAST_MAKER,
  levels: 3,
  spreadMultiplier: 1.6,
  lag: { kind: 'uniform', minMs: 50, maxMs: 500 },
  jitterMeanIntervalMs: 2500,
};

const TAKERS: TakerConfig = { arrivalsPerMinute: 6, notionalMedianUsd: 150, notionalSigma: 0.8, slippageBps: 5 };

const SCENARIOS: Record<string, ScenarioConfig> = {
  calm: {
    name: 'calm',
    description: 'real-snapshot spreads, books follow the oracle within 30–500 ms, rare small jumps',
    oracleTiming: TIMING,
    oracle: CALM_ORACLE,
    basis: 0,
    makers: [FAST_MAKER, SLOW_MAKER],
    takers: TAKERS,
    perMarket: {},
  },
  jumpy: {
    name: 'jumpy',
    description: 'frequent oracle jumps (often > 1 %, so several capped steps) and makers lagging 100 ms–1.5 s',
    oracleTiming: TIMING,
    oracle: { ...CALM_ORACLE, volBpsPerSqrtSec: 2, volOfVol: 0.06, jumpsPerMinute: 3, jumpMeanBps: 60, markNoiseBps: 2 },
    basis: 0,
    makers: [
      { ...FAST_MAKER, lag: { kind: 'lognormal', medianMs: 300, sigma: 0.6, minMs: 100, maxMs: 1500 } },
      { ...SLOW_MAKER, lag: { kind: 'lognormal', medianMs: 600, sigma: 0.5, minMs: 150, maxMs: 1500 } },
    ],
    takers: { ...TAKERS, arrivalsPerMinute: 10 },
    perMarket: {},
  },
  'structural-basis': {
    name: 'structural-basis',
    description: 'books sit 15–40 bps (random sign per market) away from the oracle for good; ordinary lag',
    oracleTiming: TIMING,
    oracle: { ...CALM_ORACLE, volBpsPerSqrtSec: 1.5, jumpsPerMinute: 1, jumpMeanBps: 20 },
    basis: { minBps: 15, maxBps: 40, randomSign: true },
    makers: [FAST_MAKER, SLOW_MAKER].map((m) => ({ ...m, lag: { kind: 'uniform', minMs: 30, maxMs: 500 } })),
    takers: TAKERS,
    perMarket: {},
  },
  thin: {
    name: 'thin',
    description: 'one maker, two small levels, spreads ≥ 3× the real ones (≥ 10 bps each side), rare takers',
    oracleTiming: TIMING,
    oracle: CALM_ORACLE,
    basis: 0,
    makers: [
      {
        ...FAST_MAKER,
        levels: 2,
        spreadMultiplier: 3,
        minTopHalfSpreadBps: 10,
        levelNotionalUsd: 150,
        lag: { kind: 'uniform', minMs: 30, maxMs: 500 },
        jitterMeanIntervalMs: 4000,
      },
    ],
    takers: { ...TAKERS, arrivalsPerMinute: 2, notionalMedianUsd: 40 },
    perMarket: {},
  },
};

export type ScenarioName = 'calm' | 'jumpy' | 'structural-basis' | 'thin';

export function scenarioNames(): string[] {
  return Object.keys(SCENARIOS);
}

function mergeMakers(base: MakerConfig[], over: Partial<MakerConfig>[] | undefined): MakerConfig[] {
  if (over === undefined) return base.map((m) => ({ ...m }));
  const n = Math.max(base.length, over.length);
  const out: MakerConfig[] = [];
  for (let i = 0; i < n; i++) out.push({ ...base[Math.min(i, base.length - 1)]!, ...over[i] });
  return out;
}

function applyOverrides<T extends MarketDynamicsConfig>(base: T, o: MarketOverrides): T {
  return {
    ...base,
    oracle: { ...base.oracle, ...o.oracle },
    basis: o.basis ?? base.basis,
    makers: mergeMakers(base.makers, o.makers),
    takers: { ...base.takers, ...o.takers },
  };
}

/** A named scenario, optionally overridden (scenario-wide and per market). Throws on an unknown name. */
export function scenario(name: ScenarioName | string, overrides: ScenarioOverrides = {}): ScenarioConfig {
  const base = SCENARIOS[name];
  if (base === undefined) throw new Error(`unknown scenario '${name}' (known: ${scenarioNames().join(', ')})`);
  const merged = applyOverrides(base, overrides);
  const perMarket: Record<string, MarketOverrides> = { ...base.perMarket };
  for (const [coin, o] of Object.entries(overrides.perMarket ?? {})) {
    const prev = perMarket[coin];
    perMarket[coin] =
      prev === undefined
        ? o
        : {
            oracle: { ...prev.oracle, ...o.oracle },
            basis: o.basis ?? prev.basis,
            makers: o.makers ?? prev.makers,
            takers: { ...prev.takers, ...o.takers },
          };
  }
  return {
    ...merged,
    description: overrides.description ?? base.description,
    oracleTiming: { ...base.oracleTiming, ...overrides.oracleTiming },
    perMarket,
  };
}

/** A maker with every distance and size resolved to numbers for one market. */
export interface ResolvedMaker extends Omit<MakerConfig, 'topHalfSpreadBps' | 'levelSpacingBps' | 'levelNotionalUsd'> {
  topHalfSpreadBps: number;
  levelSpacingBps: number;
  levelNotionalUsd: number;
}

export interface ResolvedMarketConfig {
  market: SimMarketDef;
  oracle: OracleConfig;
  basisBps: number;
  makers: ResolvedMaker[];
  takers: TakerConfig;
}

type CalibrationInput = Pick<CalibrationRow, 'impactSpreadBps' | 'basisBps' | 'dayNtlVlm'>;

function resolveMaker(m: MakerConfig, cal: CalibrationInput): ResolvedMaker {
  const halfImpact = cal.impactSpreadBps / 2;
  // top level at a quarter of the impact spread; the real impact price then lies mid-ladder
  const top = m.topHalfSpreadBps === 'calibrated' ? halfImpact / 2 : m.topHalfSpreadBps;
  const spacing =
    m.levelSpacingBps === 'calibrated' ? Math.max(0.5, (halfImpact - top) / Math.max(1, (m.levels - 1) / 2)) : m.levelSpacingBps;
  // 1/10000 of a day's volume per level, between 1,000 and 25,000 USD (BTC → 25k, XYZ100 → 15k,
  // GOLD → 4.4k, TSLA and the after-hours equities → 1k): well above the bot's $10–100 orders
  const notional =
    m.levelNotionalUsd === 'calibrated' ? Math.round(Math.min(25_000, Math.max(1_000, cal.dayNtlVlm / 10_000))) : m.levelNotionalUsd;
  return {
    ...m,
    topHalfSpreadBps: Math.max(m.minTopHalfSpreadBps, top * m.spreadMultiplier),
    levelSpacingBps: spacing * m.spreadMultiplier,
    levelNotionalUsd: notional,
  };
}

function resolveBasis(spec: BasisSpec, cal: CalibrationInput, seed: number, coin: string): number {
  if (typeof spec === 'number') return spec;
  if (spec === 'calibrated') return cal.basisBps;
  const rng = rngStream(seed, 'basis', coin);
  const magnitude = rng.uniform(spec.minBps, spec.maxBps);
  return spec.randomSign && rng.chance(0.5) ? -magnitude : magnitude;
}

/** The numbers one market runs with under a scenario and seed. */
export function resolveMarketConfig(sc: ScenarioConfig, market: SimMarketDef, seed: number): ResolvedMarketConfig {
  const cfg = applyOverrides(sc, sc.perMarket[market.name] ?? {});
  const cal: CalibrationInput = calibrationOf(market.name) ?? FALLBACK_CALIBRATION;
  return {
    market,
    oracle: { ...cfg.oracle, maxStepFrac: Math.min(MAX_ORACLE_STEP_FRAC, cfg.oracle.maxStepFrac) },
    basisBps: resolveBasis(cfg.basis, cal, seed, market.name),
    makers: cfg.makers.map((m) => resolveMaker(m, cal)),
    takers: cfg.takers,
  };
}
