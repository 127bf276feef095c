// Trade mode's account check, before the bot says READY and off the hot path: the master has equity on the
// traded dexes, and the agent key may act for that master. Without it a run with an unapproved agent (or a
// wrong signing chain, or an unfunded account) declared "trading READY" and then had every order refused.
// The venue's `userRole` info request (hyperliquid-protocol.md §6.1 weight 60) says whose agent a key is; hlsim
// does not serve it, so the decisive check is one harmless signed action: a cancelByCloid of a random cloid,
// which an approved agent gets answered "Order was never placed…" and an unknown signer "User or API Wallet
// … does not exist." Neither touches any order.
import { randomBytes } from 'node:crypto';
import type { ClearinghouseState, L1Signer } from '../../protocol/index.ts';
import { cancelByCloidAction } from '../../protocol/index.ts';
import type { NonceSource } from '../../protocol/nonce.ts';
import { ConfigError } from '../config/load.ts';
import { signedRequestText } from './order-sink.ts';

export interface PreflightDeps {
  httpUrl: string;
  master: string;
  signer: L1Signer;
  nonces: NonceSource;
  /** Traded markets: dex and asset id. */
  markets: readonly { dex: string; assetId: number }[];
  clearinghouseState(user: string, dex: string): Promise<ClearinghouseState>;
  /** Any info request; rejects when the venue does not serve it. */
  info(req: { type: string; user: string }): Promise<unknown>;
}

export interface PreflightResult {
  /** Account value per traded dex (USDC). */
  equity: Record<string, number>;
  /** What the venue's userRole said, or null when it does not serve it (hlsim). */
  role: string | null;
}

/** Throws ConfigError (exit 2) naming account.master_address or account.agent_key_file when trading cannot work. */
export async function checkTradeAccount(d: PreflightDeps): Promise<PreflightResult> {
  const dexes = [...new Set(d.markets.map((m) => m.dex))];
  const equity: Record<string, number> = {};
  for (const dex of dexes) equity[dex] = Number((await d.clearinghouseState(d.master, dex)).marginSummary.accountValue) || 0;
  if (dexes.every((dex) => !(equity[dex] > 0)))
    throw new ConfigError(
      'account.master_address',
      `${d.master} has no equity on the traded dex(es) ${dexes.map((x) => `"${x}"`).join(', ')} (clearinghouseState accountValue 0): deposit USDC to it, or check network.target`,
    );
  let role: string | null = null;
  try {
    const r = (await d.info({ type: 'userRole', user: d.signer.address })) as { role?: string; data?: { user?: string } };
    if (typeof r?.role === 'string') role = r.role;
    if (role === 'agent' && typeof r.data?.user === 'string' && r.data.user.toLowerCase() !== d.master)
      throw new ConfigError('account.agent_key_file', `agent ${d.signer.address} is approved for ${r.data.user.toLowerCase()}, not for account.master_address ${d.master}`);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    role = null; // not served (hlsim): the signed check below decides
  }
  const [first] = d.markets;
  if (first === undefined) return { equity, role };
  const body = signedRequestText(d.signer, d.nonces, cancelByCloidAction([{ asset: first.assetId, cloid: `0x${randomBytes(16).toString('hex')}` }]));
  const res = await fetch(`${d.httpUrl.replace(/\/+$/, '')}/exchange`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let answer: { status?: string; response?: unknown } = {};
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    // answered below as not understood
  }
  if (res.status !== 200 || answer.status !== 'ok') {
    const venue = typeof answer.response === 'string' ? answer.response : `HTTP ${res.status} ${text.slice(0, 200)}`;
    throw new ConfigError(
      'account.agent_key_file',
      `agent ${d.signer.address} cannot act for ${d.master}: the venue answered "${venue}". Approve the agent from the master account (approveAgent) and check network.signing_chain`,
    );
  }
  return { equity, role };
}
