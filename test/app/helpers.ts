// The composed bot in process against an in-process hlsim: a funded throwaway account whose agent is approved
// with a real approveAgent, the demo configuration, and everything stopped after the test.
import type { TestContext } from 'node:test';
import { parseConfig } from '../../src/app/config/load.ts';
import type { AppConfig } from '../../src/app/config/schema.ts';
import { demoConfigToml } from '../../src/app/modes/demo.ts';
import { type Session, startSession } from '../../src/app/modes/session.ts';
import { type SimHandle, startSim } from '../../src/sim/index.ts';
import { type Account, approveAgent, newAccount, tempDir } from './cli-helpers.ts';

export const SIM_DEPOSIT_USDC = 10_000;

export interface BotOnSim {
  dir: string;
  account: Account;
  sim: SimHandle;
  session: Session;
  /** The test's own graceful stop (the cleanup stop is then skipped). */
  stop(reason: string): ReturnType<Session['stop']>;
}

/**
 * Starts hlsim (`jumpy`, the given seed, SIM_DEPOSIT_USDC for the master) and a bot session on it with the demo
 * configuration and no status line; `tune` adjusts the parsed configuration before the session starts.
 */
export async function startBotOnSim(
  t: TestContext,
  o: { seed: number; dirPrefix: string; isMainnet?: boolean; tune?: (cfg: AppConfig) => void },
): Promise<BotOnSim> {
  const isMainnet = o.isMainnet ?? false;
  const dir = tempDir(t, o.dirPrefix);
  const account = newAccount();
  const sim = await startSim({ port: 0, adminPort: null, seed: o.seed, scenario: 'jumpy', fund: { [account.master]: SIM_DEPOSIT_USDC }, isMainnet });
  t.after(() => sim.stop());
  await approveAgent(sim.httpUrl, account, isMainnet);
  const cfg = parseConfig(demoConfigToml({ httpUrl: sim.httpUrl, master: account.master, dataDir: dir, dashboardPort: 0, dashboard: false }));
  cfg.logging.status_interval_ms = 0;
  o.tune?.(cfg);
  const session = await startSession({
    cfg,
    network: { wsUrl: sim.wsUrl, httpUrl: sim.httpUrl, isMainnet, label: sim.httpUrl, simulated: true },
    agentKey: account.agentKey,
    out: process.stdout,
  });
  let stopped = false;
  t.after(async () => {
    if (!stopped) await session.stop('test cleanup');
  });
  return {
    dir,
    account,
    sim,
    session,
    async stop(reason) {
      const r = await session.stop(reason);
      stopped = true;
      return r;
    },
  };
}

/** hlsim's account value of the master on the xyz dex, less its deposit: the PnL the venue saw. */
export async function venuePnlUsd(b: BotOnSim): Promise<number> {
  const res = await fetch(`${b.sim.httpUrl}/info`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'clearinghouseState', user: b.account.master, dex: 'xyz' }),
  });
  return Number(((await res.json()) as { marginSummary: { accountValue: string } }).marginSummary.accountValue) - SIM_DEPOSIT_USDC;
}
