// The one interface every secp256k1 implementation is used through. All backends sign with RFC-6979
// deterministic nonces and low-s, so for the same digest and key they return the same bytes.
import { ProtocolError } from '../errors.ts';

export type SignerBackendName = 'native' | 'wasm' | 'noble';

/** A 64-byte compact signature split into 32-byte r and s, with the recovery id (0 or 1 in practice). */
export interface RecoverableSignature {
  r: Uint8Array;
  s: Uint8Array;
  recovery: number;
}

export interface SignerBackend {
  readonly name: SignerBackendName;
  /** Signs a 32-byte digest (no further hashing) with a 32-byte private key. */
  sign(digest: Uint8Array, privateKey: Uint8Array): RecoverableSignature;
  /** The 65-byte uncompressed public key (0x04 ‖ x ‖ y) that produced (r, s, recovery) over `digest`. */
  recover(digest: Uint8Array, r: Uint8Array, s: Uint8Array, recovery: number): Uint8Array;
  /** The 65-byte uncompressed public key of a 32-byte private key. */
  publicKey(privateKey: Uint8Array): Uint8Array;
}

/** A malformed signature, or one from which no public key can be recovered. */
export class SignatureError extends ProtocolError {
  constructor(message: string) {
    super('bad_signature', message);
    this.name = 'SignatureError';
  }
}

/** A private key that is not 32 bytes in [1, n-1]. Its message never contains the key. */
export class PrivateKeyError extends ProtocolError {
  constructor(message: string) {
    super('bad_private_key', message);
    this.name = 'PrivateKeyError';
  }
}
