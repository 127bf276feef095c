// Fault injection: the state the server consults on every post and publish, and the actions it performs on
// command. Callable in-process (`handle.faults.*`) and through the admin endpoint (admin.ts).

/** What the server does for the faults that act on sockets. */
export interface FaultTarget {
  dropAllConnections(): number;
  sendToAll(text: string): number;
  restart(downMs: number): Promise<void>;
}

/** Oracle control from the market dynamics (absent when the sim runs without dynamics). */
export interface OracleControl {
  stopOracle(coin: string): void;
  resumeOracle(coin: string): void;
}

/** Which post responses a delay/drop applies to. 'action' = /exchange and WS action posts. */
export type PostKind = 'action' | 'info' | 'any';

export interface SilenceSpec {
  /** WS channel name: 'bbo', 'l2Book', 'trades', 'activeAssetCtx', 'orderUpdates', 'userFills', 'user'. */
  channel: string;
  /** Market for market-data channels. */
  coin?: string;
  /** Address for user channels. */
  user?: string;
}

/** The frame `sendMalformedFrame` sends: a truncated JSON object, as a half-written frame would look. */
export const MALFORMED_FRAME = '{"channel":"l2Book","data":{"coin":';

export interface FaultState {
  silenced: string[];
  postDelayMs: number;
  postDelayKind: PostKind;
  dropPostResponses: number;
  dropPostKind: PostKind;
  rejectNextActions: number;
  rejectError: string;
  rateLimitNext: number;
  stoppedOracles: string[];
}

export class Faults {
  private readonly silencedRoutes = new Set<string>();
  private delayMs = 0;
  private delayKind: PostKind = 'action';
  private dropCount = 0;
  private dropKind: PostKind = 'action';
  private rejectCount = 0;
  private rejectError = '';
  private rateLimitCount = 0;
  private readonly stoppedOracles = new Set<string>();
  private readonly target: FaultTarget;
  private readonly oracle: OracleControl | null;

  constructor(target: FaultTarget, oracle: OracleControl | null) {
    this.target = target;
    this.oracle = oracle;
  }

  /** Closes every WS connection abruptly (no close frame, as a dropped TCP connection). Returns how many. */
  dropAllConnections(): number {
    return this.target.dropAllConnections();
  }

  /** Stops delivering one channel for one market (or user); sockets stay open and everything else flows. */
  silenceChannel(spec: SilenceSpec): void {
    this.silencedRoutes.add(silenceRoute(spec));
  }

  unsilenceChannel(spec: SilenceSpec): void {
    this.silencedRoutes.delete(silenceRoute(spec));
  }

  /** Delays post responses by `ms` (0 = off). The request is executed at once; only the answer waits. */
  delayPostResponses(ms: number, kind: PostKind = 'action'): void {
    if (!(ms >= 0)) throw new Error('delayPostResponses: ms must be >= 0');
    this.delayMs = ms;
    this.delayKind = kind;
  }

  /** Loses the next `n` post responses: the request IS executed, the answer never arrives (HTTP: socket reset). */
  dropPostResponses(n: number, kind: PostKind = 'action'): void {
    if (!(n >= 0)) throw new Error('dropPostResponses: n must be >= 0');
    this.dropCount = Math.floor(n);
    this.dropKind = kind;
  }

  /** Answers the next `n` actions with `{status:'err', response: error}` without executing them. */
  rejectNextActions(n: number, error: string): void {
    if (!(n >= 0)) throw new Error('rejectNextActions: n must be >= 0');
    this.rejectCount = Math.floor(n);
    this.rejectError = error;
  }

  /** Answers the next `n` HTTP requests / WS posts as rate-limited (HTTP 429, WS post error payload). */
  rateLimitNext(n: number): void {
    if (!(n >= 0)) throw new Error('rateLimitNext: n must be >= 0');
    this.rateLimitCount = Math.floor(n);
  }

  /** Sends a truncated JSON text frame to every WS connection. Returns how many got it. */
  sendMalformedFrame(): number {
    return this.target.sendToAll(MALFORMED_FRAME);
  }

  /** Closes all sockets and the listener, reopens on the same port; the exchange state is kept. */
  restart(downMs = 0): Promise<void> {
    return this.target.restart(downMs);
  }

  stopOracle(coin: string): void {
    if (!this.oracle) throw new Error('stopOracle: the sim runs without market dynamics');
    this.oracle.stopOracle(coin);
    this.stoppedOracles.add(coin);
  }

  resumeOracle(coin: string): void {
    if (!this.oracle) throw new Error('resumeOracle: the sim runs without market dynamics');
    this.oracle.resumeOracle(coin);
    this.stoppedOracles.delete(coin);
  }

  /** Clears every pending post/publish fault (oracles stay as they are). */
  clear(): void {
    this.silencedRoutes.clear();
    this.delayMs = 0;
    this.dropCount = 0;
    this.rejectCount = 0;
    this.rateLimitCount = 0;
  }

  state(): FaultState {
    return {
      silenced: [...this.silencedRoutes],
      postDelayMs: this.delayMs,
      postDelayKind: this.delayKind,
      dropPostResponses: this.dropCount,
      dropPostKind: this.dropKind,
      rejectNextActions: this.rejectCount,
      rejectError: this.rejectError,
      rateLimitNext: this.rateLimitCount,
      stoppedOracles: [...this.stoppedOracles],
    };
  }

  // ---- consulted by the server ----

  /** True when frames on this route ('channel|coin-or-user') must not be delivered. */
  isSilenced(route: string): boolean {
    return this.silencedRoutes.size > 0 && this.silencedRoutes.has(route);
  }

  takeRateLimit(): boolean {
    if (this.rateLimitCount <= 0) return false;
    this.rateLimitCount--;
    return true;
  }

  /** Returns the error string when this action must be rejected (and counts it down). */
  takeReject(): string | null {
    if (this.rejectCount <= 0) return null;
    this.rejectCount--;
    return this.rejectError;
  }

  /** Whether this post's response is lost (counts down). */
  takeDrop(kind: 'action' | 'info'): boolean {
    if (this.dropCount <= 0 || !(this.dropKind === 'any' || this.dropKind === kind)) return false;
    this.dropCount--;
    return true;
  }

  delayFor(kind: 'action' | 'info'): number {
    return this.delayMs > 0 && (this.delayKind === 'any' || this.delayKind === kind) ? this.delayMs : 0;
  }
}

export function silenceRoute(spec: SilenceSpec): string {
  if (typeof spec?.channel !== 'string') throw new Error('silenceChannel: channel is required');
  const target = spec.coin ?? spec.user?.toLowerCase();
  if (typeof target !== 'string') throw new Error('silenceChannel: coin (market channels) or user (user channels) is required');
  return `${spec.channel}|${target}`;
}
