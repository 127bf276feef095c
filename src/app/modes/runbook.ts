// The emergency runbook as commands: list markets, cancel every open order, flatten every position — over
// HTTP /info and /exchange, signed by the agent key (HIP3_AGENT_KEY or a 0600 key file) for the MASTER
// account. They work with or without a running bot (each uses its own nonces: at most one bot and one
// runbook command per agent key at a time, as the venue's nonce window allows).
import { ConfigError, defaultConfig, loadConfig, resolveConfigPath, resolveNetwork } from '../config/load.ts';
import type { AppConfig } from '../config/schema.ts';
import { requireAgentKey } from '../config/secrets.ts';
import type { CancelResponseStatus, ClearinghouseState, ExchangeResponse, FrontendOpenOrder, L2Book, OrderResponseStatus, PerpDexs } from '../../protocol/index.ts';
import { cancelAction, createL1Signer, formatPrice, formatSize, orderAction, orderWire, parsePerpDexs } from '../../protocol/index.ts';
import { NonceSource } from '../../protocol/nonce.ts';
import { WireParseError } from '../../protocol/errors.ts';
import { httpInfoTransport, InfoClient } from '../../venue/info.ts';
import { MarketRegistry, type MarketSpec } from '../../venue/registry.ts';

export interface TargetOptions {
  config?: string;
  profile?: string;
  network?: string;
  url?: string;
  master?: string;
  signingChain?: 'mainnet' | 'testnet';
  dex?: string[];
}

export interface RunbookTarget {
  httpUrl: string;
  isMainnet: boolean;
  label: string;
  cfg: AppConfig;
  /** Dexes to act on; empty = every dex the venue lists (an emergency must not miss one). */
  dexes: string[];
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Network and dexes from the configuration (if any) with the command-line overrides. */
export function resolveTarget(o: TargetOptions): RunbookTarget {
  const path = resolveConfigPath(o.config);
  const cfg = path ? loadConfig(path, { profile: o.profile }) : defaultConfig();
  if (o.url !== undefined && o.network !== undefined) throw new ConfigError('--url', 'give either --url or --network, not both');
  const target = o.url ?? o.network ?? cfg.network.target;
  if (!/^(mainnet|testnet|https?:\/\/.+)$/.test(target)) throw new ConfigError(o.url !== undefined ? '--url' : '--network', `expected "mainnet", "testnet" or an http(s):// URL, got '${target}'`);
  const network = {
    ...cfg.network,
    target,
    ...(o.url !== undefined || o.network !== undefined ? { ws_url: '', http_url: '' } : {}),
    ...(o.signingChain !== undefined ? { signing_chain: o.signingChain } : {}),
  };
  const n = resolveNetwork(network);
  return { httpUrl: n.httpUrl, isMainnet: n.isMainnet, label: target, cfg, dexes: o.dex && o.dex.length > 0 ? o.dex : [] };
}

/** The venue did not answer at all (connection refused, DNS, timeout): a failure, never a silent exit 0. */
export class VenueUnreachableError extends Error {
  constructor(httpUrl: string, cause: string) {
    super(`cannot reach ${httpUrl}: ${cause}`);
    this.name = 'VenueUnreachableError';
  }
}

/** Why a fetch failed, in a few words ("ECONNREFUSED", "timeout"): fetch's own message is only "fetch failed". */
function transportCause(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'no answer (timeout)';
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/**
 * One cheap info request before anything else: an unreachable venue fails at once with "cannot reach <url>:
 * <why>" instead of after the info client's retries, with a message that says what is wrong.
 */
export async function assertReachable(httpUrl: string, timeoutMs = 5000): Promise<void> {
  const url = httpUrl.replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${url}/info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"perpDexs"}', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new VenueUnreachableError(url, transportCause(err));
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.status >= 500 || res.status === 404) throw new VenueUnreachableError(url, `POST /info answered HTTP ${res.status}`);
}

function infoClient(httpUrl: string): InfoClient {
  return new InfoClient({ http: httpInfoTransport({ httpUrl, timeoutMs: 10_000 }), maxRetries: 2 });
}

/** Every dex the venue lists and, for each, its markets with specs. */
export async function listMarkets(httpUrl: string, dexFilter?: string[]): Promise<{ dex: string; index: number; markets: MarketSpec[] }[]> {
  await assertReachable(httpUrl);
  const info = infoClient(httpUrl);
  const dexs = parsePerpDexs(await info.perpDexs());
  if (dexs instanceof WireParseError) throw new Error(`perpDexs answer not understood: ${dexs.message}`);
  const names = (dexs as PerpDexs).map((d, i) => (i === 0 ? '' : (d?.name ?? null)));
  const existing = names.filter((n): n is string => n !== null);
  const missing = (dexFilter ?? []).filter((d) => !existing.includes(d));
  if (missing.length > 0)
    throw new ConfigError('--dex', `no dex named ${missing.map((d) => `"${d}"`).join(', ')} at ${httpUrl}; the dexes are: ${existing.map((d) => (d === '' ? '"" (main)' : d)).join(', ')}`);
  const wanted = existing.filter((n) => dexFilter === undefined || dexFilter.length === 0 || dexFilter.includes(n));
  const registry = new MarketRegistry(info, { dexes: wanted, marketPatterns: [/.*/], refreshMs: 0 });
  const specs = await registry.discover();
  return wanted.map((dex) => ({ dex, index: names.indexOf(dex), markets: specs.filter((s) => s.dex === dex).sort((a, b) => a.assetId - b.assetId) }));
}

export interface Credentials {
  master: string;
  agentKey: string;
}

export function loadCredentials(cfg: AppConfig, masterOverride?: string): Credentials {
  const master = masterOverride ?? cfg.account.master_address;
  if (!master) throw new ConfigError('account.master_address', 'the master address is required (--master or account.master_address)');
  if (!ADDRESS.test(master)) throw new ConfigError(masterOverride !== undefined ? '--master' : 'account.master_address', 'expected a 0x-prefixed 20-byte address');
  const agentKey = requireAgentKey(cfg.account.agent_key_file, 'the agent key is required: set HIP3_AGENT_KEY or account.agent_key_file (mode 0600)');
  return { master: master.toLowerCase(), agentKey };
}

class ExchangeClient {
  private readonly httpUrl: string;
  private readonly signer: ReturnType<typeof createL1Signer>;
  private readonly nonces = new NonceSource();

  constructor(httpUrl: string, agentKey: string, isMainnet: boolean) {
    this.httpUrl = httpUrl.replace(/\/+$/, '');
    this.signer = createL1Signer(agentKey, { isMainnet });
  }

  async post(action: unknown): Promise<ExchangeResponse> {
    const nonce = this.nonces.next();
    const signature = this.signer.sign(action, nonce);
    const res = await fetch(`${this.httpUrl}/exchange`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action, nonce, signature }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`/exchange HTTP ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as ExchangeResponse;
  }
}

function statusesOf(r: ExchangeResponse): (OrderResponseStatus | CancelResponseStatus)[] | string {
  if (r.status === 'err') return r.response;
  const data = (r.response as { data?: { statuses?: (OrderResponseStatus | CancelResponseStatus)[] } }).data;
  return data?.statuses ?? [];
}

export interface CancelAllResult {
  found: number;
  cancelled: number;
  errors: string[];
}

/** Cancels every open order of the master on the given dexes (by oid, one cancel action per dex). */
export async function cancelAll(t: RunbookTarget, creds: Credentials, say: (s: string) => void): Promise<CancelAllResult> {
  const info = infoClient(t.httpUrl);
  const ex = new ExchangeClient(t.httpUrl, creds.agentKey, t.isMainnet);
  const markets = await listMarkets(t.httpUrl, t.dexes);
  const byName = new Map(markets.flatMap((d) => d.markets.map((m) => [m.name, m] as const)));
  const out: CancelAllResult = { found: 0, cancelled: 0, errors: [] };
  for (const { dex } of markets) {
    const open: FrontendOpenOrder[] = await info.frontendOpenOrders(creds.master, dex);
    out.found += open.length;
    const cancels = open.flatMap((o) => {
      const spec = byName.get(o.coin);
      if (spec === undefined) {
        out.errors.push(`${o.coin}#${o.oid}: unknown market`);
        return [];
      }
      return [{ a: spec.assetId, o: o.oid }];
    });
    say(`dex ${dex || '(main)'}: ${open.length} open order(s)${open.map((o) => `\n  ${o.coin} ${o.side === 'B' ? 'buy' : 'sell'} ${o.sz} @ ${o.limitPx} oid ${o.oid}${o.cloid ? ` cloid ${o.cloid}` : ''}`).join('')}`);
    if (cancels.length === 0) continue;
    const r = await ex.post(cancelAction(cancels));
    const st = statusesOf(r);
    if (typeof st === 'string') {
      out.errors.push(`dex ${dex}: ${st}`);
      continue;
    }
    st.forEach((s, i) => {
      if (s === 'success') out.cancelled++;
      else out.errors.push(`oid ${cancels[i].o}: ${JSON.stringify(s)}`);
    });
  }
  return out;
}

export interface FlattenResult {
  initial: { coin: string; szi: number }[];
  remaining: { coin: string; szi: number }[];
  attempts: number;
  errors: string[];
}

async function positionsOf(info: InfoClient, master: string, dexes: string[]): Promise<{ coin: string; szi: number }[]> {
  const out: { coin: string; szi: number }[] = [];
  for (const dex of dexes) {
    const ch: ClearinghouseState = await info.clearinghouseState(master, dex);
    for (const ap of ch.assetPositions) {
      const szi = Number(ap.position.szi);
      if (szi !== 0 && Number.isFinite(szi)) out.push({ coin: ap.position.coin, szi });
    }
  }
  return out;
}

/**
 * Flattens every position of the master on the given dexes with reduce-only IOC orders priced through the
 * touch by `slippageBps` (widened on each retry), until flat or `maxAttempts`.
 */
export async function flattenAll(t: RunbookTarget, creds: Credentials, opts: { slippageBps: number; stepBps: number; maxAttempts: number }, say: (s: string) => void): Promise<FlattenResult> {
  const info = infoClient(t.httpUrl);
  const ex = new ExchangeClient(t.httpUrl, creds.agentKey, t.isMainnet);
  const markets = await listMarkets(t.httpUrl, t.dexes);
  const byName = new Map(markets.flatMap((d) => d.markets.map((m) => [m.name, m] as const)));
  const dexes = markets.map((d) => d.dex);
  const errors: string[] = [];
  const initial = await positionsOf(info, creds.master, dexes);
  let remaining = initial;
  let attempts = 0;
  while (remaining.length > 0 && attempts < opts.maxAttempts) {
    const slip = (opts.slippageBps + attempts * opts.stepBps) / 1e4;
    attempts++;
    const wires = [];
    for (const p of remaining) {
      const spec = byName.get(p.coin);
      if (spec === undefined) {
        errors.push(`${p.coin}: market not found at the venue`);
        continue;
      }
      const book = await info.request<L2Book>({ type: 'l2Book', coin: p.coin });
      const isBuy = p.szi < 0;
      const touch = Number(isBuy ? book.levels[1][0]?.px : book.levels[0][0]?.px);
      if (!(touch > 0)) {
        errors.push(`${p.coin}: no ${isBuy ? 'ask' : 'bid'} to exit into`);
        continue;
      }
      const px = formatPrice(isBuy ? touch * (1 + slip) : touch * (1 - slip), spec.szDecimals, 'perp', isBuy ? 'down' : 'up');
      wires.push(orderWire({ asset: spec.assetId, isBuy, px, sz: formatSize(Math.abs(p.szi), spec.szDecimals), reduceOnly: true, tif: 'Ioc' }));
      say(`attempt ${attempts}: ${p.coin} ${p.szi > 0 ? 'long' : 'short'} ${Math.abs(p.szi)} → reduce-only IOC ${isBuy ? 'buy' : 'sell'} @ ${px}`);
    }
    if (wires.length > 0) {
      const r = await ex.post(orderAction(wires));
      const st = statusesOf(r);
      if (typeof st === 'string') errors.push(st);
      else for (const s of st) if (typeof s === 'object' && 'error' in s) errors.push(String(s.error));
    }
    remaining = await positionsOf(info, creds.master, dexes);
  }
  return { initial, remaining, attempts, errors };
}
