// The venue's nonce rule (protocol doc §6.3, the stricter documented version): per signer, the 20 highest
// nonces seen are kept; a new nonce must not be one of them, must exceed the smallest of them once 20 are
// kept, and must lie within one day of the venue's clock. Strings: see errors.ts.
import { err } from './errors.ts';

const NONCE_SLOTS = 20;
const NONCE_WINDOW_MS = 24 * 60 * 60 * 1000;

export class NonceBook {
  /** signer → its highest nonces, ascending. */
  private readonly sets = new Map<string, number[]>();

  /** Checks a nonce for `signer` at venue time `now`; returns the venue error string, or undefined if valid. */
  check(signer: string, nonce: number, now: number): string | undefined {
    const set = this.sets.get(signer);
    if (set !== undefined) {
      if (binaryIncludes(set, nonce)) return err.nonceDuplicate(nonce);
      if (set.length >= NONCE_SLOTS && nonce < set[0]) return err.nonceTooLow(nonce, set[0]);
    }
    const low = now - NONCE_WINDOW_MS;
    if (nonce <= low) return err.nonceTooLow(nonce, low);
    const high = now + NONCE_WINDOW_MS;
    if (nonce >= high) return err.nonceTooHigh(nonce, high);
    return undefined;
  }

  /** Records a nonce that passed check(): it is now used. */
  use(signer: string, nonce: number): void {
    let set = this.sets.get(signer);
    if (set === undefined) {
      set = [];
      this.sets.set(signer, set);
    }
    let i = set.length;
    while (i > 0 && set[i - 1] > nonce) i--;
    set.splice(i, 0, nonce);
    if (set.length > NONCE_SLOTS) set.shift();
  }

  /** Forgets a signer's nonces (the venue may prune a deregistered agent's state, §6.3). */
  forget(signer: string): void {
    this.sets.delete(signer);
  }
}

function binaryIncludes(sorted: number[], x: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid];
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
