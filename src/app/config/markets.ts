// [markets] in the venue registry's terms: exact names (each must resolve at startup, or the start fails
// naming it) and glob patterns ("xyz:*") compiled to regular expressions; excludes apply after both.
import type { AppConfig } from './schema.ts';

const GLOB_CHARS = /[*?]/;

/** "xyz:*" → /^xyz:.*$/ ; only * and ? are special. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export interface MarketSelection {
  /** Dex names to scan (exact). */
  dexes: string[];
  /** Exact market names: each must resolve. */
  markets: string[];
  /** Patterns from globs in `include`. */
  marketPatterns: RegExp[];
  /** True when a resolved market is dropped by [markets] exclude. (A market overridden with enabled = false
   * stays selected: the core keeps running its exits, it only never enters.) */
  isExcluded(name: string): boolean;
}

export function marketSelection(cfg: AppConfig): MarketSelection {
  const markets = cfg.markets.include.filter((m) => !GLOB_CHARS.test(m));
  const marketPatterns = cfg.markets.include.filter((m) => GLOB_CHARS.test(m)).map(globToRegExp);
  const excludeExact = new Set(cfg.markets.exclude.filter((m) => !GLOB_CHARS.test(m)));
  const excludePatterns = cfg.markets.exclude.filter((m) => GLOB_CHARS.test(m)).map(globToRegExp);
  return {
    dexes: [...cfg.markets.dexes],
    markets,
    marketPatterns,
    isExcluded: (name) => excludeExact.has(name) || excludePatterns.some((p) => p.test(name)),
  };
}
