// hlsim started for one test with its WS clients; everything is closed after the test (clients first).
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
