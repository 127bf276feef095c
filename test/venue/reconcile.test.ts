// Reconciliation against hlsim's real /info answers, with one-off faults injected in front of them:
// a single empty clearinghouse answer never shrinks state (#28/#31: the venue returns transient empty states),
// a failed dex keeps its last accepted state and the run is incomplete (then retried), fills are deduplicated
// by tid, unknown orders are resolved by cloid, orphans (our prefix, unknown to the tracker) are reported
// and handed to the cancel callback.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ClearinghouseState } from '../../src/protocol/wire.ts';
import { type SimHandle, startSim } from '../../src/sim/index.ts';
import { httpInfoTransport, InfoClient, RestLimiter } from '../../src/venue/info.ts';
import { type ReconcileSnapshot, Reconciler, type ReconcileSource } from '../../src/venue/reconcile.ts';
import { ManualClock, makeCloid, TestSigner, until } from './helpers.ts';

describe('reconciliation (hlsim)', () => {
  let sim: SimHandle;
  let info: InfoClient;
  const user = new TestSigner().address;
  const maker = new TestSigner().address;
  const faults = { emptyNext: 0, failDex: null as string | null, calls: 0 };
  let source: ReconcileSource;

  before(async () => {
    // The suite's ~20 runs weigh more than the venue's 1200/min: limits raised on both sides so no run waits
    // for the window to slide (the weights themselves are tested in info.test.ts and the faults suite).
    sim = await startSim({ dynamics: false, adminPort: null, fund: { [user]: 100_000, [maker]: 1_000_000 }, limits: { restWeightPerMinute: 1_000_000 } });
    info = new InfoClient({
      http: httpInfoTransport({ httpUrl: sim.httpUrl }),
      limiter: new RestLimiter(undefined, { maxWeight: 1_000_000 }),
      retryBaseMs: 1,
      maxRetries: 0,
    });
    // Liquidity, then a position and a resting order for `user` on the xyz dex.
    sim.exchange.internalPlaceOrders(maker, [{ coin: 'xyz:GOLD', isBuy: false, px: '4600', sz: '1', tif: 'Gtc' }]);
    const st = sim.exchange.internalPlaceOrders(user, [
      { coin: 'xyz:GOLD', isBuy: true, px: '4600', sz: '0.1', tif: 'Ioc', cloid: makeCloid('be', 1) },
      { coin: 'xyz:GOLD', isBuy: true, px: '4000', sz: '0.01', tif: 'Gtc', cloid: makeCloid('be', 2) },
      { coin: 'xyz:GOLD', isBuy: true, px: '3990', sz: '0.01', tif: 'Gtc', cloid: makeCloid('be', 3) },
      { coin: 'xyz:GOLD', isBuy: true, px: '3980', sz: '0.01', tif: 'Gtc', cloid: makeCloid('ff', 4) },
    ]);
    assert.ok('filled' in st[0] && 'resting' in st[1]);
    source = {
      clearinghouseState: async (u, dex) => {
        faults.calls++;
        if (faults.failDex === dex) throw new Error('HTTP 502');
        const ch: ClearinghouseState = await info.clearinghouseState(u, dex);
        if (dex === 'xyz' && faults.emptyNext > 0) {
          faults.emptyNext--;
          return { ...ch, assetPositions: [], marginSummary: { ...ch.marginSummary, accountValue: '0.0' } };
        }
        return ch;
      },
      frontendOpenOrders: (u, dex) => info.frontendOpenOrders(u, dex),
      userFillsByTime: (u, s, e) => info.userFillsByTime(u, s, e),
      orderStatus: (u, o) => info.orderStatus(u, o),
    };
  });
  after(() => sim.stop());

  function make(extra: Partial<ConstructorParameters<typeof Reconciler>[0]> = {}) {
    const snaps: ReconcileSnapshot[] = [];
    const rec = new Reconciler({ user, dexes: () => ['', 'xyz'], source, intervalMs: 0, retryMs: 10, confirmDelayMs: 5, initialFillLookbackMs: 10 * 86_400_000, ...extra });
    rec.onSnapshot = (s) => snaps.push(s);
    return { rec, snaps };
  }
  const goldSize = (s: ReconcileSnapshot) =>
    s.accounts.find((a) => a.dex === 'xyz')?.positions.find((p) => p.position.coin === 'xyz:GOLD')?.position.szi;

  test('positions, open orders and fills of every traded dex in one snapshot', async () => {
    const { rec } = make();
    const before = Date.now();
    const s = await rec.run('manual');
    rec.stop();
    assert.ok(s.complete, s.failures.join());
    assert.ok(Math.abs(s.requestedAt - before) < 1000 && s.requestedAt <= s.at, 'requestedAt: when the queries went out');
    assert.equal(goldSize(s), '0.1');
    assert.equal(s.openOrders.length, 3);
    assert.equal(s.newFills.length, 1);
    assert.equal(s.accounts.length, 2);
  });

  test('the snapshot carries the venue time of its state (the latest clearinghouseState.time), not its arrival', async () => {
    const { rec } = make();
    const skewed = source.clearinghouseState;
    // The venue's clock 5 s behind ours: the snapshot's venue time must come from the answers.
    source.clearinghouseState = async (u, dex) => ({ ...(await skewed(u, dex)), time: 1_700_000_000_000 + (dex === 'xyz' ? 7 : 3) });
    try {
      const s = await rec.run('manual');
      assert.equal(s.venueTime, 1_700_000_000_007);
      assert.deepEqual(s.accounts.map((a) => a.venueTime).sort(), [1_700_000_000_003, 1_700_000_000_007]);
      faults.failDex = 'xyz';
      const partial = await rec.run('periodic');
      assert.equal(partial.venueTime, 1_700_000_000_003, 'a carried (failed) dex does not date the snapshot');
    } finally {
      faults.failDex = null;
      source.clearinghouseState = skewed;
      rec.stop();
    }
  });

  test('one empty answer between two non-empty ones never shrinks state', async () => {
    const { rec } = make();
    await rec.run('manual');
    faults.emptyNext = 1;
    const s = await rec.run('periodic');
    rec.stop();
    assert.equal(goldSize(s), '0.1', 'the confirming query wins');
    assert.ok(s.complete);
    assert.equal(faults.emptyNext, 0);
  });

  test('two empty answers in a row are believed (the position really closed)', async () => {
    const { rec } = make();
    await rec.run('manual');
    faults.emptyNext = 2;
    const s = await rec.run('periodic');
    rec.stop();
    assert.equal(goldSize(s), undefined);
  });

  test('a failed dex keeps its last accepted state; the run is incomplete and retried', async () => {
    const { rec, snaps } = make();
    await rec.run('manual');
    faults.failDex = 'xyz';
    const s = await rec.run('periodic');
    assert.equal(s.complete, false);
    assert.match(s.failures.join(), /dex "xyz": Error: HTTP 502/);
    const xyz = s.accounts.find((a) => a.dex === 'xyz')!;
    assert.equal(xyz.carried, true);
    assert.equal(goldSize(s), '0.1');
    assert.equal(s.openOrders.length, 3, 'orders carried over too');
    faults.failDex = null;
    await until(() => snaps.some((x) => x.reason === 'retry' && x.complete), 'automatic retry completes');
    rec.stop();
  });

  test('fills already seen on the stream are not reported again (tid dedupe)', async () => {
    const { rec } = make();
    const fills = await info.userFillsByTime(user, 0);
    for (const f of fills) assert.equal(rec.noteFill(f), true);
    assert.equal(rec.noteFill(fills[0]), false);
    const s = await rec.run('manual');
    assert.deepEqual(s.newFills, []);
    sim.exchange.internalPlaceOrders(user, [{ coin: 'xyz:GOLD', isBuy: true, px: '4600', sz: '0.01', tif: 'Ioc' }]);
    const s2 = await rec.run('manual');
    assert.equal(s2.newFills.length, 1);
    assert.deepEqual((await rec.run('manual')).newFills, []);
    rec.stop();
  });

  test('unknown orders: found ones resolved with their status, never-seen ones become notFound', async () => {
    const { rec, snaps } = make({ notFoundAfter: 2 });
    rec.trackUnknown([makeCloid('be', 2), makeCloid('be', 77)]);
    await until(() => rec.unknownCloids.length === 0, 'resolved');
    rec.stop();
    const resolved = new Map(snaps.flatMap((s) => s.resolved).map((x) => [x.cloid, x]));
    assert.equal(resolved.get(makeCloid('be', 2))?.status, 'open');
    assert.equal(Number(resolved.get(makeCloid('be', 2))?.order?.limitPx), 4000);
    assert.equal(resolved.get(makeCloid('be', 77))?.status, 'notFound');
    assert.equal(resolved.size, 2);
  });

  test('stop() during a run: no snapshot is delivered afterwards and the confirm-delay timer does not survive', async () => {
    const clock = new ManualClock();
    const { rec, snaps } = make({ clock, confirmDelayMs: 500 });
    await rec.run('manual');
    assert.equal(snaps.length, 1);
    // A shrinking answer: the run waits confirmDelayMs on the clock before asking again.
    faults.emptyNext = 1;
    const running = rec.run('periodic');
    await until(() => clock.pending > 0, 'the confirm delay is armed');
    rec.stop();
    assert.equal(clock.pending, 0, 'the confirm-delay timer is cleared');
    const s = await running;
    assert.equal(s.complete, false, 'the interrupted run is not a complete one');
    assert.equal(snaps.length, 1, 'nothing delivered after stop()');
    assert.equal(clock.pending, 0, 'no retry armed');
    faults.emptyNext = 0;

    // stop() while the queries are in flight: their answers arrive, no snapshot follows.
    const { rec: rec2, snaps: snaps2 } = make({ clock });
    const inFlight = rec2.run('manual');
    rec2.stop();
    await inFlight;
    assert.equal(snaps2.length, 0);
    assert.equal(clock.pending, 0);
  });

  test('orphans: our prefix and unknown to the tracker are reported and handed to the cancel callback', async () => {
    const cancelled: string[] = [];
    const { rec } = make({
      cloidPrefix: '0xbe',
      knownCloids: () => new Set([makeCloid('be', 2)]),
      cancelOrphans: (orders) => cancelled.push(...orders.map((o) => o.cloid!)),
    });
    const s = await rec.run('manual');
    rec.stop();
    assert.deepEqual(
      s.orphans.map((o) => o.cloid),
      [makeCloid('be', 3)],
      'known cloid and foreign prefix are not orphans',
    );
    assert.deepEqual(cancelled, [makeCloid('be', 3)]);
  });
});
