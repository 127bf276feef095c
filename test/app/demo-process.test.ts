// `hip3 demo` runs hlsim as a child process: no process may outlive the demo, whichever of the two dies first,
// and a run without signals says why with the edges it actually saw.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, sleep, startCli, tempDir } from './cli-helpers.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits (bounded) for a process to be gone; no timing is asserted, only that it goes. */
async function gone(pid: number, maxMs = 20_000): Promise<boolean> {
  for (let waited = 0; waited < maxMs; waited += 100) {
    if (!alive(pid)) return true;
    await sleep(100);
  }
  return !alive(pid);
}

const simPid = (out: string) => Number(/hlsim \(scenario \S+, seed \d+, process (\d+)\)/.exec(out)?.[1]);

describe('hip3 demo: hlsim in its own process', () => {
  it('structural-basis: no signal, and the summary says why with the largest edge seen vs the threshold; hlsim is gone after', async (t) => {
    const dir = tempDir(t, 'hip3-demo-sb-');
    const demo = await runCli(['demo', '--duration', '8', '--scenario', 'structural-basis', '--seed', '1', '--no-dashboard', '--data-dir', join(dir, 'run')], {
      timeoutMs: 60_000,
    });
    assert.equal(demo.code, 0, `demo exit ${demo.code}\nstdout:\n${demo.stdout}\nstderr:\n${demo.stderr}`);
    const out = demo.stdout;
    assert.match(out, /signals\s+0\b/);
    const m = /0 dislocations cleared the threshold in \d+ s: the largest edge seen was (-?[\d.]+) bps \((xyz:\S+) (buy|sell)\) vs the ([\d.]+) bps needed .*?(\d+) samples/.exec(out);
    assert.ok(m !== null, `no explanation in:\n${out}`);
    const [largest, needed, samples] = [Number(m[1]), Number(m[4]), Number(m[5])];
    assert.ok(largest < needed, `${largest} bps would have cleared ${needed} bps`);
    assert.equal(needed, 2 * 9 + 5 + 5, 'the demo configuration: both taker fees, slippage allowance, minimum net edge');
    assert.ok(samples > 0);
    assert.match(out, /event loop delay\s+p50 [\d.]+ [µm]s\s+p99 [\d.]+ [µm]s\s+max/);
    const pid = simPid(out);
    assert.ok(Number.isInteger(pid) && pid > 0, out);
    assert.ok(await gone(pid), `hlsim (pid ${pid}) outlived the demo`);
  });

  it('hlsim dying mid-run: the demo says so and exits non-zero, leaving no process', async (t) => {
    const dir = tempDir(t, 'hip3-demo-simdies-');
    const demo = startCli(['demo', '--seed', '2', '--no-dashboard', '--data-dir', join(dir, 'run')]);
    t.after(() => demo.child.kill('SIGKILL'));
    await demo.waitFor(/trading READY/, 45_000);
    const pid = simPid(demo.stdout());
    process.kill(pid, 'SIGKILL');
    const r = await demo.done;
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stdout, /hlsim \(process \d+\) exited unexpectedly \(code null, signal SIGKILL\)/);
    assert.ok(await gone(pid));
  });

  it('the demo dying (SIGKILL, no handler runs): hlsim stops by itself', async (t) => {
    const dir = tempDir(t, 'hip3-demo-dies-');
    const demo = startCli(['demo', '--seed', '2', '--no-dashboard', '--data-dir', join(dir, 'run')]);
    t.after(() => demo.child.kill('SIGKILL'));
    await demo.waitFor(/trading READY/, 45_000);
    const pid = simPid(demo.stdout());
    assert.ok(alive(pid));
    t.after(() => {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    });
    demo.child.kill('SIGKILL');
    await demo.done;
    assert.ok(await gone(pid), `hlsim (pid ${pid}) outlived a killed demo`);
  });
});
