// The dashboard of a running `hip3 demo` in a real browser (Debian's Chromium driven by playwright-core):
// markets and round trips update live; the hard-stop button (arm, then confirm) latches the bot's hard stop and
// every position goes flat — in the page and at hlsim (the demo's shutdown checks the venue).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { startCli, tempDir } from './cli-helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

describe('demo dashboard in Chromium', () => {
  it('shows the demo trading live; the hard-stop button flattens everything', async (t) => {
    if (!existsSync(CHROMIUM)) {
      t.skip(`${CHROMIUM} is not installed (apt-get install chromium; .ci/run installs it)`);
      return;
    }
    const dir = tempDir(t, 'hip3-demo-browser-');
    const demo = startCli(['demo', '--seed', '3', '--data-dir', join(dir, 'run'), '--duration', '60']);
    t.after(() => {
      if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
    });
    const url = (await demo.waitFor(/dashboard\s+(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/))[1];
    await demo.waitFor(/trading READY/);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.locator('#conn-status', { hasText: 'live' }).waitFor();
    await page.locator('#markets tr[data-market="xyz:GOLD"]').waitFor();
    assert.equal(await page.locator('#markets tbody tr').count(), 32);
    await page.locator('#readiness', { hasText: 'READY' }).waitFor();

    // Round trips happen and the page follows them.
    const roundTrips = page.locator('#trades .big');
    await page.waitForFunction(() => Number((globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector('#trades .big')?.textContent ?? '0') >= 1, undefined, { timeout: 30_000 });
    assert.ok(Number(await roundTrips.textContent()) >= 1);
    // Wait for an open position to be on screen, then stop everything.
    await page.locator('#positions tr[data-market]').first().waitFor({ timeout: 30_000 });

    const button = page.locator('#hard-stop-btn');
    await button.click();
    await page.locator('#hard-stop-btn.armed').waitFor();
    await button.click();
    await page.locator('#hard-stop-state', { hasText: 'HARD STOP' }).waitFor();
    await page.locator('#positions td.empty').waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('#positions tr[data-market]').count(), 0, 'every position is flat');
    assert.deepEqual(errors, []);

    demo.child.kill('SIGINT');
    const r = await demo.done;
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /hard stop LATCHED \(operator: dashboard: /);
    assert.match(r.stdout, /shutdown: flat at the venue/);
  });
});
