// Pure-JS secp256k1 from `@noble/curves` (audited, always available; the slowest of the three).
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { type RecoverableSignature, SignatureError, type SignerBackend } from './types.ts';

export function loadNobleBackend(): SignerBackend {
  const recoverInput = new Uint8Array(65);
  return {
    name: 'noble',
    sign(digest: Uint8Array, privateKey: Uint8Array): RecoverableSignature {
      // 'recovered' format: recovery byte ‖ r ‖ s; prehash:false because `digest` is already the EIP-712 hash.
      const sig = secp256k1.sign(digest, privateKey, { prehash: false, format: 'recovered' });
      return { r: sig.subarray(1, 33), s: sig.subarray(33, 65), recovery: sig[0] };
    },
    recover(digest: Uint8Array, r: Uint8Array, s: Uint8Array, recovery: number): Uint8Array {
      recoverInput[0] = recovery;
      recoverInput.set(r, 1);
      recoverInput.set(s, 33);
      try {
        return secp256k1.Signature.fromBytes(recoverInput, 'recovered').recoverPublicKey(digest).toBytes(false);
      } catch (err) {
        throw new SignatureError(`cannot recover a public key: ${(err as Error).message}`);
      }
    },
    publicKey(privateKey: Uint8Array): Uint8Array {
      return secp256k1.getPublicKey(privateKey, false);
    },
  };
}
