// WS `post` requests (hyperliquid-protocol.md §4.2): ids, response matching, the venue envelope, timeouts.
// A post that times out or whose socket closes is UNKNOWN, never "rejected" (design principle 4, anchors §2.5):
// the order may well rest or have filled at the venue. Unknown orders are resolved later (UnknownOrderResolver
// in reconcile.ts) from orderStatus by cloid and from the fills stream.
import type { TimerHandle, VenueClock } from './clock.ts';

export type PostKind = 'action' | 'info';

export type PostOutcome =
  /** `payload` is the exchange response `{status, response}`; per-order statuses still need checking. */
  | { type: 'action'; payload: unknown }
  /** `data` is the info response (the envelope's `payload.data`, unwrapped). */
  | { type: 'info'; data: unknown }
  /** The venue's error envelope: a string mirroring the HTTP status and description. */
  | { type: 'error'; message: string }
  /** Written, but no answer: the venue may or may not have acted. */
  | { type: 'unknown'; reason: 'timeout' | 'disconnected' }
  /** Never written (dropped from the queue on disconnect or refused): the venue cannot have seen it. */
  | { type: 'notSent'; reason: string };

export interface PostResult {
  id: number;
  kind: PostKind;
  outcome: PostOutcome;
  /** Caller's correlation value (e.g. the cloids of an order batch). */
  tag: unknown;
  /** clock ms when written, 0 if never written. */
  sentAt: number;
  doneAt: number;
  /** true when this answer arrived after the post had already been reported unknown. */
  late: boolean;
}

export type PostCallback = (r: PostResult) => void;

interface Pending {
  id: number;
  kind: PostKind;
  tag: unknown;
  cb: PostCallback;
  sentAt: number;
  timer: TimerHandle | null;
  /** Set while a timed-out post still holds a venue in-flight slot (answer not yet seen, socket open). */
  holdTimer: TimerHandle | null;
}

/** Builds the post frame text; the payload may be pre-serialised JSON (the signed request) or an object. */
export function postFrame(id: number, kind: PostKind, payload: unknown): string {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return `{"method":"post","id":${id},"request":{"type":"${kind}","payload":${body}}}`;
}

/** Maps the `data` of a `post` channel frame to an outcome; null if it is not a recognisable response. */
export function parsePostResponse(data: unknown): { id: number; outcome: PostOutcome } | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as { id?: unknown; response?: unknown };
  if (typeof d.id !== 'number') return null;
  const r = d.response as { type?: unknown; payload?: unknown } | undefined;
  if (typeof r !== 'object' || r === null) return null;
  if (r.type === 'action') return { id: d.id, outcome: { type: 'action', payload: r.payload } };
  if (r.type === 'info') {
    const p = r.payload as { data?: unknown } | undefined;
    return { id: d.id, outcome: { type: 'info', data: typeof p === 'object' && p !== null ? p.data : undefined } };
  }
  if (r.type === 'error') {
    return { id: d.id, outcome: { type: 'error', message: typeof r.payload === 'string' ? r.payload : JSON.stringify(r.payload) } };
  }
  return null;
}

/**
 * The post a venue `error` channel message is about, or null (hyperliquid-protocol.md §4.1: the venue
 * correlates an error with its request by a trailing `id=N` or an embedded echo of the request):
 * - `too many pending post requests id=N`: the venue refused post N without acting on it;
 * - `Error parsing JSON into valid websocket request: {"method":"post","id":N,…}`: post N could not be read.
 */
export function postIdOfVenueError(message: string): number | null {
  const pending = /^too many pending post requests id=(\d+)\s*$/.exec(message);
  if (pending) return Number(pending[1]);
  if (!message.startsWith('Error parsing JSON')) return null;
  const i = message.indexOf('{');
  if (i < 0) return null;
  const echo = message.slice(i);
  try {
    const o = JSON.parse(echo.slice(0, echo.lastIndexOf('}') + 1)) as { method?: unknown; id?: unknown };
    if (o.method === 'post' && typeof o.id === 'number') return o.id;
    if (o.method !== undefined) return null;
  } catch {
    // The echo is the request text as sent, which may itself not be JSON: read our own frame's prefix.
  }
  const m = /^\{\s*"method"\s*:\s*"post"\s*,\s*"id"\s*:\s*(\d+)/.exec(echo);
  return m ? Number(m[1]) : null;
}

export interface PostTrackerStats {
  answered: number;
  timedOut: number;
  unknownOnDisconnect: number;
  lateAnswers: number;
  unmatched: number;
  /** Posts completed by a venue `error` channel message naming them. */
  errorFrames: number;
  /** Timed-out posts whose slot was released by `holdTimedOutMs` without an answer (presumed lost). */
  holdsExpired: number;
}

export class PostTracker {
  readonly stats: PostTrackerStats = { answered: 0, timedOut: 0, unknownOnDisconnect: 0, lateAnswers: 0, unmatched: 0, errorFrames: 0, holdsExpired: 0 };
  private readonly clock: VenueClock;
  private readonly pending = new Map<number, Pending>();
  /** Recently given-up posts, so a late answer can still be reported (bounded FIFO). */
  private readonly givenUp = new Map<number, Pending>();
  /**
   * Timed-out posts the venue may still be working on. The venue counts a post in flight until it answers,
   * whatever our timeout says, so these keep their slot until answered, the socket closes, or
   * `holdTimedOutMs` passes (an answer that late is presumed lost and never coming).
   */
  private readonly held = new Map<number, Pending>();
  private readonly givenUpLimit: number;
  private readonly holdTimedOutMs: number;
  private nextId: number;
  /** Receives late answers to posts already reported unknown. */
  onLate: PostCallback | null = null;
  /** A held slot was released without an answer (hold expired): queued posts may go now. */
  onSlotFreed: (() => void) | null = null;

  constructor(clock: VenueClock, opts: { firstId?: number; givenUpLimit?: number; holdTimedOutMs?: number } = {}) {
    this.clock = clock;
    this.nextId = opts.firstId ?? 1;
    this.givenUpLimit = opts.givenUpLimit ?? 1000;
    this.holdTimedOutMs = opts.holdTimedOutMs ?? 60_000;
  }

  /** Posts the venue counts as in flight: awaiting an answer, including timed-out ones still unanswered. */
  get inFlight(): number {
    return this.pending.size + this.held.size;
  }

  /** Timed-out posts still holding a slot. */
  get heldTimedOut(): number {
    return this.held.size;
  }

  allocateId(): number {
    return this.nextId++;
  }

  /** Starts tracking at the moment the frame is written; the timeout runs from there. */
  track(id: number, kind: PostKind, timeoutMs: number, tag: unknown, cb: PostCallback): void {
    const p: Pending = { id, kind, tag, cb, sentAt: this.clock.now(), timer: null, holdTimer: null };
    p.timer = this.clock.setTimeout(() => this.giveUp(p, 'timeout'), timeoutMs);
    this.pending.set(id, p);
  }

  /** Handles the `data` of a `post` frame. Returns false if it matched nothing. */
  onResponse(data: unknown): boolean {
    const parsed = parsePostResponse(data);
    if (parsed === null) {
      this.stats.unmatched++;
      return false;
    }
    return this.complete(parsed);
  }

  /**
   * Handles the `data` of an `error` channel frame: one naming a post (postIdOfVenueError) completes it as an
   * `error` — the venue refused or could not read it, so it did not act (not unknown). False if not about a post of ours.
   */
  onErrorFrame(message: string): boolean {
    const id = postIdOfVenueError(message);
    if (id === null || (!this.pending.has(id) && !this.givenUp.has(id))) return false;
    this.stats.errorFrames++;
    return this.complete({ id, outcome: { type: 'error', message } });
  }

  private complete(parsed: { id: number; outcome: PostOutcome }): boolean {
    const p = this.pending.get(parsed.id);
    if (p) {
      this.pending.delete(parsed.id);
      if (p.timer !== null) this.clock.clearTimeout(p.timer);
      this.stats.answered++;
      p.cb({ id: p.id, kind: p.kind, outcome: parsed.outcome, tag: p.tag, sentAt: p.sentAt, doneAt: this.clock.now(), late: false });
      return true;
    }
    const g = this.givenUp.get(parsed.id);
    if (g) {
      this.givenUp.delete(parsed.id);
      this.release(g);
      this.stats.lateAnswers++;
      this.onLate?.({ id: g.id, kind: g.kind, outcome: parsed.outcome, tag: g.tag, sentAt: g.sentAt, doneAt: this.clock.now(), late: true });
      return true;
    }
    this.stats.unmatched++;
    return false;
  }

  /**
   * Disconnect: every in-flight post becomes unknown, synchronously, and timed-out posts stop holding slots
   * (a closed socket never delivers their answers; the venue's in-flight count was per connection).
   */
  failAll(): void {
    const all = [...this.pending.values()];
    for (const p of all) this.giveUp(p, 'disconnected');
    for (const p of this.held.values()) if (p.holdTimer !== null) this.clock.clearTimeout(p.holdTimer);
    this.held.clear();
    this.givenUp.clear();
  }

  private release(p: Pending): void {
    if (this.held.get(p.id) !== p) return;
    this.held.delete(p.id);
    if (p.holdTimer !== null) this.clock.clearTimeout(p.holdTimer);
    p.holdTimer = null;
  }

  private giveUp(p: Pending, reason: 'timeout' | 'disconnected'): void {
    if (this.pending.get(p.id) !== p) return;
    this.pending.delete(p.id);
    if (p.timer !== null) this.clock.clearTimeout(p.timer);
    p.timer = null;
    if (reason === 'timeout') this.stats.timedOut++;
    else this.stats.unknownOnDisconnect++;
    // A closed socket never delivers the answer; only a timed-out post can still be answered late.
    if (reason === 'timeout') {
      this.givenUp.set(p.id, p);
      if (this.givenUp.size > this.givenUpLimit) {
        const oldest = this.givenUp.keys().next().value;
        if (oldest !== undefined) {
          const o = this.givenUp.get(oldest);
          this.givenUp.delete(oldest);
          if (o) this.release(o);
        }
      }
      this.held.set(p.id, p);
      p.holdTimer = this.clock.setTimeout(() => {
        p.holdTimer = null;
        if (this.held.get(p.id) !== p) return;
        this.held.delete(p.id);
        this.stats.holdsExpired++;
        this.onSlotFreed?.();
      }, this.holdTimedOutMs);
    }
    p.cb({ id: p.id, kind: p.kind, outcome: { type: 'unknown', reason }, tag: p.tag, sentAt: p.sentAt, doneAt: this.clock.now(), late: false });
  }
}
