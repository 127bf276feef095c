// `hip3 demo` end to end as a user runs it: hlsim in process, throwaway keys, a real approveAgent, the bot in
// trade mode; it must stop by itself after --duration with exit 0, a summary that shows real round trips
// (cross-checked against hlsim's own account value), flat at the venue; then `hip3 report` on its journal
// prints the evaluation and writes the chart.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { runCli, tempDir } from './cli-helpers.ts';

describe('hip3 demo', () => {
  it('trades against hlsim for --duration seconds, ends by itself with a summary; hip3 report evaluates its journal', async (t) => {
    const dir = tempDir(t, 'hip3-demo-');
    const dataDir = join(dir, 'run');
    const demo = await runCli(['demo', '--duration', '14', '--seed', '3', '--data-dir', dataDir], { timeoutMs: 60_000 });
    assert.equal(demo.code, 0, `demo exit ${demo.code}\nstdout:\n${demo.stdout}\nstderr:\n${demo.stderr}`);
    const out = demo.stdout;
    assert.match(out, /dashboard\s+http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    assert.match(out, /trading READY/);
    assert.match(out, /── summary/);
    const rt = Number(/exits\s+(\d+) round trips/.exec(out)?.[1]);
    const entries = Number(/entries\s+(\d+) sent/.exec(out)?.[1]);
    assert.ok(entries > 0, `no entry in the summary:\n${out}`);
    assert.ok(rt > 0, `no round trip in the summary:\n${out}`);
    assert.match(out, /win rate\s+\d/);
    assert.match(out, /frame → decision\s+p50 [\d.]+ [µm]s\s+p99/);
    assert.match(out, /shutdown: flat at the venue/);

    // The PnL the bot reports is the venue's: hlsim's account value moved by the same amount.
    const botPnl = Number(/PnL net fees\s+(-?)\$([\d.]+)/.exec(out)?.slice(1, 3).join(''));
    const venuePnl = Number(/hlsim account \(dex xyz\): [\d.]+ → [\d.]+ USDC \(([+-][\d.]+)\)/.exec(out)?.[1]);
    assert.ok(Number.isFinite(botPnl) && Number.isFinite(venuePnl), out);
    assert.ok(Math.abs(botPnl - venuePnl) <= 0.02, `bot PnL ${botPnl} vs hlsim account ${venuePnl}`);

    const journal = join(dataDir, 'journal.sqlite');
    assert.ok(existsSync(journal));
    const db = new DatabaseSync(journal, { readOnly: true });
    const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    try {
      assert.equal(n('SELECT COUNT(*) AS n FROM round_trips'), rt);
      assert.ok(n("SELECT COUNT(*) AS n FROM signals WHERE decision = 'entered'") >= entries);
      assert.ok(n('SELECT COUNT(*) AS n FROM fills') >= 2 * rt);
      assert.ok(n("SELECT COUNT(*) AS n FROM orders WHERE kind = 'entry'") >= entries);
      // every entry order points at the signal that decided it
      assert.equal(n("SELECT COUNT(*) AS n FROM orders o WHERE kind = 'entry' AND NOT EXISTS (SELECT 1 FROM signals s WHERE s.signal_id = o.signal_id AND s.decision = 'entered')"), 0);
      assert.ok(n('SELECT COUNT(*) AS n FROM follow_ups') > 0);
      assert.equal(n('SELECT COUNT(*) AS n FROM runs WHERE simulated = 1'), 1);
    } finally {
      db.close();
    }

    const report = await runCli(['report', '--journal', journal], { timeoutMs: 30_000 });
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, new RegExp(`${rt} round trips`));
    assert.match(report.stdout, /verdict:/);
    assert.match(report.stdout, /hlsim/);
    const chart = /chart: (.+report\.html)/.exec(report.stdout)?.[1];
    assert.ok(chart !== undefined && existsSync(chart), report.stdout);
    assert.match(readFileSync(chart, 'utf8'), /<svg/);
  });
});
