// Latency samples taken on the hot path. Recording is one store into a preallocated Float64Array (no
// allocation, no prom-client call between a frame and its order); a timer drains the new samples into the
// Prometheus histograms, and the run summary reads p50/p99 from the kept samples.

/** Sample tags: what the frame led to. */
export const TAG_NONE = 0;
export const TAG_ENTRY = 1;
export const TAG_EXIT = 2;

/** A ring of the most recent `capacity` samples (ns) plus a cursor of what was already drained. */
export class SampleRing {
  readonly values: Float64Array;
  /** Extra per-sample tag (e.g. entry/exit/none), one byte each. */
  readonly tags: Uint8Array;
  private written = 0;
  private drained = 0;

  constructor(capacity = 65_536) {
    this.values = new Float64Array(capacity);
    this.tags = new Uint8Array(capacity);
  }

  /** Hot path: one store. */
  add(ns: number, tag = 0): void {
    const i = this.written % this.values.length;
    this.values[i] = ns;
    this.tags[i] = tag;
    this.written++;
  }

  get count(): number {
    return this.written;
  }

  /** Calls fn for every sample added since the last drain (the oldest are lost if more than capacity). */
  drain(fn: (ns: number, tag: number) => void): void {
    const cap = this.values.length;
    const from = Math.max(this.drained, this.written - cap);
    for (let k = from; k < this.written; k++) fn(this.values[k % cap], this.tags[k % cap]);
    this.drained = this.written;
  }

  /** The kept samples (up to capacity), unsorted copy; only those with `tag` when given. */
  snapshot(tag?: number): Float64Array {
    const n = Math.min(this.written, this.values.length);
    if (tag === undefined) return this.values.slice(0, n);
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (this.tags[i] === tag) out.push(this.values[i]);
    return Float64Array.from(out);
  }
}

/** Quantile by nearest rank of a sample set (copied and sorted); null when empty. */
export function quantile(samples: Float64Array | readonly number[], q: number): number | null {
  const n = samples.length;
  if (n === 0) return null;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
  return sorted[rank];
}

/** Monotonic nanoseconds as a double (performance.now() has sub-µs resolution; no BigInt allocation). */
export function nowNs(): number {
  return performance.now() * 1e6;
}
