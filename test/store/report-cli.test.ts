import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Journal } from '../../src/store/journal.ts';
import { sampleRoundTrip } from './samples.ts';

const dir = mkdtempSync(join(tmpdir(), 'hip3-report-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = new URL('../../bin/hip3.js', import.meta.url).pathname;
const hip3 = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, HIP3_CONFIG: '' } });

describe('hip3 report', () => {
  const journal = join(dir, 'journal.sqlite');
  const j = new Journal({ path: journal });
  for (let i = 0; i < 60; i++) j.recordRoundTrip(sampleRoundTrip(i, i % 3 ? 0.03 : -0.01));
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
  it('a missing journal exits 1', () => {
    const r = hip3('report', '--journal', join(dir, 'nope.sqlite'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /journal/);
  });
});
