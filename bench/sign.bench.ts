// Full L1 order signing per signer backend: build a one-order IOC action (orderWire + orderAction), msgpack,
// action hash, EIP-712 digest and ECDSA, as the bot's hot path does it. Compared with @nktkas/hyperliquid's
// signL1Action using an ethers v6 Wallet on the same action (the ecosystem's usual way to sign).
import { signL1Action as peerSignL1Action } from '@nktkas/hyperliquid/signing';
import { Wallet } from 'ethers';
import { orderAction, orderWire } from '../src/protocol/actions.ts';
import {
  activeSignerBackend,
  availableSignerBackends,
  createL1Signer,
  generatePrivateKey,
  type RsvSignature,
  setSignerBackend,
  signerBackendLoadError,
} from '../src/protocol/signing.ts';
import { type BenchRecorder, nowUs } from './harness.ts';

const WARMUP = 3_000;
const SAMPLES = 20_000;
const PEER_WARMUP = 300;
const PEER_SAMPLES = 5_000;
const NONCE0 = 1_750_000_000_000;

function buildAction(i: number) {
  return orderAction([orderWire({ asset: 110_004, isBuy: (i & 1) === 0, px: '1670.1', sz: '0.0147', reduceOnly: false, tif: 'Ioc' })]);
}

export default async function (r: BenchRecorder): Promise<void> {
  const automatic = activeSignerBackend().name;
  const privateKey = generatePrivateKey();
  let nativeP50 = Number.NaN;
  const ours: RsvSignature[] = [];

  for (const name of ['native', 'wasm', 'noble'] as const) {
    if (!availableSignerBackends().includes(name)) {
      r.note(`sign_l1_order.${name}: backend unavailable (${signerBackendLoadError(name)})`);
      continue;
    }
    setSignerBackend(name);
    const signer = createL1Signer(privateKey, { isMainnet: true });
    for (let i = 0; i < WARMUP; i++) signer.sign(buildAction(i), NONCE0 + i);
    const samples = new Float64Array(SAMPLES);
    for (let i = 0; i < SAMPLES; i++) {
      const t0 = nowUs();
      signer.sign(buildAction(i), NONCE0 + i);
      samples[i] = nowUs() - t0;
    }
    const fig = r.latency(`sign_l1_order.${name}`, 'us', samples);
    if (name === 'native') nativeP50 = fig.p50;
    ours.push(signer.sign(buildAction(0), NONCE0));
  }
  setSignerBackend(automatic);

  // Peer: async API, ethers Wallet (its signTypedData does the EIP-712 hashing and signing).
  const wallet = new Wallet(privateKey);
  const peerSign = (i: number) => peerSignL1Action({ wallet, action: buildAction(i) as unknown as Record<string, unknown>, nonce: NONCE0 + i, isTestnet: false });
  const peerSig = await peerSign(0);
  const agree = ours.every((s) => s.r === peerSig.r && s.s === peerSig.s && s.v === peerSig.v);
  r.note(`sign_l1_order: all backends and the peer produce the same signature: ${agree}`);
  for (let i = 0; i < PEER_WARMUP; i++) await peerSign(i);
  const peerSamples = new Float64Array(PEER_SAMPLES);
  for (let i = 0; i < PEER_SAMPLES; i++) {
    const t0 = nowUs();
    await peerSign(i);
    peerSamples[i] = nowUs() - t0;
  }
  const peer = r.latency('sign_l1_order.peer_nktkas', 'us', peerSamples);
  if (Number.isFinite(nativeP50)) {
    const ratio = peer.p50 / nativeP50;
    r.note(`sign_l1_order: peer_nktkas / native p50 = ${ratio.toFixed(1)}x (automatic backend here: ${automatic})`);
    r.throughput('sign_l1_order.speedup_vs_nktkas', 'x', ratio);
  } else {
    r.note(`sign_l1_order: native backend unavailable, no speedup figure (automatic backend here: ${automatic})`);
  }
}
