// `hip3 run` end to end against an hlsim started in this process: configuration errors exit 2 naming the key;
// observe mode records signals, follow-ups and the raw feed and trades nothing; trade mode with the agent key
// from HIP3_AGENT_KEY flattens on SIGTERM and exits 0; the key never appears in stdout/stderr, the log file,
// the journal or /metrics.
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { type SimHandle, startSim } from '../../src/sim/index.ts';
import { approveAgent, newAccount, runCli, sleep, startCli, tempDir } from './cli-helpers.ts';

function writeConfig(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Head of a trade-mode config: trading `markets` for `master` on the venue at `target`. */
function tradeHead(target: string, master: string, markets: string[], networkExtra = ''): string {
  return `mode = "trade"\n[network]\ntarget = "${target}"\n${networkExtra}[account]\nmaster_address = "${master}"\n[markets]\ninclude = ${JSON.stringify(markets)}\n`;
}

/** Entries impossible (threshold far beyond any dislocation) and every exit rule off. */
const NO_ENTRIES_NO_EXITS = `[detector]
min_net_edge_bps = 5000
[exits]
threshold_bps = 0
min_holding_ms = 3600000
time_stop_ms = 0
oracle_reversal_bps = 0
edge_evaporation_exit = false
`;

function paths(dir: string, opts: { dashboard?: boolean } = {}): string {
  return `[journal]
path = ${JSON.stringify(join(dir, 'journal.sqlite'))}
follow_up_offsets_ms = [300, 1000, 2000]

[recorder]
dir = ${JSON.stringify(join(dir, 'feed'))}

[metrics]
port = 0

[dashboard]
enabled = ${opts.dashboard === true}
port = 0

[logging]
file = ${JSON.stringify(join(dir, 'hip3.log'))}
status_interval_ms = 500
`;
}

describe('hip3 run: configuration errors exit 2 naming the key', () => {
  const cases: { name: string; toml: string; key: RegExp; env?: Record<string, string>; keyFileMode?: number }[] = [
    { name: 'unknown key', toml: '[detector]\nmin_net_edge = 3\n', key: /detector\.min_net_edge/ },
    { name: 'wrong type', toml: '[sizing]\nalpha = "lots"\n', key: /sizing\.alpha/ },
    { name: 'out of range', toml: '[sizing]\nmax_order_notional_usd = 5\n', key: /sizing\.max_order_notional_usd/ },
    { name: 'bad network', toml: '[network]\ntarget = "moon"\n', key: /network\.target/ },
    { name: 'trade mode without master', toml: 'mode = "trade"\n', key: /account\.master_address/ },
    {
      name: 'trade mode without a key',
      toml: 'mode = "trade"\n[account]\nmaster_address = "0x1111111111111111111111111111111111111111"\n',
      key: /account\.agent_key_file.*HIP3_AGENT_KEY/,
    },
    {
      name: 'key file readable by others',
      toml: 'mode = "trade"\n[account]\nmaster_address = "0x1111111111111111111111111111111111111111"\nagent_key_file = "KEYFILE"\n',
      key: /account\.agent_key_file.*mode 0644/,
      keyFileMode: 0o644,
    },
  ];
  for (const c of cases) {
    it(c.name, async (t) => {
      const dir = tempDir(t);
      let toml = c.toml;
      if (c.keyFileMode !== undefined) {
        const keyFile = join(dir, 'agent.key');
        writeFileSync(keyFile, `${newAccount().agentKey}\n`);
        chmodSync(keyFile, c.keyFileMode);
        toml = toml.replace('KEYFILE', keyFile);
      }
      const r = await runCli(['run', '--config', writeConfig(dir, 'bad.toml', toml)], { env: c.env });
      assert.equal(r.code, 2, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, c.key);
    });
  }

  it('a private key inside the configuration is refused without echoing it', async (t) => {
    const dir = tempDir(t);
    const key = newAccount().agentKey;
    const r = await runCli(['run', '--config', writeConfig(dir, 'k.toml', `[account]\nagent_key_file = "${key}"\n`)]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /account\.agent_key_file.*private key/);
    assert.ok(!r.stderr.includes(key.slice(2)) && !r.stdout.includes(key.slice(2)));
  });
});

describe('hip3 run against hlsim', () => {
  let sim: SimHandle;
  const account = newAccount();
  before(async () => {
    // hlsim's defaults (mainnet signatures), which a URL target's signing_chain = "auto" matches.
    sim = await startSim({ port: 0, adminPort: null, seed: 5, scenario: 'jumpy', fund: { [account.master]: 5000 } });
    await approveAgent(sim.httpUrl, account, true);
  });
  after(async () => {
    await sim.stop();
  });

  it('a configured market that does not exist stops the start with exit 2 naming markets.include', async (t) => {
    const dir = tempDir(t);
    const cfg = writeConfig(dir, 'c.toml', `[network]\ntarget = "${sim.httpUrl}"\n[markets]\ninclude = ["xyz:GOLD", "xyz:NOPE"]\n${paths(dir)}`);
    const r = await runCli(['run', '--config', cfg, '--duration', '1']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /markets\.include.*xyz:NOPE/);
  });

  it('an override for a market that does not exist stops the start with exit 2 naming markets.overrides."<name>"', async (t) => {
    const dir = tempDir(t);
    const cfg = writeConfig(dir, 'o.toml', `[network]\ntarget = "${sim.httpUrl}"\n[markets]\ninclude = ["xyz:GOLD"]\n[markets.overrides."xyz:GOLDD"]\ndetector.min_net_edge_bps = 12\n${paths(dir)}`);
    const r = await runCli(['run', '--config', cfg, '--duration', '1']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /markets\.overrides\."xyz:GOLDD": no such market/);
  });

  it('trade mode refuses to start (exit 2, never READY) with an unapproved agent or an unfunded master', async (t) => {
    const dir = tempDir(t);
    const tradeToml = (master: string) => `${tradeHead(sim.httpUrl, master, ['xyz:GOLD'])}${paths(dir)}`;
    const stranger = newAccount();
    const unapproved = await runCli(['run', '--config', writeConfig(dir, 'a.toml', tradeToml(account.master)), '--duration', '5'], { env: { HIP3_AGENT_KEY: stranger.agentKey } });
    assert.equal(unapproved.code, 2, `${unapproved.stdout}\n${unapproved.stderr}`);
    assert.match(unapproved.stderr, new RegExp(`account\\.agent_key_file: agent ${stranger.agent} cannot act for ${account.master}: the venue answered "[^"]*does not exist`));
    assert.doesNotMatch(unapproved.stdout, /trading READY/);
    const unfunded = await runCli(['run', '--config', writeConfig(dir, 'b.toml', tradeToml(stranger.master)), '--duration', '5'], { env: { HIP3_AGENT_KEY: stranger.agentKey } });
    assert.equal(unfunded.code, 2, `${unfunded.stdout}\n${unfunded.stderr}`);
    assert.match(unfunded.stderr, new RegExp(`account\\.master_address: ${stranger.master} has no equity on the traded dex\\(es\\) "xyz"`));
    assert.doesNotMatch(unfunded.stdout, /trading READY/);
  });

  it('observe mode: effective config and asset ids at startup; signals, follow-ups and the raw feed recorded; nothing traded', async (t) => {
    const dir = tempDir(t);
    const cfg = writeConfig(
      dir,
      'observe.toml',
      `mode = "observe"
[network]
target = "${sim.httpUrl}"
[markets]
include = ["xyz:*"]
exclude = ["xyz:XYZ100"]
[detector]
taker_fee_bps = 9
basis_warmup_ms = 1500
quote_lag_min_ms = 0
quote_lag_max_ms = 1500
${paths(dir)}`,
    );
    const startedNs = BigInt(Date.now()) * 1_000_000n;
    const r = await runCli(['run', '--config', cfg, '--duration', '9'], { timeoutMs: 45_000 });
    const endedNs = BigInt(Date.now()) * 1_000_000n;
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /mode observe/);
    assert.match(r.stdout, /taker_fee_bps = 9/);
    assert.match(r.stdout, /xyz:GOLD\s+110003\s+4/);
    assert.ok(!/xyz:XYZ100\s+110000/.test(r.stdout), 'excluded market listed');
    assert.match(r.stdout, /market data flowing \(observe mode/);
    assert.match(r.stdout, /observe mode: nothing traded/);
    const db = new DatabaseSync(join(dir, 'journal.sqlite'), { readOnly: true });
    const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    try {
      assert.ok(n('SELECT COUNT(*) AS n FROM signals') > 0, 'no signal recorded');
      assert.ok(n("SELECT COUNT(*) AS n FROM signals WHERE decision = 'observed'") > 0, 'no would-be entry recorded as observed');
      assert.equal(n("SELECT COUNT(*) AS n FROM signals WHERE decision = 'entered'"), 0);
      assert.ok(n('SELECT COUNT(*) AS n FROM follow_ups') > 0, 'no follow-up recorded');
      assert.ok(n('SELECT COUNT(DISTINCT offset_ms) AS n FROM follow_ups') >= 2);
      assert.equal(n('SELECT COUNT(*) AS n FROM orders'), 0);
      assert.equal(n("SELECT COUNT(*) AS n FROM runs WHERE mode = 'observe' AND simulated = 1"), 1);
      const sig = db.prepare('SELECT verdicts_json, inputs_json FROM signals LIMIT 1').get() as { verdicts_json: string; inputs_json: string };
      assert.ok(JSON.parse(sig.verdicts_json).length > 0);
      assert.ok(typeof JSON.parse(sig.inputs_json).oraclePx === 'number');
    } finally {
      db.close();
    }
    const files = readdirSync(join(dir, 'feed'));
    assert.equal(files.length, 1);
    const lines = gunzipSync(readFileSync(join(dir, 'feed', files[0]))).toString('utf8').trim().split('\n');
    assert.ok(lines.length > 50);
    // Receipt times: epoch ns within the run, in the order the frames arrived.
    const times = lines.map((l) => BigInt(l.slice(0, l.indexOf(' '))));
    assert.ok(times[0] >= startedNs && times[times.length - 1] <= endedNs, `feed times ${times[0]}..${times[times.length - 1]} outside the run`);
    assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]), 'feed times go backwards');
    assert.ok(lines.some((l) => /^\d{19} \{"channel":"bbo"/.test(l)));
    assert.ok(lines.some((l) => /^\d{19} \{"channel":"activeAssetCtx"/.test(l)));
    assert.equal(sim.exchange.position(account.master, 'xyz:GOLD'), null);
  });

  it('trade mode with cancel_orphan_orders, cancel_on_exit and flatten_on_exit off: says what it left open, exit 0', async (t) => {
    const dir = tempDir(t);
    const cfg = writeConfig(
      dir,
      'keep.toml',
      `${tradeHead(sim.httpUrl, account.master, ['xyz:GOLD', 'xyz:SILVER'])}${NO_ENTRIES_NO_EXITS}[executor]
cancel_orphan_orders = false
[shutdown]
cancel_on_exit = false
flatten_on_exit = false
${paths(dir)}`,
    );
    const bid = sim.exchange.bestBidAsk('xyz:SILVER').bid;
    assert.ok(bid !== undefined);
    const rest = sim.exchange.internalPlaceOrders(account.master, [{ coin: 'xyz:SILVER', isBuy: true, px: (bid.px * 0.8).toFixed(3), sz: '1.00', tif: 'Gtc' }]);
    const oid = (rest[0] as { resting: { oid: number } }).resting.oid;
    const bot = startCli(['run', '--config', cfg], { env: { HIP3_AGENT_KEY: account.agentKey } });
    t.after(() => {
      if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
    });
    await bot.waitFor(new RegExp(`1 orphan order\\(s\\) left open \\(executor\\.cancel_orphan_orders = false\\): xyz:SILVER#${oid}`));
    await bot.waitFor(/trading READY/);
    const { ask } = sim.exchange.bestBidAsk('xyz:GOLD');
    assert.ok(ask !== undefined);
    const sz = (Math.ceil((30 / ask.px) * 1e4) / 1e4).toFixed(4);
    assert.ok('filled' in sim.exchange.internalPlaceOrders(account.master, [{ coin: 'xyz:GOLD', isBuy: true, px: (ask.px * 1.01).toFixed(1), sz, tif: 'Ioc' }])[0]);
    for (let i = 0; i < 120 && !/xyz:GOLD long/.test(bot.stdout()); i++) await sleep(100);
    bot.child.kill('SIGTERM');
    const r = await bot.done;
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.doesNotMatch(r.stdout, /NOT FLAT|orphan order\(s\) cancelled/);
    assert.match(r.stdout, /shutdown: positions left open as configured \(shutdown\.flatten_on_exit = false\): xyz:GOLD long [\d.]+; resting orders left as configured \(shutdown\.cancel_on_exit = false\)/);
    assert.ok((sim.exchange.position(account.master, 'xyz:GOLD')?.szi ?? 0) > 0);
    const open = sim.exchange.handleInfo({ type: 'openOrders', user: account.master, dex: 'xyz' }).body as { oid: number }[];
    assert.ok(open.some((o) => o.oid === oid));
    // Leave the shared account as the next test expects it: flat, nothing resting.
    sim.exchange.internalPlaceOrders(account.master, [{ coin: 'xyz:GOLD', isBuy: false, px: (ask.px * 0.9).toFixed(1), sz, tif: 'Ioc', reduceOnly: true }]);
    sim.exchange.internalCancel(account.master, oid);
  });

  it('trade mode: SIGTERM flattens the position and exits 0; the agent key never leaks', async (t) => {
    const dir = tempDir(t);
    // No entries and every exit rule off: the position the test opens can only be closed by the shutdown sequence.
    const cfg = writeConfig(
      dir,
      'trade.toml',
      `${tradeHead(sim.httpUrl, account.master, ['xyz:GOLD', 'xyz:SILVER', 'xyz:TSLA'], 'reconcile_interval_ms = 2000\n')}${NO_ENTRIES_NO_EXITS}[hard_stop]
max_consecutive_losses = 100
${paths(dir, { dashboard: true })}`,
    );
    // An order left resting by an earlier run: reported and cancelled at startup, before any entry.
    const before = sim.exchange.bestBidAsk('xyz:SILVER');
    assert.ok(before.bid !== undefined);
    const orphan = sim.exchange.internalPlaceOrders(account.master, [
      { coin: 'xyz:SILVER', isBuy: true, px: (before.bid.px * 0.8).toFixed(3), sz: '1.00', tif: 'Gtc', cloid: '0x48330000000000000000000000000abc' },
    ]);
    assert.ok('resting' in orphan[0], JSON.stringify(orphan));
    const orphanOid = (orphan[0] as { resting: { oid: number } }).resting.oid;
    const bot = startCli(['run', '--config', cfg], { env: { HIP3_AGENT_KEY: account.agentKey } });
    t.after(() => {
      if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
    });
    await bot.waitFor(new RegExp(`startup reconciliation: 1 open order\\(s\\) at the venue, 1 orphan order\\(s\\) cancelled: xyz:SILVER#${orphanOid}`));
    await bot.waitFor(/trading READY/);
    // Read in process (not over HTTP: polling would spend the REST weight the bot shares on 127.0.0.1).
    const openOrders = () => sim.exchange.handleInfo({ type: 'openOrders', user: account.master, dex: 'xyz' }).body as unknown[];
    for (let i = 0; i < 100 && openOrders().length > 0; i++) await sleep(100);
    assert.deepEqual(openOrders(), [], readFileSync(join(dir, 'hip3.log'), 'utf8'));
    const metricsUrl = (await bot.waitFor(/metrics\s+(http:\S+)/))[1];

    // A position the bot did not open (a manual trade on the same account): it must be flattened on shutdown.
    const { ask } = sim.exchange.bestBidAsk('xyz:GOLD');
    assert.ok(ask !== undefined);
    const sz = (Math.ceil((30 / ask.px) * 1e4) / 1e4).toFixed(4);
    const st = sim.exchange.internalPlaceOrders(account.master, [{ coin: 'xyz:GOLD', isBuy: true, px: (ask.px * 1.01).toFixed(1), sz, tif: 'Ioc' }]);
    assert.ok('filled' in st[0], JSON.stringify(st));
    assert.ok((sim.exchange.position(account.master, 'xyz:GOLD')?.szi ?? 0) > 0);
    for (let i = 0; i < 120 && !/xyz:GOLD long/.test(bot.stdout()); i++) await sleep(100);
    assert.match(bot.stdout(), /xyz:GOLD long/, 'the bot never showed the position');

    const metrics = await (await fetch(metricsUrl)).text();
    assert.match(metrics, /hip3_frames_total/);
    const dashboardUrl = (await bot.waitFor(/dashboard\s+(http:\S+)/))[1];
    const snapshot = await (await fetch(dashboardUrl.replace('/?token=', '/api/snapshot?token='))).text();
    assert.match(snapshot, /xyz:GOLD/);

    bot.child.kill('SIGTERM');
    const r = await bot.done;
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /SIGTERM: stopping entries/);
    assert.match(r.stdout, /shutdown: flat at the venue/);
    const pos = sim.exchange.position(account.master, 'xyz:GOLD');
    assert.ok(pos === null || pos.szi === 0, `still holding ${JSON.stringify(pos)}`);

    const db = new DatabaseSync(join(dir, 'journal.sqlite'), { readOnly: true });
    try {
      const flattens = db.prepare("SELECT COUNT(*) AS n FROM orders WHERE reduce_only = 1 AND market = 'xyz:GOLD'").get() as { n: number };
      assert.ok(flattens.n >= 1);
      // An orderly stop is not a risk event: its flattens carry exit reason 'shutdown', never 'hardStop'.
      const reasons = db.prepare("SELECT DISTINCT kind, exit_reason FROM orders WHERE reduce_only = 1 AND market = 'xyz:GOLD'").all() as { kind: string; exit_reason: string }[];
      assert.deepEqual(reasons.map((x) => ({ ...x })), [{ kind: 'flatten', exit_reason: 'shutdown' }]);
      const hs = db.prepare("SELECT COUNT(*) AS n FROM hard_stops WHERE reason LIKE '%shutdown%'").get() as { n: number };
      assert.ok(hs.n >= 1);
    } finally {
      db.close();
    }

    // The key, in any case, with or without 0x, is nowhere.
    const bare = account.agentKey.slice(2).toLowerCase();
    const haystacks: [string, string][] = [
      ['stdout', r.stdout],
      ['stderr', r.stderr],
      ['log', readFileSync(join(dir, 'hip3.log'), 'utf8')],
      ['metrics', metrics],
      ['dashboard', snapshot],
    ];
    for (const f of readdirSync(dir)) if (f.startsWith('journal.sqlite')) haystacks.push([f, readFileSync(join(dir, f)).toString('latin1')]);
    for (const [name, text] of haystacks) assert.ok(!text.toLowerCase().includes(bare), `agent key found in ${name}`);
    assert.ok(haystacks.length >= 6);
  });
});
