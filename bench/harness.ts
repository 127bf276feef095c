// Shared helpers for `npm run bench`: every benchmark records figures through a BenchRecorder, and
// bench/run.ts writes them all to bench/results.json so runs can be compared.
export interface LatencyFigure {
  name: string;
  unit: string;
  p50: number;
  p99: number;
  p999?: number;
  max: number;
  n: number;
}
export interface ThroughputFigure {
  name: string;
  unit: string;
  value: number;
}
export type Figure = LatencyFigure | ThroughputFigure;

export interface BenchRecorder {
  /** Records a latency distribution from raw samples (already in `unit`). */
  latency(name: string, unit: string, samples: ArrayLike<number>): LatencyFigure;
  throughput(name: string, unit: string, value: number): ThroughputFigure;
  note(text: string): void;
}

export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export function summarise(name: string, unit: string, samples: ArrayLike<number>): LatencyFigure {
  const sorted = Float64Array.from(samples).sort();
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    name,
    unit,
    p50: round(quantile(sorted, 0.5)),
    p99: round(quantile(sorted, 0.99)),
    p999: round(quantile(sorted, 0.999)),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
    n: sorted.length,
  };
}

/** Nanosecond clock as a number of microseconds, for timing short operations. */
export function nowUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}
