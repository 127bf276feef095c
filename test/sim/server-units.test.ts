// Pure pieces of the hlsim transport: subscription normalisation, the sliding-minute counter,
// l2Book aggregation, the WS post error payload.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { aggregateBook, bucketPx } from '../../src/sim/server/aggregate.ts';
import { silenceRoute } from '../../src/sim/server/faults.ts';
import { SlidingMinute } from '../../src/sim/server/limits.ts';
import { postErrorPayload } from '../../src/sim/server/server.ts';
import { parseSubscription } from '../../src/sim/server/subscriptions.ts';

test('parseSubscription: venue defaults, lowercase users, channel routes, invalid shapes', () => {
  const l2 = parseSubscription({ type: 'l2Book', coin: 'BTC' });
  assert.ok(l2.ok);
  assert.deepEqual(l2.sub.echo, { type: 'l2Book', coin: 'BTC', nSigFigs: null, mantissa: null });
  assert.equal(l2.sub.route, 'l2Book|BTC');
  const user = `0x${'AB'.repeat(20)}`;
  const ue = parseSubscription({ type: 'userEvents', user });
  assert.ok(ue.ok);
  assert.equal(ue.sub.route, `user|${user.toLowerCase()}`);
  assert.deepEqual(ue.sub.echo, { type: 'userEvents', user: user.toLowerCase() });
  const uf = parseSubscription({ type: 'userFills', user, aggregateByTime: true });
  assert.ok(uf.ok);
  assert.deepEqual(uf.sub.echo, { type: 'userFills', user: user.toLowerCase(), aggregateByTime: true });
  for (const bad of [
    null,
    'bbo',
    {},
    { type: 'bbo' },
    { type: 'bbo', coin: '' },
    { type: 'l2Book', coin: 'BTC', nSigFigs: 1 },
    { type: 'l2Book', coin: 'BTC', nSigFigs: 4, mantissa: 2 },
    { type: 'l2Book', coin: 'BTC', nSigFigs: 5, mantissa: 3 },
    { type: 'orderUpdates', user: '0x12' },
    { type: 'userFills', user, aggregateByTime: 'yes' },
    { type: 'candle', coin: 'BTC', interval: '1m' },
  ]) {
    assert.equal(parseSubscription(bad).ok, false, JSON.stringify(bad));
  }
  // Same subscription, different spelling: same identity key.
  const a = parseSubscription({ type: 'orderUpdates', user });
  const b = parseSubscription({ user: user.toLowerCase(), type: 'orderUpdates' });
  assert.ok(a.ok && b.ok);
  assert.equal(a.sub.key, b.sub.key);
});

test('SlidingMinute counts a sliding 60 s window and remembers its maximum', () => {
  const w = new SlidingMinute();
  assert.equal(w.add(0), 1);
  assert.equal(w.add(30_000), 2);
  assert.equal(w.add(59_999), 3);
  assert.equal(w.add(60_000), 3, 'the event at 0 left the window');
  assert.equal(w.current(120_000), 0);
  assert.equal(w.max, 3);
  assert.equal(w.peek(120_000, 5), 5);
  assert.equal(w.add(120_001, 7), 7);
  assert.equal(w.max, 7);
  // Against a brute-force count.
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 300 }), (gaps) => {
      const s = new SlidingMinute();
      const times: number[] = [];
      let t = 0;
      let max = 0;
      for (const g of gaps) {
        t += g * 100;
        times.push(t);
        const expected = times.filter((x) => x > t - 60_000).length;
        assert.equal(s.add(t), expected);
        max = Math.max(max, expected);
      }
      assert.equal(s.max, max);
    }),
  );
});

test('l2Book aggregation: buckets of n significant figures, bids down, asks up, sizes and counts summed', () => {
  assert.equal(bucketPx('110427.0', 2, null, 'bid'), '110000');
  assert.equal(bucketPx('110427.0', 2, null, 'ask'), '120000');
  assert.equal(bucketPx('110427.0', 5, 2, 'bid'), '110420');
  assert.equal(bucketPx('110427.0', 5, 5, 'ask'), '110450');
  assert.equal(bucketPx('0.56057', 3, null, 'ask'), '0.561');
  assert.equal(bucketPx('3007.1', 5, null, 'bid'), '3007.1', 'already at 5 significant figures');
  const book = {
    coin: 'BTC',
    time: 1,
    levels: [
      [
        { px: '110427.0', sz: '0.1', n: 1 },
        { px: '110426.0', sz: '0.2', n: 2 },
        { px: '110399.0', sz: '0.3', n: 1 },
      ],
      [
        { px: '110428.0', sz: '1.1', n: 1 },
        { px: '110430.0', sz: '0.01', n: 1 },
        { px: '110501.0', sz: '2', n: 3 },
      ],
    ] as [{ px: string; sz: string; n: number }[], { px: string; sz: string; n: number }[]],
  };
  assert.equal(aggregateBook(book, null, null), book);
  assert.deepEqual(aggregateBook(book, 4, null).levels, [
    [
      { px: '110400', sz: '0.3', n: 3 },
      { px: '110300', sz: '0.3', n: 1 },
    ],
    [
      { px: '110500', sz: '1.11', n: 2 },
      { px: '110600', sz: '2', n: 3 },
    ],
  ]);
});

test('WS post error payload mirrors the HTTP status and description', () => {
  assert.equal(postErrorPayload(429, null), '429 Too Many Requests');
  assert.equal(postErrorPayload(422, 'Failed to deserialize'), '422 Unprocessable Entity: Failed to deserialize');
  assert.equal(postErrorPayload(500, { a: 1 }), '500 Internal Server Error: {"a":1}');
});

test('silence routes', () => {
  assert.equal(silenceRoute({ channel: 'bbo', coin: 'xyz:XYZ100' }), 'bbo|xyz:XYZ100');
  assert.equal(silenceRoute({ channel: 'orderUpdates', user: `0x${'AB'.repeat(20)}` }), `orderUpdates|0x${'ab'.repeat(20)}`);
  assert.throws(() => silenceRoute({ channel: 'bbo' }), /coin/);
});
