// The single path to the wire. Everything written to the venue socket — pings, subscribes, info posts and
// action posts — passes through here so the per-IP limits (hyperliquid-protocol.md §6.1: 2000 messages/min,
// 100 in-flight posts) hold for ALL traffic (the reference limited only posts, §2.3).
//
// Order path rule: an action is written in the same turn or refused with a distinct outcome; it never waits
// behind queued info requests or subscribes. Info and control traffic queue and may not spend the last
// `reservedTokens` tokens or `reservedInFlight` post slots, which are kept for actions.
import type { TimerHandle, VenueClock } from './clock.ts';

export interface WireBudget {
  /** Length of the window the venue counts over (ms). */
  windowMs: number;
  /** Most messages we allow ourselves per window (the venue's limit is 2000/min; keep a margin). */
  maxPerWindow: number;
  /** Bucket capacity: how many messages may leave back to back. */
  burst: number;
  /** Tokens only actions may spend. */
  reservedTokens: number;
}

/** 1800/min: 10 % under the venue's 2000/min so clock skew between us and the venue never trips it. */
export const DEFAULT_WIRE_BUDGET: WireBudget = { windowMs: 60_000, maxPerWindow: 1800, burst: 60, reservedTokens: 10 };
export const VENUE_MAX_MESSAGES_PER_MINUTE = 2000;
export const VENUE_MAX_INFLIGHT_POSTS = 100;

/**
 * Token bucket sized so that ANY window of `windowMs` holds at most `maxPerWindow` messages:
 * burst + rate × window = maxPerWindow.
 */
export class TokenBucket {
  readonly capacity: number;
  /** Tokens per ms. */
  readonly rate: number;
  private tokens: number;
  private last: number;

  constructor(budget: WireBudget, now: number) {
    if (!(budget.burst >= 1 && budget.maxPerWindow > budget.burst && budget.windowMs > 0)) {
      throw new RangeError('wire budget needs 1 <= burst < maxPerWindow and windowMs > 0');
    }
    this.capacity = budget.burst;
    this.rate = (budget.maxPerWindow - budget.burst) / budget.windowMs;
    this.tokens = budget.burst;
    this.last = now;
  }

  available(now: number): number {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.rate);
      this.last = now;
    }
    return this.tokens;
  }

  /** Takes one token if more than `keep` are available. */
  take(now: number, keep = 0): boolean {
    if (this.available(now) >= 1 + keep) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Ms until `1 + keep` tokens are available. */
  msUntil(now: number, keep = 0): number {
    const missing = 1 + keep - this.available(now);
    return missing <= 0 ? 0 : Math.ceil(missing / this.rate);
  }
}

export type WriteOutcome = 'sent' | 'queued' | 'notConnected' | 'notReady' | 'rateLimited' | 'inFlightFull';

/** A queued message; `onWrite` runs right after it reaches the socket, `onDrop` if it never will. */
export interface QueuedMessage {
  text: string;
  /** Posts occupy an in-flight slot from the moment they are written until their response or timeout. */
  isPost: boolean;
  onWrite?: () => void;
  onDrop?: (reason: 'disconnected' | 'stopped') => void;
}

export interface OutboundOptions {
  clock: VenueClock;
  budget?: Partial<WireBudget>;
  maxInFlight?: number;
  /** Post slots only actions may use. */
  reservedInFlight?: number;
  /** Bound on queued info posts; beyond it an info request is refused as rateLimited. */
  maxQueuedInfo?: number;
  /** Writes one frame; returns false if the socket is not open. */
  write: (text: string) => boolean;
  /** Number of posts written and not yet answered/timed out (owned by the post tracker). */
  inFlight: () => number;
}

export interface OutboundStats {
  written: number;
  actionsWritten: number;
  refusedRateLimited: number;
  refusedInFlightFull: number;
  refusedNotConnected: number;
  maxInFlightSeen: number;
}

/** Ring-free FIFO on an array with a moving head (no per-dequeue shifting). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(x: T): void {
    this.items.push(x);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  drainAll(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }
}

export class OutboundQueue {
  readonly budget: WireBudget;
  readonly maxInFlight: number;
  readonly stats: OutboundStats = {
    written: 0,
    actionsWritten: 0,
    refusedRateLimited: 0,
    refusedInFlightFull: 0,
    refusedNotConnected: 0,
    maxInFlightSeen: 0,
  };
  private readonly clock: VenueClock;
  private readonly bucket: TokenBucket;
  private readonly reservedInFlight: number;
  private readonly maxQueuedInfo: number;
  private readonly writeFrame: (text: string) => boolean;
  private readonly inFlight: () => number;
  private readonly control = new Fifo<QueuedMessage>();
  private readonly info = new Fifo<QueuedMessage>();
  private connected = false;
  private drainTimer: TimerHandle | null = null;

  constructor(opts: OutboundOptions) {
    this.clock = opts.clock;
    this.budget = { ...DEFAULT_WIRE_BUDGET, ...opts.budget };
    this.bucket = new TokenBucket(this.budget, this.clock.now());
    this.maxInFlight = opts.maxInFlight ?? VENUE_MAX_INFLIGHT_POSTS;
    this.reservedInFlight = opts.reservedInFlight ?? 10;
    this.maxQueuedInfo = opts.maxQueuedInfo ?? 2000;
    this.writeFrame = opts.write;
    this.inFlight = opts.inFlight;
  }

  get queuedControl(): number {
    return this.control.length;
  }
  get queuedInfo(): number {
    return this.info.length;
  }

  setConnected(connected: boolean): void {
    this.connected = connected;
    if (!connected) this.dropQueued('disconnected');
    else this.drain();
  }

  /**
   * Action posts: written now or refused. Never queued, so an order never waits behind anything.
   * The caller has already checked readiness (`notReady` is its outcome to return).
   */
  writeAction(text: string, onWrite: () => void): WriteOutcome {
    if (!this.connected) {
      this.stats.refusedNotConnected++;
      return 'notConnected';
    }
    if (this.inFlight() >= this.maxInFlight) {
      this.stats.refusedInFlightFull++;
      return 'inFlightFull';
    }
    if (!this.bucket.take(this.clock.now())) {
      this.stats.refusedRateLimited++;
      return 'rateLimited';
    }
    if (!this.writeFrame(text)) {
      this.stats.refusedNotConnected++;
      return 'notConnected';
    }
    this.stats.written++;
    this.stats.actionsWritten++;
    onWrite();
    this.noteInFlight();
    return 'sent';
  }

  /** Pings and subscribes: ahead of info, behind nothing but the action reserve. */
  enqueueControl(msg: QueuedMessage): WriteOutcome {
    if (!this.connected) return 'notConnected';
    let written = false;
    const onWrite = msg.onWrite;
    this.control.push({
      ...msg,
      onWrite: () => {
        written = true;
        onWrite?.();
      },
    });
    this.drain();
    return written ? 'sent' : 'queued';
  }

  /** Info posts: queued, written when a token and an in-flight slot (outside the action reserve) are free. */
  enqueueInfo(msg: QueuedMessage): WriteOutcome {
    if (!this.connected) {
      this.stats.refusedNotConnected++;
      return 'notConnected';
    }
    if (this.info.length >= this.maxQueuedInfo) {
      this.stats.refusedRateLimited++;
      return 'rateLimited';
    }
    this.info.push(msg);
    this.drain();
    return 'queued';
  }

  /** Writes whatever budget allows; re-arms a timer for the rest. Called on enqueue, on post completion, on timer. */
  drain(): void {
    if (!this.connected) return;
    const keep = this.budget.reservedTokens;
    for (;;) {
      const now = this.clock.now();
      let q: Fifo<QueuedMessage> | null = null;
      if (this.control.length > 0) q = this.control;
      else if (this.info.length > 0 && this.inFlight() < this.maxInFlight - this.reservedInFlight) q = this.info;
      if (q === null) break;
      if (!this.bucket.take(now, keep)) {
        this.armDrainTimer(this.bucket.msUntil(now, keep));
        return;
      }
      const msg = q.shift()!;
      if (!this.writeFrame(msg.text)) {
        msg.onDrop?.('disconnected');
        return;
      }
      this.stats.written++;
      msg.onWrite?.();
      if (msg.isPost) this.noteInFlight();
    }
  }

  stop(): void {
    this.connected = false;
    this.dropQueued('stopped');
  }

  private noteInFlight(): void {
    const n = this.inFlight();
    if (n > this.stats.maxInFlightSeen) this.stats.maxInFlightSeen = n;
  }

  private armDrainTimer(ms: number): void {
    if (this.drainTimer !== null) return;
    this.drainTimer = this.clock.setTimeout(
      () => {
        this.drainTimer = null;
        this.drain();
      },
      Math.max(1, ms),
    );
  }

  private dropQueued(reason: 'disconnected' | 'stopped'): void {
    if (this.drainTimer !== null) {
      this.clock.clearTimeout(this.drainTimer);
      this.drainTimer = null;
    }
    for (const m of this.control.drainAll()) m.onDrop?.(reason);
    for (const m of this.info.drainAll()) m.onDrop?.(reason);
  }
}
