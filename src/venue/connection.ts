// One WebSocket to the venue with unconditional reconnect. Reference failures this answers
// (reference-system.md §4): a silent socket took ~67 s to notice (L12) — here a ping goes out every
// `pingIntervalMs` and ANY inbound frame before `pongTimeoutMs` proves liveness; an unparsable frame dropped
// the whole connection (L13) — here the connection never parses: it hands text to the router, which counts
// bad frames and carries on.
import WebSocket from 'ws';
import { systemClock, silentLogger, type TimerHandle, type VenueClock, type VenueLogger } from './clock.ts';

export interface BackoffConfig {
  /** First retry delay (ms). */
  initialMs: number;
  /** Delay cap (ms). */
  maxMs: number;
  /** Growth per failed attempt. */
  factor: number;
  /** 0 = retry forever. */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffConfig = { initialMs: 250, maxMs: 5000, factor: 2, maxAttempts: 0 };

/**
 * Delay before reconnect attempt `attempt` (1-based): exponential, capped, with "equal jitter" (half fixed,
 * half random) so clients do not reconnect in lockstep yet never retry sooner than half the nominal delay.
 */
export function backoffDelay(cfg: BackoffConfig, attempt: number, random: () => number): number {
  const nominal = Math.min(cfg.maxMs, cfg.initialMs * cfg.factor ** Math.max(0, attempt - 1));
  return nominal / 2 + random() * (nominal / 2);
}

export interface ConnectionOptions {
  url: string;
  clock?: VenueClock;
  random?: () => number;
  logger?: VenueLogger;
  backoff?: Partial<BackoffConfig>;
  /** Ping cadence (ms); the venue closes sockets idle for 60 s. */
  pingIntervalMs?: number;
  /** After a ping, some frame (any) must arrive within this many ms or the socket is declared dead. */
  pongTimeoutMs?: number;
  /** A connect attempt that has not opened within this many ms is abandoned. */
  connectTimeoutMs?: number;
  perMessageDeflate?: boolean;
}

export type CloseReason =
  | 'remoteClose'
  | 'socketError'
  | 'pongTimeout'
  | 'connectTimeout'
  | 'halfOpen'
  | 'requested'
  | 'stopped';

export interface ConnectionEvents {
  /** The socket is open; `session` increases by one per successful connect. */
  onOpen(session: number): void;
  /** One text frame, exactly as received. */
  onFrame(text: string): void;
  /** The open session ended (called synchronously from the close/error handler, once per session). */
  onClose(session: number, reason: CloseReason, detail: string): void;
  /** Send the keep-alive ping (routed through the outbound queue by the client). */
  sendPing(): void;
}

export interface ConnectionStats {
  connects: number;
  disconnects: number;
  framesIn: number;
  pongTimeouts: number;
  connectFailures: number;
}

export class VenueConnection {
  readonly url: string;
  readonly stats: ConnectionStats = { connects: 0, disconnects: 0, framesIn: 0, pongTimeouts: 0, connectFailures: 0 };
  private readonly clock: VenueClock;
  private readonly random: () => number;
  private readonly log: VenueLogger;
  private readonly backoff: BackoffConfig;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly perMessageDeflate: boolean;
  private readonly events: ConnectionEvents;
  private socket: WebSocket | null = null;
  private open = false;
  private stopped = true;
  private session = 0;
  private attempt = 0;
  private reconnectTimer: TimerHandle | null = null;
  private connectTimer: TimerHandle | null = null;
  private pingTimer: TimerHandle | null = null;
  private pongTimer: TimerHandle | null = null;
  /** framesIn at the moment the outstanding ping was sent; a larger count proves liveness. */
  private framesAtPing = -1;

  constructor(opts: ConnectionOptions, events: ConnectionEvents) {
    this.url = opts.url;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.log = opts.logger ?? silentLogger;
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.pingIntervalMs = opts.pingIntervalMs ?? 30_000;
    this.pongTimeoutMs = opts.pongTimeoutMs ?? 10_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.perMessageDeflate = opts.perMessageDeflate ?? false;
    this.events = events;
  }

  get isOpen(): boolean {
    return this.open;
  }

  get currentSession(): number {
    return this.session;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.dial();
  }

  /** Closes for good: no reconnect. */
  stop(): void {
    this.stopped = true;
    this.clearTimer('reconnectTimer');
    this.clearTimer('connectTimer');
    const s = this.socket;
    if (s) {
      this.endSession(s, 'stopped', 'stop()');
      s.removeAllListeners();
      s.on('error', () => {});
      s.terminate();
    }
  }

  /** Drops the current socket (half-open detected elsewhere, tests) and reconnects with backoff. */
  forceReconnect(reason: CloseReason, detail = ''): void {
    const s = this.socket;
    if (!s) return;
    this.log.warn({ reason, detail, session: this.session }, 'venue socket dropped by client');
    this.endSession(s, reason, detail);
    s.removeAllListeners();
    s.on('error', () => {});
    s.terminate();
    this.scheduleReconnect();
  }

  /** Writes one text frame; false when no socket is open (callers map that to `notConnected`). */
  send(text: string): boolean {
    if (!this.open || !this.socket) return false;
    this.socket.send(text);
    return true;
  }

  private dial(): void {
    if (this.stopped) return;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url, { perMessageDeflate: this.perMessageDeflate, skipUTF8Validation: true });
    } catch (err) {
      this.stats.connectFailures++;
      this.log.error({ err: String(err) }, 'venue socket could not be created');
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.connectTimer = this.clock.setTimeout(() => {
      this.connectTimer = null;
      if (this.socket === socket && !this.open) {
        this.stats.connectFailures++;
        this.log.warn({ url: this.url }, 'venue connect timed out');
        socket.removeAllListeners();
        socket.on('error', () => {});
        socket.terminate();
        this.socket = null;
        this.scheduleReconnect();
      }
    }, this.connectTimeoutMs);
    socket.on('open', () => {
      if (this.socket !== socket) return;
      this.clearTimer('connectTimer');
      this.open = true;
      this.session++;
      this.stats.connects++;
      this.framesAtPing = -1;
      this.schedulePing();
      this.events.onOpen(this.session);
    });
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (this.socket !== socket) return;
      this.stats.framesIn++;
      // A session that delivered data is healthy: later failures start the backoff from the bottom again.
      this.attempt = 0;
      const text = isBinary || typeof data !== 'string' ? data.toString() : data;
      this.events.onFrame(text);
    });
    socket.on('error', (err: Error) => {
      if (this.socket !== socket) return;
      this.onSocketGone(socket, 'socketError', err.message);
    });
    socket.on('close', (code: number, reason: Buffer) => {
      if (this.socket !== socket) return;
      this.onSocketGone(socket, 'remoteClose', `${code} ${reason.toString()}`);
    });
  }

  private onSocketGone(socket: WebSocket, reason: CloseReason, detail: string): void {
    this.clearTimer('connectTimer');
    if (!this.open) this.stats.connectFailures++;
    this.endSession(socket, reason, detail);
    socket.removeAllListeners();
    socket.on('error', () => {});
    socket.terminate();
    this.scheduleReconnect();
  }

  /** Ends the session synchronously: every consumer sees the disconnect before anything else runs. */
  private endSession(socket: WebSocket, reason: CloseReason, detail: string): void {
    if (this.socket === socket) this.socket = null;
    this.clearTimer('pingTimer');
    this.clearTimer('pongTimer');
    if (!this.open) return;
    this.open = false;
    this.stats.disconnects++;
    this.log.warn({ reason, detail, session: this.session }, 'venue socket closed');
    this.events.onClose(this.session, reason, detail);
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer !== null) return;
    this.attempt++;
    if (this.backoff.maxAttempts > 0 && this.attempt > this.backoff.maxAttempts) {
      this.log.error({ attempts: this.attempt - 1 }, 'venue reconnect attempts exhausted');
      this.stopped = true;
      return;
    }
    const delay = backoffDelay(this.backoff, this.attempt, this.random);
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = null;
      this.dial();
    }, delay);
  }

  private schedulePing(): void {
    this.pingTimer = this.clock.setTimeout(() => {
      this.pingTimer = null;
      if (!this.open) return;
      // An outstanding deadline keeps the baseline of ITS ping: a later ping must not move it past frames
      // that arrived in time (pings more frequent than the deadline would otherwise shrink the window).
      if (this.pongTimer === null) this.framesAtPing = this.stats.framesIn;
      this.events.sendPing();
      this.armPongDeadline();
      this.schedulePing();
    }, this.pingIntervalMs);
  }

  private armPongDeadline(): void {
    if (this.pongTimer !== null) return;
    this.pongTimer = this.clock.setTimeout(() => {
      this.pongTimer = null;
      if (!this.open) return;
      if (this.stats.framesIn > this.framesAtPing) return;
      this.stats.pongTimeouts++;
      this.forceReconnect('pongTimeout', `no frame within ${this.pongTimeoutMs} ms of a ping`);
    }, this.pongTimeoutMs);
  }

  private clearTimer(name: 'reconnectTimer' | 'connectTimer' | 'pingTimer' | 'pongTimer'): void {
    const t = this[name];
    if (t !== null) {
      this.clock.clearTimeout(t);
      this[name] = null;
    }
  }
}
