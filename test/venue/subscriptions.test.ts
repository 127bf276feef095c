// Subscriptions: declared once, sent on every connect, acked by SUBSET match, missing acks retried then
// surfaced; user channels need the master address (reference: subscriptions silently off when
// user_address was unset) and an ack alone makes them ready (incident #6).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  desiredSubscriptions,
  type SubscriptionError,
  SubscriptionManager,
  subscriptionMatches,
} from '../../src/venue/subscriptions.ts';
import { ManualClock } from './helpers.ts';

const MASTER = '0x1111111111111111111111111111111111111111';

test('desired set: bbo + ctx per market, optional l2Book/trades, three user channels on the master address', () => {
  const s = desiredSubscriptions({ markets: ['xyz:GOLD', 'BTC'], l2Book: true, user: MASTER.toUpperCase().replace('0X', '0x') });
  assert.deepEqual(
    s.map((x) => x.type),
    ['bbo', 'activeAssetCtx', 'l2Book', 'bbo', 'activeAssetCtx', 'l2Book', 'orderUpdates', 'userFills', 'userEvents'],
  );
  for (const u of s) if ('user' in u) assert.equal(u.user, MASTER);
  assert.equal(desiredSubscriptions({ markets: ['BTC'] }).length, 2, 'no user: no user channels');
  assert.throws(() => desiredSubscriptions({ markets: ['BTC'], user: '' }), /not a 0x address/);
  assert.throws(() => desiredSubscriptions({ markets: ['BTC', 'BTC'] }), /twice/);
});

test('acks match by subset: the venue echoes normalised subscriptions', () => {
  assert.ok(subscriptionMatches({ type: 'l2Book', coin: 'BTC' }, { type: 'l2Book', coin: 'BTC', nSigFigs: null, mantissa: null }));
  assert.ok(subscriptionMatches({ type: 'orderUpdates', user: MASTER }, { type: 'orderUpdates', user: MASTER.toUpperCase().replace('0X', '0x') }));
  assert.ok(!subscriptionMatches({ type: 'bbo', coin: 'BTC' }, { type: 'bbo', coin: 'ETH' }));
  assert.ok(!subscriptionMatches({ type: 'bbo', coin: 'BTC' }, { type: 'bbo' }));
});

function rig(maxAttempts = 3) {
  const clock = new ManualClock();
  const sent: unknown[] = [];
  const errors: SubscriptionError[] = [];
  const m = new SubscriptionManager(desiredSubscriptions({ markets: ['BTC'], user: MASTER }), {
    clock,
    send: (t, onWrite) => {
      sent.push(JSON.parse(t));
      onWrite();
    },
    ackTimeoutMs: 1000,
    maxAttempts,
    onError: (e) => errors.push(e),
  });
  return { clock, sent, errors, m };
}

test('every entry is sent on every connect and state resets on disconnect', () => {
  const { m, sent } = rig();
  m.onConnect();
  assert.equal(sent.length, 5);
  for (const e of m.entries) m.onAck({ method: 'subscribe', subscription: e.sub });
  assert.ok(m.allAcked());
  m.onDisconnect();
  assert.ok(m.entries.every((e) => e.state === 'idle'));
  m.onConnect();
  assert.equal(sent.length, 10);
  assert.ok(!m.allAcked());
});

test('an ack alone makes the user channels ready (idle account, no orderUpdates data); an unsubscribe ack does not', () => {
  const { m } = rig();
  m.onConnect();
  const user = m.entries.filter((e) => 'user' in e.sub);
  m.onAck({ method: 'unsubscribe', subscription: user[0].sub });
  assert.ok(!m.userAcked());
  for (const e of user) m.onAck({ method: 'subscribe', subscription: { ...e.sub, extra: null } });
  assert.ok(m.userAcked());
  assert.ok(user.every((e) => !e.hasData));
});

test('a missing ack is retried, then surfaced as an error', () => {
  const { m, sent, errors, clock } = rig(2);
  m.onConnect();
  for (const e of m.entries.slice(1)) m.onAck({ method: 'subscribe', subscription: e.sub });
  clock.advance(1000);
  assert.equal(sent.length, 6, 'one retry for the missing ack');
  assert.deepEqual(sent[5], { method: 'subscribe', subscription: { type: 'bbo', coin: 'BTC' } });
  clock.advance(1000);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].reason, 'ackTimeout');
  assert.equal(m.entries[0].state, 'failed');
  assert.equal(clock.pending, 0);
});

test('"Already subscribed" confirms a retried subscription; "Invalid subscription" fails it', () => {
  const { m, errors } = rig();
  m.onConnect();
  assert.ok(m.onErrorFrame(`Already subscribed: ${JSON.stringify({ type: 'bbo', coin: 'BTC' })}`));
  assert.equal(m.entries[0].state, 'acked');
  assert.ok(m.onErrorFrame(`Invalid subscription ${JSON.stringify({ type: 'activeAssetCtx', coin: 'BTC' })}`));
  assert.equal(m.entries[1].state, 'failed');
  assert.equal(errors[0].reason, 'invalid');
  assert.equal(m.onErrorFrame('too many pending post requests id=3'), false);
});

test('the ack deadline runs from when the subscribe reaches the socket, not from when it was queued', () => {
  const clock = new ManualClock();
  const queue: Array<{ text: string; onWrite: () => void }> = [];
  const errors: SubscriptionError[] = [];
  const m = new SubscriptionManager(desiredSubscriptions({ markets: ['BTC'] }), {
    clock,
    send: (text, onWrite) => queue.push({ text, onWrite }),
    ackTimeoutMs: 1000,
    maxAttempts: 2,
    onError: (e) => errors.push(e),
  });
  m.onConnect();
  assert.equal(queue.length, 2);
  // Both frames wait for wire tokens longer than the ack deadline: nobody has been asked yet.
  clock.advance(3000);
  assert.equal(queue.length, 2, 'no retry for a frame still queued');
  assert.equal(errors.length, 0);
  queue[0].onWrite();
  clock.advance(500);
  queue[1].onWrite();
  m.onAck({ method: 'subscribe', subscription: m.entries[1].sub });
  clock.advance(499);
  assert.equal(queue.length, 2);
  clock.advance(1);
  assert.equal(queue.length, 3, 'retried 1000 ms after it was written');
  assert.equal(m.entries[0].attempts, 2);
  // The retry's deadline too runs from its own write.
  clock.advance(5000);
  assert.equal(errors.length, 0);
  queue[2].onWrite();
  clock.advance(1000);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].reason, 'ackTimeout');
  assert.equal(clock.pending, 0);
});
