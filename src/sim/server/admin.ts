// The admin endpoint: fault injection and inspection over HTTP on loopback, on its own port so that the
// faults that close the main listener (restart, drop) never cut the admin channel itself.
//   GET  /admin/stats            → SimStats JSON
//   GET  /admin/faults           → current fault state
//   POST /admin/<fault>          → JSON body with the fault's arguments, answers {"ok":true, ...}
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Faults, PostKind, SilenceSpec } from './faults.ts';

export interface AdminDeps {
  faults: Faults;
  stats: () => unknown;
  /** Funds an account in-process (admin convenience for demos). */
  fund: (address: string, usdc: number, dex?: string) => void;
}

type Body = Record<string, unknown>;

function num(body: Body, key: string, fallback?: number): number {
  const v = body[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${key} must be a number`);
  return v;
}

function str(body: Body, key: string): string {
  const v = body[key];
  if (typeof v !== 'string') throw new Error(`${key} must be a string`);
  return v;
}

function kind(body: Body): PostKind | undefined {
  const k = body.kind;
  if (k === undefined) return undefined;
  if (k === 'action' || k === 'info' || k === 'any') return k;
  throw new Error("kind must be 'action', 'info' or 'any'");
}

/** Runs one admin command; throws with a readable message on bad arguments. */
async function runAdminCommand(deps: AdminDeps, name: string, body: Body): Promise<Record<string, unknown>> {
  const f = deps.faults;
  switch (name) {
    case 'dropAllConnections':
      return { dropped: f.dropAllConnections() };
    case 'silenceChannel':
      f.silenceChannel(body as unknown as SilenceSpec);
      return {};
    case 'unsilenceChannel':
      f.unsilenceChannel(body as unknown as SilenceSpec);
      return {};
    case 'delayPostResponses':
      f.delayPostResponses(num(body, 'ms'), kind(body));
      return {};
    case 'dropPostResponses':
      f.dropPostResponses(num(body, 'n'), kind(body));
      return {};
    case 'rejectNextActions':
      f.rejectNextActions(num(body, 'n'), str(body, 'error'));
      return {};
    case 'rateLimitNext':
      f.rateLimitNext(num(body, 'n'));
      return {};
    case 'sendMalformedFrame':
      return { sent: f.sendMalformedFrame() };
    case 'restart':
      await f.restart(num(body, 'downMs', 0));
      return {};
    case 'stopOracle':
      f.stopOracle(str(body, 'coin'));
      return {};
    case 'resumeOracle':
      f.resumeOracle(str(body, 'coin'));
      return {};
    case 'clearFaults':
      f.clear();
      return {};
    case 'fund':
      deps.fund(str(body, 'address'), num(body, 'usdc'), typeof body.dex === 'string' ? body.dex : undefined);
      return {};
    default:
      throw new UnknownCommand(name);
  }
}

class UnknownCommand extends Error {}

const ADMIN_COMMANDS = [
  'dropAllConnections',
  'silenceChannel',
  'unsilenceChannel',
  'delayPostResponses',
  'dropPostResponses',
  'rejectNextActions',
  'rateLimitNext',
  'sendMalformedFrame',
  'restart',
  'stopOracle',
  'resumeOracle',
  'clearFaults',
  'fund',
] as const;

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function handle(deps: AdminDeps, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/admin/stats') {
    reply(res, 200, deps.stats());
    return;
  }
  if (req.method === 'GET' && path === '/admin/faults') {
    reply(res, 200, deps.faults.state());
    return;
  }
  if (req.method === 'GET' && (path === '/admin' || path === '/admin/')) {
    reply(res, 200, { commands: ADMIN_COMMANDS, get: ['/admin/stats', '/admin/faults'] });
    return;
  }
  if (req.method !== 'POST' || !path.startsWith('/admin/')) {
    reply(res, 404, { error: 'not found' });
    return;
  }
  const name = path.slice('/admin/'.length);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: Body = {};
    const text = Buffer.concat(chunks).toString('utf8').trim();
    if (text.length > 0) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('body must be a JSON object');
        body = parsed as Body;
      } catch (e) {
        reply(res, 400, { error: `bad JSON body: ${(e as Error).message}` });
        return;
      }
    }
    runAdminCommand(deps, name, body).then(
      (extra) => reply(res, 200, { ok: true, ...extra }),
      (e: unknown) => reply(res, e instanceof UnknownCommand ? 404 : 400, { error: e instanceof UnknownCommand ? `unknown command ${name}` : (e as Error).message }),
    );
  });
}

export async function startAdminServer(deps: AdminDeps, host: string, port: number): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => handle(deps, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : port };
}

export async function stopAdminServer(server: Server): Promise<void> {
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeAllConnections();
  await closed;
}
