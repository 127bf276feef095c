// hlsim started for one test with its WS clients; everything is closed after the test (clients first).
// Exact decimal arithmetic for checking the venue's strings independently of the exchange's own parser.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { type SimHandle, type StartSimOptions, startSim } from '../../src/sim/index.ts';
import { WsClient } from './client.ts';

/**
 * Starts hlsim and connects `count` WS clients. `ws` is also the list closed after the test: clients a test
 * connects later and pushes onto it are closed too.
 */
export async function startSimWithClients(t: TestContext, opts: StartSimOptions, count = 1): Promise<{ sim: SimHandle; ws: WsClient[] }> {
  const sim = await startSim(opts);
  const ws: WsClient[] = [];
  t.after(async () => {
    for (const c of ws) await c.close();
    await sim.stop();
  });
  for (let i = 0; i < count; i++) ws.push(await WsClient.connect(sim.wsUrl));
  return { sim, ws };
}

/** Exact decimal string → integer × 10^decimals (refuses a string with more decimals than that). */
export function scaledInt(s: string, decimals: number): bigint {
  const neg = s.startsWith('-');
  const [i, f = ''] = (neg ? s.slice(1) : s).split('.');
  assert.ok(f.length <= decimals || /^0*$/.test(f.slice(decimals)), `more than ${decimals} decimals: ${s}`);
  const v = BigInt(i + f.padEnd(decimals, '0').slice(0, decimals));
  return neg ? -v : v;
}
