// `hip3 demo`: hlsim in process, a throwaway master funded there, a throwaway agent approved with a REAL
// approveAgent (user-signed EIP-712, posted to hlsim's /exchange), then the bot in trade mode against hlsim's
// URLs with the demo configuration below, the dashboard, a live status line and, at the end, a summary and
// hlsim's own account value as the cross-check of the PnL.
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseConfig } from '../config/load.ts';
import type { AppConfig } from '../config/schema.ts';
import { approveAgentAction, generatePrivateKey, privateKeyToAddress, signUserSignedAction } from '../../protocol/index.ts';
import { formatRunSummary } from '../trader/activity.ts';
import { installShutdown } from '../shutdown.ts';
import { type Session, startSession } from './session.ts';

export interface DemoOptions {
  scenario: string;
  seed: number;
  /** Seconds; 0 = until Ctrl+C. */
  duration: number;
  dataDir?: string;
  dashboardPort: number;
  dashboard: boolean;
  /** USDC deposited for the master in hlsim. */
  fund: number;
}

/**
 * The demo's configuration (TOML, validated like any other): the [profiles.sim] table is the tuning for
 * hlsim's `jumpy` regime, selected by `profile = "sim"`.
 *
 * Why these numbers: hlsim charges HIP-3 takers 2 × 4.5 = 9 bps a side, so the round trip costs 18 bps before
 * slippage; jumpy oracle steps are often the 1 % cap and makers re-quote after 100 ms–1.5 s (median 300–600 ms),
 * so a stale touch 30–90 bps through the new oracle is common right after a step. The detector therefore
 * evaluates from the oracle frame itself (quote_lag_min_ms = 0: the only other events of a market are its own
 * book updates, which are the makers catching up) up to 1.5 s after, needs 2 × 9 + 5 + 5 = 33 bps, and
 * measures against a basis that warms up in 5 s (the book is centred on the oracle in jumpy, so a short warm-up
 * loses nothing; on the real venue the 60 s default stays). Exits: back to the fair price, a 4 s time stop.
 * With the defaults the bot does not trade here within a minute: 60 s of basis warm-up block every signal
 * (measured: 40 s of jumpy, 79 signals, all BasisWarmup or QuoteLagWindow), and the correlation cooldown then
 * pauses entries for 2 min after every third close.
 */
export function demoConfigToml(o: { httpUrl: string; master: string; dataDir: string; dashboardPort: number; dashboard: boolean }): string {
  const q = (s: string) => JSON.stringify(s);
  return `# hip3 demo configuration (generated): the bot against hlsim, trade mode, the sim profile.
profile = "sim"
mode = "trade"

[network]
target = ${q(o.httpUrl)}
reconnect_base_delay_ms = 100
reconcile_interval_ms = 30000

[account]
master_address = ${q(o.master)}

[markets]
dexes = ["xyz"]
include = ["xyz:*"]

[journal]
path = ${q(join(o.dataDir, 'journal.sqlite'))}

[recorder]
dir = ${q(join(o.dataDir, 'feed'))}

[metrics]
port = 0

[dashboard]
enabled = ${o.dashboard}
port = ${o.dashboardPort}

[logging]
file = ${q(join(o.dataDir, 'hip3.log'))}
status_interval_ms = 1000

[shutdown]
timeout_ms = 10000

[profiles.sim.detector]
edge_mode = "relativeToBasis"
taker_fee_bps = 9
entry_slippage_bps = 5
min_net_edge_bps = 5
basis_half_life_ms = 30000
basis_warmup_ms = 5000
quote_lag_min_ms = 0
quote_lag_max_ms = 1500

[profiles.sim.sizing]
max_order_notional_usd = 60
min_order_notional_usd = 11

[profiles.sim.executor]
max_position_notional_usd = 100
max_total_notional_usd = 400
max_concurrent_positions = 6
# hlsim's markets move independently (one seeded oracle path each), so closes in quick succession are not the
# correlated losses the cooldown guards against (incident #41); with it on, the demo pauses 2 min after every
# third close. Keep it on against the real venue.
correlation_cooldown_closes = 0

[profiles.sim.exits]
threshold_bps = 5
min_holding_ms = 200
time_stop_ms = 4000
oracle_reversal_bps = 30

[profiles.sim.hard_stop]
max_cumulative_loss_usd = 25
max_consecutive_losses = 12
`;
}

async function approveAgent(httpUrl: string, masterKey: string, agentAddress: string, isMainnet: boolean): Promise<void> {
  const action = approveAgentAction({
    hyperliquidChain: isMainnet ? 'Mainnet' : 'Testnet',
    signatureChainId: '0x66eee',
    agentAddress,
    agentName: 'hip3-demo',
    nonce: Date.now(),
  });
  const signature = signUserSignedAction({ action, privateKey: masterKey });
  const res = await fetch(`${httpUrl}/exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action, nonce: action.nonce, signature }),
  });
  const body = (await res.json()) as { status?: string; response?: unknown };
  if (res.status !== 200 || body.status !== 'ok') throw new Error(`approveAgent refused by hlsim: HTTP ${res.status} ${JSON.stringify(body)}`);
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}

export async function runDemo(o: DemoOptions, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const { startSim } = await import('../../sim/index.ts');
  const dataDir = resolve(o.dataDir ?? join('data', `demo-${stamp()}`));
  mkdirSync(dataDir, { recursive: true });
  const masterKey = generatePrivateKey();
  const agentKey = generatePrivateKey();
  const master = privateKeyToAddress(masterKey).toLowerCase();
  const agent = privateKeyToAddress(agentKey).toLowerCase();
  // Testnet signatures: a URL target signs for testnet (network.signing_chain = "auto"), and hlsim checks them.
  const isMainnet = false;
  const sim = await startSim({ port: 0, adminPort: null, seed: o.seed, scenario: o.scenario, fund: { [master]: o.fund }, isMainnet });
  let session: Session | null = null;
  try {
    await approveAgent(sim.httpUrl, masterKey, agent, isMainnet);
    const cfg: AppConfig = parseConfig(
      demoConfigToml({ httpUrl: sim.httpUrl, master, dataDir, dashboardPort: o.dashboardPort, dashboard: o.dashboard }),
    );
    session = await startSession({
      cfg,
      network: { wsUrl: sim.wsUrl, httpUrl: sim.httpUrl, isMainnet, label: sim.httpUrl, simulated: true },
      agentKey,
      secrets: [masterKey],
      out,
    });
  } catch (err) {
    await sim.stop();
    throw err;
  }
  const s = session;
  const rel = (p: string) => {
    const r = relative(process.cwd(), p);
    return r.startsWith('..') ? p : r;
  };
  const lines = [
    `hip3 demo: hlsim (scenario ${o.scenario}, seed ${o.seed}) and the bot in trade mode against it`,
    `  hlsim      ${sim.httpUrl}  ${sim.wsUrl}`,
    `  master     ${master}  (throwaway key, ${o.fund.toLocaleString('en-US')} USDC deposited in hlsim)`,
    `  agent      ${agent}  (throwaway key, approved with a signed approveAgent)`,
    `  markets    ${s.markets.length}: ${s.markets.slice(0, 6).map((m) => `${m.name}=${m.assetId}`).join(' ')}${s.markets.length > 6 ? ' …' : ''}`,
    `  dashboard  ${s.dashboardUrl ?? '(off)'}`,
    `  metrics    ${s.metricsUrl ?? '(off)'}`,
    `  journal    ${s.journalPath ?? '(off)'}`,
    `  log        ${s.logFile}`,
    `  ${o.duration > 0 ? `stops by itself after ${o.duration} s; ` : ''}Ctrl+C stops (flatten, summary); afterwards: hip3 report --journal ${s.journalPath ? rel(s.journalPath) : '…'}`,
  ];
  out.write(`${lines.join('\n')}\n`);

  const stopAll = async (reason: string): Promise<number> => {
    const { summary, shutdown } = await s.stop(reason);
    let venueLine = '';
    try {
      // hlsim's own books, asked like any client would: the account value after the flatten.
      const res = await fetch(`${sim.httpUrl}/info`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'clearinghouseState', user: master, dex: 'xyz' }),
      });
      const ch = (await res.json()) as { marginSummary?: { accountValue?: string } };
      const value = Number(ch.marginSummary?.accountValue ?? Number.NaN);
      if (Number.isFinite(value)) venueLine = `hlsim account (dex xyz): ${o.fund.toFixed(2)} → ${value.toFixed(2)} USDC (${value - o.fund >= 0 ? '+' : ''}${(value - o.fund).toFixed(2)})`;
    } catch {
      venueLine = '';
    }
    await sim.stop();
    out.write(`\n${reason}: stopped.\n${formatRunSummary(summary)}\n`);
    if (venueLine) out.write(`${venueLine}\n`);
    out.write(`shutdown: ${shutdown.flat ? 'flat at the venue' : `NOT FLAT: ${JSON.stringify(shutdown.venuePositions)}`}${shutdown.cancelled > 0 ? `, ${shutdown.cancelled} orders cancelled` : ''}\n`);
    if (s.journalPath) out.write(`journal: ${s.journalPath}\nreport:  hip3 report --journal ${rel(s.journalPath)}\n`);
    return shutdown.flat ? 0 : 1;
  };
  const ctl = installShutdown({ stop: stopAll, say: (t) => out.write(`${t}\n`) });
  if (o.duration > 0) {
    const t = setTimeout(() => void ctl.trigger(`--duration ${o.duration}`), o.duration * 1000);
    t.unref();
  }
  // Keeps the process alive until the stop completes (the timers and sockets are unref'd or owned by it).
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    s.ready.then(
      () => out.write('trading READY (subscriptions acked, fills snapshot, reconciliation done)\n'),
      () => {},
    );
    return await new Promise<number>((resolveCode) => {
      const wait = () => {
        if (ctl.stopping) ctl.trigger('stop').then(resolveCode);
        else setTimeout(wait, 100).unref();
      };
      wait();
    });
  } finally {
    clearInterval(keepAlive);
    ctl.dispose();
  }
}
