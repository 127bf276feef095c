// The venue connection layer's own costs:
// - venue.inbound_frame: from the socket's 'message' event to the app handler (Buffer → string, channel
//   sniff, fast parse into the reused frame, readiness slot update, dispatch), for a bbo/activeAssetCtx mix
//   sent by a local ws server; the clock starts in a listener PREPENDED to the socket's own.
// - venue.post_rtt: sendAction of a pre-signed noop → its result callback, through the outbound queue and the
//   post tracker, over loopback to hlsim (which verifies the signature and answers).
import type WebSocket from 'ws';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { noopAction } from '../src/protocol/actions.ts';
import { generatePrivateKey, privateKeyToAddress } from '../src/protocol/keys.ts';
import { signL1Action } from '../src/protocol/signing.ts';
import { startSim } from '../src/sim/index.ts';
import { VenueClient } from '../src/venue/venue-client.ts';
import { type BenchRecorder, nowUs } from './harness.ts';

const COINS = ['xyz:GOLD', 'xyz:TSLA', 'xyz:NVDA', 'BTC'];
const FRAMES = 40_000;

function bboFrame(coin: string, i: number): string {
  const bid = (100 + (i % 50) * 0.01).toFixed(2);
  const ask = (100.05 + (i % 50) * 0.01).toFixed(2);
  return `{"channel":"bbo","data":{"coin":"${coin}","time":${1_700_000_000_000 + i},"bbo":[{"px":"${bid}","sz":"12.5","n":3},{"px":"${ask}","sz":"7.25","n":2}]}}`;
}
function ctxFrame(coin: string, i: number): string {
  const px = (100 + (i % 50) * 0.01).toFixed(2);
  return `{"channel":"activeAssetCtx","data":{"coin":"${coin}","ctx":{"funding":"0.0000125","openInterest":"1234.5","prevDayPx":"99.1","dayNtlVlm":"1234567.8","premium":"0.0001","oraclePx":"${px}","markPx":"${px}","midPx":"${px}","impactPxs":["${px}","${px}"],"dayBaseVlm":"12345.6"}}}`;
}

async function inboundFrame(r: BenchRecorder): Promise<void> {
  const frames: string[] = [];
  for (let i = 0; i < FRAMES; i++) frames.push(i % 4 === 3 ? ctxFrame(COINS[i % COINS.length], i) : bboFrame(COINS[i % COINS.length], i));
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((res) => wss.once('listening', () => res()));
  const client = new VenueClient({ wsUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`, markets: COINS });
  const samples = new Float64Array(FRAMES);
  let n = 0;
  let t0 = 0;
  const done = new Promise<void>((resolve) => {
    const record = () => {
      if (n < FRAMES) samples[n++] = nowUs() - t0;
      if (n === FRAMES) resolve();
    };
    client.onBbo(record);
    client.onAssetCtx(record);
  });
  const serverSide = new Promise<WebSocket>((res) => wss.once('connection', (ws) => res(ws)));
  client.start();
  const ws = await serverSide;
  // The client socket: reach it through the connection to prepend the timing listener.
  await new Promise((res) => setTimeout(res, 50));
  const sock = (client.connection as unknown as { socket: WebSocket }).socket;
  sock.prependListener('message', () => {
    t0 = nowUs();
  });
  // Paced in small batches so frames are handled as they arrive, not after a giant backlog.
  for (let i = 0; i < FRAMES; i += 100) {
    for (let j = i; j < i + 100 && j < FRAMES; j++) ws.send(frames[j]);
    await new Promise((res) => setImmediate(res));
  }
  await done;
  r.latency('venue.inbound_frame', 'µs', samples);
  r.note(`venue.inbound_frame: ${FRAMES} frames (3 bbo : 1 activeAssetCtx), bad frames ${client.counters.badFrames}`);
  client.stop();
  await new Promise<void>((res) => wss.close(() => res()));
}

async function postRtt(r: BenchRecorder): Promise<void> {
  const key = generatePrivateKey();
  const user = privateKeyToAddress(key).toLowerCase();
  const sim = await startSim({ dynamics: false, adminPort: null, fund: { [user]: 100_000 }, limits: { wsMessagesPerMinute: 1_000_000, restWeightPerMinute: 1_000_000 } });
  const client = new VenueClient({
    wsUrl: sim.wsUrl,
    httpUrl: sim.httpUrl,
    user,
    markets: ['xyz:GOLD'],
    // 2000 sequential posts in a few seconds: a bench-only budget (the venue would allow 2000/min).
    wireBudget: { windowMs: 1000, maxPerWindow: 100_000, burst: 50_000, reservedTokens: 0 },
    reconcile: { intervalMs: 0 },
  });
  client.start();
  while (!client.readiness.accountReady) await new Promise((res) => setTimeout(res, 5));
  const N = 2000;
  let last = 0;
  const bodies = Array.from({ length: N + 200 }, () => {
    const nonce = (last = Math.max(Date.now(), last + 1));
    const action = noopAction();
    return JSON.stringify({ action, nonce, signature: signL1Action({ privateKey: key, action, nonce, isMainnet: true }) });
  });
  const samples: number[] = [];
  for (let i = 0; i < N + 200; i++) {
    const t0 = nowUs();
    await new Promise<void>((res) => {
      const out = client.sendAction(bodies[i], {
        onResult: (p) => {
          if (i >= 200 && p.outcome.type === 'action') samples.push(nowUs() - t0);
          res();
        },
      });
      if (out.outcome !== 'sent') throw new Error(`post refused: ${out.outcome}`);
    });
  }
  r.latency('venue.post_rtt', 'µs', samples);
  r.note(`venue.post_rtt: ${samples.length} sequential pre-signed noop posts over loopback to hlsim (after 200 warm-up)`);
  client.stop();
  await sim.stop();
}

export default async function (r: BenchRecorder): Promise<void> {
  await inboundFrame(r);
  await postRtt(r);
}
