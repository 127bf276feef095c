// libsecp256k1 compiled to WebAssembly (`tiny-secp256k1` v2). Loaded through require so that a failure to
// load makes the backend unavailable instead of failing the import of the protocol layer.
import { createRequire } from 'node:module';
import { type RecoverableSignature, SignatureError, type SignerBackend } from './types.ts';

interface TinySecp256k1 {
  signRecoverable(h: Uint8Array, d: Uint8Array): { signature: Uint8Array; recoveryId: number };
  recover(h: Uint8Array, signature: Uint8Array, recoveryId: number, compressed: boolean): Uint8Array | null;
  pointFromScalar(d: Uint8Array, compressed: boolean): Uint8Array | null;
}

/** Loads the WASM backend; throws if `tiny-secp256k1` is missing or lacks recoverable signing. */
export function loadWasmBackend(): SignerBackend {
  const require = createRequire(import.meta.url);
  const lib = require('tiny-secp256k1') as TinySecp256k1;
  if (typeof lib.signRecoverable !== 'function' || typeof lib.recover !== 'function') {
    throw new Error('tiny-secp256k1 has no signRecoverable/recover (v2 required)');
  }
  const recoverInput = new Uint8Array(64);
  return {
    name: 'wasm',
    sign(digest: Uint8Array, privateKey: Uint8Array): RecoverableSignature {
      const { signature, recoveryId } = lib.signRecoverable(digest, privateKey);
      return { r: signature.subarray(0, 32), s: signature.subarray(32, 64), recovery: recoveryId };
    },
    recover(digest: Uint8Array, r: Uint8Array, s: Uint8Array, recovery: number): Uint8Array {
      recoverInput.set(r, 0);
      recoverInput.set(s, 32);
      let pub: Uint8Array | null;
      try {
        pub = lib.recover(digest, recoverInput, recovery, false);
      } catch (err) {
        throw new SignatureError(`cannot recover a public key: ${(err as Error).message}`);
      }
      if (pub === null) throw new SignatureError('cannot recover a public key from this signature');
      return pub;
    },
    publicKey(privateKey: Uint8Array): Uint8Array {
      const pub = lib.pointFromScalar(privateKey, false);
      if (pub === null) throw new Error('invalid private key');
      return pub;
    },
  };
}
