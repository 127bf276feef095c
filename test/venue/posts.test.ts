// Post requests: ids, response matching, the venue envelope, timeout → UNKNOWN (never rejected), late answers,
// and every in-flight post → unknown on disconnect.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PostResult, PostTracker, parsePostResponse, postFrame, postIdOfVenueError } from '../../src/venue/posts.ts';
import { ManualClock } from './helpers.ts';

test('post frame carries the id and the payload verbatim', () => {
  const f = postFrame(7, 'action', '{"action":{"type":"noop"},"nonce":1}');
  assert.deepEqual(JSON.parse(f), { method: 'post', id: 7, request: { type: 'action', payload: { action: { type: 'noop' }, nonce: 1 } } });
  assert.deepEqual(JSON.parse(postFrame(8, 'info', { type: 'meta', dex: 'xyz' })).request, { type: 'info', payload: { type: 'meta', dex: 'xyz' } });
});

test('envelope: info payload.data is unwrapped, action payload kept, error string surfaced', () => {
  assert.deepEqual(parsePostResponse({ id: 1, response: { type: 'info', payload: { type: 'meta', data: { universe: [] } } } }), {
    id: 1,
    outcome: { type: 'info', data: { universe: [] } },
  });
  const action = { status: 'err', response: 'L1 error: User or API Wallet 0x00 does not exist.' };
  assert.deepEqual(parsePostResponse({ id: 2, response: { type: 'action', payload: action } }), { id: 2, outcome: { type: 'action', payload: action } });
  assert.deepEqual(parsePostResponse({ id: 3, response: { type: 'error', payload: '429 Too Many Requests' } }), {
    id: 3,
    outcome: { type: 'error', message: '429 Too Many Requests' },
  });
  assert.equal(parsePostResponse({ id: 'x' }), null);
  assert.equal(parsePostResponse(null), null);
});

test('responses match their request by id, in any order', () => {
  const clock = new ManualClock();
  const p = new PostTracker(clock);
  const got: PostResult[] = [];
  const a = p.allocateId();
  const b = p.allocateId();
  p.track(a, 'action', 5000, 'A', (r) => got.push(r));
  p.track(b, 'info', 5000, 'B', (r) => got.push(r));
  assert.equal(p.inFlight, 2);
  assert.ok(p.onResponse({ id: b, response: { type: 'info', payload: { type: 'x', data: 1 } } }));
  assert.ok(p.onResponse({ id: a, response: { type: 'action', payload: { status: 'ok' } } }));
  assert.deepEqual(
    got.map((r) => [r.tag, r.outcome.type]),
    [
      ['B', 'info'],
      ['A', 'action'],
    ],
  );
  assert.equal(p.inFlight, 0);
  assert.equal(clock.pending, 0, 'timeouts are cleared on answer');
  assert.equal(p.onResponse({ id: 999, response: { type: 'action', payload: {} } }), false);
});

test('a timed-out post is UNKNOWN, and a late answer is still reported as late', () => {
  const clock = new ManualClock();
  const p = new PostTracker(clock);
  const got: PostResult[] = [];
  const late: PostResult[] = [];
  p.onLate = (r) => late.push(r);
  const id = p.allocateId();
  p.track(id, 'action', 5000, 'order', (r) => got.push(r));
  clock.advance(4999);
  assert.equal(got.length, 0);
  clock.advance(1);
  assert.deepEqual(got[0].outcome, { type: 'unknown', reason: 'timeout' });
  assert.equal(p.inFlight, 1, 'the venue still holds it: its slot stays taken');
  p.onResponse({ id, response: { type: 'action', payload: { status: 'ok' } } });
  assert.equal(p.inFlight, 0, 'the late answer frees the slot');
  assert.equal(clock.pending, 0);
  assert.equal(late.length, 1);
  assert.equal(late[0].late, true);
  assert.equal(late[0].tag, 'order');
  assert.equal(got.length, 1, 'the original callback fires once');
});

test('disconnect turns every in-flight post into unknown, synchronously', () => {
  const clock = new ManualClock();
  const p = new PostTracker(clock);
  const got: PostResult[] = [];
  for (let i = 0; i < 5; i++) p.track(p.allocateId(), 'action', 5000, i, (r) => got.push(r));
  p.failAll();
  assert.equal(got.length, 5);
  assert.ok(got.every((r) => r.outcome.type === 'unknown' && r.outcome.reason === 'disconnected'));
  assert.equal(p.inFlight, 0);
  assert.equal(clock.pending, 0);
  assert.equal(p.stats.unknownOnDisconnect, 5);
});

test('a timed-out post holds its in-flight slot until answered, the socket closes, or the hold expires', () => {
  const clock = new ManualClock();
  const p = new PostTracker(clock, { holdTimedOutMs: 60_000 });
  let freed = 0;
  p.onSlotFreed = () => freed++;
  for (let i = 0; i < 3; i++) p.track(p.allocateId(), 'action', 1000, i, () => {});
  clock.advance(1000);
  assert.equal(p.stats.timedOut, 3);
  assert.equal(p.inFlight, 3);
  assert.equal(p.heldTimedOut, 3);
  // The socket closes: the venue forgets them, so do we.
  p.failAll();
  assert.equal(p.inFlight, 0);
  assert.equal(clock.pending, 0);
  // A lost answer (never coming) is presumed lost after the hold.
  p.track(p.allocateId(), 'info', 1000, null, () => {});
  clock.advance(1000);
  assert.equal(p.inFlight, 1);
  clock.advance(59_999);
  assert.equal(p.inFlight, 1);
  clock.advance(1);
  assert.equal(p.inFlight, 0);
  assert.equal(p.stats.holdsExpired, 1);
  assert.equal(freed, 1);
  assert.equal(clock.pending, 0);
});

test('venue error frames name their post: "too many pending post requests id=N" and a post echo in "Error parsing JSON"', () => {
  assert.equal(postIdOfVenueError('too many pending post requests id=42'), 42);
  const valid = postFrame(7, 'action', { action: { type: 'noop' }, nonce: 1, signature: { r: '0x1', s: '0x2', v: '27' } });
  assert.equal(postIdOfVenueError(`Error parsing JSON into valid websocket request: ${valid}`), 7);
  const broken = postFrame(8, 'action', '{"action":');
  assert.equal(postIdOfVenueError(`Error parsing JSON into valid websocket request: ${broken}`), 8);
  assert.equal(postIdOfVenueError('Error parsing JSON into valid websocket request: {"method":"subscribe","subscription":{"id":3}}'), null);
  assert.equal(postIdOfVenueError('Error parsing JSON into valid websocket request: {'), null);
  assert.equal(postIdOfVenueError('Already subscribed: {"type":"bbo","coin":"BTC"}'), null);

  const clock = new ManualClock();
  const p = new PostTracker(clock);
  const got: PostResult[] = [];
  const id = p.allocateId();
  p.track(id, 'action', 5000, null, (r) => got.push(r));
  assert.equal(p.onErrorFrame('too many pending post requests id=999'), false, 'not ours');
  assert.ok(p.onErrorFrame(`too many pending post requests id=${id}`));
  assert.deepEqual(got[0].outcome, { type: 'error', message: `too many pending post requests id=${id}` });
  assert.equal(p.inFlight, 0);
  assert.equal(clock.pending, 0);
});
