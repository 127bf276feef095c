// The composed bot against hlsim with faults, in process: action post responses are lost (the orders ARE
// executed by hlsim, the answers never come). Those orders must become unknown — never assumed rejected — and be
// resolved through orderStatus/reconciliation; the bot's positions and PnL must still agree with hlsim's own
// books at the end, and the shutdown leaves the account flat.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { TAG_ENTRY } from '../../src/app/trader/latency.ts';
import { sleep } from './cli-helpers.ts';
import { startBotOnSim, venuePnlUsd } from './helpers.ts';

describe('bot with lost post responses', () => {
  it('orders of unknown outcome are resolved from the venue; bot PnL equals hlsim account change; flat at the end', async (t) => {
    const b = await startBotOnSim(t, {
      seed: 2,
      dirPrefix: 'hip3-bot-faults-',
      tune: (cfg) => {
        cfg.executor.post_timeout_ms = 400;
        cfg.executor.unknown_requery_ms = 300;
        cfg.network.reconcile_interval_ms = 1000;
        cfg.metrics.enabled = false;
      },
    });
    const { dir, account, sim, session } = b;
    await session.ready;
    const bot = session.bot;
    // Lost answers AND silent user channels: nothing but the venue's info endpoints can tell what happened.
    sim.faults.silenceChannel({ channel: 'orderUpdates', user: account.master });
    sim.faults.silenceChannel({ channel: 'userFills', user: account.master });
    sim.faults.dropPostResponses(4, 'action');
    // The venue client's post timeout reports them unknown (postUnknown); the core's own is the backup (postTimeouts).
    const unknowns = () => bot.engine.counters.postUnknown + bot.engine.counters.postTimeouts;
    for (let i = 0; i < 250 && unknowns() < 2; i++) await sleep(100);
    assert.ok(unknowns() >= 2, `no unknown post outcome: ${JSON.stringify(bot.engine.counters)}`);
    // Let the unknown orders resolve (orderStatus answers over HTTP, unaffected by the fault).
    for (let i = 0; i < 50 && bot.engine.openOrders().some((o) => o.state === 'unknown'); i++) await sleep(100);
    assert.deepEqual(bot.engine.openOrders().filter((o) => o.state === 'unknown'), []);
    sim.faults.clear();
    for (let i = 0; i < 100 && bot.activity.roundTrips.length < 2; i++) await sleep(100);
    // Every entry left in the same turn as the market frame that decided it (no await between frame and order):
    // the frame → wire probe only counts orders written while that frame's handler runs.
    assert.ok(bot.activity.entriesSent > 0);
    assert.equal(bot.latency.frameToWire.snapshot(TAG_ENTRY).length, bot.activity.entriesSent);
    const { summary, shutdown } = await b.stop('test end');
    assert.ok(shutdown.flat, JSON.stringify(shutdown));
    for (const coin of sim.exchange.coins()) {
      const p = sim.exchange.position(account.master, coin);
      assert.ok(p === null || p.szi === 0, `${coin} ${JSON.stringify(p)}`);
    }
    // hlsim's account value moved exactly by the PnL the bot accounted (fees included).
    const venuePnl = await venuePnlUsd(b);
    assert.ok(summary.roundTrips >= 1);
    assert.ok(Math.abs(summary.pnlUsd - venuePnl) < 0.01, `bot ${summary.pnlUsd} vs hlsim ${venuePnl}`);

    const db = new DatabaseSync(join(dir, 'journal.sqlite'), { readOnly: true });
    try {
      const unknown = db.prepare("SELECT DISTINCT cloid FROM order_events WHERE status = 'unknown'").all() as { cloid: string }[];
      assert.ok(unknown.length >= 2);
      for (const { cloid } of unknown) {
        const last = db.prepare('SELECT status FROM orders WHERE cloid = ?').get(cloid) as { status: string } | undefined;
        assert.ok(last !== undefined && ['filled', 'cancelled', 'rejected'].includes(last.status), `${cloid}: ${JSON.stringify(last)}`);
      }
    } finally {
      db.close();
    }
  });
});

describe('live Go/No-Go verdict', () => {
  it('hard_stop.latch_on_no_go: a No-Go verdict on the run so far latches the hard stop and the bot goes flat', async (t) => {
    const b = await startBotOnSim(t, {
      seed: 4,
      dirPrefix: 'hip3-bot-verdict-',
      tune: (cfg) => {
        cfg.metrics.enabled = false;
        cfg.hard_stop.latch_on_no_go = true;
        // A threshold no run can meet: the first round trip is enough for a verdict, and it is No-Go.
        cfg.report.min_round_trips = 1;
        cfg.report.min_net_pnl_usd = 1_000_000;
      },
    });
    const { session } = b;
    const bot = session.bot;
    for (let i = 0; i < 300 && !bot.engine.hardStopState().latched; i++) await sleep(100);
    const hs = bot.engine.hardStopState();
    assert.ok(hs.latched, 'the hard stop never latched');
    assert.match(hs.reason, /live verdict NO-GO: .*net PnL/);
    assert.ok(bot.activity.roundTrips.length >= 1);
    const entries = bot.activity.entriesSent;
    for (let i = 0; i < 50 && bot.engine.positions().length > 0; i++) await sleep(100);
    assert.deepEqual(bot.engine.positions(), []);
    await sleep(1000);
    assert.equal(bot.activity.entriesSent, entries, 'no entry after the latch');
    const { shutdown } = await b.stop('test end');
    assert.ok(shutdown.flat);
  });
});

describe('venue restart', () => {
  it('hlsim restarts mid-run: the bot reconnects, reconciles, trades on; its PnL equals the venue account change; flat at the end', async (t) => {
    const b = await startBotOnSim(t, { seed: 6, dirPrefix: 'hip3-bot-restart-', tune: (cfg) => void (cfg.metrics.enabled = false) });
    const { dir, sim, session } = b;
    await session.ready;
    const bot = session.bot;
    for (let i = 0; i < 150 && bot.activity.roundTrips.length < 1; i++) await sleep(100);
    await sim.restart({ downMs: 300 });
    for (let i = 0; i < 50 && bot.venue.readiness.state.connected; i++) await sleep(20);
    await bot.venue.readiness.waitFor((s) => s.tradingReady && s.session >= 2);
    const before = bot.activity.entriesSent;
    for (let i = 0; i < 200 && bot.activity.entriesSent <= before; i++) await sleep(100);
    assert.ok(bot.activity.entriesSent > before, 'no entry after the restart');
    const { summary, shutdown } = await b.stop('test end');
    assert.ok(shutdown.flat, JSON.stringify(shutdown));
    const venuePnl = await venuePnlUsd(b);
    assert.ok(Math.abs(summary.pnlUsd - venuePnl) < 0.01, `bot ${summary.pnlUsd} vs hlsim ${venuePnl}`);
    const db = new DatabaseSync(join(dir, 'journal.sqlite'), { readOnly: true });
    try {
      const opens = db.prepare("SELECT COUNT(*) AS n FROM readiness WHERE scope = 'connection' AND state = 'open'").get() as { n: number };
      assert.ok(opens.n >= 2);
    } finally {
      db.close();
    }
  });
});
