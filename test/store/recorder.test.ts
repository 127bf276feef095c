import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { epochNsClock, FeedRecorder, parseFeedText, utcDayOf } from '../../src/store/recorder.ts';

const dir = mkdtempSync(join(tmpdir(), 'hip3-recorder-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ns = (iso: string, extraNs = 0n) => BigInt(Date.parse(iso)) * 1_000_000n + extraNs;
const bbo = (i: number) => JSON.stringify({ channel: 'bbo', data: { coin: 'xyz:GOLD', time: i, bbo: [{ px: '100', sz: '1', n: 1 }, null] } });

describe('FeedRecorder', () => {
  it('writes `<recv_ns> <raw json>` lines, gzip, readable back with zlib', async () => {
    const d = join(dir, 'a');
    const t0 = ns('2026-03-01T10:00:00Z', 123n);
    const rec = new FeedRecorder({ dir: d, flushIntervalMs: 60_000 }, t0);
    const frames = Array.from({ length: 100 }, (_, i) => ({ recvNs: t0 + BigInt(i) * 1_000_003n, raw: bbo(i) }));
    for (const f of frames) rec.record(f.raw, f.recvNs);
    await rec.close();
    assert.deepEqual(rec.stats.files, [join(d, 'hyperliquid_20260301.gz')]);
    const text = gunzipSync(readFileSync(rec.stats.files[0])).toString('utf8');
    assert.equal(text.split('\n')[0], `${t0} ${frames[0].raw}`);
    assert.deepEqual(parseFeedText(text), frames);
  });

  it('rotates at UTC midnight by the frames’ receive time', async () => {
    const d = join(dir, 'b');
    const before = ns('2026-03-01T23:59:59.999Z');
    const rec = new FeedRecorder({ dir: d, prefix: 'feed', flushIntervalMs: 60_000 }, before);
    rec.record(bbo(1), before);
    rec.record(bbo(2), ns('2026-03-02T00:00:00Z'));
    rec.flush();
    rec.record(bbo(3), ns('2026-03-02T00:00:01Z'));
    await rec.close();
    assert.deepEqual(rec.stats.files.map((f) => f.slice(d.length + 1)), ['feed_20260301.gz', 'feed_20260302.gz']);
    const day1 = parseFeedText(gunzipSync(readFileSync(rec.stats.files[0])).toString());
    const day2 = parseFeedText(gunzipSync(readFileSync(rec.stats.files[1])).toString());
    assert.deepEqual(day1.map((f) => f.raw), [bbo(1)]);
    assert.deepEqual(day2.map((f) => f.raw), [bbo(2), bbo(3)]);
  });

  it('a restart on the same day appends a gzip member; the file reads back whole', async () => {
    const d = join(dir, 'c');
    const t = ns('2026-03-05T12:00:00Z');
    for (const i of [1, 2]) {
      const rec = new FeedRecorder({ dir: d }, t);
      rec.record(bbo(i), t + BigInt(i));
      await rec.close();
    }
    const frames = parseFeedText(gunzipSync(readFileSync(join(d, 'hyperliquid_20260305.gz'))).toString());
    assert.deepEqual(frames.map((f) => f.raw), [bbo(1), bbo(2)]);
  });

  it('keeps one line per frame even if a frame contains a newline', async () => {
    const d = join(dir, 'e');
    const t = ns('2026-03-05T12:00:00Z');
    const rec = new FeedRecorder({ dir: d }, t);
    rec.record('{"a":\n1}', t);
    await rec.close();
    assert.equal(parseFeedText(gunzipSync(readFileSync(rec.stats.files[0])).toString()).length, 1);
  });

  it('skips (and counts) frames that are not JSON, such as the venue\'s connection greeting', async () => {
    const d = join(dir, 'g');
    const t = ns('2026-03-06T12:00:00Z');
    const rec = new FeedRecorder({ dir: d }, t);
    rec.record('Websocket connection established.', t);
    rec.record(bbo(1), t + 1n);
    await rec.close();
    const lines = gunzipSync(readFileSync(rec.stats.files[0])).toString('utf8').trim().split('\n');
    assert.deepEqual(lines, [`${t + 1n} ${bbo(1)}`]);
    assert.equal(rec.stats.skippedNonJson, 1);
    assert.equal(rec.stats.frames, 1);
    for (const l of lines) JSON.parse(l.slice(l.indexOf(' ') + 1));
  });

  it('drops and counts frames beyond the buffer cap instead of growing without bound', async () => {
    const d = join(dir, 'f');
    const t = ns('2026-03-05T12:00:00Z');
    const rec = new FeedRecorder({ dir: d, maxBufferedBytes: 100, flushIntervalMs: 60_000 }, t);
    for (let i = 0; i < 10; i++) rec.record(bbo(i), t);
    assert.ok(rec.stats.dropped > 0);
    assert.equal(rec.stats.frames + rec.stats.dropped, 10);
    await rec.close();
  });

  it('incident #2: an unusable directory fails at construction', () => {
    const blocker = join(dir, 'file');
    writeFileSync(blocker, 'x');
    assert.throws(() => new FeedRecorder({ dir: join(blocker, 'feed') }));
  });

  it('reads hftbacktest’s own Hyperliquid capture with the same parser (format compatibility)', () => {
    const url = new URL('../fixtures/hyperliquid/hftbacktest/btcusd_20250126.gz', import.meta.url);
    const frames = parseFeedText(gunzipSync(readFileSync(url)).toString());
    assert.equal(frames.length, 55);
    assert.equal(utcDayOf(frames[0].recvNs), '20250126');
    for (const f of frames) assert.equal(typeof JSON.parse(f.raw).channel, 'string');
  });

  it('the nanosecond clock is epoch-based and never goes backwards', () => {
    const clock = epochNsClock();
    const a = clock();
    const b = clock();
    assert.ok(b >= a);
    assert.ok(Math.abs(Number(a / 1_000_000n) - Date.now()) < 60_000);
  });
});
