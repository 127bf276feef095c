// One market's underlying price and the oracle/mark a HIP-3 deployer would publish from it.
//
// The underlying is a log random walk with stochastic volatility (mean-reverting log-vol) and Poisson jumps.
// The published oracle chases it under the venue's rules: each update moves at most maxStepFrac (≤ 1 %)
// from the previous published value and lands on the price grid, so a 3 % jump takes three ~3 s updates:
// the "consecutive oracle moves" of reference-system.md §6.2. The external mark input (the deployer's
// markPxs entry) is oracle × (1 + basis) plus noise, capped the same way; the exchange takes the median with
// its local mark.
//
// Determinism: the underlying draws only from its own stream, the mark noise from another, so the underlying
// path for a seed is the same whether or not anything is published (stopOracle) or traded.
import type { Rng } from './rng.ts';
import { snapPrice } from './prices.ts';
import type { OracleConfig } from './scenarios.ts';

/** Largest log-vol excursion: volatility stays within e^±1.5 ≈ ×0.22..×4.5 of its base. */
const MAX_LOG_VOL = 1.5;

export interface OraclePublication {
  oraclePx: number;
  externalMarkPx: number;
}

export interface OracleProcessOptions {
  initialPx: number;
  szDecimals: number;
  config: OracleConfig;
  basisBps: number;
  /** Stream for the underlying (diffusion, vol, jumps). */
  pathRng: Rng;
  /** Stream for the external mark's noise. */
  markRng: Rng;
}

export class OracleProcess {
  readonly #initialPx: number;
  readonly #szDecimals: number;
  readonly #cfg: OracleConfig;
  readonly #basis: number;
  readonly #pathRng: Rng;
  readonly #markRng: Rng;
  #logReturn = 0;
  #logVol = 0;
  #lastOracle: number;
  #lastMark: number;
  #jumps = 0;

  constructor(o: OracleProcessOptions) {
    this.#initialPx = o.initialPx;
    this.#szDecimals = o.szDecimals;
    this.#cfg = o.config;
    this.#basis = o.basisBps / 1e4;
    this.#pathRng = o.pathRng;
    this.#markRng = o.markRng;
    this.#lastOracle = snapPrice(o.initialPx, o.szDecimals, 'nearest');
    this.#lastMark = snapPrice(this.#lastOracle * (1 + this.#basis), o.szDecimals, 'nearest');
  }

  /** The underlying's current price (what the oracle chases). */
  underlyingPx(): number {
    return this.#initialPx * Math.exp(this.#logReturn);
  }

  lastOraclePx(): number {
    return this.#lastOracle;
  }

  lastMarkPx(): number {
    return this.#lastMark;
  }

  /** Jumps of the underlying so far. */
  jumpCount(): number {
    return this.#jumps;
  }

  /** Evolves the underlying over dtMs. Always draws the same amount of randomness for the same dt. */
  advance(dtMs: number): void {
    const dt = dtMs / 1000;
    if (!(dt > 0)) return;
    const c = this.#cfg;
    const rng = this.#pathRng;
    const decay = Math.exp(-c.volMeanReversionPerSec * dt);
    const logVol = this.#logVol * decay + c.volOfVol * Math.sqrt(dt) * rng.normal();
    this.#logVol = Math.max(-MAX_LOG_VOL, Math.min(MAX_LOG_VOL, logVol));
    const sigma = c.volBpsPerSqrtSec * 1e-4 * Math.exp(this.#logVol);
    this.#logReturn += sigma * Math.sqrt(dt) * rng.normal();
    const n = rng.poisson((c.jumpsPerMinute * dt) / 60);
    for (let i = 0; i < n; i++) {
      const size = rng.exponential(c.jumpMeanBps) * 1e-4;
      this.#logReturn += rng.chance(0.5) ? size : -size;
      this.#jumps++;
    }
  }

  /** The next oracle and external mark to publish; becomes the reference for the next cap. */
  publish(): OraclePublication {
    const oraclePx = this.#capped(this.underlyingPx(), this.#lastOracle);
    const noise = (this.#cfg.markNoiseBps * 1e-4) * this.#markRng.normal();
    const externalMarkPx = this.#capped(oraclePx * (1 + this.#basis + noise), this.#lastMark);
    this.#lastOracle = oraclePx;
    this.#lastMark = externalMarkPx;
    return { oraclePx, externalMarkPx };
  }

  /** target moved at most maxStepFrac from prev, on the price grid, never past the cap after rounding. */
  #capped(target: number, prev: number): number {
    const cap = this.#cfg.maxStepFrac;
    const hi = prev * (1 + cap);
    const lo = prev * (1 - cap);
    const clamped = Math.min(hi, Math.max(lo, target));
    let px = snapPrice(clamped, this.#szDecimals, 'nearest');
    if (px > hi) px = snapPrice(clamped, this.#szDecimals, 'down');
    if (px < lo) px = snapPrice(clamped, this.#szDecimals, 'up');
    return px;
  }
}
