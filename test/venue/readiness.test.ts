// Readiness, defined once: per-market market-data readiness with staleness, account readiness (acks +
// userFills snapshot + reconciliation of THIS connection), dropped synchronously on disconnect, half-open
// detection when every market is silent. Reference: READY deadlock after a drain (#5), never ready on an idle
// account (#6), per-market freshness never wired (§2.3).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Readiness, type ReadinessState } from '../../src/venue/readiness.ts';
import { ManualClock } from './helpers.ts';

function rig() {
  const clock = new ManualClock();
  const r = new Readiness(['A', 'B'], clock, { ctxStaleMs: 8000, bboStaleMs: 20_000, allSilentMs: 8000, checkIntervalMs: 100 });
  const causes: string[] = [];
  r.subscribe((_s, cause, coin) => causes.push(coin ? `${cause}:${coin}` : cause));
  return { clock, r, causes };
}

const feed = (r: Readiness, coin: string, now: number) => {
  r.onBbo(r.slot(coin)!, now);
  r.onCtx(r.slot(coin)!, now);
};

test('market-data ready needs both bbo and ctx since the last connect', () => {
  const { r, clock } = rig();
  r.onConnect(1);
  r.onBbo(r.slot('A')!, clock.now());
  assert.ok(!r.isMarketReady('A'));
  r.onCtx(r.slot('A')!, clock.now());
  assert.ok(r.isMarketReady('A'));
  assert.equal(r.state.readyMarkets, 1);
  r.onDisconnect();
  r.onConnect(2);
  assert.ok(!r.isMarketReady('A'), 'data from the previous connection does not count');
  r.stop();
});

test('trading ready only after acks, the fills snapshot and a reconciliation of the current session', () => {
  const { r, clock } = rig();
  r.onConnect(1);
  feed(r, 'A', clock.now());
  r.setUserAcked(true);
  r.setFillsSnapshot();
  assert.ok(!r.tradingReady);
  r.setReconciled(0);
  assert.ok(!r.tradingReady, 'a reconciliation started under an older session does not count');
  r.setReconciled(1);
  assert.ok(r.tradingReady);
  assert.ok(r.isTradingReady('A'));
  assert.ok(!r.isTradingReady('B'));
  r.stop();
});

test('a disconnect drops every flag synchronously, before the next statement', () => {
  const { r, clock, causes } = rig();
  r.onConnect(1);
  feed(r, 'A', clock.now());
  r.setUserAcked(true);
  r.setFillsSnapshot();
  r.setReconciled(1);
  let seen: ReadinessState | null = null;
  r.subscribe((s) => {
    seen = s;
  });
  r.onDisconnect();
  assert.ok(!r.tradingReady && !r.accountReady && !r.isMarketReady('A'));
  assert.equal(seen!.tradingReady, false);
  assert.equal(causes.at(-1), 'disconnect');
  assert.equal(clock.pending, 0, 'no timers left behind');
});

test('a stale ctx makes only that market unhealthy; the other continues', () => {
  const { r, clock, causes } = rig();
  r.onConnect(1);
  feed(r, 'A', clock.now());
  feed(r, 'B', clock.now());
  for (let i = 0; i < 90; i++) {
    clock.advance(100);
    r.onCtx(r.slot('B')!, clock.now());
    if (i % 20 === 0) r.onBbo(r.slot('B')!, clock.now());
  }
  assert.equal(r.health('A'), 'stale');
  assert.equal(r.health('B'), 'ready');
  assert.ok(causes.includes('marketStale:A'));
  assert.ok(!causes.includes('marketStale:B'));
  // Queries are exact even between checks.
  assert.ok(!r.isMarketReady('A'));
  feed(r, 'A', clock.now());
  assert.equal(r.health('A'), 'ready');
  r.stop();
});

test('a constant oracle with regular ctx frames never goes stale (incident #3: age is receipt age)', () => {
  const { r, clock } = rig();
  r.onConnect(1);
  for (let i = 0; i < 100; i++) {
    feed(r, 'A', clock.now());
    clock.advance(3000);
  }
  assert.equal(r.health('A'), 'ready');
  r.stop();
});

test('every market silent on an open socket → half-open callback', () => {
  const { r, clock } = rig();
  let halfOpen = 0;
  r.onHalfOpen = () => halfOpen++;
  r.onConnect(1);
  feed(r, 'A', clock.now());
  clock.advance(7900);
  assert.equal(halfOpen, 0);
  clock.advance(200);
  assert.ok(halfOpen >= 1);
  r.stop();
});

test('changes() yields every transition as an async iterator', async () => {
  const { r, clock } = rig();
  const it = r.changes();
  const first = it.next();
  r.onConnect(1);
  feed(r, 'A', clock.now());
  assert.equal((await first).value?.connected, true);
  const second = await it.next();
  assert.equal(second.value?.readyMarkets, 1);
  await it.return(undefined);
  r.stop();
});
