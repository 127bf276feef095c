import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Journal } from '../../src/store/journal.ts';
import { sampleRoundTrip, sampleSignal } from './samples.ts';

const dir = mkdtempSync(join(tmpdir(), 'hip3-report-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = new URL('../../bin/hip3.js', import.meta.url).pathname;
const hip3 = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, HIP3_CONFIG: '' } });

describe('hip3 report', () => {
  const journal = join(dir, 'journal.sqlite');
  const j = new Journal({ path: journal });
  // Round trip ids start with their run's id, as the bot writes them.
  for (let i = 0; i < 60; i++) j.recordRoundTrip(sampleRoundTrip(i, i % 3 ? 0.03 : -0.01, { id: `run:xyz:GOLD:${i}` }));
  j.recordRun({ runId: 'run', startedMs: 0, network: 'http://127.0.0.1:1234', mode: 'trade', simulated: true, configJson: '{}' });
  j.close();

  it('prints the evaluation and writes the chart', () => {
    const out = join(dir, 'out');
    const r = hip3('report', '--journal', journal, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /VERDICT \(overall\): GO/);
    assert.match(r.stdout, /first 50 /);
    assert.ok(existsSync(join(out, 'report.html')));
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /id="pnl-chart"/);
  });
  it('takes its thresholds from the configuration and explains which one failed', () => {
    const cfg = join(dir, 'strict.toml');
    writeFileSync(cfg, '[report]\nmin_win_rate = 0.9\n');
    const r = hip3('report', '--journal', journal, '--out', dir, '--config', cfg);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /NO-GO: win rate 66\.7% < 90\.0%/);
  });
  it('a bad configuration exits 2 naming the key', () => {
    const cfg = join(dir, 'bad.toml');
    writeFileSync(cfg, '[report]\nmin_win_rat = 0.9\n');
    const r = hip3('report', '--journal', journal, '--config', cfg);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /report\.min_win_rat/);
  });
  it('leaves no -wal/-shm files behind (the journal is closed cleanly)', () => {
    const r = hip3('report', '--journal', journal, '--out', join(dir, 'out2'));
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('journal.sqlite')), ['journal.sqlite']);
  });
  it('a missing journal exits 1', () => {
    const r = hip3('report', '--journal', join(dir, 'nope.sqlite'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /journal/);
  });
});

describe('hip3 report: which runs', () => {
  const journal = join(dir, 'mixed', 'journal.sqlite');
  const j = new Journal({ path: journal });
  // A live run (testnet: all losses) before a simulated one (all wins): one verdict must never pool them.
  j.recordRun({ runId: 'live1', startedMs: 1_000, network: 'testnet', mode: 'trade', simulated: false, configJson: '{}' });
  j.recordRun({ runId: 'sim1', startedMs: 2_000, network: 'http://127.0.0.1:1', mode: 'trade', simulated: true, configJson: '{}' });
  j.recordRun({ runId: 'sim2', startedMs: 3_000, network: 'http://127.0.0.1:2', mode: 'trade', simulated: true, configJson: '{}' });
  for (let i = 0; i < 5; i++) j.recordRoundTrip(sampleRoundTrip(i, -0.02, { id: `live1:xyz:GOLD:${i}` }));
  for (let i = 0; i < 3; i++) j.recordRoundTrip(sampleRoundTrip(10 + i, 0.03, { id: `sim1:xyz:GOLD:${i}` }));
  for (let i = 0; i < 2; i++) j.recordRoundTrip(sampleRoundTrip(20 + i, 0.03, { id: `sim2:xyz:GOLD:${i}` }));
  j.close();

  it('default: every run of the latest run\'s kind (hlsim here), never the live one', () => {
    const r = hip3('report', '--journal', journal);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /hip3 report — 5 round trips/);
    assert.match(r.stdout, /Source: 2 run\(s\)/);
    assert.match(r.stdout, /come from hlsim/);
  });
  it('--run latest, --run <id>', () => {
    assert.match(hip3('report', '--journal', journal, '--run', 'latest').stdout, /— 2 round trips/);
    const live = hip3('report', '--journal', journal, '--run', 'live1');
    assert.match(live.stdout, /— 5 round trips/);
    assert.doesNotMatch(live.stdout, /hlsim/);
    const nope = hip3('report', '--journal', journal, '--run', 'nope');
    assert.equal(nope.status, 1);
    assert.match(nope.stderr, /no run 'nope'.*live1, sim1, sim2/);
  });
  it('--run all refuses to mix simulated and live runs', () => {
    const r = hip3('report', '--journal', journal, '--run', 'all');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /different kinds \(testnet, hlsim\)/);
  });
  it('--list-runs lists them with their round trips', () => {
    const r = hip3('report', '--journal', journal, '--list-runs');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^live1\s+1970-01-01 00:00:01\s+testnet\s+testnet\s+trade\s+5\s+0$/m);
    assert.match(r.stdout, /^sim2\s+\S+ \S+\s+hlsim\s+http:\/\/127\.0\.0\.1:2\s+trade\s+2\s+0$/m);
  });
});

describe('hip3 report on an observe-mode journal (no round trips)', () => {
  const journal = join(dir, 'observe', 'journal.sqlite');
  const j = new Journal({ path: journal });
  j.recordRun({ runId: 'obs1', startedMs: 1_000, network: 'http://127.0.0.1:3', mode: 'observe', simulated: true, configJson: '{}' });
  // Four buy signals on GOLD: oracle 100, ask 99.8 → raw edge 20 bps at the signal. Their follow-ups decay:
  // T+1 s 10, 20, 30, 40 bps; T+3 s 4, 2, -2, -4; T+5 s all -5. A fifth row is a duplicate of the first.
  const edges1 = [10, 20, 30, 40];
  const edges3 = [4, 2, -2, -4];
  for (let i = 0; i < 4; i++) {
    const id = `obs1-${i + 1}`;
    j.recordSignal(sampleSignal(i, { signalId: id, market: 'xyz:GOLD', side: 'buy', oraclePx: 100, bidPx: 99.6, askPx: 99.8, edgeBps: 12 + i, decision: 'observed', rejectReason: 'ReadyTrading' }));
    for (const [off, e] of [[1000, edges1[i]], [3000, edges3[i]], [5000, -5]] as const)
      j.recordFollowUp({ signalId: id, offsetMs: off, capturedMs: 2_000 + off, oraclePx: 100, bidPx: 99.6, askPx: 99.8, edgeBps: e });
  }
  j.recordSignal(sampleSignal(9, { signalId: 'obs1-5', market: 'xyz:GOLD', side: 'buy', edgeBps: 500, decision: 'observed', duplicateOf: 'obs1-1' }));
  j.close();

  it('reports signal statistics: per market, edge distribution, follow-up decay (mean, median, share positive)', () => {
    const out = join(dir, 'observe-out');
    const r = hip3('report', '--journal', journal, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Signals: 4 distinct \(observed 4\)/);
    assert.match(r.stdout, /edge at the signal \(detector\): mean 13\.50 bps, median 13\.50 bps/);
    assert.match(r.stdout, /raw edge at the signal \(oracle vs touch\): mean 20\.00 bps/);
    assert.match(r.stdout, /T\+1 s\s+n=4\s+mean 25\.00 bps\s+median 25\.00 bps\s+still positive 100\.0%/);
    assert.match(r.stdout, /T\+3 s\s+n=4\s+mean 0\.00 bps\s+median 0\.00 bps\s+still positive 50\.0%/);
    assert.match(r.stdout, /T\+5 s\s+n=4\s+mean -5\.00 bps\s+median -5\.00 bps\s+still positive 0\.0%/);
    assert.match(r.stdout, /xyz:GOLD\s+4 signal\(s\)/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /<h2 id="signal-stats">Signals: 4 distinct<\/h2>/);
    assert.match(html, /<td>T\+3 s<\/td><td>4<\/td><td>0\.00<\/td><td>0\.00<\/td><td>50\.0%<\/td>/);
    assert.deepEqual(readdirSync(join(dir, 'observe')), ['journal.sqlite']);
  });
});
