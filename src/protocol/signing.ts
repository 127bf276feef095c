// L1 action ("phantom agent") signing and recovery (protocol doc §1.1–1.4).
//   connectionId = keccak256(msgpack(action) ‖ nonce u64 BE ‖ 0x00 | 0x01 vault[20] ‖ [0x00 expiresAfter u64 BE])
//   digest       = keccak256(0x19 0x01 ‖ domainSeparator(Exchange, 1, 1337, 0x0) ‖ hashStruct(Agent{source, connectionId}))
// The domain separator, the Agent type hash and keccak("a")/keccak("b") are computed once; per signature the
// work is msgpack into a reused buffer, three keccaks into preallocated buffers, and the ECDSA signature.
import { domainSeparator, type Eip712Field, typeHash, ZERO_ADDRESS } from './eip712.ts';
import { ProtocolError } from './errors.ts';
import { keccak256Into, keccak256Utf8 } from './keccak.ts';
import { bytesToHex, hexNibble, hexToBytes, type PrivateKeyInput, parsePrivateKey, publicKeyToAddress } from './keys.ts';
import { MsgpackWriter } from './msgpack.ts';
import { activeSignerBackend } from './signer/registry.ts';
import { SignatureError } from './signer/types.ts';

export {
  addressToBytes,
  bytesToHex,
  generatePrivateKey,
  hexToBytes,
  type PrivateKeyInput,
  parsePrivateKey,
  privateKeyToAddress,
  publicKeyToAddress,
} from './keys.ts';
export {
  activeSignerBackend,
  availableSignerBackends,
  getSignerBackend,
  SIGNER_BACKEND_NAMES,
  setSignerBackend,
  signerBackendLoadError,
} from './signer/registry.ts';
export {
  PrivateKeyError,
  type RecoverableSignature,
  SignatureError,
  type SignerBackend,
  type SignerBackendName,
} from './signer/types.ts';

/** A signature as the exchange expects it: r and s as 0x + 64 lowercase hex digits, v = 27 | 28. */
export interface RsvSignature {
  r: string;
  s: string;
  v: number;
}

/**
 * A signature as received: r/s hex of up to 64 digits (Python strips leading zeros), v 27|28. A bare recovery
 * id (v 0|1) is refused: no SDK sends it, and hlsim should not accept what the venue may not.
 */
export interface RsvSignatureInput {
  r: string;
  s: string;
  v: number;
}

export interface L1ActionHashArgs {
  /** The action exactly as posted, keys in the venue's hash order. */
  action: unknown;
  nonce: number;
  /** Vault or sub-account the action is for; null/undefined for the signer's own account. */
  vaultAddress?: string | null;
  /** ms timestamp after which the venue rejects the action; null/undefined when not set. */
  expiresAfter?: number | null;
}

export interface SignL1ActionArgs extends L1ActionHashArgs {
  privateKey: PrivateKeyInput;
  isMainnet: boolean;
}

export interface RecoverL1SignerArgs extends L1ActionHashArgs {
  isMainnet: boolean;
  signature: RsvSignatureInput;
}

export const L1_DOMAIN = { name: 'Exchange', version: '1', chainId: 1337, verifyingContract: ZERO_ADDRESS } as const;
export const AGENT_TYPE: readonly Eip712Field[] = [
  { name: 'source', type: 'string' },
  { name: 'connectionId', type: 'bytes32' },
];

const SOURCE_HASH_MAINNET = keccak256Utf8('a');
const SOURCE_HASH_TESTNET = keccak256Utf8('b');

// Reused buffers: the action payload, Agent struct (typeHash ‖ keccak(source) ‖ connectionId), digest input
// (0x19 0x01 ‖ domainSeparator ‖ structHash) and the digest. Signing is synchronous, so sharing them is safe.
const payload = new MsgpackWriter(1024);
const agentStruct = new Uint8Array(96);
agentStruct.set(typeHash('Agent', AGENT_TYPE), 0);
const digestInput = new Uint8Array(66);
digestInput[0] = 0x19;
digestInput[1] = 0x01;
digestInput.set(domainSeparator(L1_DOMAIN), 2);
const digestBuf = new Uint8Array(32);

function checkU64(name: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new ProtocolError(`bad_${name}`, `${name} must be a non-negative safe integer, got ${String(n)}`);
  }
  return n;
}

/** Appends the 20 raw bytes of a 0x address (either case) without allocating. */
function writeAddress(w: MsgpackWriter, address: string): void {
  if (typeof address !== 'string' || address.length !== 42 || address.charCodeAt(0) !== 48 || (address.charCodeAt(1) | 32) !== 120) {
    throw new ProtocolError('bad_vault_address', `vaultAddress must be 0x + 40 hex digits, got ${String(address)}`);
  }
  w.ensure(20);
  for (let i = 2; i < 42; i += 2) {
    const hi = hexNibble(address.charCodeAt(i));
    const lo = hexNibble(address.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) throw new ProtocolError('bad_vault_address', `vaultAddress is not hex: ${address}`);
    w.bytes[w.pos++] = (hi << 4) | lo;
  }
}

/** Writes the hashed bytes of §1.1 into the reused payload buffer. */
function writeL1Payload(args: L1ActionHashArgs): void {
  const nonce = checkU64('nonce', args.nonce);
  payload.reset();
  payload.writeValue(args.action);
  payload.writeU64BE(nonce);
  if (args.vaultAddress === undefined || args.vaultAddress === null) payload.writeU8(0);
  else {
    payload.writeU8(1);
    writeAddress(payload, args.vaultAddress);
  }
  if (args.expiresAfter !== undefined && args.expiresAfter !== null) {
    const expiresAfter = checkU64('expiresAfter', args.expiresAfter);
    payload.writeU8(0);
    payload.writeU64BE(expiresAfter);
  }
}

/** Writes the connectionId of the action into out[offset, offset+32). */
export function l1ActionHashInto(args: L1ActionHashArgs, out: Uint8Array, offset = 0): void {
  writeL1Payload(args);
  keccak256Into(payload.bytes, out, offset, 0, payload.pos);
}

/** The L1 action hash (the phantom agent's connectionId) as 0x + 64 hex digits. */
export function l1ActionHash(args: L1ActionHashArgs): string {
  l1ActionHashInto(args, agentStruct, 64);
  return bytesToHex(agentStruct.subarray(64, 96));
}

/** The EIP-712 digest for a phantom agent with this connectionId. Returns a shared buffer: copy to keep it. */
function phantomAgentDigestShared(isMainnet: boolean): Uint8Array {
  agentStruct.set(isMainnet ? SOURCE_HASH_MAINNET : SOURCE_HASH_TESTNET, 32);
  keccak256Into(agentStruct, digestInput, 34);
  keccak256Into(digestInput, digestBuf, 0);
  return digestBuf;
}

function l1DigestShared(args: L1ActionHashArgs & { isMainnet: boolean }): Uint8Array {
  l1ActionHashInto(args, agentStruct, 64);
  return phantomAgentDigestShared(args.isMainnet === true);
}

/** The 32-byte EIP-712 digest that an L1 action's signature signs (a new array). */
export function l1ActionDigest(args: L1ActionHashArgs & { isMainnet: boolean }): Uint8Array {
  return l1DigestShared(args).slice();
}

/** The digest a phantom agent {source, connectionId} signs, for a connectionId computed elsewhere. */
export function phantomAgentDigest(connectionId: Uint8Array, isMainnet: boolean): Uint8Array {
  if (connectionId.length !== 32) throw new ProtocolError('bad_connection_id', 'connectionId must be 32 bytes');
  agentStruct.set(connectionId, 64);
  return phantomAgentDigestShared(isMainnet).slice();
}

function signParsed(digest: Uint8Array, key: Uint8Array): RsvSignature {
  const sig = activeSignerBackend().sign(digest, key);
  if (sig.recovery > 1) {
    // Only possible when r ≥ n (probability ~2^-127); v cannot express it.
    throw new SignatureError('recovery id above 1 cannot be expressed as v = 27 | 28');
  }
  return { r: bytesToHex(sig.r), s: bytesToHex(sig.s), v: 27 + sig.recovery };
}

/** Signs a 32-byte digest: RFC-6979, low-s, r/s zero-padded lowercase hex, v 27|28. */
export function signDigest(digest: Uint8Array, privateKey: PrivateKeyInput): RsvSignature {
  if (digest.length !== 32) throw new ProtocolError('bad_digest', 'digest must be 32 bytes');
  return signParsed(digest, parsePrivateKey(privateKey));
}

/**
 * Signs an L1 action exactly as given (any action type; keys must already be in the venue's order; numbers
 * are never reformatted). Synchronous.
 */
export function signL1Action(args: SignL1ActionArgs): RsvSignature {
  const key = parsePrivateKey(args.privateKey);
  return signParsed(l1DigestShared(args), key);
}

/** Parses r/s/v; throws SignatureError on anything malformed. */
export function parseRsvSignature(sig: RsvSignatureInput): { r: Uint8Array; s: Uint8Array; recovery: number } {
  if (sig === null || typeof sig !== 'object') throw new SignatureError('signature must be an object {r, s, v}');
  const r = typeof sig.r === 'string' ? hexToBytes(sig.r, 32) : undefined;
  const s = typeof sig.s === 'string' ? hexToBytes(sig.s, 32) : undefined;
  if (r === undefined || s === undefined) throw new SignatureError('signature r and s must be hex of at most 64 digits');
  const v = sig.v;
  if (v !== 27 && v !== 28) throw new SignatureError(`signature v must be 27 or 28, got ${String(v)}`);
  return { r, s, recovery: v - 27 };
}

/** The lowercase address whose key produced `signature` over `digest`. Throws SignatureError if none. */
export function recoverAddressFromDigest(digest: Uint8Array, signature: RsvSignatureInput): string {
  if (digest.length !== 32) throw new ProtocolError('bad_digest', 'digest must be 32 bytes');
  const { r, s, recovery } = parseRsvSignature(signature);
  return publicKeyToAddress(activeSignerBackend().recover(digest, r, s, recovery));
}

/**
 * The lowercase address that signed this L1 action. A wrong key order, nonce, vault, expiry or network does
 * not fail: it recovers a different address (as the venue does), so compare with the expected signer.
 */
export function recoverL1Signer(args: RecoverL1SignerArgs): string {
  const parsed = parseRsvSignature(args.signature);
  const digest = l1DigestShared(args);
  return publicKeyToAddress(activeSignerBackend().recover(digest, parsed.r, parsed.s, parsed.recovery));
}

export interface L1SignOptions {
  vaultAddress?: string | null;
  expiresAfter?: number | null;
}

/** A signer bound to one key and network, for the hot path: the key is parsed once. */
export interface L1Signer {
  /** Lowercase address of the key (the agent address when it is an API wallet). */
  readonly address: string;
  readonly isMainnet: boolean;
  sign(action: unknown, nonce: number, options?: L1SignOptions): RsvSignature;
}

export function createL1Signer(privateKey: PrivateKeyInput, options: { isMainnet: boolean }): L1Signer {
  // Copy so that later changes to a caller's Uint8Array cannot change the key used.
  const key = parsePrivateKey(typeof privateKey === 'string' ? privateKey : privateKey.slice());
  const isMainnet = options.isMainnet === true;
  const address = publicKeyToAddress(activeSignerBackend().publicKey(key));
  const args: L1ActionHashArgs & { isMainnet: boolean } = { action: undefined, nonce: 0, isMainnet };
  return {
    address,
    isMainnet,
    sign(action: unknown, nonce: number, opts?: L1SignOptions): RsvSignature {
      args.action = action;
      args.nonce = nonce;
      args.vaultAddress = opts?.vaultAddress;
      args.expiresAfter = opts?.expiresAfter;
      try {
        return signParsed(l1DigestShared(args), key);
      } finally {
        args.action = undefined;
      }
    },
  };
}
