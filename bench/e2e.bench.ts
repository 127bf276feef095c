// End to end as the demo runs it: hlsim (jumpy, seed 1) in ITS OWN process (`hip3 sim`, like the real venue on
// another machine), the bot in this process trading against it over real WebSockets with the demo's
// configuration. Figures from the bot's own probes: frame received (before parsing) → signed order frame
// written to the socket, for the frames that led to an entry / an exit; frame → decision for every market
// frame; decision → wire; exit trigger → flatten sent; post round trip. And the bot's event-loop delay: a 1 ms
// timer's lateness, sampled for the whole run — a stall (a GC, a synchronous write) delays every frame that
// arrives during it, which the frame probes cannot see (they start when the frame is read).
// Duration: HIP3_BENCH_E2E_SECONDS (default 30). The machine has 2 cores: hlsim's process takes a share.
// CPUs: hlsim is pinned to one CPU and the bot's main thread to another (taskset, when there are two). Unpinned,
// the bot's order write wakes hlsim over loopback and the kernel runs hlsim on the bot's CPU at once (a sync
// wake-up): the bot is preempted INSIDE its socket write until hlsim has matched the order and answered. Measured
// (involuntary context switches across the write): 1 for ~20 of 24 exits, write 550-950 µs; 0 for entries (hlsim
// is still busy sending the jump's frames then). The real venue is on another machine, where that cannot happen.
// HIP3_BENCH_E2E_PIN=0 turns the pinning off to see it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/app/config/load.ts';
import { demoConfigToml, startSimProcess } from '../src/app/modes/demo.ts';
import { startSession } from '../src/app/modes/session.ts';
import { TAG_ENTRY, TAG_EXIT, TAG_NONE } from '../src/app/trader/latency.ts';
import { approveAgentAction, generatePrivateKey, privateKeyToAddress, signUserSignedAction } from '../src/protocol/index.ts';
import type { BenchRecorder } from './harness.ts';

/** Lateness of a 1 ms timer, µs, one sample per tick. */
function sampleLoopDelay(): { stop(): Float64Array } {
  const out: number[] = [];
  let last = performance.now();
  const t = setInterval(() => {
    const now = performance.now();
    out.push(Math.max(0, now - last - 1) * 1000);
    last = now;
  }, 1);
  return {
    stop() {
      clearInterval(t);
      return Float64Array.from(out);
    },
  };
}

/** hlsim (all its threads) on the last CPU, this process's main thread on CPU 0; false when not possible. */
function pinApart(simPid: number): boolean {
  const cpus = availableParallelism();
  if (cpus < 2 || process.env.HIP3_BENCH_E2E_PIN === '0' || process.platform !== 'linux') return false;
  try {
    execFileSync('taskset', ['-a', '-cp', String(cpus - 1), String(simPid)], { stdio: 'ignore' });
    execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // no taskset: unpinned, said in the note
  }
}

/** This process's main thread back on every CPU (later benches of the same run). */
function unpin(): void {
  try {
    execFileSync('taskset', ['-cp', `0-${availableParallelism() - 1}`, String(process.pid)], { stdio: 'ignore' });
  } catch {
    // nothing was pinned
  }
}

export default async function (r: BenchRecorder): Promise<void> {
  const seconds = Number(process.env.HIP3_BENCH_E2E_SECONDS ?? 30);
  const dir = mkdtempSync(join(tmpdir(), 'hip3-e2e-bench-'));
  const masterKey = generatePrivateKey();
  const agentKey = generatePrivateKey();
  const master = privateKeyToAddress(masterKey).toLowerCase();
  const agent = privateKeyToAddress(agentKey).toLowerCase();
  const sim = await startSimProcess({ seed: 1, scenario: 'jumpy', fund: { [master]: 10_000 }, isMainnet: false });
  const pinned = pinApart(sim.pid);
  try {
    const action = approveAgentAction({ hyperliquidChain: 'Testnet', signatureChainId: '0x66eee', agentAddress: agent, nonce: Date.now() });
    const signature = signUserSignedAction({ action, privateKey: masterKey });
    const res = await fetch(`${sim.httpUrl}/exchange`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action, nonce: action.nonce, signature }) });
    const approved = (await res.json()) as { status?: string };
    if (approved.status !== 'ok') throw new Error(`approveAgent refused: ${JSON.stringify(approved)}`);
    const cfg = parseConfig(demoConfigToml({ httpUrl: sim.httpUrl, master, dataDir: dir, dashboardPort: 0, dashboard: false }));
    cfg.logging.status_interval_ms = 0;
    const session = await startSession({
      cfg,
      network: { wsUrl: sim.wsUrl, httpUrl: sim.httpUrl, isMainnet: false, label: sim.httpUrl, simulated: true },
      agentKey,
      out: process.stdout,
    });
    await session.ready;
    const loop = sampleLoopDelay();
    await new Promise((res) => setTimeout(res, seconds * 1000));
    const loopUs = loop.stop();
    const { summary } = await session.stop('bench');
    const l = session.bot.latency;
    const us = (a: Float64Array) => a.map((ns) => ns / 1000);
    r.latency('e2e.frame_to_wire.entry', 'µs', us(l.frameToWire.snapshot(TAG_ENTRY)));
    r.latency('e2e.frame_to_wire.exit', 'µs', us(l.frameToWire.snapshot(TAG_EXIT)));
    r.latency('e2e.frame_to_decision.no_order', 'µs', us(l.frameToDecision.snapshot(TAG_NONE)));
    r.latency('e2e.decision_to_wire', 'µs', us(l.decisionToWire.snapshot()));
    r.latency('e2e.exit_trigger_to_flatten_sent', 'µs', us(l.exitTriggerToFlatten.snapshot()));
    r.latency('e2e.post_round_trip', 'µs', us(l.postRoundTrip.snapshot()));
    r.latency('e2e.event_loop_delay', 'µs', loopUs);
    r.throughput('e2e.round_trips', 'count', summary.roundTrips);
    r.note(
      `${seconds} s jumpy seed 1 (after trading READY): ${summary.signals} signals, ${summary.entriesSent} entries, ${summary.roundTrips} round trips, ` +
        `win ${summary.winRate === null ? 'n/a' : (summary.winRate * 100).toFixed(0)} %, PnL ${summary.pnlUsd.toFixed(2)} USD net of fees; ` +
        `hlsim in its own process (pid ${sim.pid}, ${pinned ? 'pinned to another CPU than the bot' : 'NOT pinned: exits may include hlsim preempting the bot in its write'}); event_loop_delay = lateness of a 1 ms timer in the bot's process`,
    );
  } finally {
    if (pinned) unpin();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
