// The agent key never reaches any sink: logs, journal, metrics, dashboard. Every sink is given the app's
// redactor and then fed text that contains the key (an error message quoting it, a field named after it).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import WebSocket from 'ws';
import { AGENT_KEY_ENV, createRedactor, loadAgentKey } from '../../src/app/config/secrets.ts';
import { Journal } from '../../src/store/journal.ts';
import { startDashboard } from '../../src/telemetry/dashboard/index.ts';
import { createFileLogger } from '../../src/telemetry/log.ts';
import { Metrics } from '../../src/telemetry/metrics.ts';
import { ScriptedSource } from '../telemetry/scripted-source.ts';

const dir = mkdtempSync(join(tmpdir(), 'hip3-leak-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('secrets never leak', () => {
  const hex = Buffer.from(secp256k1.utils.randomSecretKey()).toString('hex');
  const agent = loadAgentKey({ env: { [AGENT_KEY_ENV]: hex } })!;
  const redactor = createRedactor([agent.privateKey]);
  const variants = [hex, hex.toUpperCase(), hex.slice(0, 32), hex.slice(32)];
  const assertClean = (what: string, text: string) => {
    for (const v of variants) assert.ok(!text.includes(v), `${what} contains the key (or half of it)`);
  };

  it('logs', async () => {
    const file = join(dir, 'hip3.log');
    const { logger, close } = createFileLogger({ file, redact: redactor.text });
    logger.info({ privateKey: agent.privateKey, agentKey: hex }, 'starting');
    logger.error({ err: new Error(`could not sign with ${agent.privateKey}`) }, `signer failed: ${hex.toUpperCase()}`);
    logger.warn({ config: { note: `0x${hex}` } }, 'config echo');
    await close();
    const text = readFileSync(file, 'utf8');
    assert.equal(text.split('\n').filter(Boolean).length, 3);
    assertClean('log', text);
  });

  it('journal (every file of the database, WAL included)', () => {
    const jdir = join(dir, 'journal');
    const j = new Journal({ path: join(jdir, 'journal.sqlite'), redact: redactor.text });
    j.recordSignal({
      signalId: 's1', tsMs: 1, market: 'xyz:GOLD', side: 'buy', oraclePx: 1, bidPx: 1, askPx: 1, edgeBps: 1, netEdgeBps: 1,
      decision: 'rejected', rejectReason: `weird ${hex}`, inputs: { echo: agent.privateKey }, verdicts: [{ gate: 'g', pass: false, reason: hex }],
    });
    j.recordOrder({ cloid: 'c', market: 'xyz:GOLD', side: 'buy', kind: 'entry', reduceOnly: false, tif: 'Ioc', px: 1, sz: 1, createdMs: 1 });
    j.recordOrderStatus({ cloid: 'c', tsMs: 2, status: 'rejected', detail: `venue said ${hex}` });
    j.recordHardStop({ tsMs: 3, event: 'latched', reason: `r ${hex}`, detail: agent.privateKey });
    j.recordRun({ runId: 'r', startedMs: 0, network: 'x', mode: 'trade', simulated: true, configJson: JSON.stringify({ k: hex }) });
    j.flush();
    const live = readdirSync(jdir).map((f) => readFileSync(join(jdir, f)).toString('latin1')).join('');
    j.close();
    const closed = readdirSync(jdir).map((f) => readFileSync(join(jdir, f)).toString('latin1')).join('');
    assertClean('journal', live + closed);
    assert.ok(closed.includes('[REDACTED]'));
  });

  it('metrics', async () => {
    const m = new Metrics({ redact: redactor.text });
    m.countRejection('venue', `User or API Wallet ${hex} does not exist`);
    m.observeExitTriggerToFlatten(1000, `reason ${hex}`);
    m.countRoundTrip('xyz:GOLD', `x${hex}`, 1);
    assertClean('metrics', await m.exposition());
  });

  it('dashboard payloads (page JSON and WebSocket)', async () => {
    const source = new ScriptedSource();
    source.secretInState = `signer ${agent.privateKey}`;
    const dash = await startDashboard({ source, port: 0, pushIntervalMs: 20, redact: redactor.text });
    try {
      const api = await (await fetch(`http://127.0.0.1:${dash.port}/api/snapshot?token=${dash.token}`)).text();
      assertClean('dashboard JSON', api);
      const ws = new WebSocket(`ws://127.0.0.1:${dash.port}/ws?token=${dash.token}`);
      const received: string[] = [];
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (raw) => {
          received.push(String(raw));
          if (received.length === 1) {
            dash.push({ type: 'alert', data: { level: 'error', message: `key ${hex}`, tsMs: 1 } });
          }
          if (received.some((r) => r.includes('"alert"')) && received.some((r) => r.includes('"snapshot"'))) resolve();
        });
        ws.on('error', reject);
      });
      ws.terminate();
      assertClean('dashboard WebSocket', received.join('\n'));
      assert.ok(received.join('').includes('[REDACTED]'));
    } finally {
      await dash.close();
    }
  });
});
