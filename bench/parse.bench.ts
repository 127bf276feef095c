// Hot-path parse throughput: bbo and activeAssetCtx frames (as the venue serialises them for a HIP-3
// market, xyz:XYZ100) through the fast parsers, next to plain JSON.parse of the same frames.
// Figures: parse.bbo, parse.active_asset_ctx, parse.json_baseline (frames/s); the JSON.parse-based
// alternative of each fast parser is reported too (…via_json) since the faster correct one is kept.
import {
  newActiveAssetCtxFrame,
  newBboFrame,
  PARSE_OK,
  parseActiveAssetCtxInto,
  parseActiveAssetCtxIntoViaJson,
  parseBboInto,
  parseBboIntoViaJson,
} from '../src/protocol/parse.ts';
import type { BenchRecorder } from './harness.ts';

const FRAMES_PER_RUN = 1_000_000;
const RUNS = 3;
const DISTINCT = 1024;

/** Deterministic frames: a random walk of the book and oracle around 25,000 (5 significant figures). */
function makeFrames(): { bbo: string[]; ctx: string[] } {
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const bbo: string[] = [];
  const ctx: string[] = [];
  let mid = 25_000;
  let time = 1_761_786_491_067;
  for (let i = 0; i < DISTINCT; i++) {
    mid += Math.round((rnd() - 0.5) * 6);
    time += 1 + Math.floor(rnd() * 200);
    const bid = { px: `${mid}.0`, sz: (rnd() * 3).toFixed(4), n: 1 + Math.floor(rnd() * 9) };
    const ask = { px: `${mid + 1}.0`, sz: (rnd() * 3).toFixed(4), n: 1 + Math.floor(rnd() * 9) };
    bbo.push(JSON.stringify({ channel: 'bbo', data: { coin: 'xyz:XYZ100', time, bbo: [bid, ask] } }));
    const oracle = mid + Math.round((rnd() - 0.5) * 20);
    ctx.push(
      JSON.stringify({
        channel: 'activeAssetCtx',
        data: {
          coin: 'xyz:XYZ100',
          ctx: {
            funding: '0.0000125',
            openInterest: (12_000 + rnd() * 100).toFixed(4),
            prevDayPx: '24876.0',
            dayNtlVlm: '183746512.2734000001',
            premium: ((mid - oracle) / oracle).toFixed(10),
            oraclePx: `${oracle}.0`,
            markPx: `${mid}.0`,
            midPx: `${mid}.5`,
            impactPxs: [`${mid - 1}.0`, `${mid + 2}.0`],
            dayBaseVlm: '7342.1183',
          },
        },
      }),
    );
  }
  return { bbo, ctx };
}

function median(runs: number[]): number {
  const sorted = [...runs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

// One loop per figure, written out: a shared loop taking a callback would turn megamorphic and charge
// each later figure for the call site's history.
type Loop = (frames: string[], n: number) => number;

const bboLoop: Loop = (frames, n) => {
  const out = newBboFrame();
  let check = 0;
  for (let i = 0; i < n; i++) if (parseBboInto(frames[i & (DISTINCT - 1)] as string, out) === PARSE_OK) check += out.bidPx;
  return check;
};
const bboViaJsonLoop: Loop = (frames, n) => {
  const out = newBboFrame();
  let check = 0;
  for (let i = 0; i < n; i++) if (parseBboIntoViaJson(frames[i & (DISTINCT - 1)] as string, out) === PARSE_OK) check += out.bidPx;
  return check;
};
const ctxLoop: Loop = (frames, n) => {
  const out = newActiveAssetCtxFrame();
  let check = 0;
  for (let i = 0; i < n; i++) if (parseActiveAssetCtxInto(frames[i & (DISTINCT - 1)] as string, out) === PARSE_OK) check += out.oraclePx;
  return check;
};
const ctxViaJsonLoop: Loop = (frames, n) => {
  const out = newActiveAssetCtxFrame();
  let check = 0;
  for (let i = 0; i < n; i++) if (parseActiveAssetCtxIntoViaJson(frames[i & (DISTINCT - 1)] as string, out) === PARSE_OK) check += out.oraclePx;
  return check;
};
const jsonLoop: Loop = (frames, n) => {
  let check = 0;
  for (let i = 0; i < n; i++) check += (JSON.parse(frames[i & (DISTINCT - 1)] as string) as { channel: string }).channel.length;
  return check;
};

/** Median frames/s over RUNS runs of FRAMES_PER_RUN frames, after a warm-up. */
function measure(loop: Loop, frames: string[]): number {
  let check = loop(frames, 200_000);
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    check += loop(frames, FRAMES_PER_RUN);
    runs.push(FRAMES_PER_RUN / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  if (!Number.isFinite(check)) throw new Error('parse produced a non-finite checksum');
  return median(runs);
}

export default async function (r: BenchRecorder): Promise<void> {
  const { bbo, ctx } = makeFrames();
  const bboOut = newBboFrame();
  const ctxOut = newActiveAssetCtxFrame();
  // Sanity: every frame parses on both paths before timing anything.
  for (const f of bbo) if (parseBboInto(f, bboOut) !== PARSE_OK || parseBboIntoViaJson(f, bboOut) !== PARSE_OK) throw new Error(`bad frame ${f}`);
  for (const f of ctx) if (parseActiveAssetCtxInto(f, ctxOut) !== PARSE_OK || parseActiveAssetCtxIntoViaJson(f, ctxOut) !== PARSE_OK) throw new Error(`bad frame ${f}`);

  const bboFast = measure(bboLoop, bbo);
  const bboJsonPath = measure(bboViaJsonLoop, bbo);
  const ctxFast = measure(ctxLoop, ctx);
  const ctxJsonPath = measure(ctxViaJsonLoop, ctx);
  const mixed: string[] = [];
  for (let i = 0; i < DISTINCT; i++) mixed.push((i & 1 ? ctx[i] : bbo[i]) as string);
  const jsonMixed = measure(jsonLoop, mixed);
  const jsonBbo = measure(jsonLoop, bbo);
  const jsonCtx = measure(jsonLoop, ctx);

  r.throughput('parse.bbo', 'frames/s', bboFast);
  r.throughput('parse.active_asset_ctx', 'frames/s', ctxFast);
  r.throughput('parse.json_baseline', 'frames/s', jsonMixed);
  r.throughput('parse.json_baseline.bbo', 'frames/s', jsonBbo);
  r.throughput('parse.json_baseline.active_asset_ctx', 'frames/s', jsonCtx);
  r.throughput('parse.bbo.via_json', 'frames/s', bboJsonPath);
  r.throughput('parse.active_asset_ctx.via_json', 'frames/s', ctxJsonPath);
  r.note(
    `fast parsers (strict scanner, JSON fallback) vs plain JSON.parse of the same frames: bbo ${(bboFast / jsonBbo).toFixed(1)}x, ` +
      `activeAssetCtx ${(ctxFast / jsonCtx).toFixed(1)}x; vs their own JSON.parse+validation path: bbo ${(bboFast / bboJsonPath).toFixed(1)}x, ` +
      `activeAssetCtx ${(ctxFast / ctxJsonPath).toFixed(1)}x (median of ${RUNS} runs of ${FRAMES_PER_RUN} frames each after warm-up)`,
  );
}
