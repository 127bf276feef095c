// Market registry: builder dexes and their markets from `perpDexs` + `meta(dex)` (never from the alphabetical
// perpDexs asset list — incident #16 sent SILVER orders to RIVN), asset ids via src/protocol, cached specs,
// periodic refresh, and a change flag on a market whose tick/lot/fee parameters moved (the reference's
// ParamChange could never fire because specs were never refreshed, §2.1/L7). A configured market that does
// not resolve is a startup error naming it (#14).
import { parsePerpDexs, parsePerpMeta, perpAssetId } from '../protocol/assets.ts';
import { WireParseError } from '../protocol/errors.ts';
import type { PerpDex, PerpDexs, PerpMeta } from '../protocol/wire.ts';
import { systemClock, type TimerHandle, type VenueClock } from './clock.ts';

export interface MarketSpec {
  /** Full venue name: 'COIN' (main dex) or 'dex:COIN'. */
  name: string;
  dex: string;
  dexIndex: number;
  indexInMeta: number;
  assetId: number;
  szDecimals: number;
  /** Max decimals of a price: 6 − szDecimals for perps (plus 5 significant figures). */
  pxDecimals: number;
  maxLeverage: number;
  onlyIsolated: boolean;
  marginMode: string | null;
  growthMode: boolean;
  isDelisted: boolean;
  /** The dex's deployer fee scale (fee parameter), '' when not published. */
  deployerFeeScale: string;
}

export interface RegistryConfig {
  /** Dexes to scan: exact names or patterns ('' = main dex). */
  dexes: ReadonlyArray<string | RegExp>;
  /** Markets to trade, by full name ('xyz:GOLD'); each must resolve. */
  markets?: readonly string[];
  /** Additionally include every market whose full name matches one of these. */
  marketPatterns?: readonly RegExp[];
  /** Refresh period (ms); 0 disables. */
  refreshMs?: number;
}

export class RegistryError extends Error {
  readonly unresolved: string[];
  constructor(message: string, unresolved: string[] = []) {
    super(message);
    this.name = 'RegistryError';
    this.unresolved = unresolved;
  }
}

/** The fields whose change blocks entries until an operator accepts (tick, lot, fees, identity). */
const MATERIAL: ReadonlyArray<keyof MarketSpec> = [
  'assetId',
  'szDecimals',
  'pxDecimals',
  'onlyIsolated',
  'marginMode',
  'growthMode',
  'isDelisted',
  'deployerFeeScale',
];

export interface ParamChange {
  name: string;
  fields: string[];
  before: MarketSpec;
  after: MarketSpec | null;
}

export function changedFields(a: MarketSpec, b: MarketSpec): string[] {
  return MATERIAL.filter((k) => a[k] !== b[k]);
}

function dexMatches(name: string, patterns: ReadonlyArray<string | RegExp>): boolean {
  return patterns.some((p) => (typeof p === 'string' ? p === name : p.test(name)));
}

/** Builds specs for the dexes selected by `cfg` from already-fetched venue answers (pure). */
export function buildSpecs(dexs: PerpDexs, metas: ReadonlyMap<string, PerpMeta>): MarketSpec[] {
  const out: MarketSpec[] = [];
  for (let dexIndex = 0; dexIndex < dexs.length; dexIndex++) {
    const entry: PerpDex | null = dexs[dexIndex];
    const dex = dexIndex === 0 ? '' : (entry?.name ?? null);
    if (dex === null) continue;
    const meta = metas.get(dex);
    if (!meta) continue;
    meta.universe.forEach((u, indexInMeta) => {
      out.push({
        name: u.name,
        dex,
        dexIndex,
        indexInMeta,
        assetId: perpAssetId(dexIndex, indexInMeta),
        szDecimals: u.szDecimals,
        pxDecimals: Math.max(0, 6 - u.szDecimals),
        maxLeverage: u.maxLeverage,
        onlyIsolated: u.onlyIsolated === true || u.marginMode === 'strictIsolated' || u.marginMode === 'noCross',
        marginMode: u.marginMode ?? null,
        growthMode: u.growthMode === 'enabled',
        isDelisted: u.isDelisted === true,
        deployerFeeScale: entry?.deployerFeeScale ?? '',
      });
    });
  }
  return out;
}

/** The source of venue metadata (an InfoClient satisfies it). */
export interface MetaSource {
  perpDexs(): Promise<PerpDexs>;
  meta(dex: string): Promise<PerpMeta>;
}

export class MarketRegistry {
  private readonly cfg: RegistryConfig;
  private readonly source: MetaSource;
  private readonly clock: VenueClock;
  private byName = new Map<string, MarketSpec>();
  private byId = new Map<number, MarketSpec>();
  private readonly flags = new Map<string, ParamChange>();
  private timer: TimerHandle | null = null;
  private refreshing = false;
  /** Called once per newly flagged market. */
  onParamChange: ((c: ParamChange) => void) | null = null;
  /** Called when a periodic refresh fails (the cached specs stay). */
  onRefreshError: ((err: unknown) => void) | null = null;

  constructor(source: MetaSource, cfg: RegistryConfig, clock: VenueClock = systemClock) {
    this.source = source;
    this.cfg = cfg;
    this.clock = clock;
  }

  /** Startup: throws RegistryError naming every configured market that does not resolve. */
  async discover(): Promise<MarketSpec[]> {
    const specs = await this.fetchSelected();
    const names = new Set(specs.map((s) => s.name));
    const missing = (this.cfg.markets ?? []).filter((m) => !names.has(m));
    if (missing.length > 0) throw new RegistryError(`configured markets not found at the venue: ${missing.join(', ')}`, missing);
    if (specs.length === 0) throw new RegistryError('no market selected: check the dex and market configuration');
    this.install(specs);
    return specs;
  }

  /** Re-reads the venue; flags material changes and vanished markets. Failures keep the cache. */
  async refresh(): Promise<ParamChange[]> {
    const specs = await this.fetchSelected();
    const next = new Map(specs.map((s) => [s.name, s]));
    const changes: ParamChange[] = [];
    for (const [name, before] of this.byName) {
      const after = next.get(name) ?? null;
      const fields = after === null ? ['missing'] : changedFields(before, after);
      if (fields.length === 0) continue;
      const c: ParamChange = { name, fields, before, after };
      changes.push(c);
      if (!this.flags.has(name)) {
        this.flags.set(name, c);
        this.onParamChange?.(c);
      }
    }
    // Unflagged markets take the new spec; flagged ones keep the old until accepted.
    for (const s of specs) if (!this.flags.has(s.name)) this.setSpec(s);
    for (const c of this.flags.values()) if (c.after) this.flags.set(c.name, { ...c, after: next.get(c.name) ?? c.after });
    return changes;
  }

  /** Refreshes every `refreshMs` (default 5 min) until stop(). */
  startRefresh(): void {
    this.refreshing = true;
    this.armRefresh();
  }

  stop(): void {
    this.refreshing = false;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private armRefresh(): void {
    const every = this.cfg.refreshMs ?? 300_000;
    if (!this.refreshing || every <= 0 || this.timer !== null) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.refresh().then(
        () => this.armRefresh(),
        (err) => {
          this.onRefreshError?.(err);
          this.armRefresh();
        },
      );
    }, every);
  }

  spec(name: string): MarketSpec | undefined {
    return this.byName.get(name);
  }
  specById(assetId: number): MarketSpec | undefined {
    return this.byId.get(assetId);
  }
  all(): MarketSpec[] {
    return [...this.byName.values()];
  }
  /** Dexes that hold at least one selected market (reconciliation queries each). */
  dexes(): string[] {
    return [...new Set(this.all().map((s) => s.dex))];
  }

  /** Entries are blocked on a market whose parameters changed until `acceptChange`. */
  isEntryBlocked(name: string): boolean {
    return this.flags.has(name) || this.byName.get(name)?.isDelisted === true;
  }
  /** Operator accepts the new parameters: the new spec is installed and entries are allowed again. */
  acceptChange(name: string): boolean {
    const c = this.flags.get(name);
    if (!c) return false;
    this.flags.delete(name);
    if (c.after) this.setSpec(c.after);
    return true;
  }

  private setSpec(s: MarketSpec): void {
    const old = this.byName.get(s.name);
    if (old) this.byId.delete(old.assetId);
    this.byName.set(s.name, s);
    this.byId.set(s.assetId, s);
  }

  private install(specs: MarketSpec[]): void {
    this.byName = new Map();
    this.byId = new Map();
    for (const s of specs) this.setSpec(s);
  }

  private async fetchSelected(): Promise<MarketSpec[]> {
    const dexs = parsePerpDexs(await this.source.perpDexs());
    if (dexs instanceof WireParseError) throw new RegistryError(`perpDexs answer not understood: ${dexs.message}`);
    const wanted: string[] = [];
    dexs.forEach((d, i) => {
      const name = i === 0 ? '' : d?.name;
      if (typeof name === 'string' && dexMatches(name, this.cfg.dexes)) wanted.push(name);
    });
    // meta(dex) is required: without it asset ids would be guessed (refuse instead, incident #16).
    const metas = new Map<string, PerpMeta>();
    await Promise.all(
      wanted.map(async (dex) => {
        const m = parsePerpMeta(await this.source.meta(dex), dex);
        if (m instanceof WireParseError) throw new RegistryError(`meta(${JSON.stringify(dex)}) not understood: ${m.message}`);
        metas.set(dex, m);
      }),
    );
    const explicit = new Set(this.cfg.markets ?? []);
    const patterns = this.cfg.marketPatterns ?? [];
    return buildSpecs(dexs, metas).filter((s) => explicit.has(s.name) || patterns.some((p) => p.test(s.name)));
  }
}
