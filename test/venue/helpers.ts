// Test helpers for the venue suite: a manual clock for timer-driven rules, a throwaway signer, waiting on a
// condition while real sockets run, and an hlsim start-up with short limits.
import { orderAction, orderWire } from '../../src/protocol/actions.ts';
import { generatePrivateKey, privateKeyToAddress } from '../../src/protocol/keys.ts';
import { signL1Action } from '../../src/protocol/signing.ts';
import type { ExchangeRequest } from '../../src/protocol/wire.ts';
import type { TimerHandle, VenueClock } from '../../src/venue/clock.ts';

interface ManualTimer {
  id: number;
  at: number;
  fn: () => void;
}

/** Time moves only when the test says so; due timers run in time order (ties in creation order). */
export class ManualClock implements VenueClock {
  t: number;
  private timers: ManualTimer[] = [];
  private nextId = 1;
  constructor(start = 1_000_000) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, at: this.t + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }
  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  get pending(): number {
    return this.timers.length;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const x of this.timers) if (x.at <= end && (next === undefined || x.at < next.at || (x.at === next.at && x.id < next.id))) next = x;
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }
}

/** A throwaway account key signing L1 actions with strictly increasing nonces. */
export class TestSigner {
  readonly privateKey = generatePrivateKey();
  readonly address = privateKeyToAddress(this.privateKey).toLowerCase();
  private last = 0;
  sign(action: unknown): ExchangeRequest {
    const nonce = (this.last = Math.max(Date.now(), this.last + 1));
    const signature = signL1Action({ privateKey: this.privateKey, action, nonce, isMainnet: true });
    return { action: action as { type: string }, nonce, signature };
  }
  order(o: { asset: number; isBuy: boolean; px: string; sz: string; tif: 'Gtc' | 'Ioc' | 'Alo'; cloid?: string; reduceOnly?: boolean }): ExchangeRequest {
    return this.sign(orderAction([orderWire({ ...o, reduceOnly: o.reduceOnly ?? false })]));
  }
}

/** Polls `pred` on the real event loop until it holds or `timeoutMs` passes (then throws naming `what`). */
export async function until(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** cloid with a recognisable prefix: 0x + prefix + counter, 32 hex digits. */
export function makeCloid(prefix: string, n: number): string {
  const hex = n.toString(16);
  return `0x${prefix}${'0'.repeat(32 - prefix.length - hex.length)}${hex}`;
}
