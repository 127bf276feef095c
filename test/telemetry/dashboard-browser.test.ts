// The dashboard in a real browser: Debian's Chromium driven by playwright-core. A scripted source moves
// the markets; the test sees them update, presses the hard-stop button (arm + confirm), sees the app's
// callback fire and every position go flat, and checks that a wrong token gets nothing.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { startDashboard } from '../../src/telemetry/dashboard/index.ts';
import { ScriptedSource, sampleDashboardSignal } from './scripted-source.ts';

const CHROMIUM = '/usr/bin/chromium';
// Flags from the machine notes: without the background-networking ones Chromium tries to reach Google's hosts.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

describe('dashboard in Chromium', () => {
  it('shows live markets, signals and positions; the hard-stop button stops and flattens; a wrong token is refused', async (t) => {
    if (!existsSync(CHROMIUM)) {
      t.skip(`${CHROMIUM} is not installed (apt-get install chromium; .ci/run installs it)`);
      return;
    }
    const source = new ScriptedSource();
    source.signals = [sampleDashboardSignal(1)];
    const dash = await startDashboard({ source, port: 0, pushIntervalMs: 50 });
    const mover = setInterval(() => source.step(), 60);
    let browser: Browser | undefined;
    t.after(async () => {
      clearInterval(mover);
      await browser?.close();
      await dash.close();
    });
    // Playwright gives the browser a new empty profile directory of its own.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));

    // A wrong token: the page is refused, and nothing of the state is shown.
    const refused = await page.goto(dash.url.replace(/token=.*/, 'token=wrong'));
    assert.equal(refused?.status(), 403);
    assert.ok(!(await page.content()).includes('xyz:GOLD'));

    await page.goto(dash.url);
    await page.locator('#conn-status', { hasText: 'live' }).waitFor();
    const goldOracle = page.locator('#markets tr[data-market="xyz:GOLD"] td').nth(1);
    await goldOracle.waitFor();
    const first = await goldOracle.textContent();
    // Markets update live: the oracle cell changes as the source moves.
    await page.waitForFunction(
      ([sel, before]) => {
        const cell = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector(sel);
        return cell !== null && cell.textContent !== before;
      },
      ['#markets tr[data-market="xyz:GOLD"] td:nth-child(2)', first] as const,
    );
    assert.equal(await page.locator('#markets tbody tr').count(), 2);
    await page.locator('#readiness', { hasText: 'READY' }).waitFor();
    assert.equal(await page.locator('#positions tr[data-market="xyz:GOLD"]').count(), 1);

    // Signals arrive as they are pushed, with their gate verdicts.
    dash.push({ type: 'signal', data: sampleDashboardSignal(7) });
    const sig = page.locator('[data-signal="sig-7"]');
    await sig.waitFor();
    assert.match((await sig.textContent()) ?? '', /xyz:GOLD.*sell.*rejected.*MaxPositionTotal/);
    assert.equal(await page.locator('[data-signal="sig-7"] .chip.block').count(), 1);
    assert.equal(await page.locator('[data-signal="sig-7"] .chip:not(.block)').textContent(), '✓ 1 gate');
    assert.equal(await page.locator('#pnl-line').count(), 1);
    assert.ok((await page.locator('#latency .hist-row').count()) >= 5);

    await page.screenshot({ path: '/tmp/hip3-dashboard.png', fullPage: true });

    // Hard stop: the first click only arms the button.
    const button = page.locator('#hard-stop-btn');
    await button.click();
    await page.locator('#hard-stop-btn.armed').waitFor();
    assert.deepEqual(source.hardStopCalls, []);
    await button.click();
    await page.locator('#hard-stop-state', { hasText: 'HARD STOP' }).waitFor();
    assert.deepEqual(source.hardStopCalls, ['dashboard button']);
    await page.locator('#positions td.empty').waitFor();
    assert.equal(await page.locator('#positions tr[data-market]').count(), 0, 'every position is flat');
    assert.equal(await button.isDisabled(), true);
    assert.match((await page.locator('#banner').textContent()) ?? '', /Hard stop latched.*flat/);
    await page.screenshot({ path: '/tmp/hip3-dashboard-stopped.png', fullPage: true });
    assert.deepEqual(errors, []);
  });
});
