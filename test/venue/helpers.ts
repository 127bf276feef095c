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

/**
 * hlsim's scheduler running `factor`× faster than the wall clock: the oracle (which may publish only every
 * 2.5 s of venue time) then updates every 2.5 s / factor of real time, so staleness tests run in seconds.
 */
export function fastScheduler(factor: number) {
  const origin = Date.now();
  let nextId = 1;
  type T = { timerId: number; node: ReturnType<typeof setTimeout> | undefined };
  return {
    now: () => origin + (Date.now() - origin) * factor,
    setTimeout(fn: () => void, ms: number) {
      const timer: T = { timerId: nextId++, node: undefined };
      timer.node = setTimeout(
        () => {
          timer.node = undefined;
          fn();
        },
        Math.max(0, ms / factor),
      );
      return timer;
    },
    clearTimeout(handle: { timerId: number }) {
      const timer = handle as T;
      if (timer.node !== undefined) clearTimeout(timer.node);
      timer.node = undefined;
    },
  };
}

/**
 * A TCP relay between the bot and hlsim on 127.0.0.1:0. `blackhole()` stops forwarding on every current
 * connection in both directions WITHOUT closing it — a half-open socket, which hlsim's faults cannot produce
 * (its silence fault keeps pongs flowing). New connections relay normally.
 */
export async function startBlackholeProxy(targetPort: number) {
  const net = await import('node:net');
  const pairs = new Set<{ black: boolean; a: import('node:net').Socket; b: import('node:net').Socket }>();
  const server = net.createServer((a) => {
    const b = net.connect(targetPort, '127.0.0.1');
    const pair = { black: false, a, b };
    pairs.add(pair);
    a.on('data', (d) => {
      if (!pair.black) b.write(d);
    });
    b.on('data', (d) => {
      if (!pair.black) a.write(d);
    });
    const end = () => {
      pairs.delete(pair);
      a.destroy();
      b.destroy();
    };
    a.on('close', end);
    b.on('close', end);
    a.on('error', end);
    b.on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as import('node:net').AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    blackhole(): number {
      for (const p of pairs) p.black = true;
      return pairs.size;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const p of pairs) {
          p.a.destroy();
          p.b.destroy();
        }
        server.close(() => r());
      }),
  };
}

/** Deterministic PRNG (mulberry32) so "random moments" are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A WebSocket relay on 127.0.0.1:0 in front of hlsim that can withhold server frames matching `drop` — e.g.
 * the bbo snapshot hlsim sends right after the ack (its silenceChannel fault covers published updates only),
 * so a market can look as quiet as the real venue's bbo-on-change feed. Everything else passes verbatim.
 */
export async function startFrameFilterProxy(targetUrl: string) {
  const { WebSocket, WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const state = { drop: null as ((text: string) => boolean) | null, dropped: 0 };
  wss.on('connection', (down) => {
    const up = new WebSocket(targetUrl);
    const early: string[] = [];
    up.on('open', () => {
      for (const m of early.splice(0)) up.send(m);
    });
    down.on('message', (d) => {
      const text = d.toString();
      if (up.readyState === WebSocket.OPEN) up.send(text);
      else early.push(text);
    });
    up.on('message', (d) => {
      const text = d.toString();
      if (state.drop?.(text)) state.dropped++;
      else if (down.readyState === WebSocket.OPEN) down.send(text);
    });
    const end = () => {
      up.terminate();
      down.terminate();
    };
    up.on('close', end);
    down.on('close', end);
    up.on('error', end);
    down.on('error', end);
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as import('node:net').AddressInfo).port}/ws`,
    state,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
}
