// L1 action hashing and phantom-agent signing: every l1ActionHash / l1ActionSignature vector on every signer
// backend available here, recovery, the backends' agreement, the keccak sponge against @noble/hashes, and the
// backend selection (explicit, HIP3_SIGNER).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import fc from 'fast-check';
import { keccak256, keccak256Into, keccakF1600 } from '../../src/protocol/keccak.ts';
import {
  activeSignerBackend,
  availableSignerBackends,
  bytesToHex,
  createL1Signer,
  generatePrivateKey,
  getSignerBackend,
  hexToBytes,
  l1ActionDigest,
  l1ActionHash,
  PrivateKeyError,
  parsePrivateKey,
  phantomAgentDigest,
  privateKeyToAddress,
  type RsvSignature,
  recoverAddressFromDigest,
  recoverL1Signer,
  SignatureError,
  setSignerBackend,
  signDigest,
  signerBackendLoadError,
  signL1Action,
} from '../../src/protocol/signing.ts';

interface Vector {
  source: string;
  kind: string;
  privateKey: string | null;
  signerAddress?: string;
  action: unknown;
  nonce: number;
  vaultAddress: string | null;
  expiresAfter: number | null;
  isMainnet: boolean | null;
  expected: { hash?: string; r?: string; s?: string; v?: number };
  expectedAsWrittenInSource?: RsvSignature;
  note: string;
}
const vectors = JSON.parse(readFileSync(new URL('../fixtures/hyperliquid/signing_vectors.json', import.meta.url), 'utf8')) as Vector[];
const hashVectors = vectors.filter((v) => v.kind.startsWith('l1ActionHash'));
const sigVectors = vectors.filter((v) => v.kind === 'l1ActionSignature');
const isNegative = (v: Vector) => v.note.startsWith('NEGATIVE');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const initialBackend = activeSignerBackend().name;

test('the fixture holds the vector kinds this file covers', () => {
  assert.equal(hashVectors.length, 14);
  assert.equal(sigVectors.length, 39);
  assert.equal(sigVectors.filter(isNegative).length, 2);
});

test('keccak256Into equals @noble/hashes keccak_256 on every length 0..600 and at offsets', () => {
  assert.equal(hex(keccak256(new Uint8Array(0))), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
  const data = new Uint8Array(700);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
  for (let len = 0; len <= 600; len++) {
    assert.equal(hex(keccak256(data.subarray(0, len))), hex(keccak_256(data.subarray(0, len))), `length ${len}`);
  }
  const out = new Uint8Array(40);
  keccak256Into(data, out, 5, 17, 300);
  assert.equal(hex(out.subarray(5, 37)), hex(keccak_256(data.subarray(17, 300))));
  // Output may alias the input.
  const alias = data.slice(0, 96);
  keccak256Into(alias, alias, 64, 0, 96);
  assert.equal(hex(alias.subarray(64, 96)), hex(keccak_256(data.subarray(0, 96))));
});

test('property: keccak256 equals @noble/hashes on random inputs; keccakF1600 equals noble keccakP', async () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1000 }), (d) => hex(keccak256(d)) === hex(keccak_256(d))),
    { numRuns: 2000, seed: 7 },
  );
  const { keccakP } = await import('@noble/hashes/sha3.js');
  fc.assert(
    fc.property(fc.uint32Array({ minLength: 50, maxLength: 50 }), (s) => {
      const a = Uint32Array.from(s);
      const b = Uint32Array.from(s);
      keccakF1600(a);
      keccakP(b, 24);
      return a.every((x, i) => x === b[i]);
    }),
    { numRuns: 300, seed: 11 },
  );
});

test('l1ActionHash reproduces every hash vector (base, vault, expiresAfter, both, bigint, derived)', () => {
  for (const v of hashVectors) assert.equal(l1ActionHash(v), v.expected.hash, v.source);
});

test('the reference bot\'s golden hash (HIP-3 asset, cloid; its "105.00" is signed as given, never reformatted)', () => {
  const action = {
    type: 'order',
    orders: [{ a: 110027, b: true, p: '105.00', s: '0.2', r: false, t: { limit: { tif: 'Ioc' } }, c: '0x0de3e244a8f44fc28a6b7bc852d66d19' }],
    grouping: 'na',
  };
  assert.equal(l1ActionHash({ action, nonce: 1769339470576 }), '0x904c57b8f4b75ac9da005b49298dc39af735ed8c3a89b241f5f1e061e0207868');
  const reformatted = { ...action, orders: [{ ...action.orders[0], p: '105' }] };
  assert.notEqual(l1ActionHash({ action: reformatted, nonce: 1769339470576 }), l1ActionHash({ action, nonce: 1769339470576 }));
});

test('l1ActionHash: vault address case does not matter; null and absent options are the same; bad input throws', () => {
  const v = hashVectors.find((x) => x.vaultAddress !== null)!;
  assert.equal(l1ActionHash({ ...v, vaultAddress: v.vaultAddress!.toUpperCase().replace('0X', '0x') }), v.expected.hash);
  const base = hashVectors.find((x) => x.vaultAddress === null && x.expiresAfter === null)!;
  assert.equal(l1ActionHash({ action: base.action, nonce: base.nonce }), base.expected.hash);
  assert.throws(() => l1ActionHash({ action: base.action, nonce: -1 }));
  assert.throws(() => l1ActionHash({ action: base.action, nonce: 1.5 }));
  assert.throws(() => l1ActionHash({ action: base.action, nonce: 1, vaultAddress: '0x1234' }));
  assert.throws(() => l1ActionHash({ action: base.action, nonce: 1, vaultAddress: `0x${'g'.repeat(40)}` }));
  assert.throws(() => l1ActionHash({ action: base.action, nonce: 1, expiresAfter: -5 }));
  // A throw in the middle must not poison the shared buffers.
  assert.equal(l1ActionHash({ action: base.action, nonce: base.nonce }), base.expected.hash);
});

for (const name of ['native', 'wasm', 'noble'] as const) {
  test(`backend ${name}: every l1ActionSignature vector; NEGATIVE ones reproduce their own (different) value`, (t) => {
    const reason = signerBackendLoadError(name);
    if (reason !== undefined) {
      t.skip(`${name} unavailable here: ${reason}`);
      return;
    }
    t.after(() => setSignerBackend(initialBackend));
    setSignerBackend(name);
    assert.equal(activeSignerBackend().name, name);
    let passed = 0;
    for (const v of sigVectors) {
      const sig = signL1Action({ ...v, privateKey: v.privateKey!, isMainnet: v.isMainnet! });
      assert.deepEqual(sig, v.expected, v.source);
      assert.match(sig.r, /^0x[0-9a-f]{64}$/);
      assert.match(sig.s, /^0x[0-9a-f]{64}$/);
      assert.equal(recoverL1Signer({ ...v, isMainnet: v.isMainnet!, signature: sig }), v.signerAddress);
      // The venue also receives Python's unpadded r/s.
      if (v.expectedAsWrittenInSource !== undefined) {
        assert.equal(recoverL1Signer({ ...v, isMainnet: v.isMainnet!, signature: v.expectedAsWrittenInSource }), v.signerAddress);
      }
      assert.equal(privateKeyToAddress(v.privateKey!), v.signerAddress);
      passed++;
    }
    for (const v of hashVectors) {
      assert.equal(l1ActionHash(v), v.expected.hash);
      passed++;
    }
    // Key order is hashed: the NEGATIVE (old trigger key order) vectors differ from the current ones.
    for (const neg of sigVectors.filter(isNegative)) {
      const current = sigVectors.find(
        (v) => !isNegative(v) && v.privateKey === neg.privateKey && v.isMainnet === neg.isMainnet && JSON.stringify(v.action).includes('triggerPx'),
      )!;
      assert.ok(current, 'current trigger vector');
      assert.notDeepEqual(neg.expected, current.expected);
      assert.notDeepEqual(signL1Action({ ...neg, privateKey: neg.privateKey!, isMainnet: neg.isMainnet! }), current.expected);
    }
    assert.equal(passed, sigVectors.length + hashVectors.length);
    t.diagnostic(`${name}: ${sigVectors.length} l1ActionSignature + ${hashVectors.length} l1ActionHash vectors passed`);
  });
}

test('at least noble is always available, and the automatic choice is the fastest available', () => {
  const available = availableSignerBackends();
  assert.ok(available.includes('noble'));
  assert.deepEqual(
    available,
    ['native', 'wasm', 'noble'].filter((n) => available.includes(n as 'native')),
  );
  assert.equal(setSignerBackend('auto').name, available[0]);
  setSignerBackend(initialBackend);
  assert.throws(() => setSignerBackend('bogus' as 'native'), /unknown signer backend/);
  assert.equal(activeSignerBackend().name, initialBackend, 'a failed selection keeps the previous backend');
});

test('native is available exactly when the compiled addon loads (never the package\'s pure-JS fallback)', () => {
  let addonLoads = true;
  try {
    createRequire(import.meta.url)('secp256k1/bindings.js');
  } catch {
    addonLoads = false;
  }
  assert.equal(signerBackendLoadError('native') === undefined, addonLoads);
});

test('HIP3_SIGNER selects the backend at first use; an unavailable or unknown name is an error', () => {
  const url = new URL('../../src/protocol/signing.ts', import.meta.url).href;
  const script = `import('${url}').then((m) => { try { console.log(m.activeSignerBackend().name) } catch (e) { console.log('error: ' + e.message) } })`;
  const run = (value: string) =>
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, HIP3_SIGNER: value } })
      .toString()
      .trim();
  for (const name of availableSignerBackends()) assert.equal(run(name), name);
  assert.equal(run('auto'), availableSignerBackends()[0]);
  assert.match(run('fastest'), /^error: unknown signer backend/);
});

test('property: all available backends produce identical signatures and recover the same public key', (t) => {
  t.after(() => setSignerBackend(initialBackend));
  const backends = availableSignerBackends().map((n) => getSignerBackend(n));
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (digest, seed) => {
      const key = secp256k1.utils.isValidSecretKey(seed) ? seed : secp256k1.utils.randomSecretKey(seed.fill(1));
      const expectedPub = hex(secp256k1.getPublicKey(key, false));
      const sigs = backends.map((b) => b.sign(digest, key));
      for (let i = 0; i < backends.length; i++) {
        const s = sigs[i];
        assert.equal(hex(s.r) + hex(s.s) + s.recovery, hex(sigs[0].r) + hex(sigs[0].s) + sigs[0].recovery, backends[i].name);
        // low-s: s ≤ n/2
        assert.ok(BigInt(`0x${hex(s.s)}`) <= secp256k1.Point.CURVE().n / 2n);
        for (const verifier of backends) assert.equal(hex(verifier.recover(digest, s.r, s.s, s.recovery)), expectedPub);
        assert.equal(hex(backends[i].publicKey(key)), expectedPub);
      }
      // Independent check of the signature with noble's verifier.
      const compact = new Uint8Array(64);
      compact.set(sigs[0].r, 0);
      compact.set(sigs[0].s, 32);
      assert.ok(secp256k1.verify(compact, digest, secp256k1.getPublicKey(key), { prehash: false }));
    }),
    { numRuns: 60, seed: 3 },
  );
});

test('recovery: a changed nonce, network, vault or expiry recovers a different address; malformed signatures throw', () => {
  const v = sigVectors.find((x) => !isNegative(x) && x.vaultAddress === null && x.expiresAfter === null)!;
  const args = { ...v, privateKey: v.privateKey!, isMainnet: v.isMainnet! };
  const sig = signL1Action(args);
  const other = '0x1719884eb866cb12b2287399b15f7db5e7d775ea';
  for (const change of [{ nonce: v.nonce + 1 }, { isMainnet: !v.isMainnet }, { vaultAddress: other }, { expiresAfter: 1 }]) {
    const addr = recoverL1Signer({ ...args, ...change, signature: sig });
    assert.match(addr, /^0x[0-9a-f]{40}$/);
    assert.notEqual(addr, v.signerAddress, JSON.stringify(change));
  }
  const bad: unknown[] = [
    { ...sig, v: 29 },
    { ...sig, v: sig.v - 27 },
    { ...sig, v: '27' },
    { ...sig, r: 'zz' },
    { ...sig, r: `0x${'1'.repeat(65)}` },
    { ...sig, r: `0x${'0'.repeat(64)}` },
    { ...sig, s: `0x${'f'.repeat(64)}` },
    { r: sig.r, s: sig.s },
    null,
  ];
  for (const name of availableSignerBackends()) {
    setSignerBackend(name);
    for (const b of bad) {
      assert.throws(() => recoverL1Signer({ ...args, signature: b as RsvSignature }), SignatureError, `${name} ${JSON.stringify(b)}`);
    }
  }
  setSignerBackend(initialBackend);
});

test('createL1Signer signs exactly like signL1Action, with vault and expiry options', () => {
  const pk = generatePrivateKey();
  assert.match(pk, /^0x[0-9a-f]{64}$/);
  const signer = createL1Signer(pk, { isMainnet: false });
  assert.equal(signer.address, privateKeyToAddress(pk));
  assert.equal(signer.isMainnet, false);
  const action = { type: 'order', orders: [{ a: 110004, b: true, p: '1670.1', s: '0.0147', r: false, t: { limit: { tif: 'Ioc' } } }], grouping: 'na' };
  const opts = { vaultAddress: '0x1719884eb866cb12b2287399b15f7db5e7d775ea', expiresAfter: 1_750_000_060_000 };
  assert.deepEqual(signer.sign(action, 1_750_000_000_000), signL1Action({ privateKey: pk, action, nonce: 1_750_000_000_000, isMainnet: false }));
  const withOpts = signer.sign(action, 1_750_000_000_001, opts);
  assert.deepEqual(withOpts, signL1Action({ privateKey: pk, action, nonce: 1_750_000_000_001, isMainnet: false, ...opts }));
  assert.equal(recoverL1Signer({ action, nonce: 1_750_000_000_001, isMainnet: false, ...opts, signature: withOpts }), signer.address);
  // A Uint8Array key is copied: changing the caller's array later does not change the signer.
  const raw = hexToBytes(pk, 32)!;
  const fromBytes = createL1Signer(raw, { isMainnet: false });
  raw.fill(1);
  assert.equal(fromBytes.address, signer.address);
});

test('digests: l1ActionDigest, phantomAgentDigest and signDigest/recoverAddressFromDigest compose', () => {
  const v = sigVectors.find((x) => !isNegative(x))!;
  const digest = l1ActionDigest({ ...v, isMainnet: v.isMainnet! });
  assert.equal(hex(phantomAgentDigest(hexToBytes(l1ActionHash(v), 32)!, v.isMainnet!)), hex(digest));
  assert.deepEqual(signDigest(digest, v.privateKey!), v.expected);
  assert.equal(recoverAddressFromDigest(digest, v.expected as RsvSignature), v.signerAddress);
  assert.notEqual(hex(l1ActionDigest({ ...v, isMainnet: !v.isMainnet })), hex(digest));
  assert.throws(() => signDigest(new Uint8Array(31), v.privateKey!));
});

test('private keys: parsed once and cached, either case and prefix accepted, invalid keys rejected without echo', () => {
  const pk = generatePrivateKey();
  assert.equal(parsePrivateKey(pk), parsePrivateKey(pk), 'cached');
  assert.equal(hex(parsePrivateKey(pk.slice(2).toUpperCase())), pk.slice(2));
  const n = secp256k1.Point.CURVE().n;
  const secret = `0x${'ab'.repeat(31)}`;
  for (const bad of ['0x', `0x${'0'.repeat(64)}`, `0x${n.toString(16)}`, `${secret}zz`, secret, `${pk}00`]) {
    assert.throws(
      () => parsePrivateKey(bad),
      (e: unknown) => e instanceof PrivateKeyError && !(e as Error).message.includes(bad.slice(2, 20) || '§'),
    );
  }
  assert.throws(() => parsePrivateKey(new Uint8Array(31)), PrivateKeyError);
  assert.equal(bytesToHex(new Uint8Array([0, 1, 0xab])), '0x0001ab');
});

test('property: bytesToHex/hexToBytes round-trip at any length (the hex buffer grows past 64 bytes)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      const h = bytesToHex(b);
      assert.equal(h, `0x${Buffer.from(b).toString('hex')}`);
      if (b.length > 0) assert.deepEqual(hexToBytes(h), b);
      return true;
    }),
    { numRuns: 300, seed: 5 },
  );
  assert.equal(bytesToHex(new Uint8Array(0)), '0x');
  assert.equal(hexToBytes('0xabc', 4)?.join(','), '0,0,10,188');
  assert.equal(hexToBytes('0x'), undefined);
  assert.equal(hexToBytes('0xzz'), undefined);
});
