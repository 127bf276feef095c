// Every metric the bot declares is also written in a real run (the original declared 30 and wrote 15, L20;
// a review of a live run found frame_errors_total and position_notional_usd without samples). The bot trades
// in process against hlsim; /metrics is scraped over HTTP like Prometheus would.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { sleep } from './cli-helpers.ts';
import { startBotOnSim } from './helpers.ts';

describe('/metrics after a short trading run', () => {
  it('every declared metric has at least one sample; exit latency carries real exit reasons', async (t) => {
    const b = await startBotOnSim(t, { seed: 2, dirPrefix: 'hip3-metrics-e2e-', isMainnet: true });
    const { dir, session } = b;
    await session.ready;
    const bot = session.bot;
    for (let i = 0; i < 300 && bot.activity.roundTrips.length < 2; i++) await sleep(100);
    assert.ok(bot.activity.roundTrips.length >= 1, 'no round trip: the run exercised too little');
    await sleep(1100); // one publishing tick after the last round trip
    assert.ok(session.metricsUrl);
    const text = await (await fetch(session.metricsUrl)).text();
    await b.stop('test end');

    const declared = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1], type: m[2] }));
    assert.ok(declared.length >= 20, `only ${declared.length} metrics declared`);
    const hip3 = declared.filter((d) => d.name.startsWith('hip3_'));
    const empty = hip3.filter((d) => {
      const sample = new RegExp(`^${d.name}(?:_count|_total|_sum)?(?:\\{[^}]*\\})? `, 'm');
      return !sample.test(text);
    });
    assert.deepEqual(empty.map((d) => d.name), [], `declared without a sample:\n${empty.map((d) => d.name).join('\n')}`);
    assert.match(text, /^hip3_frame_errors_total\{channel="parse"\} \d+/m);
    for (const m of session.markets) assert.match(text, new RegExp(`^hip3_position_notional_usd\\{market="${m.name}"\\} `, 'm'));
    // The session log records readiness, health and connection changes once per change (incident #4 guard).
    const log = readFileSync(join(dir, 'hip3.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { key?: string; state?: string; previous?: string | null });
    const transitions = log.filter((l) => typeof l.key === 'string' && typeof l.state === 'string');
    assert.ok(transitions.some((l) => l.key === 'trading' && l.state === 'READY'), 'no trading READY transition logged');
    assert.ok(transitions.some((l) => l.key === 'connection' && l.state === 'open'));
    assert.ok(transitions.some((l) => /^xyz:\w+\/health$/.test(l.key ?? '') && l.state === 'ready'), 'no market health transition logged');
    for (const l of transitions) assert.notEqual(l.previous, l.state, `repeated ${l.key} ${l.state}`);
    // Duplicate signals (re-announcements of an entered dislocation) are tagged and get no follow-ups.
    const db = new DatabaseSync(join(dir, 'journal.sqlite'), { readOnly: true });
    try {
      const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      const hasPosition = n("SELECT COUNT(*) AS n FROM signals WHERE reject_reason = 'HasPosition'");
      const dupHasPosition = n("SELECT COUNT(*) AS n FROM signals WHERE reject_reason = 'HasPosition' AND duplicate_of IS NOT NULL");
      assert.equal(dupHasPosition, hasPosition, 'a HasPosition re-signal not tagged as a duplicate');
      assert.equal(n('SELECT COUNT(*) AS n FROM signals s JOIN follow_ups f ON f.signal_id = s.signal_id WHERE s.duplicate_of IS NOT NULL'), 0);
      assert.equal(n('SELECT COUNT(*) AS n FROM signals d LEFT JOIN signals o ON o.signal_id = d.duplicate_of WHERE d.duplicate_of IS NOT NULL AND o.signal_id IS NULL'), 0);
      t.diagnostic(`HasPosition duplicates: ${hasPosition}, all duplicates: ${n('SELECT COUNT(*) AS n FROM signals WHERE duplicate_of IS NOT NULL')}`);
    } finally {
      db.close();
    }
    const reasons = [...text.matchAll(/^hip3_exit_trigger_to_flatten_seconds_count\{reason="([^"]+)"\}/gm)].map((m) => m[1]);
    assert.ok(reasons.length > 0 && !reasons.includes('exit'), `exit reasons: ${reasons.join(', ')}`);
  });
});
