// A small real client for hlsim (and anything speaking Hyperliquid's protocol): a WS connection that records
// every frame and waits for frames matching a predicate, an HTTP client for /info and /exchange, and a
// signer that builds signed exchange bodies with src/protocol. Shared by the sim tests and other suites.
import WebSocket from 'ws';
import { approveAgentAction, signUserSignedAction } from '../../src/protocol/user-signed.ts';
import { generatePrivateKey, privateKeyToAddress, type RsvSignature, signL1Action } from '../../src/protocol/signing.ts';

export type Frame = { channel: string; data: unknown };
type Predicate = (f: Frame) => boolean;

/** A throwaway private key (0x + 64 hex). */
export function randomPrivateKey(): string {
  return generatePrivateKey();
}

interface Waiter {
  pred: Predicate;
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class WsClient {
  readonly ws: WebSocket;
  /** Every JSON frame received, in order. */
  readonly frames: Frame[] = [];
  /** Every text frame received verbatim (including the greeting and anything not JSON). */
  readonly texts: string[] = [];
  /** Text frames that were not JSON (the greeting, malformed frames). */
  readonly nonJson: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  isClosed = false;
  private waiters: Waiter[] = [];
  private nextPostId = 1;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.isClosed = true;
        for (const w of this.waiters) {
          clearTimeout(w.timer);
          w.reject(new Error(`socket closed (${code}) while waiting`));
        }
        this.waiters = [];
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('error', () => {});
    ws.on('message', (data: WebSocket.RawData) => {
      const text = data.toString();
      this.texts.push(text);
      let frame: Frame;
      try {
        frame = JSON.parse(text) as Frame;
      } catch {
        this.nonJson.push(text);
        return;
      }
      this.frames.push(frame);
      for (const w of [...this.waiters]) {
        if (w.pred(frame)) {
          clearTimeout(w.timer);
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(frame);
        }
      }
    });
  }

  /** Connects and waits for the open event (the greeting arrives as the first text frame). */
  static connect(url: string): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new WsClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    });
  }

  /** Resolves with the close code and reason once the socket closes; rejects if it is still open after timeoutMs. */
  closedWithin(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([this.closed, timeout]).finally(() => clearTimeout(timer));
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /**
   * Resolves with the first frame matching `pred`, looking first at frames already received from index
   * `from` (default: only frames arriving from now on).
   */
  waitFor(pred: Predicate, timeoutMs = 3000, from?: number): Promise<Frame> {
    if (from !== undefined) {
      for (let i = from; i < this.frames.length; i++) if (pred(this.frames[i])) return Promise.resolve(this.frames[i]);
    }
    if (this.isClosed) return Promise.reject(new Error('socket is closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`no matching frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push({ pred, resolve, reject, timer });
    });
  }

  /** Frames on `channel` received so far. */
  on(channel: string): Frame[] {
    return this.frames.filter((f) => f.channel === channel);
  }

  async subscribe(subscription: Record<string, unknown>, timeoutMs = 3000): Promise<Frame> {
    const ack = this.waitFor((f) => f.channel === 'subscriptionResponse' && matchesSubscription(f, 'subscribe', subscription), timeoutMs);
    this.send({ method: 'subscribe', subscription });
    return ack;
  }

  async unsubscribe(subscription: Record<string, unknown>, timeoutMs = 3000): Promise<Frame> {
    const ack = this.waitFor((f) => f.channel === 'subscriptionResponse' && matchesSubscription(f, 'unsubscribe', subscription), timeoutMs);
    this.send({ method: 'unsubscribe', subscription });
    return ack;
  }

  /** Sends a post request and resolves with `data.response` ({type:'info'|'action'|'error', payload}). */
  async post(type: 'info' | 'action', payload: unknown, timeoutMs = 3000): Promise<{ type: string; payload: unknown }> {
    const id = this.nextPostId++;
    const reply = this.waitFor((f) => f.channel === 'post' && (f.data as { id: number }).id === id, timeoutMs);
    this.send({ method: 'post', id, request: { type, payload } });
    return ((await reply).data as { response: { type: string; payload: unknown } }).response;
  }

  /** Allocates a post id without sending (for tests that send raw post frames). */
  takePostId(): number {
    return this.nextPostId++;
  }

  async ping(timeoutMs = 3000): Promise<void> {
    const pong = this.waitFor((f) => f.channel === 'pong', timeoutMs);
    this.send({ method: 'ping' });
    await pong;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.ws.terminate();
    await this.closed;
  }
}

/** Subset match of a sent subscription within an ack (hex compared case-insensitively), as the TS SDK does. */
export function matchesSubscription(f: Frame, method: string, sent: Record<string, unknown>): boolean {
  const d = f.data as { method?: string; subscription?: Record<string, unknown> };
  if (d.method !== method || !d.subscription) return false;
  for (const [k, v] of Object.entries(sent)) {
    const got = d.subscription[k];
    if (typeof v === 'string' && typeof got === 'string' ? v.toLowerCase() !== got.toLowerCase() : v !== got) return false;
  }
  return true;
}

export interface HttpReply {
  status: number;
  contentType: string;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

export class HttpClient {
  readonly baseUrl: string;
  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  async raw(path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<HttpReply> {
    const res = await fetch(this.baseUrl + path, { method: 'POST', headers, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json };
  }

  info(body: unknown): Promise<HttpReply> {
    return this.raw('/info', JSON.stringify(body));
  }

  exchange(body: unknown): Promise<HttpReply> {
    return this.raw('/exchange', JSON.stringify(body));
  }

  /** Info request expecting 200; returns the parsed body. */
  async infoOk<T = unknown>(body: unknown): Promise<T> {
    const r = await this.info(body);
    if (r.status !== 200) throw new Error(`info ${JSON.stringify(body)} → HTTP ${r.status}: ${r.text}`);
    return r.json as T;
  }
}

/** What /exchange takes: the signed body. */
export interface ExchangeBody {
  action: unknown;
  nonce: number;
  signature: RsvSignature;
  vaultAddress?: string | null;
  expiresAfter?: number;
}

/** A key that signs L1 actions (as the account or as its agent) with strictly increasing nonces. */
export class Signer {
  readonly privateKey: string;
  readonly address: string;
  readonly isMainnet: boolean;
  private lastNonce = 0;

  constructor(privateKey: string = randomPrivateKey(), isMainnet = true) {
    this.privateKey = privateKey;
    this.address = privateKeyToAddress(privateKey).toLowerCase();
    this.isMainnet = isMainnet;
  }

  nextNonce(): number {
    this.lastNonce = Math.max(Date.now(), this.lastNonce + 1);
    return this.lastNonce;
  }

  /** A signed /exchange body for an L1 action; `nonce` may be forced (to test nonce rules). */
  sign(action: unknown, opts: { nonce?: number; expiresAfter?: number; vaultAddress?: string } = {}): ExchangeBody {
    const nonce = opts.nonce ?? this.nextNonce();
    const signature = signL1Action({
      privateKey: this.privateKey,
      action,
      nonce,
      isMainnet: this.isMainnet,
      vaultAddress: opts.vaultAddress ?? null,
      expiresAfter: opts.expiresAfter ?? null,
    });
    const body: ExchangeBody = { action, nonce, signature };
    if (opts.vaultAddress !== undefined) body.vaultAddress = opts.vaultAddress;
    if (opts.expiresAfter !== undefined) body.expiresAfter = opts.expiresAfter;
    return body;
  }

  /** A signed approveAgent body (user-signed EIP-712) authorising `agent` to trade for this account. */
  approveAgent(agent: string, agentName?: string): ExchangeBody {
    const nonce = this.nextNonce();
    const action = approveAgentAction({
      hyperliquidChain: this.isMainnet ? 'Mainnet' : 'Testnet',
      signatureChainId: '0x66eee',
      agentAddress: agent,
      agentName,
      nonce,
    });
    const signature = signUserSignedAction({ action: action as unknown as Parameters<typeof signUserSignedAction>[0]['action'], privateKey: this.privateKey });
    return { action, nonce, signature };
  }
}

/** Asset id of a coin from the venue's own meta/perpDexs (§5.2), as a client would compute it. */
export async function assetIdOf(http: HttpClient, coin: string): Promise<number> {
  const colon = coin.indexOf(':');
  const dex = colon < 0 ? '' : coin.slice(0, colon);
  const meta = await http.infoOk<{ universe: { name: string }[] }>({ type: 'meta', dex });
  const index = meta.universe.findIndex((u) => u.name === coin);
  if (index < 0) throw new Error(`coin ${coin} not in meta(${dex})`);
  if (dex === '') return index;
  const dexes = await http.infoOk<({ name: string } | null)[]>({ type: 'perpDexs' });
  const dexIndex = dexes.findIndex((d) => d !== null && d.name === dex);
  if (dexIndex < 0) throw new Error(`dex ${dex} not in perpDexs`);
  return 100000 + dexIndex * 10000 + index;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
