// Public surface of the hlsim market dynamics (seeded RNG, default universe, oracle, makers, takers,
// scenarios, scheduler). Imports only src/protocol; the exchange satisfies MarketPort structurally.
export type { CalibrationRow, MarketSource } from './calibrate.ts';
export { CALIBRATION } from './calibration.ts';
export type { AgentAccount, MarketAgentEvent, MarketDynamics, MarketDynamicsOptions, MarketDynamicsStats, OraclePoint } from './dynamics.ts';
export { agentAddress, startMarketDynamics } from './dynamics.ts';
export type { LadderInput, QuoteReason, QuoteRecord } from './maker.ts';
export { buildLadder, drawLag, MIN_AGENT_NOTIONAL_USD, QuotingMaker } from './maker.ts';
export type { OraclePublication } from './oracle.ts';
export { OracleProcess } from './oracle.ts';
export type { BookTop, MarketPort, SimOrderInput } from './port.ts';
export { statusError } from './port.ts';
export { minSizeFor, priceToWire, sizeToWire, snapPrice, stepPrice, tickSize, truncateSize } from './prices.ts';
export { mix32, Rng, rngStream, streamKey } from './rng.ts';
export type {
  BasisSpec,
  LagDistribution,
  MakerConfig,
  MarketDynamicsConfig,
  MarketOverrides,
  OracleConfig,
  OracleTimingConfig,
  ResolvedMaker,
  ResolvedMarketConfig,
  ScenarioConfig,
  ScenarioName,
  ScenarioOverrides,
  TakerConfig,
} from './scenarios.ts';
export { MAX_ORACLE_STEP_FRAC, MIN_ORACLE_SPACING_MS, resolveMarketConfig, scenario, scenarioNames } from './scenarios.ts';
export type { Scheduler, TimerHandle } from './scheduler.ts';
export { realTimeScheduler, VirtualScheduler } from './scheduler.ts';
export type { TakeRecord } from './taker.ts';
export { NoiseTaker } from './taker.ts';
export type { SimMarketDef, SimUniverse } from './universe.ts';
export { calibrationOf, defaultUniverse, marketDefFromCalibration } from './universe.ts';
