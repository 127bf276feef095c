// SimExchange: the pure, deterministic hlsim exchange state machine (skeleton; being filled in).
import type {
  ActiveAssetCtxData,
  BboData,
  BestBidAsk,
  L2BookData,
  SimAccountSummary,
  SimEvent,
  SimExchangeOptions,
  SimHttpResult,
  SimMarketDef,
  SimOrderInput,
  SimOrderStatus,
  SimPositionView,
  UserFillsData,
} from './types.ts';

export class SimExchange {
  readonly isMainnet: boolean;
  private readonly listeners: ((e: SimEvent) => void)[] = [];
  private readonly nowFn: () => number;
  private readonly markets: SimMarketDef[];

  constructor(opts: SimExchangeOptions) {
    this.isMainnet = opts.isMainnet ?? true;
    this.nowFn = opts.now;
    this.markets = opts.markets;
  }

  handleExchange(_body: unknown): SimHttpResult {
    throw new Error('not implemented yet');
  }
  handleInfo(_body: unknown): SimHttpResult {
    throw new Error('not implemented yet');
  }
  onEvent(listener: (e: SimEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
  /** Runs time-driven venue duties (scheduled cancels) due at `now()`; the server calls it periodically. */
  tick(): void {}
  bboData(_coin: string): BboData | null {
    throw new Error('not implemented yet');
  }
  l2BookData(_coin: string): L2BookData | null {
    throw new Error('not implemented yet');
  }
  activeAssetCtxData(_coin: string): ActiveAssetCtxData | null {
    throw new Error('not implemented yet');
  }
  userFillsSnapshot(user: string): UserFillsData {
    return { user, isSnapshot: true, fills: [] };
  }
  fund(_address: string, _usdc: number, _dex?: string): void {}
  internalPlaceOrders(_address: string, _orders: SimOrderInput[]): SimOrderStatus[] {
    throw new Error('not implemented yet');
  }
  internalCancelAll(_address: string, _coin?: string): void {}
  setOracle(_coin: string, _oraclePx: number, _externalMarkPx?: number): void {}
  bestBidAsk(_coin: string): BestBidAsk {
    return {};
  }
  lastTradePx(_coin: string): number | undefined {
    return undefined;
  }
  accountSummary(_address: string): SimAccountSummary {
    throw new Error('not implemented yet');
  }
  position(_address: string, _coin: string): SimPositionView | null {
    return null;
  }
  totalCash(): number {
    return 0;
  }
  feesCollected(): number {
    return 0;
  }
  coins(): string[] {
    return this.markets.map((m) => m.name);
  }
  marketDef(coin: string): SimMarketDef | undefined {
    return this.markets.find((m) => m.name === coin);
  }
  now(): number {
    return this.nowFn();
  }
}
