// The outbound path: one queue for everything written, a token bucket that keeps every window under the
// venue's 2000 messages/minute, at most 100 posts in flight, distinct refusal outcomes, and actions that never
// wait behind info requests.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  DEFAULT_WIRE_BUDGET,
  OutboundQueue,
  TokenBucket,
  VENUE_MAX_INFLIGHT_POSTS,
  VENUE_MAX_MESSAGES_PER_MINUTE,
  type WireBudget,
} from '../../src/venue/outbound.ts';
import { ManualClock } from './helpers.ts';

/** Largest count of timestamps inside any half-open window of `windowMs`. */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi] - times[lo] >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

function rig(budget: Partial<WireBudget> = {}, opts: { maxInFlight?: number; reservedInFlight?: number } = {}) {
  const clock = new ManualClock();
  const wire: Array<{ at: number; text: string }> = [];
  let inFlight = 0;
  let open = true;
  const q = new OutboundQueue({
    clock,
    budget,
    maxInFlight: opts.maxInFlight,
    reservedInFlight: opts.reservedInFlight,
    write: (text) => {
      if (!open) return false;
      wire.push({ at: clock.now(), text });
      return true;
    },
    inFlight: () => inFlight,
  });
  q.setConnected(true);
  return {
    clock,
    wire,
    q,
    setInFlight: (n: number) => {
      inFlight = n;
    },
    addInFlight: () => {
      inFlight++;
    },
    close: () => {
      open = false;
      q.setConnected(false);
    },
  };
}

describe('token bucket', () => {
  test('the default budget stays under the venue limit of 2000 messages per minute', () => {
    assert.equal(VENUE_MAX_MESSAGES_PER_MINUTE, 2000);
    assert.equal(VENUE_MAX_INFLIGHT_POSTS, 100);
    assert.equal(DEFAULT_WIRE_BUDGET.windowMs, 60_000);
    assert.ok(DEFAULT_WIRE_BUDGET.maxPerWindow < 2000);
    // Saturate the default bucket for ten simulated minutes: no 60 s window may hold 2000 messages.
    const clock = new ManualClock();
    const bucket = new TokenBucket(DEFAULT_WIRE_BUDGET, clock.now());
    const sent: number[] = [];
    for (let ms = 0; ms < 600_000; ms += 5) {
      while (bucket.take(clock.now())) sent.push(clock.now());
      clock.advance(5);
    }
    const worst = maxInWindow(sent, 60_000);
    assert.ok(worst <= DEFAULT_WIRE_BUDGET.maxPerWindow, `worst minute ${worst}`);
    assert.ok(worst < 2000);
    assert.ok(worst >= DEFAULT_WIRE_BUDGET.maxPerWindow - 2, `bucket should actually deliver its budget, got ${worst}`);
  });

  test('property: any sending pattern keeps every window within maxPerWindow', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 50 }),
        fc.integer({ min: 60, max: 400 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 30 })), { minLength: 1, maxLength: 200 }),
        (burst, extra, pattern) => {
          const budget = { windowMs: 1000, maxPerWindow: burst + extra, burst, reservedTokens: 0 };
          const clock = new ManualClock();
          const b = new TokenBucket(budget, clock.now());
          const sent: number[] = [];
          for (const [gap, tries] of pattern) {
            clock.advance(gap);
            for (let i = 0; i < tries; i++) if (b.take(clock.now())) sent.push(clock.now());
          }
          return maxInWindow(sent, budget.windowMs) <= budget.maxPerWindow;
        },
      ),
      { numRuns: 200 },
    );
  });

  test('rejects a budget that cannot hold its promise', () => {
    assert.throws(() => new TokenBucket({ windowMs: 1000, maxPerWindow: 10, burst: 10, reservedTokens: 0 }, 0), RangeError);
  });
});

describe('outbound queue', () => {
  test('an action is written in the same turn even with thousands of info requests queued', () => {
    const r = rig({ windowMs: 60_000, maxPerWindow: 1800, burst: 20, reservedTokens: 5 });
    for (let i = 0; i < 1500; i++) assert.equal(r.q.enqueueInfo({ text: `info${i}`, isPost: false }), 'queued');
    // Info may spend the bucket down to the reserve only.
    assert.equal(r.wire.length, 15);
    let written = false;
    assert.equal(
      r.q.writeAction('action', () => {
        written = true;
      }),
      'sent',
    );
    assert.ok(written);
    assert.equal(r.wire.at(-1)?.text, 'action');
    assert.equal(r.q.queuedInfo, 1500 - 15);
    // Beyond the queue bound an info request is refused, not buffered without limit.
    for (let i = 0; i < 515; i++) r.q.enqueueInfo({ text: "more", isPost: false });
    assert.equal(r.q.enqueueInfo({ text: "over", isPost: false }), "rateLimited");
  });

  test('distinct refusals: rateLimited, inFlightFull, notConnected', () => {
    const r = rig({ windowMs: 1000, maxPerWindow: 20, burst: 3, reservedTokens: 0 });
    const outcomes = Array.from({ length: 4 }, () => r.q.writeAction('a', () => {}));
    assert.deepEqual(outcomes, ['sent', 'sent', 'sent', 'rateLimited']);
    r.clock.advance(1000);
    r.setInFlight(100);
    assert.equal(r.q.writeAction('a', () => {}), 'inFlightFull');
    r.setInFlight(0);
    r.close();
    assert.equal(r.q.writeAction('a', () => {}), 'notConnected');
    assert.equal(r.q.enqueueInfo({ text: 'i', isPost: true }), 'notConnected');
    assert.equal(r.q.stats.refusedRateLimited, 1);
    assert.equal(r.q.stats.refusedInFlightFull, 1);
  });

  test('info posts leave the action reserve of in-flight slots free', () => {
    const r = rig({ windowMs: 1000, maxPerWindow: 10_000, burst: 1000, reservedTokens: 0 }, { maxInFlight: 100, reservedInFlight: 10 });
    for (let i = 0; i < 200; i++) r.q.enqueueInfo({ text: `i${i}`, isPost: true, onWrite: r.addInFlight });
    assert.equal(r.wire.length, 90);
    // Actions still have their 10 slots, then inFlightFull.
    let sent = 0;
    for (let i = 0; i < 20; i++) if (r.q.writeAction('a', r.addInFlight) === 'sent') sent++;
    assert.equal(sent, 10);
    assert.equal(r.q.stats.maxInFlightSeen, 100);
    // Answers free slots: the queue drains again.
    r.setInFlight(50);
    r.q.drain();
    assert.equal(r.wire.length, 100 + 40);
  });

  test('control frames go before info, and the queue drains as tokens refill', () => {
    const r = rig({ windowMs: 1000, maxPerWindow: 11, burst: 1, reservedTokens: 0 });
    r.q.enqueueInfo({ text: 'info', isPost: false });
    r.q.enqueueInfo({ text: 'info2', isPost: false });
    r.q.enqueueControl({ text: 'ping', isPost: false });
    r.clock.advance(1000);
    assert.deepEqual(
      r.wire.map((w) => w.text),
      ['info', 'ping', 'info2'],
    );
  });

  test('disconnect drops queued messages with a reason (they were never written)', () => {
    const r = rig({ windowMs: 1000, maxPerWindow: 11, burst: 1, reservedTokens: 0 });
    const dropped: string[] = [];
    r.q.enqueueInfo({ text: 'a', isPost: true });
    r.q.enqueueInfo({ text: 'b', isPost: true, onDrop: (why) => dropped.push(`b:${why}`) });
    r.close();
    assert.deepEqual(dropped, ['b:disconnected']);
    assert.equal(r.q.queuedInfo, 0);
  });
});
