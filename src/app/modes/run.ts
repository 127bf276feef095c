// `hip3 run --config FILE`: the bot on mainnet, testnet or any URL speaking the protocol (hlsim), in observe
// mode (no key: detect, journal signals and follow-ups, record the raw feed, trade nothing) or trade mode.
// Startup prints the effective configuration (it never holds a secret) and the resolved markets with their
// asset ids before anything connects; configuration and key problems exit 2 naming the key.
import { ConfigError, loadConfig, resolveConfigPath, resolveNetwork } from '../config/load.ts';
import { describeConfig } from '../config/describe.ts';
import type { AppConfig } from '../config/schema.ts';
import { requireAgentKey } from '../config/secrets.ts';
import { formatRunSummary } from '../trader/activity.ts';
import type { NetworkTarget, ShutdownResult } from '../trader/bot.ts';
import { installShutdown, untilStopped } from '../shutdown.ts';
import { assertReachable } from './runbook.ts';
import { discoverMarkets, formatMarketTable, startSession } from './session.ts';

export interface RunOptions {
  config?: string;
  profile?: string;
  /** Seconds; 0 = until a signal. */
  duration: number;
}

/** hlsim answers GET / with "hlsim ok": a URL target that does is simulated (the journal's runs say so). */
export async function isHlsim(httpUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${httpUrl.replace(/\/+$/, '')}/`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200 && (await res.text()).startsWith('hlsim');
  } catch {
    return false;
  }
}

export async function networkTarget(cfg: AppConfig): Promise<NetworkTarget> {
  const n = resolveNetwork(cfg.network);
  const isUrl = cfg.network.target !== 'mainnet' && cfg.network.target !== 'testnet';
  return { ...n, label: cfg.network.target, simulated: isUrl && (await isHlsim(n.httpUrl)) };
}

/** Loads the configuration and (trade mode) the agent key; throws ConfigError naming the key. */
export function loadRunConfig(o: { config?: string; profile?: string }): { cfg: AppConfig; agentKey?: string } {
  const path = resolveConfigPath(o.config);
  if (path === undefined) throw new ConfigError('--config', 'a configuration file is required (--config FILE or HIP3_CONFIG); see config/example.toml');
  const cfg = loadConfig(path, { profile: o.profile });
  if (cfg.mode !== 'trade') return { cfg };
  return { cfg, agentKey: requireAgentKey(cfg.account.agent_key_file, 'trade mode needs the agent key: set HIP3_AGENT_KEY or account.agent_key_file (mode 0600)') };
}

/** What startup reconciliation does with open orders the bot does not know (executor.cancel_orphan_orders). */
export function orphanVerb(cfg: AppConfig): string {
  return cfg.executor.cancel_orphan_orders ? 'cancelled' : 'left open (executor.cancel_orphan_orders = false)';
}

const positionList = (ps: readonly { coin: string; szi: number }[]) => ps.map((p) => `${p.coin} ${p.szi > 0 ? 'long' : 'short'} ${Math.abs(p.szi)}`).join(', ');

/** The shutdown's one line: flat, or what was left open and whether that was asked for. */
export function shutdownLine(cfg: AppConfig, s: ShutdownResult): string {
  const parts: string[] = [];
  if (s.flat) parts.push('flat at the venue');
  else if (cfg.shutdown.flatten_on_exit) parts.push(`NOT FLAT: ${positionList(s.venuePositions)}`);
  else parts.push(`positions left open as configured (shutdown.flatten_on_exit = false): ${positionList(s.venuePositions)}`);
  if (s.cancelled > 0) parts.push(`${s.cancelled} order(s) cancelled`);
  if (!cfg.shutdown.cancel_on_exit) parts.push('resting orders left as configured (shutdown.cancel_on_exit = false)');
  return `shutdown: ${parts.join('; ')}`;
}

/** 0 when the shutdown did what was asked (flat, or flattening not requested); 1 when a requested flatten failed. */
export function shutdownExitCode(cfg: AppConfig, s: ShutdownResult): number {
  return s.flat || !cfg.shutdown.flatten_on_exit ? 0 : 1;
}

export async function runBot(o: RunOptions, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const { cfg, agentKey } = loadRunConfig(o);
  const network = await networkTarget(cfg);
  out.write(`hip3 run: mode ${cfg.mode}, network ${network.label}${network.simulated ? ' (hlsim)' : ''}, signing ${network.isMainnet ? 'mainnet' : 'testnet'}\n`);
  out.write(`effective configuration (secrets are never part of it):\n${describeConfig(cfg).replace(/^/gm, '  ')}\n\n`);
  await assertReachable(network.httpUrl);
  const markets = await discoverMarkets(cfg, network.httpUrl);
  out.write(`resolved markets (${markets.length}):\n${formatMarketTable(markets).replace(/^/gm, '  ')}\n\n`);
  const session = await startSession({ cfg, network, agentKey, out, markets });
  const lines = [
    `  dashboard  ${session.dashboardUrl ?? '(off)'}`,
    `  metrics    ${session.metricsUrl ?? '(off)'}`,
    `  journal    ${session.journalPath ?? '(off)'}`,
    `  feed       ${session.recorderDir ?? '(not recorded)'}`,
    `  log        ${session.logFile}`,
  ];
  if (session.bot.agentAddress) lines.push(`  agent      ${session.bot.agentAddress} for master ${session.bot.masterAddress}`);
  out.write(`${lines.join('\n')}\n`);
  session.startupReconcile.then(
    (r) => {
      const orphans = r.orphanOrders.length === 0 ? 'no orphan orders' : `${r.orphanOrders.length} orphan order(s) ${orphanVerb(cfg)}: ${r.orphanOrders.map((x) => `${x.coin}#${x.oid}`).join(', ')}`;
      const pos = r.positions.length === 0 ? 'no positions' : `positions adopted: ${r.positions.map((p) => `${p.coin} ${p.szi}`).join(', ')}`;
      out.write(`startup reconciliation: ${r.openOrders} open order(s) at the venue, ${orphans}; ${pos}\n`);
    },
    () => {},
  );
  session.ready.then(
    () => out.write(cfg.mode === 'trade' ? 'trading READY\n' : 'market data flowing (observe mode: nothing is traded)\n'),
    () => {},
  );
  const ctl = installShutdown({
    say: (t) => out.write(`${t}\n`),
    stop: async (reason) => {
      const { summary, shutdown } = await session.stop(reason);
      out.write(`\n${reason}: stopped.\n${formatRunSummary(summary, cfg.mode)}\n`);
      if (cfg.mode === 'trade') out.write(`${shutdownLine(cfg, shutdown)}\n`);
      if (session.journalPath) out.write(`journal: ${session.journalPath}\n`);
      return shutdownExitCode(cfg, shutdown);
    },
  });
  return untilStopped(ctl, o.duration);
}
