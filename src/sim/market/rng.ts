// Seeded pseudo-random numbers for the market dynamics: sfc32 (small, fast, passes PractRand to 2^40+)
// seeded through splitmix32. Every process draws from its own stream derived from (seed, labels...), e.g.
// rngStream(seed, 'oracle', 'xyz:GOLD'), so one market's oracle path never depends on how many numbers
// another agent consumed. Deterministic across runs and platforms (32-bit integer arithmetic only, plus
// Math.log/sqrt/cos which are deterministic for the same Node build).

const TWO_POW_32 = 4294967296;

/** murmur3's 32-bit finaliser: a good avalanche mix. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function hashString(h: number, s: string): number {
  // FNV-1a over UTF-16 code units, then mixed
  let x = (h ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < s.length; i++) {
    x ^= s.charCodeAt(i);
    x = Math.imul(x, 0x01000193);
  }
  return mix32(x);
}

/** A 32-bit key for (seed, labels...): equal inputs give equal keys, different ones differ with p ≈ 1 − 2^-32. */
export function streamKey(seed: number, labels: readonly (string | number)[]): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const whole = Math.trunc(seed);
  let h = mix32((whole >>> 0) ^ 0x9e3779b9);
  h = mix32(h ^ (Math.floor(whole / TWO_POW_32) >>> 0));
  for (const label of labels) {
    h = typeof label === 'number' ? mix32(h ^ mix32(label >>> 0) ^ 0x632be5ab) : hashString(h, label);
  }
  return h;
}

export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spareNormal: number | undefined = undefined;

  constructor(key: number) {
    // splitmix32 expands the key into the four words of sfc32's state
    let s = key >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let i = 0; i < 12; i++) this.nextU32(); // warm-up, as sfc32's author recommends
  }

  /** Uniform integer in [0, 2^32). */
  nextU32(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.#c = (r + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** Uniform in (0, 1): safe for log(). */
  floatOpen(): number {
    return (this.nextU32() + 0.5) / TWO_POW_32;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Standard normal (Box–Muller; the second value is kept for the next call). */
  normal(): number {
    const spare = this.#spareNormal;
    if (spare !== undefined) {
      this.#spareNormal = undefined;
      return spare;
    }
    const r = Math.sqrt(-2 * Math.log(this.floatOpen()));
    const theta = 2 * Math.PI * this.float();
    this.#spareNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(this.floatOpen());
  }

  /** Lognormal with the given median and log-space standard deviation. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Poisson count with mean lambda (Knuth below 30, rounded normal approximation above). */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda >= 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.float();
    while (p > limit) {
      k++;
      p *= this.float();
    }
    return k;
  }
}

/** An independent stream for (seed, labels...), e.g. rngStream(7, 'maker', 'xyz:GOLD', 0). */
export function rngStream(seed: number, ...labels: (string | number)[]): Rng {
  return new Rng(streamKey(seed, labels));
}
