// Full L1 order signing per signer backend: build a one-order IOC action (orderWire + orderAction), msgpack,
// action hash, EIP-712 digest and ECDSA, as the bot's hot path does it. Compared with @nktkas/hyperliquid's
// signL1Action using an ethers v6 Wallet on the same action (the ecosystem's usual way to sign).
import * as peerExchange from '@nktkas/hyperliquid/api/exchange';
import { signL1Action as peerSignL1Action, signUserSignedAction as peerSignUserSigned } from '@nktkas/hyperliquid/signing';
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
import {
  approveAgentAction,
  approveBuilderFeeAction,
  sendAssetAction,
  signUserSignedAction,
  spotSendAction,
  USER_SIGNED_TYPES,
  type UserSignedActionInput,
  usdClassTransferAction,
  usdSendAction,
  withdraw3Action,
} from '../src/protocol/user-signed.ts';
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
    const fig = r.latency(`sign_l1_order.${name}`, 'µs', samples);
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
  r.note(`user-signed builders whose signature equals the peer's (nktkas + ethers): ${await userSignedAgreement(privateKey, wallet)}`);
  for (let i = 0; i < PEER_WARMUP; i++) await peerSign(i);
  const peerSamples = new Float64Array(PEER_SAMPLES);
  for (let i = 0; i < PEER_SAMPLES; i++) {
    const t0 = nowUs();
    await peerSign(i);
    peerSamples[i] = nowUs() - t0;
  }
  const peer = r.latency('sign_l1_order.peer_nktkas', 'µs', peerSamples);
  if (Number.isFinite(nativeP50)) {
    const ratio = peer.p50 / nativeP50;
    r.note(`sign_l1_order: peer_nktkas / native p50 = ${ratio.toFixed(1)}x (automatic backend here: ${automatic})`);
    r.throughput('sign_l1_order.speedup_vs_nktkas', 'x', ratio);
  } else {
    r.note(`sign_l1_order: native backend unavailable, no speedup figure (automatic backend here: ${automatic})`);
  }
}

type PeerTypes = Record<string, { name: string; type: string }[]>;

/** Cross-check outside the test suite (the peer is a bench-only dependency): user-signed builders vs the peer. */
async function userSignedAgreement(privateKey: string, wallet: Wallet): Promise<string> {
  const c = { hyperliquidChain: 'Testnet' as const, signatureChainId: '0x66eee' };
  const to = '0x5e9ee1089755c3435139848e47e6635505d5a13a';
  const time = 1_700_000_000_000;
  const actions: UserSignedActionInput[] = [
    approveAgentAction({ ...c, agentAddress: to, nonce: time }),
    approveAgentAction({ ...c, agentAddress: to, agentName: 'bot', nonce: time }),
    usdSendAction({ ...c, destination: to, amount: '12.5', time }),
    withdraw3Action({ ...c, destination: to, amount: '12.5', time }),
    spotSendAction({ ...c, destination: to, token: 'PURR:0xc4bf3f870c0e9465323c0b6ed28096c2', amount: '1', time }),
    usdClassTransferAction({ ...c, amount: '5', toPerp: true, nonce: time }),
    sendAssetAction({ ...c, destination: to, sourceDex: '', destinationDex: 'xyz', token: 'USDC', amount: '5', nonce: time }),
    approveBuilderFeeAction({ ...c, maxFeeRate: '0.001%', builder: to, nonce: time }),
  ];
  const peerTypes = Object.values(peerExchange as unknown as Record<string, unknown>).filter(
    (v): v is PeerTypes => typeof v === 'object' && v !== null && Object.keys(v).some((k) => k.startsWith('HyperliquidTransaction:')),
  );
  let agree = 0;
  for (const action of actions) {
    const def = USER_SIGNED_TYPES[(action as { type: string }).type];
    const types = peerTypes.find((t) => def.primaryType in t);
    if (types === undefined) continue;
    const theirs = await peerSignUserSigned({ wallet, action: action as unknown as Parameters<typeof peerSignUserSigned>[0]['action'], types });
    const ours = signUserSignedAction({ privateKey, action });
    if (theirs.r === ours.r && theirs.s === ours.s && theirs.v === ours.v) agree++;
  }
  return `${agree}/${actions.length}`;
}
