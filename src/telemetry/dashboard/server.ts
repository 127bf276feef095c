// The dashboard server: one static page (page.html, inline JS/CSS, no build, no CDN) and a WebSocket that
// pushes snapshots on a timer and events as they happen. It listens on 127.0.0.1 only and every request —
// page, JSON and WebSocket — must carry the token (printed at startup). The only command it accepts is the
// hard stop, handed to the app's callback.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { DashboardEvent, DashboardSignal, DashboardSource } from './types.ts';

export interface DashboardOptions {
  source: DashboardSource;
  /** 0 = any free port. */
  port?: number;
  /** "" or absent = a random token. */
  token?: string;
  pushIntervalMs?: number;
  maxClients?: number;
  /** Applied to every payload sent (removes registered secrets). */
  redact?: (s: string) => string;
  /** Errors that must not crash the bot (a failing snapshot, a callback that throws). */
  onError?: (err: Error) => void;
}

export interface DashboardHandle {
  /** Page URL including the token: what to print and open. */
  url: string;
  port: number;
  token: string;
  /** Sends an event to every connected browser now (newcomers get DashboardSource.recentSignals()). */
  push(event: DashboardEvent): void;
  clientCount(): number;
  close(): Promise<void>;
}

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
const MAX_BUFFERED_BYTES = 1 << 20;
const RECENT_SIGNALS = 100;

export function generateToken(): string {
  return randomBytes(18).toString('base64url');
}

function tokenMatches(given: string | null, expected: Buffer): boolean {
  if (given === null) return false;
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
};

export function startDashboard(options: DashboardOptions): Promise<DashboardHandle> {
  const token = options.token || generateToken();
  const expected = Buffer.from(token);
  const redact = options.redact ?? ((s: string) => s);
  const onError = options.onError ?? (() => {});
  const maxClients = options.maxClients ?? 10;
  const source = options.source;
  let port = 0;

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET') {
      res.writeHead(405, SECURITY_HEADERS).end();
      return;
    }
    if (!tokenMatches(url.searchParams.get('token'), expected)) {
      res.writeHead(403, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end('forbidden: open the URL with the token printed at startup\n');
      return;
    }
    if (url.pathname === '/') {
      res
        .writeHead(200, {
          ...SECURITY_HEADERS,
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy':
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'",
        })
        .end(PAGE);
      return;
    }
    if (url.pathname === '/api/snapshot') {
      let body: string;
      try {
        body = redact(JSON.stringify({ snapshot: source.snapshot(), signals: recentSignals() }));
      } catch (err) {
        onError(err as Error);
        res.writeHead(500, SECURITY_HEADERS).end();
        return;
      }
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json' }).end(body);
      return;
    }
    res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain' }).end('not found\n');
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = req.headers.origin;
    const sameOrigin = origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/ws') return refuse('404 Not Found');
    if (!tokenMatches(url.searchParams.get('token'), expected) || !sameOrigin) return refuse('403 Forbidden');
    if (wss.clients.size >= maxClients) return refuse('503 Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const send = (ws: WebSocket, payload: string) => {
    // A lagging browser skips updates rather than growing our memory.
    if (ws.readyState === ws.OPEN && ws.bufferedAmount < MAX_BUFFERED_BYTES) ws.send(payload);
  };
  const broadcast = (payload: string) => {
    for (const ws of wss.clients) send(ws, payload);
  };
  const recentSignals = (): DashboardSignal[] => source.recentSignals().slice(-RECENT_SIGNALS);
  const snapshotPayload = (): string | undefined => {
    try {
      return redact(JSON.stringify({ type: 'snapshot', data: source.snapshot() }));
    } catch (err) {
      onError(err as Error);
      return undefined;
    }
  };

  wss.on('connection', (ws: WebSocket) => {
    const first = snapshotPayload();
    send(ws, redact(JSON.stringify({ type: 'signals', data: recentSignals() })));
    if (first) send(ws, first);
    ws.on('message', (raw) => {
      let msg: { type?: unknown; reason?: unknown };
      try {
        msg = JSON.parse(String(raw));
      } catch {
        return;
      }
      if (msg.type === 'hardStop') {
        const reason = typeof msg.reason === 'string' && msg.reason ? msg.reason.slice(0, 200) : 'dashboard button';
        Promise.resolve()
          .then(() => source.onHardStop(reason))
          .then(
            () => {
              send(ws, JSON.stringify({ type: 'ack', action: 'hardStop', ok: true }));
              const snap = snapshotPayload();
              if (snap) broadcast(snap);
            },
            (err: unknown) => {
              onError(err instanceof Error ? err : new Error(String(err)));
              send(ws, redact(JSON.stringify({ type: 'ack', action: 'hardStop', ok: false, error: String(err) })));
            },
          );
      }
    });
    ws.on('error', (err) => onError(err));
  });

  const timer = setInterval(() => {
    if (wss.clients.size === 0) return;
    const snap = snapshotPayload();
    if (snap) broadcast(snap);
  }, options.pushIntervalMs ?? 250);
  timer.unref();

  const push = (event: DashboardEvent) => {
    if (wss.clients.size === 0) return;
    let payload: string;
    try {
      payload = redact(JSON.stringify(event));
    } catch (err) {
      onError(err as Error);
      return;
    }
    broadcast(payload);
  };

  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', () => {
      port = (http.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${port}/?token=${encodeURIComponent(token)}`,
        port,
        token,
        push,
        clientCount: () => wss.clients.size,
        close: () =>
          new Promise<void>((done) => {
            clearInterval(timer);
            for (const ws of wss.clients) ws.terminate();
            wss.close();
            http.closeAllConnections();
            http.close(() => done());
          }),
      });
    });
  });
}
