// Loading the TOML configuration: parse, refuse secrets, merge the selected profile, validate, cross-check.
// Every failure is a ConfigError naming the offending key; the CLI turns it into exit code 2.
import { readFileSync } from 'node:fs';
import { parse as parseToml, TomlError } from 'smol-toml';
import * as v from 'valibot';
import { type MarketTuning, resolveMarketTuning } from '../../core/config.ts';
import { coreConfigProblems, toCoreConfig } from './core.ts';
import { type AppConfig, configSchema, PROFILE_NAMES } from './schema.ts';

export class ConfigError extends Error {
  /** Dotted key path ("detector.min_net_edge_bps"), or "line N" for text-level problems. */
  readonly key: string;
  constructor(key: string, message: string) {
    super(`${key}: ${message}`);
    this.name = 'ConfigError';
    this.key = key;
  }
}

export type ProfileName = (typeof PROFILE_NAMES)[number];

// What choosing a profile implies before the file's own [profiles.<name>] table is merged. "sim" has no
// built-in URL: hlsim's address is only known once it runs (`hip3 demo` supplies it).
const BUILTIN_PROFILES: Record<ProfileName, Record<string, unknown>> = {
  mainnet: { network: { target: 'mainnet' } },
  testnet: { network: { target: 'testnet' } },
  sim: {},
};

// 32 bytes of hex or more, with or without 0x, anywhere: what a secp256k1 private key looks like — also a key
// glued to another hex run, typed with a stray digit (65) or pasted twice (128). Nothing legitimate in a
// configuration is that long a hex run (addresses are 40).
const PRIVATE_KEY_LIKE = /[0-9a-fA-F]{64,}/;

export function looksLikePrivateKey(value: string): boolean {
  return PRIVATE_KEY_LIKE.test(value);
}

type Table = Record<string, unknown>;
const isTable = (x: unknown): x is Table => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Deep merge: tables merge key by key, everything else (scalars, arrays) is replaced. */
export function mergeTables(base: Table, over: Table): Table {
  const out: Table = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isTable(prev) && isTable(value) ? mergeTables(prev, value) : value;
  }
  return out;
}

function findSecretValue(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return looksLikePrivateKey(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findSecretValue(value[i], `${path}[${i}]`);
      if (hit) return hit;
    }
    return undefined;
  }
  if (isTable(value)) {
    for (const [key, inner] of Object.entries(value)) {
      const hit = findSecretValue(inner, path ? `${path}.${key}` : key);
      if (hit) return hit;
    }
  }
  return undefined;
}

const SECRET_REFUSAL =
  'looks like a private key; keys are never read from configuration files (use the HIP3_AGENT_KEY environment variable or account.agent_key_file with mode 0600)';

function refuseSecrets(text: string, raw: Table): void {
  const key = findSecretValue(raw, '');
  if (key) throw new ConfigError(key, SECRET_REFUSAL);
  // A key pasted into a comment is still a key in a file that gets copied, committed and shared.
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (PRIVATE_KEY_LIKE.test(lines[i])) throw new ConfigError(`line ${i + 1}`, SECRET_REFUSAL);
  }
}

/** "markets.overrides."xyz:GOLD".detector.foo": keys that are not bare words are quoted, as in TOML. */
function issueKeyPath(issue: v.BaseIssue<unknown>): string[] {
  return (issue.path ?? []).map((item) => String(item.key));
}
const dotted = (segments: readonly string[]) => segments.map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : `"${k}"`)).join('.');

type AnySchema = { type?: string; wrapped?: AnySchema; entries?: Record<string, AnySchema>; value?: AnySchema; pipe?: AnySchema[] };

/** The keys the schema knows at a table path (records such as markets.overrides are entered through their value). */
function knownKeysAt(segments: readonly string[]): string[] {
  let s: AnySchema | undefined = configSchema as unknown as AnySchema;
  const unwrap = (x: AnySchema | undefined): AnySchema | undefined => {
    let cur = x;
    while (cur?.wrapped !== undefined) cur = cur.wrapped;
    return cur;
  };
  for (const seg of segments) {
    s = unwrap(s);
    if (s?.type === 'record') s = s.value;
    else s = s?.entries?.[seg];
  }
  s = unwrap(s);
  return s?.entries ? Object.keys(s.entries) : [];
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The known key nearest to a misspelt one, when it is near enough to be what was meant. */
export function nearestKey(wrong: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(wrong, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return bestD <= Math.max(2, Math.floor(wrong.length / 3)) ? best : undefined;
}

/**
 * What was expected, never what was received: a value that does not validate may be a pasted secret, and the
 * message goes to a terminal and a log (valibot's own messages echo the received value).
 */
function issueMessage(issue: v.BaseIssue<unknown>, keyPrefix: string): string {
  const segments = issueKeyPath(issue);
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    const parent = segments.slice(0, -1);
    const near = nearestKey(segments[segments.length - 1] ?? '', knownKeysAt(parent));
    return `unknown key${near === undefined ? '' : ` (did you mean ${keyPrefix}${dotted([...parent, near])}?)`}`;
  }
  if (!issue.message.includes(' but received ') && !/^Invalid /.test(issue.message)) return issue.message; // our own wording
  const expected = issue.expected ?? 'another value';
  switch (issue.type) {
    case 'min_value':
    case 'max_value':
    case 'gt_value':
    case 'lt_value':
      return `out of range: expected a value ${expected.replace(/^([<>]=?)/, '$1 ')}`;
    case 'integer':
      return 'expected an integer';
    case 'finite':
      return 'expected a finite number';
    default:
      return `wrong type or value: expected ${expected}`;
  }
}

function validate(merged: Table, keyPrefix: string): AppConfig {
  const result = v.safeParse(configSchema, merged);
  if (result.success) return result.output;
  const issues = result.issues.map((issue) => ({ key: keyPrefix + dotted(issueKeyPath(issue)), message: issueMessage(issue, keyPrefix) }));
  const [first] = issues;
  const more = issues.length > 1 ? `\n${issues.slice(1).map((i) => `  ${i.key}: ${i.message}`).join('\n')}` : '';
  throw new ConfigError(first.key || '(root)', first.message + more);
}

/** Rules that span keys (each error names the key that must change). */
export function crossCheck(cfg: AppConfig): void {
  const { sizing, detector, exits, executor } = cfg;
  if (sizing.min_book_notional_usd >= sizing.normal_book_notional_usd)
    throw new ConfigError('sizing.min_book_notional_usd', 'must be below sizing.normal_book_notional_usd');
  if (sizing.max_order_notional_usd < sizing.min_order_notional_usd)
    // Incident #33: a cap below the venue minimum silently rejected every order.
    throw new ConfigError('sizing.max_order_notional_usd', `must be at least sizing.min_order_notional_usd (${sizing.min_order_notional_usd})`);
  if (executor.max_position_notional_usd < sizing.min_order_notional_usd)
    throw new ConfigError('executor.max_position_notional_usd', `must be at least sizing.min_order_notional_usd (${sizing.min_order_notional_usd})`);
  if (executor.max_total_notional_usd < executor.max_position_notional_usd)
    throw new ConfigError('executor.max_total_notional_usd', 'must be at least executor.max_position_notional_usd');
  if (detector.quote_lag_max_ms > 0 && detector.quote_lag_min_ms > detector.quote_lag_max_ms)
    throw new ConfigError('detector.quote_lag_min_ms', 'must not exceed detector.quote_lag_max_ms');
  if (exits.slippage_bps > exits.slippage_max_bps) throw new ConfigError('exits.slippage_bps', 'must not exceed exits.slippage_max_bps');
  if (cfg.network.reconnect_base_delay_ms > cfg.network.reconnect_max_delay_ms)
    throw new ConfigError('network.reconnect_base_delay_ms', 'must not exceed network.reconnect_max_delay_ms');
  if (cfg.network.pong_timeout_ms >= cfg.network.ping_interval_ms)
    throw new ConfigError('network.pong_timeout_ms', 'must be shorter than network.ping_interval_ms');
  if (cfg.mode === 'trade' && cfg.account.master_address === '')
    throw new ConfigError('account.master_address', 'is required in trade mode');
  if (cfg.markets.include.length === 0) throw new ConfigError('markets.include', 'must list at least one market or pattern');
  if (cfg.markets.dexes.length === 0) throw new ConfigError('markets.dexes', 'must list at least one dex');
  if (looksLikePrivateKey(cfg.dashboard.token)) throw new ConfigError('dashboard.token', SECRET_REFUSAL);
  // The core's own rules, on the base and on every market's overridden tuning.
  const [problem] = coreConfigProblems(cfg);
  if (problem) throw new ConfigError(problem.key, problem.message);
}

export interface ParseOptions {
  /** Profile chosen on the command line; wins over the file's `profile` key. */
  profile?: string;
}

/** Parses and validates configuration text. An empty text gives the defaults. */
export function parseConfig(text: string, options: ParseOptions = {}): AppConfig {
  let raw: Table;
  try {
    raw = parseToml(text) as Table;
  } catch (err) {
    if (err instanceof TomlError) throw new ConfigError(`line ${err.line}`, `TOML syntax error: ${err.message.split('\n')[0]}`);
    throw err;
  }
  refuseSecrets(text, raw);
  const { profiles, ...base } = raw;
  if (profiles !== undefined && !isTable(profiles)) throw new ConfigError('profiles', 'must be a table of [profiles.<name>]');
  const profileTables = (profiles ?? {}) as Table;
  validate(base, ''); // the base's own key and type errors are named without a profile prefix
  for (const [name, table] of Object.entries(profileTables)) {
    if (!(PROFILE_NAMES as readonly string[]).includes(name))
      throw new ConfigError(`profiles.${name}`, `unknown profile (expected one of ${PROFILE_NAMES.join(', ')})`);
    if (!isTable(table)) throw new ConfigError(`profiles.${name}`, 'must be a table');
    if ('profile' in table) throw new ConfigError(`profiles.${name}.profile`, 'a profile cannot select another profile');
    // Validate every profile, not only the selected one: a typo must not wait for the day it is used.
    crossCheckProfile(base, name as ProfileName, table);
  }
  const selected = options.profile ?? (typeof base.profile === 'string' ? base.profile : '');
  if (selected !== '' && !(PROFILE_NAMES as readonly string[]).includes(selected))
    throw new ConfigError('profile', `unknown profile "${selected}" (expected one of ${PROFILE_NAMES.join(', ')})`);
  const merged = selected === '' ? base : applyProfile(base, selected as ProfileName, (profileTables[selected] ?? {}) as Table);
  const cfg = validate(merged, '');
  crossCheck(cfg);
  return cfg;
}

function applyProfile(base: Table, name: ProfileName, table: Table): Table {
  return { ...mergeTables(mergeTables(base, BUILTIN_PROFILES[name]), table), profile: name };
}

function crossCheckProfile(base: Table, name: ProfileName, table: Table): void {
  validate(table, `profiles.${name}.`);
  const merged = validate(applyProfile(base, name, table), `profiles.${name}.`);
  try {
    crossCheck(merged);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`profiles.${name}.${err.key}`, err.message.slice(err.key.length + 2));
    throw err;
  }
}

export function defaultConfig(): AppConfig {
  return parseConfig('');
}

/** Reads a configuration file. A missing or unreadable file is a ConfigError too (exit 2, not a crash). */
export function loadConfig(path: string, options: ParseOptions = {}): AppConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('(file)', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseConfig(text, options);
}

/**
 * Which configuration file to use: the command line wins, then HIP3_CONFIG, then none (defaults).
 * (Incident #17: the original ignored HIP3_CONFIG and a mainnet test ran with the wrong file.)
 */
export function resolveConfigPath(cliPath: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (cliPath) return cliPath;
  if (env.HIP3_CONFIG) return env.HIP3_CONFIG;
  return undefined;
}

/** The tuning in force for one market after its override (the core's own resolution). */
export function marketTuningFor(cfg: AppConfig, coin: string): MarketTuning {
  return resolveMarketTuning(toCoreConfig(cfg), coin);
}

/** The URLs and signing chain a network target implies, after the explicit overrides. */
export function resolveNetwork(network: AppConfig['network']): { wsUrl: string; httpUrl: string; isMainnet: boolean } {
  let httpUrl: string;
  let wsUrl: string;
  if (network.target === 'mainnet') {
    httpUrl = 'https://api.hyperliquid.xyz';
    wsUrl = 'wss://api.hyperliquid.xyz/ws';
  } else if (network.target === 'testnet') {
    httpUrl = 'https://api.hyperliquid-testnet.xyz';
    wsUrl = 'wss://api.hyperliquid-testnet.xyz/ws';
  } else {
    httpUrl = network.target.replace(/\/+$/, '');
    wsUrl = `${httpUrl.replace(/^http/, 'ws')}/ws`;
  }
  if (network.http_url) httpUrl = network.http_url;
  if (network.ws_url) wsUrl = network.ws_url;
  // "auto": testnet signatures only for the testnet; mainnet's and any URL's (hlsim, like `hip3 sim`, verifies
  // mainnet signatures unless started with --testnet) are mainnet ones.
  const isMainnet = network.signing_chain === 'auto' ? network.target !== 'testnet' : network.signing_chain === 'mainnet';
  return { wsUrl, httpUrl, isMainnet };
}

/** Whether the raw feed recorder runs: "auto" records in observe mode only. */
export function recorderEnabled(cfg: AppConfig): boolean {
  return cfg.recorder.enabled === 'on' || (cfg.recorder.enabled === 'auto' && cfg.mode === 'observe');
}
