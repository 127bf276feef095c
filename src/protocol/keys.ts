// Private keys, public keys and addresses, plus the hex helpers the signing code shares. Parsed private keys are
// cached by their hex string so that the hot path never re-parses or re-validates a key.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak256Into } from './keccak.ts';
import { activeSignerBackend } from './signer/registry.ts';
import { PrivateKeyError } from './signer/types.ts';

/** A private key as 0x-prefixed (or bare) hex of 32 bytes, or the 32 bytes themselves. */
export type PrivateKeyInput = string | Uint8Array;

// Hex digits of every byte value as ASCII codes, and a reused output buffer: hex is written as bytes and
// decoded once into a flat string (string concatenation would allocate a rope node per byte).
const HEX_ASCII = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  HEX_ASCII[2 * i] = '0123456789abcdef'.charCodeAt(i >> 4);
  HEX_ASCII[2 * i + 1] = '0123456789abcdef'.charCodeAt(i & 15);
}
let hexOut = Buffer.alloc(2 + 2 * 64);

/** Lowercase hex of `bytes` with a 0x prefix. */
export function bytesToHex(bytes: Uint8Array): string {
  const len = 2 + 2 * bytes.length;
  if (hexOut.length < len) hexOut = Buffer.alloc(len);
  const out = hexOut;
  out[0] = 0x30; // '0'
  out[1] = 0x78; // 'x'
  for (let i = 0, o = 2; i < bytes.length; i++, o += 2) {
    const b = bytes[i] << 1;
    out[o] = HEX_ASCII[b];
    out[o + 1] = HEX_ASCII[b + 1];
  }
  return out.toString('latin1', 0, len);
}

/** The value of one hex digit's char code (either case); -1 when it is not a hex digit. */
export function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

/**
 * Bytes of a hex string (0x prefix optional, either case). With `length`, shorter values are left-padded with
 * zeros (Python sends r/s without leading zeros) and longer ones are rejected. Returns undefined if not hex.
 */
export function hexToBytes(hex: string, length?: number): Uint8Array | undefined {
  const start = hex.startsWith('0x') || hex.startsWith('0X') ? 2 : 0;
  const digits = hex.length - start;
  if (digits === 0) return undefined;
  const size = length ?? Math.ceil(digits / 2);
  if (digits > size * 2) return undefined;
  const out = new Uint8Array(size);
  // Fill from the right so that an odd digit count or a short value lands in the low bytes.
  let o = size - 1;
  for (let i = hex.length - 1; i >= start; i -= 2, o--) {
    const lo = hexNibble(hex.charCodeAt(i));
    const hi = i - 1 >= start ? hexNibble(hex.charCodeAt(i - 1)) : 0;
    if (lo < 0 || hi < 0) return undefined;
    out[o] = (hi << 4) | lo;
  }
  return out;
}

/** 20 bytes of a 0x-prefixed 40-hex-digit address (either case); undefined if malformed. */
export function addressToBytes(address: string): Uint8Array | undefined {
  if (address.length !== 42 || !(address.startsWith('0x') || address.startsWith('0X'))) return undefined;
  return hexToBytes(address, 20);
}

const MAX_CACHED_KEYS = 256;
const parsedKeys = new Map<string, Uint8Array>();
const addresses = new Map<string, string>();

/**
 * The 32 bytes of a valid private key. String keys are parsed once and cached (the returned array is shared:
 * do not modify it). Throws PrivateKeyError (never echoing the key) if it is not a valid secp256k1 key.
 */
export function parsePrivateKey(privateKey: PrivateKeyInput): Uint8Array {
  if (typeof privateKey !== 'string') {
    if (!(privateKey instanceof Uint8Array) || !secp256k1.utils.isValidSecretKey(privateKey)) {
      throw new PrivateKeyError('private key must be 32 bytes in [1, n-1]');
    }
    return privateKey;
  }
  const cached = parsedKeys.get(privateKey);
  if (cached !== undefined) return cached;
  const bare = privateKey.startsWith('0x') || privateKey.startsWith('0X') ? privateKey.length - 2 : privateKey.length;
  const bytes = bare === 64 ? hexToBytes(privateKey, 32) : undefined;
  if (bytes === undefined || !secp256k1.utils.isValidSecretKey(bytes)) {
    throw new PrivateKeyError('private key must be 64 hex digits encoding a value in [1, n-1]');
  }
  if (parsedKeys.size >= MAX_CACHED_KEYS) parsedKeys.clear();
  parsedKeys.set(privateKey, bytes);
  return bytes;
}

const addressHash = new Uint8Array(32);

/** Lowercase 0x address of a 65-byte uncompressed (0x04 ‖ x ‖ y) or 64-byte (x ‖ y) public key. */
export function publicKeyToAddress(publicKey: Uint8Array): string {
  if (publicKey.length === 65) keccak256Into(publicKey, addressHash, 0, 1, 65);
  else if (publicKey.length === 64) keccak256Into(publicKey, addressHash, 0, 0, 64);
  else throw new Error(`public key must be 64 or 65 bytes, got ${publicKey.length}`);
  return bytesToHex(addressHash.subarray(12, 32));
}

/** Lowercase 0x address of a private key (cached for string keys). */
export function privateKeyToAddress(privateKey: PrivateKeyInput): string {
  if (typeof privateKey === 'string') {
    const cached = addresses.get(privateKey);
    if (cached !== undefined) return cached;
  }
  const address = publicKeyToAddress(activeSignerBackend().publicKey(parsePrivateKey(privateKey)));
  if (typeof privateKey === 'string') {
    if (addresses.size >= MAX_CACHED_KEYS) addresses.clear();
    addresses.set(privateKey, address);
  }
  return address;
}

/** A fresh random private key as 0x + 64 lowercase hex digits (CSPRNG), for agents and throwaway test keys. */
export function generatePrivateKey(): string {
  return bytesToHex(secp256k1.utils.randomSecretKey());
}
