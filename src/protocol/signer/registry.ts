// Which secp256k1 backend signs: the fastest one that loads (native > wasm > noble) unless configured with
// setSignerBackend(name) or the HIP3_SIGNER environment variable (native|wasm|noble|auto). Backends are loaded
// lazily and once; a backend that fails to load is unavailable, with the reason kept for diagnostics.
import { loadNativeBackend } from './native.ts';
import { loadNobleBackend } from './noble.ts';
import type { SignerBackend, SignerBackendName } from './types.ts';
import { loadWasmBackend } from './wasm.ts';

export const SIGNER_BACKEND_NAMES: readonly SignerBackendName[] = ['native', 'wasm', 'noble'];

const loaders: Record<SignerBackendName, () => SignerBackend> = {
  native: loadNativeBackend,
  wasm: loadWasmBackend,
  noble: loadNobleBackend,
};
const loaded = new Map<SignerBackendName, SignerBackend | Error>();
let active: SignerBackend | undefined;

function isBackendName(name: string): name is SignerBackendName {
  return (SIGNER_BACKEND_NAMES as readonly string[]).includes(name);
}

function load(name: SignerBackendName): SignerBackend | Error {
  let entry = loaded.get(name);
  if (entry === undefined) {
    try {
      entry = loaders[name]();
    } catch (err) {
      entry = err instanceof Error ? err : new Error(String(err));
    }
    loaded.set(name, entry);
  }
  return entry;
}

/** The named backend; throws if it is unknown or cannot be loaded here. */
export function getSignerBackend(name: string): SignerBackend {
  if (!isBackendName(name)) throw new Error(`unknown signer backend '${name}' (native|wasm|noble)`);
  const entry = load(name);
  if (entry instanceof Error) throw new Error(`signer backend '${name}' is unavailable: ${entry.message}`);
  return entry;
}

/** Why a backend is unavailable, or undefined if it loads. */
export function signerBackendLoadError(name: SignerBackendName): string | undefined {
  const entry = load(name);
  return entry instanceof Error ? entry.message : undefined;
}

/** Names of the backends that load on this machine, fastest first. */
export function availableSignerBackends(): SignerBackendName[] {
  return SIGNER_BACKEND_NAMES.filter((n) => !(load(n) instanceof Error));
}

function chooseAutomatically(): SignerBackend {
  for (const name of SIGNER_BACKEND_NAMES) {
    const entry = load(name);
    if (!(entry instanceof Error)) return entry;
  }
  throw new Error('no secp256k1 backend could be loaded');
}

/**
 * Selects the backend used by every signing and recovery function: a name, or 'auto' for the fastest available.
 * Throws (and keeps the previous choice) if the named backend is unavailable.
 */
export function setSignerBackend(name: SignerBackendName | 'auto'): SignerBackend {
  active = name === 'auto' ? chooseAutomatically() : getSignerBackend(name);
  return active;
}

/** The backend in use; on first call it is chosen from HIP3_SIGNER, else automatically. */
export function activeSignerBackend(): SignerBackend {
  if (active !== undefined) return active;
  const configured = process.env.HIP3_SIGNER?.trim();
  return setSignerBackend(configured === undefined || configured === '' ? 'auto' : (configured as SignerBackendName));
}
