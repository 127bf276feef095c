import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { ConfigError, CORE_KEY_MAP, defaultConfig, describeConfig, globToRegExp, marketSelection, marketTuningFor, parseConfig, recorderEnabled, resolveConfigPath, resolveNetwork, toCoreConfig } from '../../src/app/config/index.ts';
import { defaultCoreConfig } from '../../src/core/config.ts';

const EXAMPLE = readFileSync(new URL('../../config/example.toml', import.meta.url), 'utf8');

function leafPaths(x: unknown, prefix = ''): string[] {
  if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
    const entries = Object.entries(x);
    if (entries.length === 0) return [prefix];
    return entries.flatMap(([k, val]) => leafPaths(val, prefix ? `${prefix}.${k}` : k));
  }
  return [prefix];
}

function expectConfigError(text: string, key: string, messagePart?: RegExp, profile?: string): ConfigError {
  try {
    parseConfig(text, profile === undefined ? {} : { profile });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.key, key, err.message);
    if (messagePart) assert.match(err.message, messagePart);
    return err;
  }
  assert.fail(`expected a ConfigError for ${key}`);
}

describe('config/example.toml', () => {
  it('gives exactly the built-in defaults', () => {
    assert.deepEqual(parseConfig(EXAMPLE), defaultConfig());
  });
  it('writes out every key of the schema (markets.overrides, empty by default, in a comment)', () => {
    const written = new Set(leafPaths(parseToml(EXAMPLE)));
    assert.match(EXAMPLE, /^# overrides: per-market overrides of \[detector\]/m);
    assert.doesNotMatch(EXAMPLE, /^#.*\S.*# ----/m, 'a comment line with a section banner glued into it');
    written.add('markets.overrides');
    assert.deepEqual([...written].sort(), leafPaths(defaultConfig()).sort());
  });
});

describe('config/example.toml: the documented per-market override example', () => {
  it('parses once uncommented, and sets exactly the keys it shows for that market', () => {
    const block = EXAMPLE.match(/^# {3}\[markets\.overrides\."xyz:GOLD"\]\n(?:# {3}.+\n)+/m);
    assert.ok(block, 'no commented [markets.overrides."xyz:GOLD"] example');
    const toml = block[0].replace(/^# {3}/gm, '');
    const cfg = parseConfig(toml);
    assert.deepEqual(toCoreConfig(cfg).markets, { 'xyz:GOLD': { enabled: true, minNetEdgeBps: 12, maxOrderNotionalUsd: 25, timeStopMs: 10000 } });
  });
});

describe('parseConfig rejects with the key named', () => {
  it('unknown key (the original silently ignored ~15 inert keys, §2.17)', () => {
    expectConfigError('[telemetry]\nmetrics_port = 9090\n', 'telemetry', /telemetry: unknown key$/);
    expectConfigError('[detector]\nmin_edge_bps = 3\n', 'detector.min_edge_bps', /unknown key \(did you mean detector\.min_net_edge_bps\?\)/);
    // The reviewer's typo: the nearest known key by edit distance, never valibot's "Expected never but received …".
    const typo = expectConfigError('[detector]\nmin_net_edg_bps = 3\n', 'detector.min_net_edg_bps');
    assert.equal(typo.message, 'detector.min_net_edg_bps: unknown key (did you mean detector.min_net_edge_bps?)');
    expectConfigError('[profiles.sim]\nexits.time_stpo_ms = 1\n', 'profiles.sim.exits.time_stpo_ms', /did you mean profiles\.sim\.exits\.time_stop_ms\?/);
    expectConfigError('[risk]\nmax_oracle_age_ms = 8000\n', 'risk');
    expectConfigError('[markets.overrides."xyz:GOLD"]\ndetector.bogus = 1\n', 'markets.overrides."xyz:GOLD".detector.bogus', /unknown key$/);
    expectConfigError('[markets.overrides."xyz:GOLD"]\ndetector.min_net_edge_bp = 1\n', 'markets.overrides."xyz:GOLD".detector.min_net_edge_bp', /did you mean markets\.overrides\."xyz:GOLD"\.detector\.min_net_edge_bps\?/);
  });
  it('wrong type', () => {
    expectConfigError('[detector]\nmin_net_edge_bps = "5"\n', 'detector.min_net_edge_bps', /expected number$/);
    expectConfigError('mode = "paper"\n', 'mode');
    expectConfigError('[markets]\ninclude = "xyz:*"\n', 'markets.include');
    expectConfigError('[network]\ntarget = "localhost:1234"\n', 'network.target');
    expectConfigError('[gates]\nblackout_windows = ["25:00-01:00"]\n', 'gates.blackout_windows.0');
  });
  it('out of range and non-integer', () => {
    expectConfigError('[sizing]\nalpha = 1.5\n', 'sizing.alpha', /out of range: expected a value <= 1$/);
    expectConfigError('[dashboard]\nport = 70000\n', 'dashboard.port');
    expectConfigError('[exits]\ntime_stop_ms = 1500.5\n', 'exits.time_stop_ms', /integer/);
    expectConfigError('[sizing]\nmin_order_notional_usd = 5\n', 'sizing.min_order_notional_usd');
  });
  it('cross-key rules (incident #33: caps below the venue minimum)', () => {
    expectConfigError('[sizing]\nmax_order_notional_usd = 10.5\n', 'sizing.max_order_notional_usd', /min_order_notional/);
    expectConfigError('[executor]\nmax_position_notional_usd = 5\n', 'executor.max_position_notional_usd');
    expectConfigError('[sizing]\nmin_book_notional_usd = 6000\n', 'sizing.min_book_notional_usd');
    expectConfigError('[detector]\nquote_lag_min_ms = 800\n', 'detector.quote_lag_min_ms');
    expectConfigError('mode = "trade"\n', 'account.master_address', /required in trade mode/);
    expectConfigError('[markets.overrides."xyz:GOLD"]\nsizing.max_order_notional_usd = 10.5\n', 'markets.overrides."xyz:GOLD".sizing.max_order_notional_usd');
  });
  it('TOML syntax errors name the line', () => {
    expectConfigError('mode = "observe"\n[detector\n', 'line 2', /syntax/);
  });
});

describe('keys in a configuration file are refused', () => {
  const key = 'ab'.repeat(32);
  it('as a value under any name', () => {
    expectConfigError(`[account]\nprivate_key = "0x${key}"\n`, 'account.private_key', /HIP3_AGENT_KEY/);
    expectConfigError(`[dashboard]\ntoken = "${key}"\n`, 'dashboard.token', /private key/);
    expectConfigError(`[markets]\nexclude = ["${key.toUpperCase()}"]\n`, 'markets.exclude[0]');
  });
  it('even in a comment, and the message never repeats the key', () => {
    const err = expectConfigError(`mode = "observe"\n# my key: ${key}\n`, 'line 2');
    assert.ok(!err.message.includes(key));
  });
  it('a longer hex run (a key with a stray digit, a key pasted twice) is refused too, anywhere in a value', () => {
    expectConfigError(`[dashboard]\ntoken = "${key}a"\n`, 'dashboard.token', /private key/);
    expectConfigError(`[journal]\npath = "data/${key}${key}.sqlite"\n`, 'journal.path', /private key/);
    const err = expectConfigError(`mode = "observe"\n# 0x${key}${key}\n`, 'line 2');
    assert.ok(!err.message.includes(key));
  });
  it('a value that does not validate is never echoed back (it may be a secret pasted in the wrong place)', () => {
    const secretish = 'hunter2-sk-live-abcdef';
    for (const text of [`mode = "${secretish}"\n`, `[detector]\nmin_net_edge_bps = "${secretish}"\n`, `[network]\ntarget = "${secretish}"\n`, `[markets]\ndexes = ["xyz", 7]\n`]) {
      try {
        parseConfig(text);
        assert.fail(`accepted ${text}`);
      } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        assert.ok(!err.message.includes(secretish) && !/received/.test(err.message), err.message);
      }
    }
    expectConfigError('mode = "paper"\n', 'mode', /expected \("observe" \| "trade"\)/);
  });
  it('the effective-configuration print masks any key-like hex run', () => {
    const cfg = defaultConfig();
    const text = describeConfig({ ...cfg, journal: { ...cfg.journal, path: `data/${key}1.sqlite` } });
    assert.match(text, /path = "data\/<redacted>\.sqlite"/);
    assert.ok(!text.includes(key));
  });
  it('a 40-hex address is not mistaken for a key', () => {
    const cfg = parseConfig(`mode = "trade"\n[account]\nmaster_address = "0x${'1'.repeat(40)}"\n`);
    assert.equal(cfg.account.master_address, `0x${'1'.repeat(40)}`);
  });
});

describe('profiles', () => {
  const text = `
profile = "sim"
[network]
target = "http://127.0.0.1:9999"
[profiles.sim]
mode = "trade"
account.master_address = "0x${'2'.repeat(40)}"
executor.max_concurrent_positions = 2
[profiles.mainnet]
markets.include = ["xyz:GOLD"]
`;
  it('the file selects a profile that merges over the base', () => {
    const cfg = parseConfig(text);
    assert.equal(cfg.profile, 'sim');
    assert.equal(cfg.mode, 'trade');
    assert.equal(cfg.executor.max_concurrent_positions, 2);
    assert.equal(cfg.executor.max_total_notional_usd, 300, 'untouched keys keep their values');
    assert.equal(cfg.network.target, 'http://127.0.0.1:9999');
  });
  it('the command line wins and a built-in profile sets the network', () => {
    const cfg = parseConfig(text, { profile: 'mainnet' });
    assert.equal(cfg.mode, 'observe');
    assert.equal(cfg.network.target, 'mainnet');
    assert.deepEqual(cfg.markets.include, ['xyz:GOLD']);
    assert.equal(resolveNetwork(cfg.network).isMainnet, true);
  });
  it('an error inside an unused profile is still reported, with its prefix', () => {
    expectConfigError('[profiles.testnet]\ndetector.nope = 1\n', 'profiles.testnet.detector.nope');
    expectConfigError('[profiles.staging]\nmode = "trade"\n', 'profiles.staging');
    expectConfigError('profile = "staging"\n', 'profile');
  });
});

describe('helpers', () => {
  it('per-market overrides change only the keys they list', () => {
    const cfg = parseConfig('[markets.overrides."xyz:GOLD"]\nenabled = false\ndetector.min_net_edge_bps = 12\ngates.max_ctx_age_ms = 9000\n');
    const gold = marketTuningFor(cfg, 'xyz:GOLD');
    assert.equal(gold.enabled, false);
    assert.equal(gold.minNetEdgeBps, 12);
    assert.equal(gold.maxCtxAgeMs, 9000);
    assert.equal(gold.takerFeeBps, cfg.detector.taker_fee_bps);
    assert.deepEqual(toCoreConfig(cfg).markets, { 'xyz:GOLD': { enabled: false, minNetEdgeBps: 12, maxCtxAgeMs: 9000 } });
    assert.equal(marketTuningFor(cfg, 'xyz:SILVER').minNetEdgeBps, cfg.detector.min_net_edge_bps);
  });
  it('network URLs derive from the target', () => {
    const d = defaultConfig();
    assert.deepEqual(resolveNetwork(d.network), { wsUrl: 'wss://api.hyperliquid-testnet.xyz/ws', httpUrl: 'https://api.hyperliquid-testnet.xyz', isMainnet: false });
    const sim = parseConfig('[network]\ntarget = "http://127.0.0.1:4000/"\n');
    // A URL target (hlsim) signs as mainnet by default, as `hip3 sim` verifies; the testnet alone signs testnet.
    assert.deepEqual(resolveNetwork(sim.network), { wsUrl: 'ws://127.0.0.1:4000/ws', httpUrl: 'http://127.0.0.1:4000', isMainnet: true });
    assert.equal(resolveNetwork(parseConfig('[network]\ntarget = "http://127.0.0.1:4000/"\nsigning_chain = "testnet"\n').network).isMainnet, false);
  });
  it('the recorder is on by default in observe mode only', () => {
    assert.equal(recorderEnabled(defaultConfig()), true);
    const trade = `mode = "trade"\n[account]\nmaster_address = "0x${'3'.repeat(40)}"\n`;
    assert.equal(recorderEnabled(parseConfig(trade)), false);
    assert.equal(recorderEnabled(parseConfig(`${trade}[recorder]\nenabled = "on"\n`)), true);
    assert.equal(recorderEnabled(parseConfig('[recorder]\nenabled = "off"\n')), false);
  });
  it('market selection: exact names, globs, excludes', () => {
    const sel = marketSelection(parseConfig('[markets]\ndexes = ["xyz", "flx"]\ninclude = ["xyz:GOLD", "flx:*", "xyz:S?LVER"]\nexclude = ["flx:TEST*"]\n'));
    assert.deepEqual(sel.dexes, ['xyz', 'flx']);
    assert.deepEqual(sel.markets, ['xyz:GOLD']);
    assert.ok(sel.marketPatterns.some((p) => p.test('flx:OIL')));
    assert.ok(sel.marketPatterns.some((p) => p.test('xyz:SILVER')));
    assert.ok(!sel.marketPatterns.some((p) => p.test('xyz:GOLDX') || p.test('xyzXGOLD')));
    assert.equal(sel.isExcluded('flx:TESTCOIN'), true);
    assert.equal(sel.isExcluded('flx:OIL'), false);
    assert.equal(globToRegExp('a.b*').test('aXb'), false, 'dots are literal');
  });
  it('config path precedence: CLI, then HIP3_CONFIG, then none (incident #17)', () => {
    assert.equal(resolveConfigPath('a.toml', { HIP3_CONFIG: 'b.toml' }), 'a.toml');
    assert.equal(resolveConfigPath(undefined, { HIP3_CONFIG: 'b.toml' }), 'b.toml');
    assert.equal(resolveConfigPath(undefined, {}), undefined);
  });
  it('describeConfig prints every section and masks the dashboard token', () => {
    const text = describeConfig(parseConfig('[dashboard]\ntoken = "hunter2-token"\n'));
    assert.ok(!text.includes('hunter2'));
    assert.match(text, /\[hard_stop\]/);
    assert.match(text, /token = "<set>"/);
  });
});

describe('toCoreConfig: the TOML trading sections map one to one onto CoreConfig', () => {
  it('the defaults are the core\'s defaults', () => {
    assert.deepEqual(toCoreConfig(defaultConfig()), defaultCoreConfig);
  });
  it('every key moves exactly its own field (no inert key, §2.17)', () => {
    const base = toCoreConfig(defaultConfig()) as unknown as Record<string, unknown>;
    // Halved rather than doubled: fractions, and the timeouts bounded by flatten_timeout_ms (a cross-field rule).
    const fractions = new Set(['sizingAlpha', 'spreadShockSizeFactor', 'oiCapProximity', 'postTimeoutMs', 'unknownRequeryMs']);
    for (const [field, [section, key]] of Object.entries(CORE_KEY_MAP)) {
      const current = base[field];
      let value: string;
      if (typeof current === 'boolean') value = String(!current);
      else if (typeof current === 'string') value = current === 'raw' ? '"relativeToBasis"' : '"raw"';
      else if (fractions.has(field)) value = String((current as number) / 2);
      else value = String(current === 0 ? 1 : (current as number) * 2);
      const core = toCoreConfig(parseConfig(`[${section}]\n${key} = ${value}\n`)) as unknown as Record<string, unknown>;
      const changed = Object.keys(core).filter((k) => JSON.stringify(core[k]) !== JSON.stringify(base[k]));
      assert.deepEqual(changed, [field], `${section}.${key}`);
    }
  });
  it('blackout windows become { start, end }', () => {
    const core = toCoreConfig(parseConfig('[gates]\nblackout_windows = ["14:25-14:40", "23:50-00:10"]\n'));
    assert.deepEqual(core.blackoutWindowsUtc, [{ start: '14:25', end: '14:40' }, { start: '23:50', end: '00:10' }]);
  });
  it('the core\'s own validation errors come back under TOML key names', () => {
    expectConfigError('[markets.overrides."xyz:GOLD"]\nexits.slippage_max_bps = 10\n', 'markets.overrides."xyz:GOLD".exits.slippage_max_bps');
  });
});
