// hip3/core: the trading core (pure, synchronous, event-driven, clock injected). The app talks to CoreEngine
// only; the components are exported for tests, replay tools and research.
export * from './config.ts';
export * from './detector.ts';
export * from './engine.ts';
export * from './executor.ts';
export * from './exits.ts';
export * from './hard-stop.ts';
export * from './market-gates.ts';
export * from './market-state.ts';
export * from './outbound.ts';
export * from './risk-monitor.ts';
export * from './sizing.ts';
export * from './tracker.ts';
export * from './types.ts';
