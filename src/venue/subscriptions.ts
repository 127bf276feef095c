// The desired subscription set, declared once and replayed on every connect (the venue keeps no session,
// hyperliquid-protocol.md §4.1). Each entry is tracked until its `subscriptionResponse` ack (matched by
// SUBSET, because the venue echoes a normalised subscription with defaults filled in) and its first data.
// A missing ack is retried, then surfaced as an error. Reference failures: subscriptions silently absent
// because `user_address` was unset (§2.3) — here user subscriptions REQUIRE an address and use the master
// account, never the agent; readiness that waited for orderUpdates DATA on an idle account (#6) — here the
// ack alone makes a user channel ready; an unsubscribe ack never does.
import type { TimerHandle, VenueClock } from './clock.ts';

export type Subscription =
  | { type: 'bbo'; coin: string }
  | { type: 'activeAssetCtx'; coin: string }
  | { type: 'l2Book'; coin: string; nSigFigs?: number | null; mantissa?: number | null }
  | { type: 'trades'; coin: string }
  | { type: 'orderUpdates'; user: string }
  | { type: 'userFills'; user: string; aggregateByTime?: boolean }
  | { type: 'userEvents'; user: string };

/** Data channel name of a subscription type (`userEvents` arrives on channel "user"). */
export function channelOf(type: Subscription['type']): string {
  return type === 'userEvents' ? 'user' : type;
}

export function isUserSubscription(s: Subscription): boolean {
  return s.type === 'orderUpdates' || s.type === 'userFills' || s.type === 'userEvents';
}

export interface DesiredSetConfig {
  markets: readonly string[];
  l2Book?: boolean;
  trades?: boolean;
  /** MASTER account address (never the agent's: agent queries return empty results, §5.1). */
  user?: string;
}

/** Per market bbo + activeAssetCtx (+ optional l2Book/trades); per user orderUpdates, userFills, userEvents. */
export function desiredSubscriptions(cfg: DesiredSetConfig): Subscription[] {
  const out: Subscription[] = [];
  const seen = new Set<string>();
  for (const coin of cfg.markets) {
    if (seen.has(coin)) throw new Error(`market listed twice in the subscription set: ${coin}`);
    seen.add(coin);
    out.push({ type: 'bbo', coin }, { type: 'activeAssetCtx', coin });
    if (cfg.l2Book) out.push({ type: 'l2Book', coin });
    if (cfg.trades) out.push({ type: 'trades', coin });
  }
  if (cfg.user !== undefined) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(cfg.user)) throw new Error(`user address is not a 0x address: ${cfg.user}`);
    const user = cfg.user.toLowerCase();
    out.push({ type: 'orderUpdates', user }, { type: 'userFills', user }, { type: 'userEvents', user });
  }
  return out;
}

/** True when every field we asked for is present with the same value in the venue's echo. */
export function subscriptionMatches(desired: Subscription, echoed: unknown): boolean {
  if (typeof echoed !== 'object' || echoed === null) return false;
  const e = echoed as Record<string, unknown>;
  for (const [k, v] of Object.entries(desired)) {
    if (v === undefined) continue;
    const ev = e[k];
    if (k === 'user' && typeof v === 'string' && typeof ev === 'string') {
      if (v.toLowerCase() !== ev.toLowerCase()) return false;
    } else if (ev !== v) return false;
  }
  return true;
}

export type SubscriptionState = 'idle' | 'pending' | 'acked' | 'failed';

export interface SubscriptionEntry {
  readonly sub: Subscription;
  readonly key: string;
  state: SubscriptionState;
  /** First data frame seen on this connection. */
  hasData: boolean;
  /** Subscribe frames sent on this connection. */
  attempts: number;
  /** When the latest subscribe frame reached the socket (0 = still queued): its ack deadline runs from here. */
  sentAt: number;
  ackedAt: number;
}

export interface SubscriptionError {
  sub: Subscription;
  reason: 'ackTimeout' | 'invalid' | 'venueError';
  detail: string;
}

export function subscriptionKey(s: Subscription): string {
  return 'coin' in s ? `${s.type}:${s.coin}` : `${s.type}:${s.user}`;
}

export interface SubscriptionManagerOptions {
  clock: VenueClock;
  /**
   * Queues a control frame (through the outbound queue); `onWrite` runs when it actually reaches the socket —
   * the ack deadline starts there, not at enqueue (a frame waiting for wire tokens has not been asked yet).
   */
  send: (text: string, onWrite: () => void) => void;
  ackTimeoutMs?: number;
  /** Subscribe frames per entry per connection before the entry is declared failed. */
  maxAttempts?: number;
  onChange?: (entry: SubscriptionEntry) => void;
  onError?: (err: SubscriptionError) => void;
}

export class SubscriptionManager {
  readonly entries: readonly SubscriptionEntry[];
  private readonly byKey = new Map<string, SubscriptionEntry>();
  private readonly clock: VenueClock;
  private readonly send: (text: string, onWrite: () => void) => void;
  private readonly ackTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly onChange: (e: SubscriptionEntry) => void;
  private readonly onError: (e: SubscriptionError) => void;
  private ackTimer: TimerHandle | null = null;
  private ackTimerAt = 0;
  /** Bumped per connect so a write callback of an earlier connection never arms a deadline. */
  private generation = 0;
  private connected = false;

  constructor(desired: readonly Subscription[], opts: SubscriptionManagerOptions) {
    this.clock = opts.clock;
    this.send = opts.send;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 5000;
    this.maxAttempts = opts.maxAttempts ?? 3;
    this.onChange = opts.onChange ?? (() => {});
    this.onError = opts.onError ?? (() => {});
    const entries: SubscriptionEntry[] = [];
    for (const sub of desired) {
      const key = subscriptionKey(sub);
      if (this.byKey.has(key)) continue;
      const e: SubscriptionEntry = { sub, key, state: 'idle', hasData: false, attempts: 0, sentAt: 0, ackedAt: 0 };
      this.byKey.set(key, e);
      entries.push(e);
    }
    this.entries = entries;
  }

  get(sub: Subscription): SubscriptionEntry | undefined {
    return this.byKey.get(subscriptionKey(sub));
  }

  /** True when every user-channel subscription is acked on this connection. */
  userAcked(): boolean {
    for (const e of this.entries) if (isUserSubscription(e.sub) && e.state !== 'acked') return false;
    return true;
  }

  allAcked(): boolean {
    for (const e of this.entries) if (e.state !== 'acked') return false;
    return true;
  }

  /** New connection: every entry starts over and is (re)sent. */
  onConnect(): void {
    this.connected = true;
    this.generation++;
    for (const e of this.entries) {
      e.state = 'pending';
      e.hasData = false;
      e.attempts = 0;
      e.sentAt = 0;
      e.ackedAt = 0;
      this.sendOne(e);
    }
  }

  onDisconnect(): void {
    this.connected = false;
    this.clearAckTimer();
    for (const e of this.entries) {
      const changed = e.state !== 'idle';
      e.state = 'idle';
      e.hasData = false;
      if (changed) this.onChange(e);
    }
  }

  /** `data` of a `subscriptionResponse` frame. */
  onAck(data: unknown): void {
    if (typeof data !== 'object' || data === null) return;
    const d = data as { method?: unknown; subscription?: unknown };
    if (d.method !== 'subscribe') return;
    this.ackMatching(d.subscription);
  }

  /** `data` of an `error` frame; returns true if it concerned a subscription. */
  onErrorFrame(message: string): boolean {
    const echo = extractJsonEcho(message);
    if (message.startsWith('Already subscribed')) {
      // We asked twice (a retry crossed a slow ack): the venue confirms the subscription exists.
      return echo !== null && this.ackMatching(echo);
    }
    if (message.startsWith('Invalid subscription')) {
      for (const e of this.entries) {
        if (echo !== null && subscriptionMatches(e.sub, echo) && e.state !== 'failed') {
          e.state = 'failed';
          this.onChange(e);
          this.onError({ sub: e.sub, reason: 'invalid', detail: message });
          return true;
        }
      }
    }
    return false;
  }

  /** First data for an entry on this connection (called by the router only on first arrival). */
  noteData(type: Subscription['type'], coinOrUser: string): void {
    const e = this.byKey.get(`${type}:${coinOrUser}`);
    if (!e || e.hasData) return;
    e.hasData = true;
    this.onChange(e);
  }

  private ackMatching(echo: unknown): boolean {
    let hit = false;
    for (const e of this.entries) {
      if (e.state === 'acked' || !subscriptionMatches(e.sub, echo)) continue;
      e.state = 'acked';
      e.ackedAt = this.clock.now();
      hit = true;
      this.onChange(e);
      break;
    }
    return hit;
  }

  private sendOne(e: SubscriptionEntry): void {
    e.attempts++;
    e.sentAt = 0;
    const generation = this.generation;
    const attempt = e.attempts;
    this.send(JSON.stringify({ method: 'subscribe', subscription: e.sub }), () => {
      if (!this.connected || generation !== this.generation || e.attempts !== attempt || e.state !== 'pending') return;
      e.sentAt = this.clock.now();
      this.armAckTimer();
    });
  }

  /** One timer, due at the earliest deadline of a written, unacked subscribe. */
  private armAckTimer(): void {
    let due = Number.POSITIVE_INFINITY;
    for (const e of this.entries) if (e.state === 'pending' && e.sentAt > 0) due = Math.min(due, e.sentAt + this.ackTimeoutMs);
    if (due === Number.POSITIVE_INFINITY) {
      this.clearAckTimer();
      return;
    }
    if (this.ackTimer !== null && this.ackTimerAt <= due) return;
    this.clearAckTimer();
    this.ackTimerAt = due;
    this.ackTimer = this.clock.setTimeout(() => this.onAckDeadline(), Math.max(0, due - this.clock.now()));
  }

  private clearAckTimer(): void {
    if (this.ackTimer !== null) this.clock.clearTimeout(this.ackTimer);
    this.ackTimer = null;
  }

  private onAckDeadline(): void {
    this.ackTimer = null;
    if (!this.connected) return;
    const now = this.clock.now();
    for (const e of this.entries) {
      if (e.state !== 'pending' || e.sentAt === 0 || now - e.sentAt < this.ackTimeoutMs) continue;
      if (e.attempts < this.maxAttempts) this.sendOne(e);
      else {
        e.state = 'failed';
        this.onChange(e);
        this.onError({ sub: e.sub, reason: 'ackTimeout', detail: `no ack after ${e.attempts} subscribe frames` });
      }
    }
    this.armAckTimer();
  }
}

/** The JSON object embedded in a venue error string such as `Already subscribed: {...}`. */
export function extractJsonEcho(message: string): unknown {
  const i = message.indexOf('{');
  const j = message.lastIndexOf('}');
  if (i < 0 || j <= i) return null;
  try {
    return JSON.parse(message.slice(i, j + 1));
  } catch {
    return null;
  }
}
