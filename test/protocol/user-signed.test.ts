// User-signed EIP-712 actions: the userSignedActionSignature vectors on every backend, the typed-data
// definitions (field lists are part of the hash), the approveAgent agentName rule, and builders round-tripping
// through signing and recovery as hlsim will use them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { encodeType } from '../../src/protocol/eip712.ts';
import {
  activeSignerBackend,
  availableSignerBackends,
  generatePrivateKey,
  privateKeyToAddress,
  type RsvSignature,
  SignatureError,
  setSignerBackend,
} from '../../src/protocol/signing.ts';
import {
  approveAgentAction,
  approveBuilderFeeAction,
  recoverMultiSigOuterSigner,
  recoverUserSignedSigner,
  sendAssetAction,
  signMultiSigAction,
  signMultiSigInnerL1Action,
  signMultiSigInnerUserSignedAction,
  signUserSignedAction,
  spotSendAction,
  trimSignature,
  USER_SIGNED_TYPES,
  type UserSignedActionInput,
  UserSignedActionError,
  usdClassTransferAction,
  usdSendAction,
  userSignedActionDigest,
  userSignedActionNonce,
  withdraw3Action,
} from '../../src/protocol/user-signed.ts';

interface Vector {
  source: string;
  kind: string;
  privateKey: string;
  signerAddress: string;
  primaryType: string;
  eip712Types: { name: string; type: string }[];
  action: UserSignedActionInput & { type: string; destination: string; time: number };
  expected: RsvSignature;
}
const vectors = (
  JSON.parse(readFileSync(new URL('../fixtures/hyperliquid/signing_vectors.json', import.meta.url), 'utf8')) as Vector[]
).filter((v) => v.kind === 'userSignedActionSignature');
const initialBackend = activeSignerBackend().name;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('every userSignedActionSignature vector on every available backend, with explicit and inferred types', (t) => {
  t.after(() => setSignerBackend(initialBackend));
  assert.equal(vectors.length, 3);
  for (const name of availableSignerBackends()) {
    setSignerBackend(name);
    for (const v of vectors) {
      assert.deepEqual(
        signUserSignedAction({ privateKey: v.privateKey, action: v.action, primaryType: v.primaryType, types: v.eip712Types }),
        v.expected,
        v.source,
      );
      assert.deepEqual(signUserSignedAction({ privateKey: v.privateKey, action: v.action }), v.expected, `${v.source} inferred`);
      assert.equal(recoverUserSignedSigner({ action: v.action, signature: v.expected }), v.signerAddress);
      // The vector's own field list is the one we hold for this action type.
      assert.deepEqual(USER_SIGNED_TYPES[v.action.type].fields, v.eip712Types);
      assert.equal(USER_SIGNED_TYPES[v.action.type].primaryType, v.primaryType);
    }
    t.diagnostic(`${name}: ${vectors.length} userSignedActionSignature vectors passed`);
  }
});

test('type strings (and so type hashes) are exactly the documented field lists', () => {
  const expected: Record<string, string> = {
    usdSend: 'HyperliquidTransaction:UsdSend(string hyperliquidChain,string destination,string amount,uint64 time)',
    withdraw3: 'HyperliquidTransaction:Withdraw(string hyperliquidChain,string destination,string amount,uint64 time)',
    spotSend: 'HyperliquidTransaction:SpotSend(string hyperliquidChain,string destination,string token,string amount,uint64 time)',
    usdClassTransfer: 'HyperliquidTransaction:UsdClassTransfer(string hyperliquidChain,string amount,bool toPerp,uint64 nonce)',
    sendAsset:
      'HyperliquidTransaction:SendAsset(string hyperliquidChain,string destination,string sourceDex,string destinationDex,string token,string amount,string fromSubAccount,uint64 nonce)',
    approveAgent: 'HyperliquidTransaction:ApproveAgent(string hyperliquidChain,address agentAddress,string agentName,uint64 nonce)',
    approveBuilderFee: 'HyperliquidTransaction:ApproveBuilderFee(string hyperliquidChain,string maxFeeRate,address builder,uint64 nonce)',
    tokenDelegate: 'HyperliquidTransaction:TokenDelegate(string hyperliquidChain,address validator,uint64 wei,bool isUndelegate,uint64 nonce)',
    userDexAbstraction: 'HyperliquidTransaction:UserDexAbstraction(string hyperliquidChain,address user,bool enabled,uint64 nonce)',
    userSetAbstraction: 'HyperliquidTransaction:UserSetAbstraction(string hyperliquidChain,address user,string abstraction,uint64 nonce)',
  };
  assert.deepEqual(Object.keys(USER_SIGNED_TYPES).sort(), Object.keys(expected).sort());
  for (const [type, def] of Object.entries(USER_SIGNED_TYPES)) assert.equal(encodeType(def.primaryType, def.fields), expected[type]);
});

test('approveAgent without a name: no agentName key posted, signed as "", recoverable from the posted action', () => {
  const owner = generatePrivateKey();
  const agent = privateKeyToAddress(generatePrivateKey());
  const posted = approveAgentAction({
    hyperliquidChain: 'Testnet',
    signatureChainId: '0x66eee',
    agentAddress: agent.toUpperCase().replace('0X', '0x'),
    nonce: 1_700_000_000_000,
  });
  assert.deepEqual(Object.keys(posted), ['type', 'signatureChainId', 'hyperliquidChain', 'agentAddress', 'nonce']);
  assert.equal(posted.agentAddress, agent, 'lowercased');
  const sig = signUserSignedAction({ privateKey: owner, action: posted });
  assert.equal(recoverUserSignedSigner({ action: posted, signature: sig }), privateKeyToAddress(owner));
  // Same digest as an explicit empty name (the Python SDK's signing form) and as a null name.
  const withEmpty = { ...posted, agentName: '' };
  assert.equal(hex(userSignedActionDigest({ action: withEmpty })), hex(userSignedActionDigest({ action: posted })));
  assert.equal(hex(userSignedActionDigest({ action: { ...posted, agentName: null } })), hex(userSignedActionDigest({ action: posted })));
  // A name changes what is signed.
  const named = approveAgentAction({ hyperliquidChain: 'Testnet', signatureChainId: '0x66eee', agentAddress: agent, agentName: 'bot 1', nonce: 1_700_000_000_000 });
  assert.deepEqual(Object.keys(named), ['type', 'signatureChainId', 'hyperliquidChain', 'agentAddress', 'agentName', 'nonce']);
  assert.notEqual(recoverUserSignedSigner({ action: named, signature: sig }), privateKeyToAddress(owner));
  assert.equal(userSignedActionNonce(named), 1_700_000_000_000);
  approveAgentAction({ hyperliquidChain: 'Mainnet', signatureChainId: '0xa4b1', agentAddress: agent, agentName: `${'x'.repeat(16)} valid_until 1800000000000`, nonce: 1 });
  assert.throws(
    () => approveAgentAction({ hyperliquidChain: 'Mainnet', signatureChainId: '0xa4b1', agentAddress: agent, agentName: 'x'.repeat(17), nonce: 1 }),
    UserSignedActionError,
  );
});

test('every builder signs and recovers on every backend; network and signature chain id are signed', (t) => {
  t.after(() => setSignerBackend(initialBackend));
  const key = generatePrivateKey();
  const me = privateKeyToAddress(key);
  const dest = privateKeyToAddress(generatePrivateKey());
  const c = { hyperliquidChain: 'Mainnet' as const, signatureChainId: '0xa4b1' };
  const time = 1_700_000_000_123;
  const actions: UserSignedActionInput[] = [
    usdSendAction({ ...c, destination: dest, amount: '12.5', time }),
    withdraw3Action({ ...c, destination: dest, amount: '100', time }),
    spotSendAction({ ...c, destination: dest, token: 'PURR:0xc4bf3f870c0e9465323c0b6ed28096c2', amount: '1', time }),
    usdClassTransferAction({ ...c, amount: '5', toPerp: true, nonce: time }),
    usdClassTransferAction({ ...c, amount: '5', toPerp: false, nonce: time, subAccount: dest }),
    sendAssetAction({ ...c, destination: dest, sourceDex: '', destinationDex: 'xyz', token: 'USDC', amount: '5', nonce: time }),
    approveAgentAction({ ...c, agentAddress: dest, nonce: time }),
    approveBuilderFeeAction({ ...c, maxFeeRate: '0.001%', builder: dest, nonce: time }),
  ];
  assert.equal((actions[4] as { amount?: unknown }).amount, `5 subaccount:${dest}`);
  assert.equal((actions[5] as { fromSubAccount?: unknown }).fromSubAccount, '');
  for (const name of availableSignerBackends()) {
    setSignerBackend(name);
    for (const action of actions) {
      assert.equal(userSignedActionNonce(action), time);
      const sig = signUserSignedAction({ privateKey: key, action });
      assert.match(sig.r, /^0x[0-9a-f]{64}$/);
      assert.ok(sig.v === 27 || sig.v === 28);
      assert.equal(recoverUserSignedSigner({ action, signature: sig }), me, `${name} ${action.type}`);
      for (const change of [{ hyperliquidChain: 'Testnet' }, { signatureChainId: '0x66eee' }]) {
        assert.notEqual(recoverUserSignedSigner({ action: { ...action, ...change }, signature: sig }), me, `${action.type} ${JSON.stringify(change)}`);
      }
      // Fields outside the typed data (like `type` on the posted action) are not signed.
      assert.equal(recoverUserSignedSigner({ action: { ...action, extra: 1 }, signature: sig }), me);
    }
  }
});

test('malformed actions and signatures are typed errors', () => {
  const key = generatePrivateKey();
  const v = vectors[0];
  assert.throws(() => signUserSignedAction({ privateKey: key, action: { ...v.action, type: 'order' } }), UserSignedActionError);
  assert.throws(() => signUserSignedAction({ privateKey: key, action: { ...v.action, signatureChainId: '66eee' } }), UserSignedActionError);
  assert.throws(() => signUserSignedAction({ privateKey: key, action: v.action, types: v.eip712Types }), UserSignedActionError);
  assert.throws(() => signUserSignedAction({ privateKey: key, action: v.action, primaryType: 'HyperliquidTransaction:Nope' }), UserSignedActionError);
  const { time: _time, ...noTime } = v.action;
  assert.throws(() => signUserSignedAction({ privateKey: key, action: noTime }), /time/);
  assert.throws(() => signUserSignedAction({ privateKey: key, action: { ...v.action, time: '1' } }), /time/);
  assert.throws(() => recoverUserSignedSigner({ action: v.action, signature: { ...v.expected, v: 5 } }), SignatureError);
  const c = { hyperliquidChain: 'Mainnet' as const, signatureChainId: '0xa4b1' };
  assert.throws(() => usdSendAction({ ...c, destination: '0x12', amount: '1', time: 1 }), UserSignedActionError);
  assert.throws(() => usdSendAction({ ...c, destination: v.action.destination, amount: '1.', time: 1 }), UserSignedActionError);
  assert.throws(() => usdSendAction({ ...c, hyperliquidChain: 'mainnet' as 'Mainnet', destination: v.action.destination, amount: '1', time: 1 }), UserSignedActionError);
  assert.throws(() => approveBuilderFeeAction({ ...c, maxFeeRate: '0.001', builder: v.action.destination, nonce: 1 }), UserSignedActionError);
});

interface MultiSigVector {
  kind: string;
  privateKey: string;
  signerAddress: string;
  primaryType?: string;
  eip712Types?: { name: string; type: string }[];
  action: Record<string, unknown> & { payload: { multiSigUser: string; outerSigner: string; action: Record<string, unknown> } };
  innerAction?: Record<string, unknown>;
  nonce: number;
  vaultAddress: string | null;
  expiresAfter: number | null;
  isMainnet: boolean;
  expected: RsvSignature | { innerSignature: RsvSignature; outerSignature: RsvSignature };
}

test('multi-sig: every multiSigOuterSignature, multiSigL1 and multiSigUserSigned vector on every backend', (t) => {
  t.after(() => setSignerBackend(initialBackend));
  const all = JSON.parse(readFileSync(new URL('../fixtures/hyperliquid/signing_vectors.json', import.meta.url), 'utf8')) as MultiSigVector[];
  const ms = all.filter((v) => v.kind.startsWith('multiSig'));
  assert.equal(ms.length, 11);
  for (const name of availableSignerBackends()) {
    setSignerBackend(name);
    for (const v of ms) {
      const outer = 'outerSignature' in v.expected ? v.expected.outerSignature : v.expected;
      const sig = signMultiSigAction(v);
      assert.deepEqual(sig, outer, `${name} ${v.kind} outer`);
      assert.equal(recoverMultiSigOuterSigner({ ...v, signature: sig }), v.signerAddress);
      if (!('innerSignature' in v.expected)) continue;
      const { multiSigUser, outerSigner } = v.action.payload;
      const inner =
        v.kind === 'multiSigL1'
          ? signMultiSigInnerL1Action({ ...v, multiSigUser, outerSigner, action: v.action.payload.action })
          : signMultiSigInnerUserSignedAction({
              privateKey: v.privateKey,
              multiSigUser,
              outerSigner,
              action: v.innerAction!,
              primaryType: v.primaryType,
              types: v.eip712Types,
            });
      assert.deepEqual(inner, v.expected.innerSignature, `${name} ${v.kind} inner`);
      assert.deepEqual(inner, (v.action.signatures as RsvSignature[])[0]);
    }
    t.diagnostic(`${name}: ${ms.length} multi-sig vectors passed`);
  }
  assert.deepEqual(trimSignature({ r: `0x00${'1'.repeat(62)}`, s: `0x${'0'.repeat(64)}`, v: 27 }), { r: `0x${'1'.repeat(62)}`, s: '0x0', v: 27 });
});
