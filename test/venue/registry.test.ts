// Market registry against hlsim's real /info answers: ids from meta(dex) order (incident #16: the
// alphabetical perpDexs list sent SILVER orders to RIVN), unresolved configured market = startup error naming
// it (#14), parameter change flagged and entries blocked until accepted (ParamChange never fired, L7).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PerpMeta } from '../../src/protocol/wire.ts';
import { type SimHandle, startSim } from '../../src/sim/index.ts';
import { httpInfoTransport, InfoClient } from '../../src/venue/info.ts';
import { MarketRegistry, type MetaSource, type ParamChange, RegistryError } from '../../src/venue/registry.ts';
import { ManualClock, until } from './helpers.ts';

describe('market registry (hlsim)', () => {
  let sim: SimHandle;
  let info: InfoClient;
  before(async () => {
    sim = await startSim({ dynamics: false, adminPort: null });
    info = new InfoClient({ http: httpInfoTransport({ httpUrl: sim.httpUrl }) });
  });
  after(() => sim.stop());

  test('asset ids come from meta(dex) order, not from the alphabetical perpDexs asset list', async () => {
    const reg = new MarketRegistry(info, { dexes: ['xyz'], markets: ['xyz:GOLD', 'xyz:TSLA'] });
    const specs = await reg.discover();
    assert.deepEqual(specs.map((s) => s.name).sort(), ['xyz:GOLD', 'xyz:TSLA']);
    for (const s of specs) {
      assert.equal(s.assetId, sim.exchange.assetId(s.name), s.name);
      assert.equal(s.dex, 'xyz');
      assert.equal(s.szDecimals, sim.exchange.marketDef(s.name)!.szDecimals);
      assert.equal(s.pxDecimals, 6 - s.szDecimals);
    }
    const meta = (await info.meta('xyz')).universe.map((u) => u.name);
    const alphabetical = [...meta].sort();
    const gold = reg.spec('xyz:GOLD')!;
    assert.equal(gold.indexInMeta, meta.indexOf('xyz:GOLD'));
    assert.notEqual(gold.indexInMeta, alphabetical.indexOf('xyz:GOLD'), 'the fixture distinguishes the two orders');
    assert.equal(reg.specById(gold.assetId)?.name, 'xyz:GOLD');
    assert.deepEqual(reg.dexes(), ['xyz']);
  });

  test('patterns select every matching market; isolated-only and leverage are cached', async () => {
    const reg = new MarketRegistry(info, { dexes: [/^xyz$/], marketPatterns: [/^xyz:/] });
    const specs = await reg.discover();
    const meta = (await info.meta('xyz')).universe;
    assert.equal(specs.length, meta.length);
    const hood = reg.spec('xyz:HOOD');
    assert.ok(hood, 'xyz:HOOD discovered');
    assert.equal(hood.onlyIsolated, sim.exchange.marketDef('xyz:HOOD')!.onlyIsolated === true);
    assert.ok(specs.every((s) => s.maxLeverage > 0));
  });

  test('a configured market that does not resolve is a startup error naming it', async () => {
    const reg = new MarketRegistry(info, { dexes: ['xyz'], markets: ['xyz:GOLD', 'xyz:NOPE', 'abc:TSLA'] });
    await assert.rejects(reg.discover(), (e: unknown) => {
      assert.ok(e instanceof RegistryError);
      assert.deepEqual(e.unresolved, ['xyz:NOPE', 'abc:TSLA']);
      assert.match(e.message, /xyz:NOPE, abc:TSLA/);
      return true;
    });
  });

  test('a changed lot/tick parameter is flagged and blocks entries until the operator accepts', async () => {
    let changed = false;
    // The venue's real answers, with szDecimals of GOLD changed once `changed` is set (a venue-side edit).
    const source: MetaSource = {
      perpDexs: () => info.perpDexs(),
      meta: async (dex) => {
        const m: PerpMeta = await info.meta(dex);
        if (!changed) return m;
        return { ...m, universe: m.universe.map((u) => (u.name === 'xyz:GOLD' ? { ...u, szDecimals: u.szDecimals - 1 } : u)) };
      },
    };
    const reg = new MarketRegistry(source, { dexes: ['xyz'], markets: ['xyz:GOLD', 'xyz:TSLA'] });
    await reg.discover();
    const flagged: ParamChange[] = [];
    reg.onParamChange = (c) => flagged.push(c);
    assert.deepEqual(await reg.refresh(), []);
    assert.equal(reg.isEntryBlocked('xyz:GOLD'), false);
    const oldSz = reg.spec('xyz:GOLD')!.szDecimals;
    changed = true;
    const changes = await reg.refresh();
    assert.deepEqual(changes.map((c) => [c.name, c.fields]), [['xyz:GOLD', ['szDecimals', 'pxDecimals']]]);
    assert.equal(flagged.length, 1);
    assert.ok(reg.isEntryBlocked('xyz:GOLD'));
    assert.equal(reg.isEntryBlocked('xyz:TSLA'), false, 'other markets unaffected');
    assert.equal(reg.spec('xyz:GOLD')!.szDecimals, oldSz, 'old spec kept until accepted');
    await reg.refresh();
    assert.equal(flagged.length, 1, 'flagged once');
    assert.ok(reg.acceptChange('xyz:GOLD'));
    assert.equal(reg.isEntryBlocked('xyz:GOLD'), false);
    assert.equal(reg.spec('xyz:GOLD')!.szDecimals, oldSz - 1);
  });

  test('a meta answer that is not a meta refuses to start (no guessed asset ids)', async () => {
    const source: MetaSource = { perpDexs: () => info.perpDexs(), meta: async () => ({ universe: 'nope' }) as unknown as PerpMeta };
    await assert.rejects(new MarketRegistry(source, { dexes: ['xyz'], markets: ['xyz:GOLD'] }).discover(), RegistryError);
  });

  test('periodic refresh runs on the clock; a failed refresh keeps the cached specs', async () => {
    const clock = new ManualClock();
    let fail = false;
    let metaCalls = 0;
    const source: MetaSource = {
      perpDexs: () => info.perpDexs(),
      meta: async (dex) => {
        metaCalls++;
        if (fail) throw new Error('HTTP 503');
        return info.meta(dex);
      },
    };
    const reg = new MarketRegistry(source, { dexes: ['xyz'], markets: ['xyz:GOLD'], refreshMs: 60_000 }, clock);
    await reg.discover();
    const errors: unknown[] = [];
    reg.onRefreshError = (e) => errors.push(e);
    reg.startRefresh();
    fail = true;
    clock.advance(60_000);
    await until(() => errors.length === 1, 'refresh failed');
    assert.equal(reg.spec('xyz:GOLD')?.assetId, sim.exchange.assetId('xyz:GOLD'), 'cache kept');
    fail = false;
    clock.advance(60_000);
    await until(() => metaCalls === 3, 'second refresh');
    reg.stop();
    assert.equal(clock.pending, 0);
  });
});
