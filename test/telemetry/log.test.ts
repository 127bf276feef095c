import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createFileLogger, createTransitionLogger, formatStatusLine, type StatusSnapshot } from '../../src/telemetry/log.ts';

const dir = mkdtempSync(join(tmpdir(), 'hip3-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('createFileLogger', () => {
  it('writes JSON lines to a file (directories created) and flushes on close', async () => {
    const file = join(dir, 'a', 'b', 'hip3.log');
    const { logger, close } = createFileLogger({ file, level: 'info' });
    logger.info({ market: 'xyz:GOLD' }, 'hello');
    logger.debug('not at info');
    await close();
    const got = lines(file);
    assert.equal(got.length, 1);
    assert.equal(got[0].msg, 'hello');
    assert.equal(got[0].market, 'xyz:GOLD');
    assert.equal(typeof got[0].time, 'string');
  });
  it('censors secret-bearing keys and redacts registered secrets anywhere in a line', async () => {
    const file = join(dir, 'secret.log');
    const secret = 'deadbeef'.repeat(8);
    const { logger, close } = createFileLogger({ file, redact: (s) => s.replaceAll(secret, '[REDACTED]') });
    logger.info({ privateKey: 'abc', nested: { agentKey: 'def' } }, 'keys');
    logger.error({ err: new Error(`signing failed with ${secret}`) }, `oops ${secret}`);
    await close();
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(secret));
    assert.ok(!text.includes('"abc"') && !text.includes('"def"'));
    assert.equal(lines(file)[1].msg, 'oops [REDACTED]');
  });
});

describe('createTransitionLogger (incident #4: log flood from gate blocks)', () => {
  it('a persistent block writes one line, not one per tick; the release writes one more', async () => {
    const file = join(dir, 'flood.log');
    const { logger, close } = createFileLogger({ file, sync: true });
    let t = 0;
    const tl = createTransitionLogger(logger, () => t);
    for (let i = 0; i < 100_000; i++) {
      t += 10;
      tl.update('xyz:GOLD/spreadShock', 'blocked');
      tl.update('xyz:SILVER/spreadShock', i < 50_000 ? 'blocked' : 'pass');
    }
    await close();
    const got = lines(file);
    assert.equal(got.length, 3);
    assert.deepEqual(got.map((l) => [l.key, l.state]), [
      ['xyz:GOLD/spreadShock', 'blocked'],
      ['xyz:SILVER/spreadShock', 'blocked'],
      ['xyz:SILVER/spreadShock', 'pass'],
    ]);
    assert.equal(got[2].previousForMs, 500_000);
  });
});

describe('formatStatusLine', () => {
  const base: StatusSnapshot = {
    nowMs: Date.parse('2026-03-01T12:34:56Z'),
    marketsReady: 3,
    marketsTotal: 4,
    tradingReady: true,
    mode: 'trade',
    signals: 120,
    entries: 8,
    ordersSent: 16,
    openOrders: 1,
    positions: [{ market: 'xyz:GOLD', side: 'long', notionalUsd: 20.4 }],
    realisedPnlUsd: -0.1,
    unrealisedPnlUsd: 0.02,
    hardStop: { latched: false },
  };
  it('shows markets ready, signals, orders, position, PnL and hard stop on one line', () => {
    assert.equal(
      formatStatusLine(base),
      '12:34:56 markets 3/4 ready, trading READY | signals 120 (8 entered) | orders 16 (1 open) | xyz:GOLD long $20 | PnL -$0.08 (real -$0.10, unreal +$0.02) | hard stop off',
    );
  });
  it('says when flat or stopped: a latched hard stop never shows READY', () => {
    const line = formatStatusLine({ ...base, positions: [], hardStop: { latched: true, reason: 'cumulativeLoss' } });
    assert.match(line, /trading STOPPED \|/);
    assert.doesNotMatch(line, /READY/);
    assert.match(line, /\| flat \|/);
    assert.match(line, /HARD STOP: cumulativeLoss$/);
    assert.ok(!line.includes('\n'));
  });
  it('observe mode shows markets and signals only (no orders, position or PnL it cannot have)', () => {
    assert.equal(formatStatusLine({ ...base, mode: 'observe', positions: [], entries: 0, ordersSent: 0, openOrders: 0, realisedPnlUsd: 0, unrealisedPnlUsd: 0 }), '12:34:56 markets 3/4 ready, observe | signals 120');
  });
});
