// Wires the market agents onto a Scheduler and an exchange (MarketPort): one oracle publisher per dex
// (a deployer updates all its assets in one setOracle, every ~3 s, never within 2.5 s), the makers and the
// noise takers of every market. Everything runs as timers on the scheduler; each timer does bounded work
// (one dex's publication, one maker's re-quote, one taker order).
import { QuotingMaker, type QuoteRecord } from './maker.ts';
import { OracleProcess } from './oracle.ts';
import { type MarketPort, statusError } from './port.ts';
import { mix32, type Rng, rngStream, streamKey } from './rng.ts';
import { MIN_ORACLE_SPACING_MS, type ResolvedMarketConfig, resolveMarketConfig, type ScenarioConfig } from './scenarios.ts';
import type { Scheduler, TimerHandle } from './scheduler.ts';
import { NoiseTaker, type TakeRecord } from './taker.ts';
import type { SimMarketDef } from './universe.ts';

export interface OraclePoint {
  time: number;
  oraclePx: number;
  externalMarkPx: number;
}

export type MarketAgentEvent =
  | ({ kind: 'oracle'; coin: string } & OraclePoint)
  | ({ kind: 'quote' } & QuoteRecord)
  | ({ kind: 'take' } & TakeRecord);

export interface MarketDynamicsOptions {
  port: MarketPort;
  scheduler: Scheduler;
  seed: number;
  scenario: ScenarioConfig;
  markets: SimMarketDef[];
  /** USDC deposited into every maker and taker account at start (default 10,000,000). */
  agentFundingUsdc?: number;
  /** Published oracles kept per market for oraclePath/oracleHistory (default 20,000 ≈ 16 h). */
  historyLimit?: number;
  /** Every oracle publication, maker re-quote and taker order, in order (for tests and logs). */
  onEvent?: (e: MarketAgentEvent) => void;
}

export interface AgentAccount {
  address: string;
  coin: string;
  role: 'maker' | 'taker';
}

export interface MarketDynamicsStats {
  oraclePublications: number;
  /** Scheduled publications the venue refused (never expected: spacing is ≥ 2.5 s by construction). */
  oracleRefusals: number;
  makerQuotes: number;
  makerOrders: number;
  makerRejects: number;
  takerOrders: number;
  takerFills: number;
  takerRejects: number;
  /** A few recent venue errors seen by agents ("coin maker|taker: error"). */
  recentErrors: string[];
}

export interface MarketDynamics {
  /** Stops every timer. Resting maker orders stay on the book. */
  stop(): void;
  /** Fault injection: stop publishing the oracle for one market (its underlying keeps moving). */
  stopOracle(coin: string): void;
  resumeOracle(coin: string): void;
  /** Published oracle prices of a market, oldest first, starting with the initial one. */
  oraclePath(coin: string): number[];
  oracleHistory(coin: string): OraclePoint[];
  /** Current underlying price (what the oracle is chasing). */
  underlyingPx(coin: string): number;
  agents(): AgentAccount[];
  config(coin: string): ResolvedMarketConfig;
  stats(): MarketDynamicsStats;
}

/**
 * Deterministic agent address: 0x + 8 hex of hash(seed) + zeros + role (a1 maker, b2 taker) + 4 hex market
 * index + 2 hex agent index, e.g. 0x5c2e91d0000000000000000000000000a1000701.
 */
export function agentAddress(seed: number, role: 'maker' | 'taker', marketIndex: number, agentIndex: number): string {
  const seedHex = mix32(streamKey(seed, ['agent-address'])).toString(16).padStart(8, '0');
  const roleHex = role === 'maker' ? 'a1' : 'b2';
  const market = marketIndex.toString(16).padStart(4, '0');
  const agent = agentIndex.toString(16).padStart(2, '0');
  return `0x${seedHex}${'0'.repeat(24)}${roleHex}${market}${agent}`;
}

interface MarketRuntime {
  coin: string;
  config: ResolvedMarketConfig;
  process: OracleProcess;
  makers: QuotingMaker[];
  taker: NoiseTaker;
  publishing: boolean;
  history: OraclePoint[];
}

interface DexPublisher {
  dex: string;
  markets: MarketRuntime[];
  timingRng: Rng;
  lastPublishAt: number;
  timer: TimerHandle | undefined;
}

export function startMarketDynamics(o: MarketDynamicsOptions): MarketDynamics {
  const { port, scheduler, seed, scenario } = o;
  const funding = o.agentFundingUsdc ?? 10_000_000;
  const historyLimit = o.historyLimit ?? 20_000;
  const onEvent = o.onEvent;
  const recentErrors: string[] = [];
  let oraclePublications = 0;
  let oracleRefusals = 0;
  let stopped = false;

  const noteErrors = (coin: string, who: string, errors: readonly string[]): void => {
    for (const e of errors) {
      recentErrors.push(`${coin} ${who}: ${e}`);
      if (recentErrors.length > 20) recentErrors.shift();
    }
  };

  const runtimes = new Map<string, MarketRuntime>();
  const accounts: AgentAccount[] = [];
  o.markets.forEach((market, marketIndex) => {
    const coin = market.name;
    if (runtimes.has(coin)) throw new Error(`market ${coin} listed twice`);
    const config = resolveMarketConfig(scenario, market, seed);
    const process = new OracleProcess({
      initialPx: market.initialPx,
      szDecimals: market.szDecimals,
      config: config.oracle,
      basisBps: config.basisBps,
      pathRng: rngStream(seed, 'oracle-path', coin),
      markRng: rngStream(seed, 'oracle-mark', coin),
    });
    const makers = config.makers.map((makerConfig, i) => {
      const address = agentAddress(seed, 'maker', marketIndex, i);
      accounts.push({ address, coin, role: 'maker' });
      return new QuotingMaker({
        port,
        scheduler,
        address,
        coin,
        szDecimals: market.szDecimals,
        config: makerConfig,
        basisBps: config.basisBps,
        rng: rngStream(seed, 'maker', coin, i),
        jitterRng: rngStream(seed, 'maker-jitter', coin, i),
        onQuote: (q) => {
          if (q.errors.length > 0) noteErrors(coin, 'maker', q.errors);
          onEvent?.({ kind: 'quote', ...q });
        },
      });
    });
    const takerAddress = agentAddress(seed, 'taker', marketIndex, 0);
    accounts.push({ address: takerAddress, coin, role: 'taker' });
    const taker = new NoiseTaker({
      port,
      scheduler,
      address: takerAddress,
      coin,
      szDecimals: market.szDecimals,
      config: config.takers,
      rng: rngStream(seed, 'taker', coin),
      onTake: (t) => {
        const error = statusError(t.status);
        if (error !== undefined) noteErrors(coin, 'taker', [error]);
        onEvent?.({ kind: 'take', ...t });
      },
    });
    runtimes.set(coin, { coin, config, process, makers, taker, publishing: true, history: [] });
  });

  const record = (m: MarketRuntime, point: OraclePoint): void => {
    m.history.push(point);
    if (m.history.length > historyLimit) m.history.splice(0, m.history.length - historyLimit);
    oraclePublications++;
    onEvent?.({ kind: 'oracle', coin: m.coin, ...point });
  };

  for (const a of accounts) port.fund(a.address, funding);

  // the starting oracle (and the basis-shifted external mark) is published at once, then books are built
  const startTime = scheduler.now();
  for (const m of runtimes.values()) {
    const oraclePx = m.process.lastOraclePx();
    const externalMarkPx = m.process.lastMarkPx();
    // refused when the venue already has an oracle from less than 2.5 s ago (dynamics restarted on a live
    // exchange); the first scheduled update then goes through
    if (port.setOracle(m.coin, oraclePx, externalMarkPx) === false) noteErrors(m.coin, 'oracle', ['initial setOracle refused by the venue']);
    record(m, { time: startTime, oraclePx, externalMarkPx });
  }
  for (const m of runtimes.values()) for (const maker of m.makers) maker.start(m.process.lastOraclePx());
  for (const m of runtimes.values()) m.taker.start();

  const publishers: DexPublisher[] = [];
  for (const m of runtimes.values()) {
    const dex = m.config.market.dex;
    let p = publishers.find((x) => x.dex === dex);
    if (p === undefined) {
      p = { dex, markets: [], timingRng: rngStream(seed, 'oracle-timing', dex), lastPublishAt: startTime, timer: undefined };
      publishers.push(p);
    }
    p.markets.push(m);
  }

  const timing = scenario.oracleTiming;
  const drawGap = (rng: Rng): number =>
    Math.max(MIN_ORACLE_SPACING_MS, Math.round(rng.uniform(timing.intervalMs - timing.jitterMs, timing.intervalMs + timing.jitterMs)));

  const schedulePublisher = (p: DexPublisher): void => {
    const gap = drawGap(p.timingRng);
    p.timer = scheduler.setTimeout(() => publishDex(p, gap), gap);
  };

  const publishDex = (p: DexPublisher, gap: number): void => {
    p.timer = undefined;
    if (stopped) return;
    const now = scheduler.now();
    // a wall-clock timer may fire a little early: the venue's 2.5 s floor is never broken
    const early = p.lastPublishAt + MIN_ORACLE_SPACING_MS - now;
    if (early > 0) {
      p.timer = scheduler.setTimeout(() => publishDex(p, gap), early);
      return;
    }
    p.lastPublishAt = now;
    for (const m of p.markets) {
      // the underlying moves by the drawn gap, not the measured one, so the path depends on the seed only
      m.process.advance(gap);
      if (!m.publishing) continue;
      const { oraclePx, externalMarkPx } = m.process.publish();
      if (port.setOracle(m.coin, oraclePx, externalMarkPx) === false) {
        oracleRefusals++;
        noteErrors(m.coin, 'oracle', ['setOracle refused by the venue']);
      }
      record(m, { time: now, oraclePx, externalMarkPx });
      for (const maker of m.makers) maker.onOracle(oraclePx);
    }
    schedulePublisher(p);
  };

  for (const p of publishers) schedulePublisher(p);

  const runtime = (coin: string): MarketRuntime => {
    const m = runtimes.get(coin);
    if (m === undefined) throw new Error(`unknown market ${coin}`);
    return m;
  };

  return {
    stop(): void {
      if (stopped) return;
      stopped = true;
      for (const p of publishers) if (p.timer !== undefined) scheduler.clearTimeout(p.timer);
      for (const m of runtimes.values()) {
        for (const maker of m.makers) maker.stop();
        m.taker.stop();
      }
    },
    stopOracle(coin: string): void {
      runtime(coin).publishing = false;
    },
    resumeOracle(coin: string): void {
      runtime(coin).publishing = true;
    },
    oraclePath: (coin) => runtime(coin).history.map((h) => h.oraclePx),
    oracleHistory: (coin) => runtime(coin).history.map((h) => ({ ...h })),
    underlyingPx: (coin) => runtime(coin).process.underlyingPx(),
    agents: () => accounts.map((a) => ({ ...a })),
    config: (coin) => runtime(coin).config,
    stats(): MarketDynamicsStats {
      const s: MarketDynamicsStats = {
        oraclePublications,
        oracleRefusals,
        makerQuotes: 0,
        makerOrders: 0,
        makerRejects: 0,
        takerOrders: 0,
        takerFills: 0,
        takerRejects: 0,
        recentErrors: [...recentErrors],
      };
      for (const m of runtimes.values()) {
        for (const maker of m.makers) {
          s.makerQuotes += maker.quotes;
          s.makerOrders += maker.ordersPlaced;
          s.makerRejects += maker.rejects;
        }
        s.takerOrders += m.taker.orders;
        s.takerFills += m.taker.fills;
        s.takerRejects += m.taker.rejects;
      }
      return s;
    },
  };
}
