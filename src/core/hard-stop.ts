// HardStop: the one risk latch (design principle 6). Once set it stays set until an operator resets it.
// Its effects live in the engine: entry gate 1, the purge of queued new orders, the guard directly before
// the hand-off to the signer, cancel-all and flatten-all; `completedAtMs` is set only when every position
// is zero and no order is live.

export class HardStop {
  latched = false;
  reason = '';
  sinceMs = 0;
  completedAtMs: number | null = null;
  triggers = 0;

  /** Sets the latch; returns true only for the first trigger (later reasons are ignored). */
  trigger(reason: string, nowMs: number): boolean {
    if (this.latched) return false;
    this.latched = true;
    this.reason = reason;
    this.sinceMs = nowMs;
    this.completedAtMs = null;
    this.triggers++;
    return true;
  }

  /** Operator action only. */
  reset(): void {
    this.latched = false;
    this.reason = '';
    this.sinceMs = 0;
    this.completedAtMs = null;
  }
}
