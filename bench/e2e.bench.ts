// End to end in one process: hlsim (jumpy) and the bot trading against it over real WebSockets, with the
// demo's configuration. Figures from the bot's own probes: frame received (before parsing) → signed order
// frame written to the socket, for the frames that led to an order; frame → decision for every market frame;
// decision → wire; exit trigger → flatten sent; post round trip. hlsim shares the event loop and the two
// cores, so the figures include its load (a separate venue would only make them better).
// Duration: HIP3_BENCH_E2E_SECONDS (default 30).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/app/config/load.ts';
import { demoConfigToml } from '../src/app/modes/demo.ts';
import { startSession } from '../src/app/modes/session.ts';
import { TAG_ENTRY, TAG_EXIT, TAG_NONE } from '../src/app/trader/latency.ts';
import { approveAgentAction, generatePrivateKey, privateKeyToAddress, signUserSignedAction } from '../src/protocol/index.ts';
import { startSim } from '../src/sim/index.ts';
import type { BenchRecorder } from './harness.ts';

export default async function (r: BenchRecorder): Promise<void> {
  const seconds = Number(process.env.HIP3_BENCH_E2E_SECONDS ?? 30);
  const dir = mkdtempSync(join(tmpdir(), 'hip3-e2e-bench-'));
  const masterKey = generatePrivateKey();
  const agentKey = generatePrivateKey();
  const master = privateKeyToAddress(masterKey).toLowerCase();
  const agent = privateKeyToAddress(agentKey).toLowerCase();
  const sim = await startSim({ port: 0, adminPort: null, seed: 1, scenario: 'jumpy', fund: { [master]: 10_000 }, isMainnet: false });
  try {
    const action = approveAgentAction({ hyperliquidChain: 'Testnet', signatureChainId: '0x66eee', agentAddress: agent, nonce: Date.now() });
    const signature = signUserSignedAction({ action, privateKey: masterKey });
    await fetch(`${sim.httpUrl}/exchange`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action, nonce: action.nonce, signature }) });
    const cfg = parseConfig(demoConfigToml({ httpUrl: sim.httpUrl, master, dataDir: dir, dashboardPort: 0, dashboard: false }));
    cfg.logging.status_interval_ms = 0;
    const session = await startSession({
      cfg,
      network: { wsUrl: sim.wsUrl, httpUrl: sim.httpUrl, isMainnet: false, label: sim.httpUrl, simulated: true },
      agentKey,
      out: process.stdout,
    });
    await new Promise((res) => setTimeout(res, seconds * 1000));
    const { summary } = await session.stop('bench');
    const l = session.bot.latency;
    const us = (a: Float64Array) => a.map((ns) => ns / 1000);
    r.latency('e2e_frame_to_order_wire_entry', 'us', us(l.frameToWire.snapshot(TAG_ENTRY)));
    r.latency('e2e_frame_to_order_wire_exit', 'us', us(l.frameToWire.snapshot(TAG_EXIT)));
    r.latency('e2e_frame_to_decision_no_order', 'us', us(l.frameToDecision.snapshot(TAG_NONE)));
    r.latency('e2e_decision_to_wire', 'us', us(l.decisionToWire.snapshot()));
    r.latency('e2e_exit_trigger_to_flatten_sent', 'us', us(l.exitTriggerToFlatten.snapshot()));
    r.latency('e2e_post_round_trip', 'us', us(l.postRoundTrip.snapshot()));
    r.throughput('e2e_round_trips', 'count', summary.roundTrips);
    r.note(
      `${seconds} s jumpy seed 1: ${summary.signals} signals, ${summary.entriesSent} entries, ${summary.roundTrips} round trips, ` +
        `win ${summary.winRate === null ? 'n/a' : (summary.winRate * 100).toFixed(0)} %, PnL ${summary.pnlUsd.toFixed(2)} USD net of fees; hlsim in the same process`,
    );
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
