import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import { type DashboardHandle, startDashboard } from '../../src/telemetry/dashboard/index.ts';
import { ScriptedSource, sampleDashboardSignal } from './scripted-source.ts';

function wsUrl(d: DashboardHandle, token = d.token): string {
  return `ws://127.0.0.1:${d.port}/ws?token=${encodeURIComponent(token)}`;
}

/** Opens a client and collects its messages. */
async function client(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; messages: { type: string; data?: unknown; ok?: boolean }[]; next(type: string): Promise<unknown> }> {
  const ws = new WebSocket(url, { headers });
  const messages: { type: string; data?: unknown }[] = [];
  const waiters: { type: string; resolve: (m: unknown) => void }[] = [];
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw));
    messages.push(m);
    for (const w of waiters.splice(0)) {
      if (w.type === m.type) w.resolve(m);
      else waiters.push(w);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, next: (type) => new Promise((resolve) => waiters.push({ type, resolve })) };
}

function refused(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => {});
  });
}

describe('dashboard server', () => {
  const source = new ScriptedSource();
  const secret = 'f00d'.repeat(16);
  let dash: DashboardHandle;
  const open: WebSocket[] = [];
  after(async () => {
    for (const ws of open) ws.terminate();
    await dash?.close();
  });

  it('listens on 127.0.0.1 with a random token in its URL', async () => {
    dash = await startDashboard({ source, port: 0, pushIntervalMs: 20, redact: (s) => s.replaceAll(secret, '[REDACTED]') });
    assert.match(dash.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    const other = await startDashboard({ source, port: 0 });
    assert.notEqual(other.token, dash.token);
    await other.close();
  });

  it('serves the page, the JSON snapshot, and refuses a wrong or missing token', async () => {
    const page = await fetch(dash.url);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<script>/);
    assert.ok(!/src=|href=/.test(html), 'self-contained: nothing loaded from elsewhere');
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal((await fetch(dash.url.replace(/token=.*/, 'token=wrong'))).status, 403);
    assert.equal((await fetch(`http://127.0.0.1:${dash.port}/`)).status, 403);
    const api = await fetch(`http://127.0.0.1:${dash.port}/api/snapshot?token=${dash.token}`);
    assert.equal(((await api.json()) as { snapshot: { markets: unknown[] } }).snapshot.markets.length, 2);
    assert.equal((await fetch(`http://127.0.0.1:${dash.port}/api/snapshot`)).status, 403);
  });

  it('the WebSocket refuses a wrong token or a foreign origin', async () => {
    assert.equal(await refused(wsUrl(dash, 'nope')), 403);
    assert.equal(await refused(`ws://127.0.0.1:${dash.port}/ws`), 403);
    assert.equal(await refused(wsUrl(dash), { origin: 'http://evil.example' }), 403);
    assert.equal(await refused(wsUrl(dash), { origin: `http://127.0.0.1:${dash.port}` }), 101);
  });

  it('sends recent signals then snapshots on its timer, and events as they happen', async () => {
    source.signals = [sampleDashboardSignal(1), sampleDashboardSignal(2)];
    dash.push({ type: 'signal', data: sampleDashboardSignal(0) }); // nobody connected: nothing to do
    const c = await client(wsUrl(dash));
    open.push(c.ws);
    const first = c.messages.length ? c.messages[0] : await c.next('signals');
    assert.equal((first as { type: string }).type, 'signals');
    assert.deepEqual(((first as { data: { id: string }[] }).data).map((s) => s.id), ['sig-1', 'sig-2'], 'a newcomer gets the source\'s recent signals');
    source.step();
    const snap = (await c.next('snapshot')) as { data: { nowMs: number } };
    source.step();
    const later = (await c.next('snapshot')) as { data: { nowMs: number } };
    assert.ok(later.data.nowMs >= snap.data.nowMs, 'snapshots follow the source');
    const sig = c.next('signal');
    dash.push({ type: 'signal', data: sampleDashboardSignal(9) });
    assert.equal(((await sig) as { data: { id: string } }).data.id, 'sig-9');
  });

  it('a hard-stop command calls the app back, acks, and the next snapshot shows it', async () => {
    const c = await client(wsUrl(dash));
    open.push(c.ws);
    const ack = c.next('ack');
    c.ws.send(JSON.stringify({ type: 'hardStop', reason: 'test' }));
    assert.deepEqual(await ack, { type: 'ack', action: 'hardStop', ok: true });
    assert.deepEqual(source.hardStopCalls, ['test']);
    const snap = (await c.next('snapshot')) as { data: { hardStop: { latched: boolean }; positions: unknown[] } };
    assert.equal(snap.data.hardStop.latched, true);
    assert.deepEqual(snap.data.positions, []);
    c.ws.send('not json');
    c.ws.send(JSON.stringify({ type: 'somethingElse' }));
    await c.next('snapshot');
    assert.equal(source.hardStopCalls.length, 1, 'nothing but the hard stop is a command');
  });

  it('every payload goes through the redactor', async () => {
    source.secretInState = `leak ${secret}`;
    const c = await client(wsUrl(dash));
    open.push(c.ws);
    const snap = (await c.next('snapshot')) as { data: { readiness: { detail: string } } };
    assert.equal(snap.data.readiness.detail, 'leak [REDACTED]');
    const api = await (await fetch(`http://127.0.0.1:${dash.port}/api/snapshot?token=${dash.token}`)).text();
    assert.ok(!api.includes(secret));
  });

  it('limits the number of browsers', async () => {
    const small = await startDashboard({ source, port: 0, maxClients: 1 });
    const c = await client(wsUrl(small));
    assert.equal(await refused(wsUrl(small)), 503);
    c.ws.terminate();
    await small.close();
  });
});
