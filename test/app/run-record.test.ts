// What a run records about itself (journal `runs`): the configuration without its secrets. The dashboard token
// was stored in clear in runs.config_json; the journal is the file people copy and share.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { parseConfig } from '../../src/app/config/load.ts';
import { Bot } from '../../src/app/trader/bot.ts';
import { Journal, openDatabase, readRuns } from '../../src/store/journal.ts';
import { Metrics } from '../../src/telemetry/metrics.ts';
import type { MarketSpec } from '../../src/venue/registry.ts';
import { tempDir } from './cli-helpers.ts';

const GOLD: MarketSpec = {
  name: 'xyz:GOLD', dex: 'xyz', dexIndex: 1, indexInMeta: 3, assetId: 110003, szDecimals: 4, pxDecimals: 2, maxLeverage: 25,
  onlyIsolated: false, marginMode: null, growthMode: false, isDelisted: false, deployerFeeScale: '',
};

describe('runs.config_json', () => {
  it('holds the configuration with the dashboard token masked', async (t) => {
    const dir = tempDir(t);
    const token = 'tok-Zq81xVv0-very-secret-token';
    const cfg = parseConfig(`[dashboard]\ntoken = "${token}"\n[network]\ntarget = "http://127.0.0.1:9"\n`);
    const journal = new Journal({ path: join(dir, 'journal.sqlite') });
    const bot = new Bot({
      cfg, mode: 'observe', network: { wsUrl: 'ws://127.0.0.1:9/ws', httpUrl: 'http://127.0.0.1:9', isMainnet: true, label: 'test', simulated: false },
      markets: [GOLD], journal, recorder: null, metrics: new Metrics(), logger: pino({ level: 'silent' }), runId: 'r1',
    });
    bot.start();
    await bot.close();
    const db = openDatabase(join(dir, 'journal.sqlite'), { readOnly: true });
    const [run] = readRuns(db);
    db.close();
    const recorded = JSON.parse(run.configJson) as { dashboard: { token: string }; detector: { min_net_edge_bps: number } };
    assert.equal(recorded.dashboard.token, '<set>');
    assert.equal(recorded.detector.min_net_edge_bps, cfg.detector.min_net_edge_bps);
    for (const f of readdirSync(dir)) assert.ok(!readFileSync(join(dir, f)).toString('latin1').includes(token), `token in ${f}`);
  });
});
