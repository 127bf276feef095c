// The venue's per-IP limits (hyperliquid-protocol.md §6.1) and the counters behind them.
import { VENUE_REST_WEIGHT_PER_MINUTE } from '../../protocol/limits.ts';
import type { StringSource } from '../exchange/errors.ts';

export interface SimLimits {
  /** WS messages a client may send per sliding minute, across its connections (venue: 2000). */
  wsMessagesPerMinute: number;
  /** Simultaneous in-flight WS `post` requests (venue: 100). */
  inFlightPosts: number;
  /** WS subscriptions (venue: 1000). */
  subscriptions: number;
  /** Unique users across user subscriptions (venue: 10). */
  uniqueUsers: number;
  /** WS connections (venue: 100). */
  connections: number;
  /** REST weight per sliding minute, shared by HTTP /info and /exchange (venue: 1200); WS posts are not charged. */
  restWeightPerMinute: number;
}

export const VENUE_LIMITS: SimLimits = {
  wsMessagesPerMinute: 2000,
  inFlightPosts: 100,
  subscriptions: 1000,
  uniqueUsers: 10,
  connections: 100,
  restWeightPerMinute: VENUE_REST_WEIGHT_PER_MINUTE,
};

/**
 * Error-channel strings when a WS limit is exceeded. Only `inFlight` is the venue's (§4.1). The venue
 * documents the other limits (§6.1) but not what it answers: those three strings are hlsim's own. The
 * subscription and user wordings are borrowed from the TS SDK's client-side guards ("Cannot subscribe to
 * more than 1000 channels.", "Cannot track more than 15 total users."), which are the SDK's, not the venue's.
 */
export const LIMIT_ERRORS = {
  /** hlsim-invented. */
  messages: (limit: number) => `Cannot send more than ${limit} messages per minute.`,
  /** hlsim-invented (the TS SDK's client-side wording). */
  subscriptions: (limit: number) => `Cannot subscribe to more than ${limit} channels.`,
  /** hlsim-invented (the TS SDK's client-side wording). */
  users: (limit: number) => `Cannot track more than ${limit} total users.`,
  /** venue-documented (§4.1). */
  inFlight: (id: unknown) => `too many pending post requests id=${String(id)}`,
} as const;

export type LimitErrorKey = keyof typeof LIMIT_ERRORS;

/** Where each LIMIT_ERRORS string comes from (docs/hlsim.md "Strings: source"). */
export const LIMIT_ERROR_SOURCES: Record<LimitErrorKey, StringSource> = {
  messages: 'hlsim-invented',
  subscriptions: 'hlsim-invented',
  users: 'hlsim-invented',
  inFlight: 'venue-documented',
};

const WINDOW_MS = 60_000;

/**
 * Weighted events in a sliding 60 s window: `add` records one event and returns the window's total
 * including it; `max` is the largest total ever seen (what tests assert a client never exceeded).
 */
export class SlidingMinute {
  private readonly times: number[] = [];
  private readonly weights: number[] = [];
  private head = 0;
  private total = 0;
  max = 0;

  /** Window total at `now` if an event of `weight` were added, without adding it. */
  peek(now: number, weight = 1): number {
    this.expire(now);
    return this.total + weight;
  }

  add(now: number, weight = 1): number {
    this.expire(now);
    this.times.push(now);
    this.weights.push(weight);
    this.total += weight;
    if (this.total > this.max) this.max = this.total;
    return this.total;
  }

  current(now: number): number {
    this.expire(now);
    return this.total;
  }

  private expire(now: number): void {
    const cutoff = now - WINDOW_MS;
    while (this.head < this.times.length && this.times[this.head] <= cutoff) {
      this.total -= this.weights[this.head];
      this.head++;
    }
    // Compact occasionally so the arrays do not grow without bound.
    if (this.head > 4096 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.weights.splice(0, this.head);
      this.head = 0;
    }
  }
}
