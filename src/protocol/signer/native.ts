// libsecp256k1 through the `secp256k1` N-API addon (optional dependency). Its package entry silently falls
// back to a pure-JS implementation (elliptic) when the addon does not load, so we require `bindings.js`
// directly: either the native code is there or this backend is unavailable.
import { createRequire } from 'node:module';
import { type RecoverableSignature, SignatureError, type SignerBackend } from './types.ts';

interface Secp256k1Native {
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyCreate(seckey: Uint8Array, compressed: boolean): Uint8Array;
}

/** Loads the native backend; throws if the addon is not installed or cannot be loaded on this platform. */
export function loadNativeBackend(): SignerBackend {
  const require = createRequire(import.meta.url);
  const lib = require('secp256k1/bindings.js') as Secp256k1Native;
  const recoverInput = new Uint8Array(64);
  return {
    name: 'native',
    sign(digest: Uint8Array, privateKey: Uint8Array): RecoverableSignature {
      const { signature, recid } = lib.ecdsaSign(digest, privateKey);
      return { r: signature.subarray(0, 32), s: signature.subarray(32, 64), recovery: recid };
    },
    recover(digest: Uint8Array, r: Uint8Array, s: Uint8Array, recovery: number): Uint8Array {
      recoverInput.set(r, 0);
      recoverInput.set(s, 32);
      try {
        return lib.ecdsaRecover(recoverInput, recovery, digest, false);
      } catch (err) {
        throw new SignatureError(`cannot recover a public key: ${(err as Error).message}`);
      }
    },
    publicKey(privateKey: Uint8Array): Uint8Array {
      return lib.publicKeyCreate(privateKey, false);
    },
  };
}
