// hlsim as a library: startSim() builds the exchange, the market dynamics and the transport, and returns a
// handle with the URLs, the in-process exchange (for assertions), fault injection, restart and stop.
import { SimExchange } from './exchange/exchange.ts';
import type { SimFeeConfig, SimMarketDef } from './exchange/types.ts';
import { type MarketDynamics, startMarketDynamics } from './market/dynamics.ts';
import { type ScenarioOverrides, scenario as scenarioConfig } from './market/scenarios.ts';
import { realTimeScheduler, type Scheduler, type TimerHandle } from './market/scheduler.ts';
import { defaultUniverse } from './market/universe.ts';
import { startAdminServer, stopAdminServer } from './server/admin.ts';
import { Faults, type OracleControl } from './server/faults.ts';
import { type SimLimits, VENUE_LIMITS } from './server/limits.ts';
import { SimServer, type SimStats } from './server/server.ts';

export type { SimExchange } from './exchange/exchange.ts';
export type { ErrorKey, StringSource } from './exchange/errors.ts';
export { ERROR_SOURCES, err as SIM_ERRORS } from './exchange/errors.ts';
export type { SimEvent, SimMarketDef, SimOrderInput } from './exchange/types.ts';
export type { Scheduler } from './market/scheduler.ts';
export { realTimeScheduler, VirtualScheduler } from './market/scheduler.ts';
export type { Faults, PostKind, SilenceSpec } from './server/faults.ts';
export { MALFORMED_FRAME } from './server/faults.ts';
export type { SimLimits } from './server/limits.ts';
export { LIMIT_ERROR_SOURCES, LIMIT_ERRORS, VENUE_LIMITS } from './server/limits.ts';
export type { SimStats } from './server/server.ts';
export { GREETING } from './server/server.ts';

export type { MarketDynamics } from './market/dynamics.ts';
export { scenarioNames } from './market/scenarios.ts';

export interface StartSimOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /** Only loopback is allowed. */
  host?: '127.0.0.1';
  /** Admin endpoint port (0 = any, default); `null` = no admin endpoint. */
  adminPort?: number | null;
  seed?: number;
  /** Scenario name for the market dynamics ('calm', 'jumpy', 'structural-basis', 'thin'). Default 'calm'. */
  scenario?: string;
  /** Overrides of the scenario (lags, basis, jump rates…), see src/sim/market/scenarios.ts. */
  scenarioOverrides?: ScenarioOverrides;
  /** USDC deposited in every market-maker and taker account (default: the dynamics' own). */
  agentFundingUsdc?: number;
  /** Accounts funded at start: address → USDC (main dex). */
  fund?: Record<string, number>;
  /** Phantom-agent source the exchange verifies against. Default true (mainnet, source 'a'). */
  isMainnet?: boolean;
  /** Clock and timers of the exchange and the dynamics. Default: wall clock (realTimeScheduler). */
  scheduler?: Scheduler;
  /** Run the oracle, market makers and noise takers. Default true. Tests may place maker orders themselves. */
  dynamics?: boolean;
  /** Close WS connections silent for this long. Default 60 000 ms (the venue's). */
  idleTimeoutMs?: number;
  /** Overrides of the venue limits (VENUE_LIMITS). */
  limits?: Partial<SimLimits>;
  /** Markets and dexes (default: defaultUniverse()). */
  universe?: { dexes: string[]; markets: SimMarketDef[] };
  fees?: SimFeeConfig;
  /** Traded volume (USD) an account needs before scheduleCancel is accepted (venue: 1,000,000). */
  scheduleCancelMinVolumeUsd?: number;
  /** How often time-driven exchange duties (scheduleCancel) run, on the scheduler. Default 50 ms. */
  tickMs?: number;
  /** Drop a WS consumer whose unsent output exceeds this. Default 64 MiB. */
  maxBufferedBytes?: number;
}

export interface SimHandle {
  wsUrl: string;
  httpUrl: string;
  /** Admin base URL ('http://127.0.0.1:<port>/admin'), or '' when disabled. */
  adminUrl: string;
  port: number;
  exchange: SimExchange;
  faults: Faults;
  dynamics: MarketDynamics | null;
  scheduler: Scheduler;
  stats(): SimStats;
  /** Closes every socket and the listener, reopens on the same port; exchange state is kept. */
  restart(opts?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export async function startSim(opts: StartSimOptions = {}): Promise<SimHandle> {
  const host = opts.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new Error(`hlsim listens on 127.0.0.1 only (got ${String(host)})`);
  const scheduler = opts.scheduler ?? realTimeScheduler();
  const universe = opts.universe ?? defaultUniverse();
  const exchange = new SimExchange({
    markets: universe.markets,
    dexes: universe.dexes,
    fees: opts.fees,
    isMainnet: opts.isMainnet ?? true,
    now: () => scheduler.now(),
    scheduleCancelMinVolumeUsd: opts.scheduleCancelMinVolumeUsd,
  });
  for (const [address, usdc] of Object.entries(opts.fund ?? {})) exchange.fund(address.toLowerCase(), usdc);

  // The dynamics are built before the transport so that a bad scenario name fails before any port opens.
  const dynamics: MarketDynamics | null =
    opts.dynamics === false
      ? null
      : startMarketDynamics({
          port: exchange,
          scheduler,
          seed: opts.seed ?? 1,
          scenario: scenarioConfig(opts.scenario ?? 'calm', opts.scenarioOverrides),
          markets: universe.markets,
          agentFundingUsdc: opts.agentFundingUsdc,
        });

  const server = new SimServer({
    venue: exchange,
    host,
    port: opts.port ?? 0,
    limits: { ...VENUE_LIMITS, ...opts.limits },
    idleTimeoutMs: opts.idleTimeoutMs ?? 60_000,
    maxBufferedBytes: opts.maxBufferedBytes ?? 64 * 1024 * 1024,
  });
  const oracle: OracleControl | null = dynamics;
  const faults = new Faults(server, oracle);
  server.faults = faults;
  try {
    await server.start();
  } catch (e) {
    dynamics?.stop();
    throw e;
  }

  let admin: Awaited<ReturnType<typeof startAdminServer>> | null = null;
  if (opts.adminPort !== null) {
    try {
      admin = await startAdminServer(
        { faults, stats: () => server.stats(), fund: (address, usdc, dex) => exchange.fund(address.toLowerCase(), usdc, dex) },
        host,
        opts.adminPort ?? 0,
      );
    } catch (e) {
      dynamics?.stop();
      await server.stop();
      throw e;
    }
  }

  // Time-driven exchange duties (scheduled cancels, the stale-mark fallback) run on the same scheduler as
  // the market. Started last, once nothing can fail any more, so a failed start leaves no timer behind.
  const tickMs = opts.tickMs ?? 50;
  let tickTimer: TimerHandle | null = null;
  const tick = () => {
    exchange.tick();
    tickTimer = scheduler.setTimeout(tick, tickMs);
  };
  tickTimer = scheduler.setTimeout(tick, tickMs);

  const port = server.port;
  let stopped = false;
  return {
    wsUrl: `ws://${host}:${port}/ws`,
    httpUrl: `http://${host}:${port}`,
    adminUrl: admin ? `http://${host}:${admin.port}/admin` : '',
    port,
    exchange,
    faults,
    dynamics,
    scheduler,
    stats: () => server.stats(),
    restart: (o) => server.restart(o?.downMs ?? 0),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (tickTimer) scheduler.clearTimeout(tickTimer);
      dynamics?.stop();
      if (admin) await stopAdminServer(admin.server);
      await server.stop();
    },
  };
}
