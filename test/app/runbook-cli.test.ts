// The emergency runbook as commands, end to end against hlsim: `hip3 markets` lists dexes and markets with
// asset ids from perpDexs + meta; `hip3 cancel-all` cancels every resting order of the master and `hip3 flatten`
// closes every position, both signed by the agent key from HIP3_AGENT_KEY (or a 0600 key file).
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type SimHandle, startSim } from '../../src/sim/index.ts';
import { approveAgent, newAccount, runCli, tempDir } from './cli-helpers.ts';

describe('runbook commands against hlsim', () => {
  let sim: SimHandle;
  const account = newAccount();
  before(async () => {
    // hlsim's defaults, as `hip3 sim` starts it: mainnet signatures. The runbook needs no configuration for it.
    sim = await startSim({ port: 0, adminPort: null, seed: 11, scenario: 'calm', fund: { [account.master]: 5000 } });
    await approveAgent(sim.httpUrl, account, true);
  });
  after(async () => {
    await sim.stop();
  });

  it('hip3 markets lists every dex and market with its asset id and specs', async () => {
    const r = await runCli(['markets', '--url', sim.httpUrl]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /dex "" \(main\) \(perpDexs index 0\): 4 market\(s\)/);
    assert.match(r.stdout, /dex xyz \(perpDexs index 1\): 32 market\(s\)/);
    assert.match(r.stdout, /xyz:GOLD\s+110003\s+4\s+2\s+25/);
    assert.match(r.stdout, /\n\s+BTC\s+0\s+5\s+1\s+40/);
    const j = await runCli(['markets', '--url', sim.httpUrl, '--dex', 'xyz', '--json']);
    const parsed = JSON.parse(j.stdout) as { dex: string; markets: { name: string; assetId: number }[] }[];
    assert.deepEqual(parsed.map((d) => d.dex), ['xyz']);
    assert.equal(parsed[0].markets.find((m) => m.name === 'xyz:XYZ100')?.assetId, 110000);
    const nosuch = await runCli(['markets', '--url', sim.httpUrl, '--dex', 'nosuch']);
    assert.equal(nosuch.code, 2, nosuch.stdout);
    assert.match(nosuch.stderr, /--dex: no dex named "nosuch" at http:\S+; the dexes are: "" \(main\), xyz/);
  });

  it('cancel-all cancels the resting orders and flatten closes the positions (exit 0); then both report nothing to do', async (t) => {
    const ex = sim.exchange;
    const gold = ex.bestBidAsk('xyz:GOLD');
    const tsla = ex.bestBidAsk('xyz:TSLA');
    const btc = ex.bestBidAsk('BTC');
    assert.ok(gold.bid && gold.ask && tsla.bid && tsla.ask && btc.ask);
    // two resting orders far from the touch, a long GOLD and a short TSLA position
    const resting = ex.internalPlaceOrders(account.master, [
      { coin: 'xyz:GOLD', isBuy: true, px: (gold.bid.px * 0.9).toFixed(1), sz: '0.0100', tif: 'Gtc' },
      { coin: 'xyz:TSLA', isBuy: false, px: (tsla.ask.px * 1.1).toFixed(2), sz: '0.100', tif: 'Gtc' },
    ]);
    assert.ok(resting.every((s) => 'resting' in s), JSON.stringify(resting));
    ex.internalPlaceOrders(account.master, [
      { coin: 'xyz:GOLD', isBuy: true, px: (gold.ask.px * 1.01).toFixed(1), sz: '0.0080', tif: 'Ioc' },
      { coin: 'xyz:TSLA', isBuy: false, px: (tsla.bid.px * 0.99).toFixed(2), sz: '0.060', tif: 'Ioc' },
    ]);
    // and one on the main dex: the runbook covers every dex unless told otherwise
    ex.internalPlaceOrders(account.master, [{ coin: 'BTC', isBuy: true, px: String(Math.round(btc.ask.px * 1.01)), sz: '0.00020', tif: 'Ioc' }]);
    assert.ok((ex.position(account.master, 'BTC')?.szi ?? 0) > 0);
    assert.ok((ex.position(account.master, 'xyz:GOLD')?.szi ?? 0) > 0);
    assert.ok((ex.position(account.master, 'xyz:TSLA')?.szi ?? 0) < 0);

    const env = { HIP3_AGENT_KEY: account.agentKey };
    const base = ['--url', sim.httpUrl, '--master', account.master];
    // Signed for the other chain, the agent is unknown to the venue: the flag is honoured, and that is exit 1.
    const wrongChain = await runCli(['cancel-all', ...base, '--signing-chain', 'testnet'], { env });
    assert.equal(wrongChain.code, 1, wrongChain.stdout);
    assert.match(wrongChain.stdout, /\(testnet signatures\)[\s\S]*does not exist/);
    const c = await runCli(['cancel-all', ...base], { env });
    assert.equal(c.code, 0, `${c.stdout}\n${c.stderr}`);
    assert.match(c.stdout, /cancelled 2 of 2 open order\(s\)/);
    assert.match(c.stdout, /\(mainnet signatures\)/);
    const open = (await (await fetch(`${sim.httpUrl}/info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'openOrders', user: account.master, dex: 'xyz' }) })).json()) as unknown[];
    assert.deepEqual(open, []);

    // The key from a 0600 key file named by the configuration works the same.
    const dir = tempDir(t);
    const keyFile = join(dir, 'agent.key');
    writeFileSync(keyFile, account.agentKey);
    chmodSync(keyFile, 0o600);
    const cfg = join(dir, 'c.toml');
    writeFileSync(cfg, `[network]\ntarget = "${sim.httpUrl}"\n[account]\nmaster_address = "${account.master}"\nagent_key_file = "${keyFile}"\n`);
    const f = await runCli(['flatten', '--config', cfg]);
    assert.equal(f.code, 0, `${f.stdout}\n${f.stderr}`);
    assert.match(f.stdout, /dexes all/);
    assert.match(f.stdout, /flat: 3 position\(s\) closed/);
    for (const coin of ['xyz:GOLD', 'xyz:TSLA', 'BTC']) {
      const p = ex.position(account.master, coin);
      assert.ok(p === null || p.szi === 0, `${coin} still ${JSON.stringify(p)}`);
    }

    const again = await runCli(['flatten', ...base], { env });
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already flat/);
    const badChain = await runCli(['flatten', ...base, '--signing-chain', 'devnet'], { env });
    assert.notEqual(badChain.code, 0);
    assert.match(badChain.stderr, /--signing-chain/);
    const noKey = await runCli(['cancel-all', ...base]);
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /HIP3_AGENT_KEY/);
    assert.ok(!`${c.stdout}${c.stderr}${f.stdout}${f.stderr}`.toLowerCase().includes(account.agentKey.slice(2)));
  });
});
