// Keccak-256 (the Ethereum variant: pad byte 0x01, not SHA-3's 0x06) that writes its digest into a caller's
// buffer. The permutation is @noble/hashes' audited keccakP; only the sponge is here, so that signing can hash
// into preallocated buffers without allocating a hasher object and a state per call.
import { keccak_256, keccakP } from '@noble/hashes/sha3.js';

const RATE = 136; // bytes absorbed per permutation for a 256-bit output
const state32 = new Uint32Array(50); // 1600-bit state, 25 lanes as little-endian 32-bit halves
const state8 = new Uint8Array(state32.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Writes keccak256(data[start, end)) into out[outOffset, outOffset + 32). Synchronous, allocation-free.
 * `out` may alias `data` (the input is fully absorbed before the digest is written).
 */
export function keccak256Into(
  data: Uint8Array,
  out: Uint8Array,
  outOffset = 0,
  start = 0,
  end = data.length,
): void {
  if (!littleEndian) {
    // The byte view over the lanes below assumes a little-endian host; elsewhere use noble's own sponge.
    out.set(keccak_256(data.subarray(start, end)), outOffset);
    return;
  }
  state32.fill(0);
  let pos = start;
  while (end - pos >= RATE) {
    for (let i = 0; i < RATE; i++) state8[i] ^= data[pos + i];
    keccakP(state32, 24);
    pos += RATE;
  }
  const rest = end - pos;
  for (let i = 0; i < rest; i++) state8[i] ^= data[pos + i];
  state8[rest] ^= 0x01;
  state8[RATE - 1] ^= 0x80;
  keccakP(state32, 24);
  for (let i = 0; i < 32; i++) out[outOffset + i] = state8[i];
}

/** keccak256 of `data` as a new 32-byte array. */
export function keccak256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  keccak256Into(data, out, 0);
  return out;
}

/** keccak256 of the UTF-8 bytes of `text`. */
export function keccak256Utf8(text: string): Uint8Array {
  return keccak256(new TextEncoder().encode(text));
}
