// `hip3 demo`: hlsim in its own process (`hip3 sim` as a child: the real venue is another machine, so its
// matching, market makers and publishing must not share the bot's event loop and GC), a throwaway master funded
// there, a throwaway agent approved with a REAL approveAgent (user-signed EIP-712, posted to hlsim's /exchange),
// then the bot in trade mode against hlsim's URLs with the demo configuration below, the dashboard, a live status
// line and, at the end, a summary and hlsim's own account value (asked over /info) as the cross-check of the PnL.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../config/load.ts';
import type { AppConfig } from '../config/schema.ts';
import { approveAgentAction, generatePrivateKey, privateKeyToAddress, signUserSignedAction } from '../../protocol/index.ts';
import { formatRunSummary } from '../trader/activity.ts';
import { installShutdown, untilStopped } from '../shutdown.ts';
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
 * book updates, which are the makers catching up) up to 1.5 s after, needs 2 × 9 + 5 + 5 = 28 bps, and
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

/**
 * The event loop's delay from a 1 ms sampling timer (perf_hooks records each interval, 1 ms included, so the
 * 1 ms is taken off): p50/p99/max; the max is the longest stall a frame could have queued behind.
 */
export function formatLoopDelay(h: { percentile(p: number): number; max: number; count: number }): string {
  const f = (raw: number) => {
    const ns = Math.max(0, raw - 1e6);
    return ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(0)} µs`;
  };
  return `event loop delay  p50 ${f(h.percentile(50))}  p99 ${f(h.percentile(99))}  max ${f(h.max)}  (n=${h.count})`;
}

/** The largest edge a market showed, as the detector computes it, and the threshold it had to clear. */
export interface EdgeSample {
  market: string;
  side: 'buy' | 'sell';
  edgeBps: number;
  thresholdBps: number;
}

/** What the edge watch reads: the core's market views (edges in the configured mode, threshold). */
export interface EdgeSource {
  marketView(coin: string): { buyEdgeBps: number; sellEdgeBps: number; thresholdBps: number } | undefined;
}

/**
 * Samples every market's current buy and sell edge and keeps the largest: when nothing clears the threshold,
 * the demo can say by how much (a strategy that refuses non-opportunities is working, not broken). Runs on a
 * timer between frames; a peak shorter than the period can be missed, so the figure is a lower bound.
 */
export class EdgeWatch {
  largest: EdgeSample | null = null;
  samples = 0;
  private readonly source: EdgeSource;
  private readonly markets: readonly string[];

  constructor(source: EdgeSource, markets: readonly string[]) {
    this.source = source;
    this.markets = markets;
  }

  sample(): void {
    this.samples++;
    for (const market of this.markets) {
      const v = this.source.marketView(market);
      if (v === undefined) continue;
      this.consider(market, 'buy', v.buyEdgeBps, v.thresholdBps);
      this.consider(market, 'sell', v.sellEdgeBps, v.thresholdBps);
    }
  }

  private consider(market: string, side: 'buy' | 'sell', edgeBps: number, thresholdBps: number): void {
    // NaN: no book or oracle yet, or the basis still warming up.
    if (!Number.isFinite(edgeBps)) return;
    if (this.largest === null || edgeBps > this.largest.edgeBps) this.largest = { market, side, edgeBps, thresholdBps };
  }
}

/** Why a run shows no signal, from the sampled edges; null while there is nothing to say yet. */
export function explainNoSignals(watch: Pick<EdgeWatch, 'largest' | 'samples'>, seconds: number, periodMs: number): string | null {
  const l = watch.largest;
  if (l === null) return `0 dislocations cleared the threshold in ${seconds.toFixed(0)} s: no market had an edge to measure yet (books, oracle or basis warm-up)`;
  return (
    `0 dislocations cleared the threshold in ${seconds.toFixed(0)} s: the largest edge seen was ${l.edgeBps.toFixed(1)} bps ` +
    `(${l.market} ${l.side}) vs the ${l.thresholdBps.toFixed(1)} bps needed (both taker fees + slippage allowance + minimum net edge; ` +
    `${watch.samples} samples of every market, one per ${periodMs} ms). The strategy only takes dislocations that pay for the round trip; ` +
    `this scenario offers none so far (--scenario jumpy has oracle jumps that leave stale quotes).`
  );
}

/** hlsim running as a child process. */
export interface SimProcess {
  wsUrl: string;
  httpUrl: string;
  adminUrl: string;
  pid: number;
  /** Resolves when the process has ended, however. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (hlsim closes its sockets and exits), SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const HIP3_BIN = fileURLToPath(new URL('../../../bin/hip3.js', import.meta.url));

/**
 * Starts `hip3 sim --json --stop-on-stdin-end` on this Node and reads its URLs from its first line. It gets its
 * own process group (detached), so a Ctrl+C in the terminal reaches the demo only: the bot's shutdown flattens
 * against a venue still running, then the demo stops hlsim. It holds our end of its stdin: if the demo dies in
 * any way, the pipe closes and hlsim stops itself.
 */
export function startSimProcess(o: { seed: number; scenario: string; fund: Record<string, number>; isMainnet: boolean; startTimeoutMs?: number }): Promise<SimProcess> {
  const args = [HIP3_BIN, 'sim', '--json', '--stop-on-stdin-end', '--port', '0', '--admin-port', '0', '--seed', String(o.seed), '--scenario', o.scenario];
  for (const [address, usdc] of Object.entries(o.fund)) args.push('--fund', `${address}=${usdc}`);
  if (!o.isMainnet) args.push('--testnet');
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  // The last resort if this process exits without stopping it (process.exit from anywhere).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  return new Promise<SimProcess>((resolveStart, rejectStart) => {
    let buf = '';
    const timer = setTimeout(() => fail(new Error(`hlsim did not print its URLs within ${o.startTimeoutMs ?? 30_000} ms`)), o.startTimeoutMs ?? 30_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      rejectStart(err);
    };
    void exited.then(({ code, signal }) => fail(new Error(`hlsim exited before it was ready (code ${code}, signal ${signal})`)));
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.resume(); // anything it prints later (its stop line) is drained and dropped
      let urls: { wsUrl: string; httpUrl: string; adminUrl: string };
      try {
        urls = JSON.parse(buf.slice(0, nl));
      } catch {
        fail(new Error(`hlsim printed an unexpected first line: ${buf.slice(0, nl).slice(0, 200)}`));
        return;
      }
      let stopping: Promise<void> | null = null;
      resolveStart({
        ...urls,
        pid: child.pid ?? -1,
        exited,
        stop: (graceMs = 5000) => {
          stopping ??= (async () => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill('SIGTERM');
            const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
            await exited;
            clearTimeout(t);
            child.stdin?.destroy();
          })();
          return stopping;
        },
      });
    };
    child.stdout?.on('data', onData);
  });
}

const EDGE_SAMPLE_MS = 100;
const EXPLAIN_AFTER_MS = 20_000;

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}

export async function runDemo(o: DemoOptions, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const dataDir = resolve(o.dataDir ?? join('data', `demo-${stamp()}`));
  mkdirSync(dataDir, { recursive: true });
  const masterKey = generatePrivateKey();
  const agentKey = generatePrivateKey();
  const master = privateKeyToAddress(masterKey).toLowerCase();
  const agent = privateKeyToAddress(agentKey).toLowerCase();
  // Testnet signatures: a URL target signs for testnet (network.signing_chain = "auto"), and hlsim checks them.
  const isMainnet = false;
  // How long the bot's event loop was held up (a stall queues every frame behind it, unseen by the latency probes).
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  const sim = await startSimProcess({ seed: o.seed, scenario: o.scenario, fund: { [master]: o.fund }, isMainnet });
  let simGone: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  void sim.exited.then((e) => {
    simGone = e;
  });
  let session: Session | null = null;
  let cfg: AppConfig;
  try {
    await approveAgent(sim.httpUrl, masterKey, agent, isMainnet);
    cfg = parseConfig(demoConfigToml({ httpUrl: sim.httpUrl, master, dataDir, dashboardPort: o.dashboardPort, dashboard: o.dashboard }));
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
  loopDelay.enable();
  const s = session;
  const startedMs = Date.now();
  const edges = new EdgeWatch(s.bot.engine, s.markets.map((m) => m.name));
  const edgeTimer = setInterval(() => edges.sample(), EDGE_SAMPLE_MS);
  edgeTimer.unref();
  const rel = (p: string) => {
    const r = relative(process.cwd(), p);
    return r.startsWith('..') ? p : r;
  };
  const lines = [
    `hip3 demo: hlsim (scenario ${o.scenario}, seed ${o.seed}, process ${sim.pid}) and the bot in trade mode against it`,
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
    const venueDown = simGone !== null;
    if (venueDown) {
      // Nothing left to cancel or flatten against: close the bot and say so.
      cfg.shutdown.cancel_on_exit = false;
      cfg.shutdown.flatten_on_exit = false;
    }
    clearInterval(edgeTimer);
    clearTimeout(explainTimer);
    // The trading period only: the shutdown's own blocking work (journal close, recorder flush) is not a frame stall.
    loopDelay.disable();
    // The bot first (its shutdown flattens against the still-running hlsim), then hlsim.
    const { summary, shutdown } = await s.stop(reason);
    let venueLine = '';
    if (!venueDown) {
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
    }
    await sim.stop();
    out.write(`\n${reason}: stopped.\n${formatRunSummary(summary)}\n`);
    if (summary.signals === 0) out.write(`${explainNoSignals(edges, summary.durationMs / 1000, EDGE_SAMPLE_MS)}\n`);
    out.write(`${formatLoopDelay(loopDelay)}\n`);
    if (venueLine) out.write(`${venueLine}\n`);
    out.write(`shutdown: ${shutdown.flat ? 'flat at the venue' : `NOT FLAT: ${JSON.stringify(shutdown.venuePositions)}`}${shutdown.cancelled > 0 ? `, ${shutdown.cancelled} orders cancelled` : ''}\n`);
    if (s.journalPath) out.write(`journal: ${s.journalPath}\nreport:  hip3 report --journal ${rel(s.journalPath)}\n`);
    if (venueDown) return 1;
    return shutdown.flat ? 0 : 1;
  };
  const ctl = installShutdown({ stop: stopAll, say: (t) => out.write(`${t}\n`) });
  // Zero signals after a while: say why once, live (the status line alone reads like a broken bot).
  const explainTimer = setTimeout(() => {
    const line = s.bot.activity.signals === 0 ? explainNoSignals(edges, (Date.now() - startedMs) / 1000, EDGE_SAMPLE_MS) : null;
    if (line !== null && !ctl.stopping) out.write(`\n${line}\n`);
  }, EXPLAIN_AFTER_MS);
  explainTimer.unref();
  void sim.exited.then(({ code, signal }) => {
    if (ctl.stopping) return;
    out.write(`\nhlsim (process ${sim.pid}) exited unexpectedly (code ${code}, signal ${signal}): stopping the bot\n`);
    void ctl.trigger('hlsim exited');
  });
  s.ready.then(
    () => out.write('trading READY (subscriptions acked, fills snapshot, reconciliation done)\n'),
    () => {},
  );
  return untilStopped(ctl, o.duration);
}
