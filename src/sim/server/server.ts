// hlsim's transport: one Node HTTP server with POST /info, POST /exchange, GET / and the WS endpoint /ws,
// speaking the venue's protocol (hyperliquid-protocol.md §3–§6), plus the venue's limits, idle close,
// publication of exchange events and the hooks fault injection needs.
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { exchangeActionWeight, infoItemsWeight, infoRequestWeight } from '../../protocol/limits.ts';
import type { SimExchange } from '../exchange/exchange.ts';
import type { L2BookData, SimEvent } from '../exchange/types.ts';
import { aggregateBook } from './aggregate.ts';
import type { Faults, FaultTarget } from './faults.ts';
import { LIMIT_ERRORS, type SimLimits, SlidingMinute } from './limits.ts';
import { channelOf, type NormalisedSubscription, parseSubscription } from './subscriptions.ts';

/** The part of SimExchange the transport uses. */
export type SimVenuePort = Pick<
  SimExchange,
  'handleExchange' | 'handleInfo' | 'onEvent' | 'bboData' | 'l2BookData' | 'activeAssetCtxData' | 'userFillsSnapshot'
>;

/** venue-documented (§4.1). The other WS error strings below (Already subscribed, Invalid subscription,
 * Already unsubscribed, Error parsing JSON into valid websocket request) are venue-documented too (§4.1). */
export const GREETING = 'Websocket connection established.';
const PONG_FRAME = '{"channel":"pong"}';
const HEALTH_TEXT = 'hlsim ok\n';

export interface SimServerOptions {
  venue: SimVenuePort;
  host: string;
  port: number;
  limits: SimLimits;
  /** Close a WS connection that sent nothing for this long (venue: 60 s). */
  idleTimeoutMs: number;
  /** A connection whose unsent output exceeds this is a slow consumer and is dropped. */
  maxBufferedBytes: number;
}

export interface SimStats {
  connectionsOpened: number;
  connectionsClosed: number;
  connectionsOpen: number;
  connectionsRejected: number;
  idleClosed: number;
  slowConsumersDropped: number;
  inboundMessages: number;
  /** Largest number of WS messages one client IP sent within any sliding minute. */
  maxMessagesPerMinute: number;
  /** Largest number of WS messages one connection sent within any sliding minute. */
  maxMessagesPerMinutePerConnection: number;
  /** Largest number of simultaneous in-flight WS posts seen for one client IP. */
  maxInFlightPosts: number;
  posts: number;
  postResponsesDropped: number;
  postResponsesDelayed: number;
  subscriptions: number;
  maxSubscriptions: number;
  /** Exchange events serialised for at least one subscriber (each serialised once). */
  eventsPublished: number;
  /** WS data frames written to sockets by the publisher (one per subscriber per event). */
  framesPublished: number;
  httpRequests: number;
  rateLimited: number;
  limitErrors: number;
  /** Exceptions thrown by the exchange while answering (answered as HTTP 500). */
  internalErrors: number;
}

interface ClientIp {
  messages: SlidingMinute;
  rest: SlidingMinute;
  inFlight: number;
  connections: number;
  subscriptions: number;
  /** user → number of user subscriptions on it (the unique-user limit counts keys). */
  users: Map<string, number>;
}

interface Conn {
  id: number;
  ws: WebSocket;
  ip: ClientIp;
  /** Subscriptions by their identity key. */
  subs: Map<string, NormalisedSubscription>;
  lastInbound: number;
  messages: SlidingMinute;
  alive: boolean;
}

interface Dispatched {
  status: number;
  body: unknown;
}

/** The WS `post` error payload: a string mirroring the HTTP status and description (§4.2). */
export function postErrorPayload(status: number, body: unknown): string {
  const head = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  if (body === null || body === undefined || body === '') return head;
  return `${head}: ${typeof body === 'string' ? body : JSON.stringify(body)}`;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export class SimServer implements FaultTarget {
  faults: Faults | null = null;
  private readonly opts: SimServerOptions;
  private http: Server | null = null;
  private wss: WebSocketServer | null = null;
  private readonly conns = new Set<Conn>();
  private readonly ips = new Map<string, ClientIp>();
  /** route ('channel|coin-or-user') → subscribers on it. */
  private readonly routes = new Map<string, Map<Conn, NormalisedSubscription[]>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private unsubscribeVenue: (() => void) | null = null;
  private nextConnId = 1;
  private boundPort = 0;
  private readonly s: SimStats = {
    connectionsOpened: 0,
    connectionsClosed: 0,
    connectionsOpen: 0,
    connectionsRejected: 0,
    idleClosed: 0,
    slowConsumersDropped: 0,
    inboundMessages: 0,
    maxMessagesPerMinute: 0,
    maxMessagesPerMinutePerConnection: 0,
    maxInFlightPosts: 0,
    posts: 0,
    postResponsesDropped: 0,
    postResponsesDelayed: 0,
    subscriptions: 0,
    maxSubscriptions: 0,
    eventsPublished: 0,
    framesPublished: 0,
    httpRequests: 0,
    rateLimited: 0,
    limitErrors: 0,
    internalErrors: 0,
  };
  /** The last exception the exchange threw (for diagnosis in tests). */
  lastInternalError: string | null = null;

  constructor(opts: SimServerOptions) {
    this.opts = opts;
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    this.unsubscribeVenue = this.opts.venue.onEvent((e) => this.publish(e));
    try {
      await this.listen(this.opts.port);
    } catch (e) {
      this.unsubscribeVenue();
      this.unsubscribeVenue = null;
      this.http = null;
      this.wss = null;
      throw e;
    }
    const sweepEvery = Math.max(5, Math.min(1000, Math.floor(this.opts.idleTimeoutMs / 4)));
    this.sweepTimer = setInterval(() => this.sweepIdle(), sweepEvery);
    this.sweepTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.unsubscribeVenue?.();
    this.unsubscribeVenue = null;
    await this.closeListener();
  }

  stats(): SimStats {
    const now = Date.now();
    for (const ip of this.ips.values()) ip.messages.current(now);
    return { ...this.s };
  }

  // ---------------------------------------------------------------- listener lifecycle

  private listen(port: number): Promise<void> {
    const http = createServer((req, res) => this.onHttp(req, res));
    http.keepAliveTimeout = 5000;
    const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
    http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    this.http = http;
    this.wss = wss;
    return new Promise((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, this.opts.host, () => {
        http.off('error', reject);
        const addr = http.address();
        this.boundPort = typeof addr === 'object' && addr ? addr.port : port;
        resolve();
      });
    });
  }

  private async closeListener(): Promise<void> {
    for (const c of [...this.conns]) c.ws.terminate();
    const http = this.http;
    const wss = this.wss;
    this.http = null;
    this.wss = null;
    if (wss) await new Promise<void>((r) => wss.close(() => r()));
    if (http) {
      const closed = new Promise<void>((r) => http.close(() => r()));
      http.closeAllConnections();
      await closed;
    }
  }

  async restart(downMs: number): Promise<void> {
    await this.closeListener();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.listen(this.boundPort);
  }

  // ---------------------------------------------------------------- HTTP

  private ipState(ip: string): ClientIp {
    let s = this.ips.get(ip);
    if (!s) {
      s = { messages: new SlidingMinute(), rest: new SlidingMinute(), inFlight: 0, connections: 0, subscriptions: 0, users: new Map() };
      this.ips.set(ip, s);
    }
    return s;
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    this.s.httpRequests++;
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (path === '/' || path === '')) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(HEALTH_TEXT);
      return;
    }
    if (path === '/info' || path === '/exchange') {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain; charset=utf-8' }).end();
        return;
      }
      this.readBody(req, (text) => this.onApiPost(path === '/info' ? 'info' : 'action', req, res, text));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end();
  }

  private readBody(req: IncomingMessage, done: (text: string) => void): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
  }

  private onApiPost(kind: 'info' | 'action', req: IncomingMessage, res: ServerResponse, text: string): void {
    // Body errors are answered as the venue's JSON extractor does: plain text, before any handler runs. The
    // venue's 422 text is observed; these 415 and 400 texts are axum's standard ones, hlsim's inference.
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.toLowerCase().startsWith('application/json')) {
      sendText(res, 415, 'Expected request with `Content-Type: application/json`');
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      sendText(res, 400, `Failed to parse the request body as JSON: ${(e as Error).message}`);
      return;
    }
    const ip = this.ipState(req.socket.remoteAddress ?? '?');
    const result = this.dispatch(kind, body, ip, 'http');
    const faults = this.faults;
    if (faults?.takeDrop(kind)) {
      // The request was executed; its answer is lost in transit.
      this.s.postResponsesDropped++;
      req.socket.destroy();
      return;
    }
    const delay = faults?.delayFor(kind) ?? 0;
    const send = () => {
      if (result.status === 200) sendJson(res, 200, result.body);
      else if (typeof result.body === 'string') sendText(res, result.status, result.body);
      else if (result.body === null || result.body === undefined) sendText(res, result.status, '');
      else sendJson(res, result.status, result.body);
    };
    if (delay > 0) {
      this.s.postResponsesDelayed++;
      this.later(delay, send);
    } else send();
  }

  /**
   * Runs one info request or action for HTTP or WS: rate limits, fault rejections, then the exchange.
   * The REST weight (§6.1: "shared across /info and /exchange") is charged to HTTP requests only; WS posts
   * are bounded by the WS limits instead (2000 messages a minute, 100 in flight), checked by the caller.
   */
  private dispatch(kind: 'info' | 'action', body: unknown, ip: ClientIp, via: 'http' | 'ws'): Dispatched {
    if (this.faults?.takeRateLimit()) {
      this.s.rateLimited++;
      return { status: 429, body: null };
    }
    const now = Date.now();
    if (via === 'http') {
      const weight = kind === 'info' ? infoRequestWeight(body) : exchangeActionWeight(body);
      if (ip.rest.peek(now, weight) > this.opts.limits.restWeightPerMinute) {
        this.s.rateLimited++;
        return { status: 429, body: null };
      }
      ip.rest.add(now, weight);
    }
    if (kind === 'action') {
      const reject = this.faults?.takeReject() ?? null;
      if (reject !== null) return { status: 200, body: { status: 'err', response: reject } };
    }
    let r: { httpStatus: number; body: unknown };
    try {
      r = kind === 'action' ? this.opts.venue.handleExchange(body) : this.opts.venue.handleInfo(body);
    } catch (e) {
      // An exchange bug must not take the transport down: answer as a venue-side internal error.
      this.s.internalErrors++;
      this.lastInternalError = e instanceof Error ? (e.stack ?? e.message) : String(e);
      return { status: 500, body: 'internal server error' }; // hlsim-invented
    }
    if (via === 'http' && kind === 'info' && r.httpStatus === 200) {
      const extra = infoItemsWeight(body, r.body);
      if (extra > 0) ip.rest.add(now, extra);
    }
    return { status: r.httpStatus, body: r.body };
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  // ---------------------------------------------------------------- WebSocket

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const path = (req.url ?? '/').split('?')[0];
    const wss = this.wss;
    if (path !== '/ws' || !wss) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const ip = this.ipState(req.socket.remoteAddress ?? '?');
    if (ip.connections >= this.opts.limits.connections) {
      this.s.connectionsRejected++;
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, ip));
  }

  private onConnection(ws: WebSocket, ip: ClientIp): void {
    const conn: Conn = { id: this.nextConnId++, ws, ip, subs: new Map(), lastInbound: Date.now(), messages: new SlidingMinute(), alive: true };
    this.conns.add(conn);
    ip.connections++;
    this.s.connectionsOpened++;
    this.s.connectionsOpen++;
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(conn, data, isBinary));
    ws.on('close', () => this.onClose(conn));
    ws.on('error', () => ws.terminate());
    ws.send(GREETING);
  }

  private onClose(conn: Conn): void {
    if (!conn.alive) return;
    conn.alive = false;
    this.conns.delete(conn);
    conn.ip.connections--;
    for (const sub of conn.subs.values()) this.removeSub(conn, sub);
    conn.subs.clear();
    this.s.connectionsClosed++;
    this.s.connectionsOpen--;
  }

  private sweepIdle(): void {
    const cutoff = Date.now() - this.opts.idleTimeoutMs;
    for (const c of this.conns) {
      if (c.lastInbound <= cutoff && c.ws.readyState === WebSocket.OPEN) {
        this.s.idleClosed++;
        c.ws.close(1000, 'idle timeout');
        // If the peer never answers the close handshake, drop it.
        const ws = c.ws;
        this.later(1000, () => ws.terminate());
      }
    }
  }

  private sendError(conn: Conn, message: string): void {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(JSON.stringify({ channel: 'error', data: message }));
  }

  private onMessage(conn: Conn, data: RawData, _isBinary: boolean): void {
    const now = Date.now();
    conn.lastInbound = now;
    this.s.inboundMessages++;
    const perConn = conn.messages.add(now);
    if (perConn > this.s.maxMessagesPerMinutePerConnection) this.s.maxMessagesPerMinutePerConnection = perConn;
    const perIp = conn.ip.messages.add(now);
    if (perIp > this.s.maxMessagesPerMinute) this.s.maxMessagesPerMinute = perIp;
    if (perIp > this.opts.limits.wsMessagesPerMinute) {
      // Over the per-IP message limit: the message is discarded with the venue's error string; the socket stays.
      this.s.limitErrors++;
      this.sendError(conn, LIMIT_ERRORS.messages(this.opts.limits.wsMessagesPerMinute));
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.sendError(conn, `Error parsing JSON into valid websocket request: ${text}`);
      return;
    }
    const method = isRecord(msg) ? msg.method : undefined;
    if (method === 'ping' && isRecord(msg)) {
      conn.ws.send(PONG_FRAME);
      return;
    }
    if ((method === 'subscribe' || method === 'unsubscribe') && isRecord(msg) && msg.subscription !== undefined) {
      if (method === 'subscribe') this.subscribe(conn, msg.subscription);
      else this.unsubscribe(conn, msg.subscription);
      return;
    }
    if (method === 'post' && isRecord(msg) && isValidPost(msg)) {
      const request = msg.request as { type: 'info' | 'action'; payload: unknown };
      this.post(conn, msg.id as number, request.type, request.payload);
      return;
    }
    this.sendError(conn, `Error parsing JSON into valid websocket request: ${text}`);
  }

  // ---------------------------------------------------------------- subscriptions

  private subscribe(conn: Conn, raw: unknown): void {
    const parsed = parseSubscription(raw);
    const shown = JSON.stringify(raw);
    if (!parsed.ok) {
      this.sendError(conn, `Invalid subscription ${shown}`);
      return;
    }
    const sub = parsed.sub;
    if (conn.subs.has(sub.key)) {
      this.sendError(conn, `Already subscribed: ${shown}`);
      return;
    }
    const limits = this.opts.limits;
    if (conn.ip.subscriptions >= limits.subscriptions) {
      this.s.limitErrors++;
      this.sendError(conn, LIMIT_ERRORS.subscriptions(limits.subscriptions));
      return;
    }
    if (sub.user !== undefined && !conn.ip.users.has(sub.user) && conn.ip.users.size >= limits.uniqueUsers) {
      this.s.limitErrors++;
      this.sendError(conn, LIMIT_ERRORS.users(limits.uniqueUsers));
      return;
    }
    conn.subs.set(sub.key, sub);
    this.addSub(conn, sub);
    conn.ws.send(JSON.stringify({ channel: 'subscriptionResponse', data: { method: 'subscribe', subscription: sub.echo } }));
    this.sendSnapshot(conn, sub);
  }

  private unsubscribe(conn: Conn, raw: unknown): void {
    const parsed = parseSubscription(raw);
    const shown = JSON.stringify(raw);
    if (!parsed.ok) {
      this.sendError(conn, `Invalid subscription ${shown}`);
      return;
    }
    const sub = conn.subs.get(parsed.sub.key);
    if (!sub) {
      this.sendError(conn, `Already unsubscribed: ${shown}`);
      return;
    }
    conn.subs.delete(sub.key);
    this.removeSub(conn, sub);
    conn.ws.send(JSON.stringify({ channel: 'subscriptionResponse', data: { method: 'unsubscribe', subscription: sub.echo } }));
  }

  private addSub(conn: Conn, sub: NormalisedSubscription): void {
    let subscribers = this.routes.get(sub.route);
    if (!subscribers) {
      subscribers = new Map();
      this.routes.set(sub.route, subscribers);
    }
    const list = subscribers.get(conn);
    if (list) list.push(sub);
    else subscribers.set(conn, [sub]);
    conn.ip.subscriptions++;
    if (sub.user !== undefined) conn.ip.users.set(sub.user, (conn.ip.users.get(sub.user) ?? 0) + 1);
    this.s.subscriptions++;
    if (this.s.subscriptions > this.s.maxSubscriptions) this.s.maxSubscriptions = this.s.subscriptions;
  }

  private removeSub(conn: Conn, sub: NormalisedSubscription): void {
    const subscribers = this.routes.get(sub.route);
    const list = subscribers?.get(conn);
    if (subscribers && list) {
      const i = list.indexOf(sub);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) subscribers.delete(conn);
      if (subscribers.size === 0) this.routes.delete(sub.route);
    }
    conn.ip.subscriptions--;
    if (sub.user !== undefined) {
      const n = (conn.ip.users.get(sub.user) ?? 1) - 1;
      if (n <= 0) conn.ip.users.delete(sub.user);
      else conn.ip.users.set(sub.user, n);
    }
    this.s.subscriptions--;
  }

  /** The venue sends the current state right after the ack for snapshot-like channels. */
  private sendSnapshot(conn: Conn, sub: NormalisedSubscription): void {
    let data: unknown;
    try {
      data = this.snapshotOf(sub);
    } catch (e) {
      this.s.internalErrors++;
      this.lastInternalError = e instanceof Error ? (e.stack ?? e.message) : String(e);
      return;
    }
    if (data === null || data === undefined) return;
    conn.ws.send(`{"channel":"${channelOf(sub.type)}","data":${JSON.stringify(data)}}`);
  }

  private snapshotOf(sub: NormalisedSubscription): unknown {
    const venue = this.opts.venue;
    switch (sub.type) {
      case 'bbo':
        return venue.bboData(sub.coin!);
      case 'l2Book': {
        const book = venue.l2BookData(sub.coin!);
        return book ? aggregateBook(book, sub.nSigFigs, sub.mantissa) : null;
      }
      case 'activeAssetCtx':
        return venue.activeAssetCtxData(sub.coin!);
      case 'userFills':
        return venue.userFillsSnapshot(sub.user!);
      default:
        return null;
    }
  }

  // ---------------------------------------------------------------- posts

  private post(conn: Conn, id: number, kind: 'info' | 'action', payload: unknown): void {
    const ip = conn.ip;
    const limit = this.opts.limits.inFlightPosts;
    if (ip.inFlight >= limit) {
      this.s.limitErrors++;
      this.sendError(conn, LIMIT_ERRORS.inFlight(id));
      return;
    }
    this.s.posts++;
    ip.inFlight++;
    if (ip.inFlight > this.s.maxInFlightPosts) this.s.maxInFlightPosts = ip.inFlight;
    const result = this.dispatch(kind, payload, ip, 'ws');
    let response: unknown;
    if (result.status !== 200) response = { type: 'error', payload: postErrorPayload(result.status, result.body) };
    else if (kind === 'info') {
      const infoType = isRecord(payload) ? payload.type : undefined;
      response = { type: 'info', payload: { type: infoType, data: result.body } };
    } else response = { type: 'action', payload: result.body };
    const faults = this.faults;
    if (faults?.takeDrop(kind)) {
      ip.inFlight--;
      this.s.postResponsesDropped++;
      return;
    }
    const frame = JSON.stringify({ channel: 'post', data: { id, response } });
    const deliver = () => {
      ip.inFlight--;
      if (conn.alive && conn.ws.readyState === WebSocket.OPEN) conn.ws.send(frame);
    };
    const delay = faults?.delayFor(kind) ?? 0;
    if (delay > 0) {
      this.s.postResponsesDelayed++;
      this.later(delay, deliver);
    } else deliver();
  }

  // ---------------------------------------------------------------- publishing

  /** Fans one exchange event out to its subscribers; the frame is serialised once per event. */
  private publish(e: SimEvent): void {
    const target = 'coin' in e ? e.coin : e.user.toLowerCase();
    const route = `${e.kind}|${target}`;
    const subscribers = this.routes.get(route);
    if (subscribers === undefined || subscribers.size === 0) return;
    if (this.faults?.isSilenced(route)) return;
    this.s.eventsPublished++;
    if (e.kind === 'l2Book') {
      this.publishBook(e.data, subscribers);
      return;
    }
    const frame = Buffer.from(`{"channel":"${e.kind}","data":${JSON.stringify(e.data)}}`);
    for (const conn of subscribers.keys()) this.sendFrame(conn, frame);
  }

  /** l2Book subscribers may ask for different aggregations: one serialisation per distinct aggregation. */
  private publishBook(book: L2BookData, subscribers: Map<Conn, NormalisedSubscription[]>): void {
    let full: Buffer | null = null;
    let byAggregation: Map<string, Buffer> | null = null;
    for (const [conn, subs] of subscribers) {
      for (const sub of subs) {
        if (sub.nSigFigs === null) {
          full ??= Buffer.from(`{"channel":"l2Book","data":${JSON.stringify(book)}}`);
          this.sendFrame(conn, full);
        } else {
          byAggregation ??= new Map();
          const k = `${sub.nSigFigs}|${sub.mantissa}`;
          let frame = byAggregation.get(k);
          if (!frame) {
            frame = Buffer.from(`{"channel":"l2Book","data":${JSON.stringify(aggregateBook(book, sub.nSigFigs, sub.mantissa))}}`);
            byAggregation.set(k, frame);
          }
          this.sendFrame(conn, frame);
        }
      }
    }
  }

  private sendFrame(conn: Conn, frame: Buffer): void {
    const ws = conn.ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > this.opts.maxBufferedBytes) {
      // A consumer this far behind would only get stale data; the venue drops such connections too.
      this.s.slowConsumersDropped++;
      ws.terminate();
      return;
    }
    ws.send(frame, { binary: false });
    this.s.framesPublished++;
  }

  // ---------------------------------------------------------------- FaultTarget

  dropAllConnections(): number {
    const n = this.conns.size;
    for (const c of [...this.conns]) c.ws.terminate();
    return n;
  }

  sendToAll(text: string): number {
    let n = 0;
    for (const c of this.conns) {
      if (c.ws.readyState === WebSocket.OPEN) {
        c.ws.send(text);
        n++;
      }
    }
    return n;
  }
}

function isValidPost(msg: Record<string, unknown>): boolean {
  const id = msg.id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) return false;
  const request = msg.request;
  if (!isRecord(request)) return false;
  return (request.type === 'info' || request.type === 'action') && request.payload !== undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) ?? 'null';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}
