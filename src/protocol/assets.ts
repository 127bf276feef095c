// Asset identity (protocol doc §5.2): which integer `a` an order for "xyz:XYZ100" must carry, and which
// price rules apply. Getting this wrong trades the wrong market, so every lookup is exact and an unknown
// or ambiguous name is an AssetError (fail closed: no entry).
//
//   main-dex perp   : index in meta.universe                           0 … 9 999
//   spot            : 10000 + spotMeta index                       10 000 … 99 999
//   HIP-3 perp      : 100000 + perpDexIndex × 10000 + indexInMeta 100 000 … 99 999 999
//   outcome (HIP-4) : 100000000 + 10 × outcome + side              ≥ 100 000 000
// HIP-3 assets are perps (price decimals 6 − szDecimals). The Python SDK's `asset >= 10000 → spot` test is
// wrong for them; priceKindForAsset uses the ranges above.
import { AssetError, type WireParseError } from './errors.ts';
import type { PriceKind } from './format.ts';
import { arr, checkPerpAssetCtx, fail, guard, int, num, type Obj, obj, optBool, optInt, optStr, str } from './validate.ts';
import type { MetaAndAssetCtxs, PerpAssetMeta, PerpDex, PerpDexs, PerpMeta } from './wire.ts';

export const SPOT_ASSET_OFFSET = 10_000;
export const HIP3_ASSET_OFFSET = 100_000;
export const HIP3_DEX_STRIDE = 10_000;
export const OUTCOME_ASSET_OFFSET = 100_000_000;

/** Asset id of the perp at `indexInMeta` of dex `perpDexIndex` (0 = main dex, else its perpDexs index). */
export function perpAssetId(perpDexIndex: number, indexInMeta: number): number {
  if (!Number.isSafeInteger(perpDexIndex) || perpDexIndex < 0) throw new AssetError('bad_asset_id', `perpDexIndex ${perpDexIndex} is not a non-negative integer`);
  if (!Number.isSafeInteger(indexInMeta) || indexInMeta < 0 || indexInMeta >= HIP3_DEX_STRIDE) {
    throw new AssetError('bad_asset_id', `indexInMeta ${indexInMeta} is not an integer in [0, 10000)`);
  }
  if (perpDexIndex === 0) return indexInMeta;
  const id = HIP3_ASSET_OFFSET + perpDexIndex * HIP3_DEX_STRIDE + indexInMeta;
  if (id >= OUTCOME_ASSET_OFFSET) throw new AssetError('bad_asset_id', `perpDexIndex ${perpDexIndex} is beyond the HIP-3 id range`);
  return id;
}

/** Inverse of perpAssetId: undefined for spot / outcome / invalid ids. */
export function decodePerpAssetId(id: number): { perpDexIndex: number; indexInMeta: number } | undefined {
  if (isMainPerpAssetId(id)) return { perpDexIndex: 0, indexInMeta: id };
  if (!isHip3AssetId(id)) return undefined;
  const rel = id - HIP3_ASSET_OFFSET;
  return { perpDexIndex: Math.floor(rel / HIP3_DEX_STRIDE), indexInMeta: rel % HIP3_DEX_STRIDE };
}

export function isMainPerpAssetId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= 0 && id < SPOT_ASSET_OFFSET;
}
export function isSpotAssetId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= SPOT_ASSET_OFFSET && id < HIP3_ASSET_OFFSET;
}
/** HIP-3 builder-deployed perp ids. Dex index 0 would collide with the main dex, so it starts at 110000. */
export function isHip3AssetId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= HIP3_ASSET_OFFSET + HIP3_DEX_STRIDE && id < OUTCOME_ASSET_OFFSET;
}
export function isOutcomeAssetId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= OUTCOME_ASSET_OFFSET;
}
export function isPerpAssetId(id: number): boolean {
  return isMainPerpAssetId(id) || isHip3AssetId(id);
}

/** Price rules for an asset id: 'perp' for main-dex and HIP-3 perps, 'spot' for spot; else AssetError. */
export function priceKindForAsset(id: number): PriceKind {
  if (isPerpAssetId(id)) return 'perp';
  if (isSpotAssetId(id)) return 'spot';
  throw new AssetError('bad_asset_id', `asset id ${id} is neither a perp nor a spot asset (no price rules known)`);
}

/** Splits "dex:COIN" → { dex: 'dex', coin: 'COIN' }; a bare "COIN" is on the main dex (dex ''). */
export function splitAssetName(name: string): { dex: string; coin: string } {
  const i = name.indexOf(':');
  return i < 0 ? { dex: '', coin: name } : { dex: name.slice(0, i), coin: name.slice(i + 1) };
}

// ───────────────────────────── payload parsers ─────────────────────────────

function checkAssetMeta(x: unknown, path: string): PerpAssetMeta {
  const o = obj(x, path);
  const name = str(o, 'name', path);
  if (name.length === 0) fail(`${path}.name`, 'empty');
  const sz = int(o, 'szDecimals', path);
  if (sz < 0) fail(`${path}.szDecimals`, 'negative');
  const lev = num(o, 'maxLeverage', path);
  if (lev < 1) fail(`${path}.maxLeverage`, 'below 1');
  optInt(o, 'marginTableId', path);
  optBool(o, 'onlyIsolated', path);
  optStr(o, 'marginMode', path);
  optBool(o, 'isDelisted', path);
  optStr(o, 'growthMode', path);
  return o as unknown as PerpAssetMeta;
}

function checkMeta(x: unknown, path: string, dex: string | undefined): PerpMeta {
  const o = obj(x, path);
  const u = arr(o.universe, `${path}.universe`);
  for (let i = 0; i < u.length; i++) {
    const a = checkAssetMeta(u[i], `${path}.universe[${i}]`);
    if (dex !== undefined && splitAssetName(a.name).dex !== dex) {
      fail(`${path}.universe[${i}].name`, `${JSON.stringify(a.name)} is not on dex ${JSON.stringify(dex)}`);
    }
  }
  if (o.marginTables !== undefined) arr(o.marginTables, `${path}.marginTables`);
  optInt(o, 'collateralToken', path);
  return o as unknown as PerpMeta;
}

/**
 * info `meta` {dex?}. With `dex` given ('' = main dex) every universe name must belong to that dex
 * ("dex:COIN", or a bare name for ''), which catches a reply for the wrong dex.
 */
export function parsePerpMeta(json: unknown, dex?: string): PerpMeta | WireParseError {
  return guard(() => checkMeta(json, 'meta', dex));
}

/** info `metaAndAssetCtxs` {dex?}: [meta, ctxs] with one ctx per universe entry, in the same order. */
export function parseMetaAndAssetCtxs(json: unknown, dex?: string): MetaAndAssetCtxs | WireParseError {
  return guard(() => {
    const a = arr(json, 'metaAndAssetCtxs');
    if (a.length !== 2) fail('metaAndAssetCtxs', 'expected [meta, ctxs]');
    const meta = checkMeta(a[0], 'metaAndAssetCtxs[0]', dex);
    const ctxs = arr(a[1], 'metaAndAssetCtxs[1]');
    if (ctxs.length !== meta.universe.length) fail('metaAndAssetCtxs[1]', `${ctxs.length} ctxs for ${meta.universe.length} assets`);
    for (let i = 0; i < ctxs.length; i++) checkPerpAssetCtx(ctxs[i], `metaAndAssetCtxs[1][${i}]`);
    return a as unknown as MetaAndAssetCtxs;
  });
}

/** info `allPerpMetas`: one meta per dex. */
export function parseAllPerpMetas(json: unknown): PerpMeta[] | WireParseError {
  return guard(() => {
    const a = arr(json, 'allPerpMetas');
    for (let i = 0; i < a.length; i++) checkMeta(a[i], `allPerpMetas[${i}]`, undefined);
    return a as unknown as PerpMeta[];
  });
}

/** info `perpDexs`: entry 0 is null (the main dex), the others describe builder dexes. */
export function parsePerpDexs(json: unknown): PerpDexs | WireParseError {
  return guard(() => {
    const a = arr(json, 'perpDexs');
    if (a.length === 0 || a[0] !== null) fail('perpDexs[0]', 'expected null (the main dex)');
    const seen = new Set<string>();
    for (let i = 1; i < a.length; i++) {
      const p = `perpDexs[${i}]`;
      const d: Obj = obj(a[i], p);
      const name = str(d, 'name', p);
      if (name.length === 0 || name.includes(':')) fail(`${p}.name`, 'expected a non-empty dex name without ":"');
      if (seen.has(name)) fail(`${p}.name`, `duplicate dex ${JSON.stringify(name)}`);
      seen.add(name);
      str(d, 'fullName', p);
      str(d, 'deployer', p);
      optStr(d, 'oracleUpdater', p);
      optStr(d, 'feeRecipient', p);
    }
    return a as PerpDexs;
  });
}

// ───────────────────────────── the table ─────────────────────────────

export type MarginMode = 'strictIsolated' | 'noCross' | (string & {});

/** Everything the bot needs to know about one perp market to trade it. */
export interface AssetSpec {
  /** The venue's name: "COIN" on the main dex, "dex:COIN" on a builder dex. */
  name: string;
  /** '' for the main dex. */
  dex: string;
  /** name without the "dex:" prefix. */
  coin: string;
  perpDexIndex: number;
  indexInMeta: number;
  /** The `a` of orders and cancels. */
  assetId: number;
  szDecimals: number;
  maxLeverage: number;
  /** True when only isolated margin is possible (onlyIsolated, or marginMode strictIsolated/noCross). */
  onlyIsolated: boolean;
  marginMode?: MarginMode;
  growthMode?: string;
  isDelisted: boolean;
  /** The dex's collateral token index (meta.collateralToken), when given. */
  collateralToken?: number;
  priceKind: PriceKind;
}

/** One dex's metadata for AssetTable.build: dex '' is the main dex. */
export interface DexMeta {
  dex: string;
  meta: PerpMeta;
}

/**
 * Perp markets by venue name and by asset id, built from `perpDexs` and the metas of the dexes. Immutable;
 * build a new one on refresh (HIP-3 markets appear, halt and settle).
 */
export class AssetTable {
  private readonly names = new Map<string, AssetSpec>();
  private readonly ids = new Map<number, AssetSpec>();
  /** Builder-dex assets by bare coin, for resolving "COIN" when no main-dex asset has that name. */
  private readonly coins = new Map<string, AssetSpec[]>();
  readonly dexes: readonly string[];

  private constructor(specs: AssetSpec[], dexes: string[]) {
    for (const s of specs) {
      if (this.names.has(s.name)) throw new AssetError('ambiguous_asset', `asset name ${s.name} appears twice`);
      if (this.ids.has(s.assetId)) throw new AssetError('ambiguous_asset', `asset id ${s.assetId} appears twice`);
      this.names.set(s.name, s);
      this.ids.set(s.assetId, s);
      if (s.dex !== '') {
        const l = this.coins.get(s.coin);
        if (l === undefined) this.coins.set(s.coin, [s]);
        else l.push(s);
      }
    }
    this.dexes = dexes;
  }

  /**
   * Builds the table. `perpDexs` gives each builder dex its index (its position in the array); each
   * DexMeta's universe is indexed in order (delisted entries keep their slot). Throws AssetError when a
   * dex is not in perpDexs, a name is on the wrong dex, or a name/id repeats.
   */
  static build(perpDexs: PerpDexs, metas: readonly DexMeta[]): AssetTable {
    const dexIndex = new Map<string, number>([['', 0]]);
    for (let i = 1; i < perpDexs.length; i++) {
      const d = perpDexs[i] as PerpDex | null;
      if (d !== null) dexIndex.set(d.name, i);
    }
    const specs: AssetSpec[] = [];
    const dexes: string[] = [];
    for (const { dex, meta } of metas) {
      const di = dexIndex.get(dex);
      if (di === undefined) throw new AssetError('unknown_asset', `dex ${JSON.stringify(dex)} is not in perpDexs`);
      if (dexes.includes(dex)) throw new AssetError('ambiguous_asset', `dex ${JSON.stringify(dex)} given twice`);
      dexes.push(dex);
      meta.universe.forEach((u, i) => {
        const { dex: nameDex, coin } = splitAssetName(u.name);
        if (nameDex !== dex) throw new AssetError('bad_meta', `asset ${u.name} listed in the meta of dex ${JSON.stringify(dex)}`);
        const marginMode = typeof u.marginMode === 'string' ? u.marginMode : undefined;
        const spec: AssetSpec = {
          name: u.name,
          dex,
          coin,
          perpDexIndex: di,
          indexInMeta: i,
          assetId: perpAssetId(di, i),
          szDecimals: u.szDecimals,
          maxLeverage: u.maxLeverage,
          onlyIsolated: u.onlyIsolated === true || marginMode === 'strictIsolated' || marginMode === 'noCross',
          isDelisted: u.isDelisted === true,
          priceKind: 'perp',
        };
        if (marginMode !== undefined) spec.marginMode = marginMode;
        if (typeof u.growthMode === 'string') spec.growthMode = u.growthMode;
        if (typeof meta.collateralToken === 'number') spec.collateralToken = meta.collateralToken;
        specs.push(spec);
      });
    }
    return new AssetTable(specs, dexes);
  }

  /**
   * From `perpDexs` + `allPerpMetas`. Each meta's dex is read from its names' "dex:" prefix (bare names =
   * main dex); a meta with an empty universe is matched by position when the arrays have equal length,
   * and skipped otherwise (it contributes no asset). Mixed prefixes in one meta are an AssetError.
   */
  static fromAllPerpMetas(perpDexs: PerpDexs, allPerpMetas: readonly PerpMeta[]): AssetTable {
    const metas: DexMeta[] = [];
    allPerpMetas.forEach((meta, i) => {
      const first = meta.universe[0];
      let dex: string;
      if (first !== undefined) dex = splitAssetName(first.name).dex;
      else if (allPerpMetas.length === perpDexs.length) dex = i === 0 ? '' : ((perpDexs[i] as PerpDex | null)?.name ?? '');
      else return;
      metas.push({ dex, meta });
    });
    return AssetTable.build(perpDexs, metas);
  }

  /** Exact venue name ("BTC", "xyz:XYZ100"): the form used in every frame. Undefined if unknown. */
  get(name: string): AssetSpec | undefined {
    return this.names.get(name);
  }

  /**
   * Resolves a name. "dex:COIN" must match exactly. A bare "COIN" is the main-dex asset of that name (the
   * venue's own meaning); only if the main dex has none, a builder-dex asset with that coin is used when
   * exactly one exists. Unknown → AssetError 'unknown_asset'; several → 'ambiguous_asset'.
   */
  byName(name: string): AssetSpec {
    const exact = this.names.get(name);
    if (exact !== undefined) return exact;
    if (!name.includes(':')) {
      const l = this.coins.get(name);
      if (l !== undefined && l.length === 1) return l[0] as AssetSpec;
      if (l !== undefined && l.length > 1) {
        throw new AssetError('ambiguous_asset', `${name} is listed on several dexes: ${l.map((s) => s.name).join(', ')}; use dex:COIN`);
      }
    }
    throw new AssetError('unknown_asset', `unknown asset ${JSON.stringify(name)}`);
  }

  /** By asset id; AssetError 'unknown_asset' if absent. */
  byId(id: number): AssetSpec {
    const s = this.ids.get(id);
    if (s === undefined) throw new AssetError('unknown_asset', `unknown asset id ${id}`);
    return s;
  }

  /** By asset id; undefined if absent (for hot paths that branch instead of throwing). */
  getById(id: number): AssetSpec | undefined {
    return this.ids.get(id);
  }

  /** All assets, in dex then universe order. */
  all(): AssetSpec[] {
    return [...this.names.values()];
  }

  get size(): number {
    return this.names.size;
  }
}
