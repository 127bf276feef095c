// The venue's REST weights (hyperliquid-protocol.md §6.1), used by both the bot's limiter and hlsim's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  actionRequestWeight,
  exchangeActionWeight,
  infoItemsWeight,
  infoRequestWeight,
  VENUE_REST_WEIGHT_PER_MINUTE,
} from '../../src/protocol/limits.ts';

test('weights are the venue’s: 2 for light requests, 20 otherwise, 60 for userRole, item surcharges', () => {
  assert.equal(VENUE_REST_WEIGHT_PER_MINUTE, 1200);
  for (const t of ['l2Book', 'allMids', 'clearinghouseState', 'orderStatus', 'spotClearinghouseState', 'exchangeStatus']) {
    assert.equal(infoRequestWeight({ type: t }), 2, t);
  }
  for (const t of ['meta', 'perpDexs', 'frontendOpenOrders', 'userFillsByTime', 'allPerpMetas', 'openOrders']) assert.equal(infoRequestWeight({ type: t }), 20, t);
  assert.equal(infoRequestWeight({ type: 'userRole' }), 60);
  assert.equal(infoItemsWeight({ type: 'userFillsByTime' }, new Array(45).fill(0)), 2);
  assert.equal(infoItemsWeight({ type: 'meta' }, new Array(45).fill(0)), 0);
  assert.equal(actionRequestWeight(1), 1);
  assert.equal(actionRequestWeight(40), 2);
  assert.equal(actionRequestWeight(79), 2);
});

test('the info and action bodies hlsim charges (from the wire: unknown shapes)', () => {
  assert.equal(infoRequestWeight({ type: 'l2Book' }), 2);
  assert.equal(infoRequestWeight({ type: 'clearinghouseState' }), 2);
  assert.equal(infoRequestWeight({ type: 'meta' }), 20);
  assert.equal(infoRequestWeight({ type: 'userRole' }), 60);
  assert.equal(infoItemsWeight({ type: 'userFills' }, new Array(45)), 2);
  assert.equal(infoItemsWeight({ type: 'meta' }, new Array(45)), 0);
  assert.equal(exchangeActionWeight({ action: { type: 'order', orders: new Array(39) } }), 1);
  assert.equal(exchangeActionWeight({ action: { type: 'order', orders: new Array(80) } }), 3);
  assert.equal(exchangeActionWeight({ action: { type: 'cancel', cancels: new Array(40) } }), 2);
  assert.equal(exchangeActionWeight({ action: { type: 'noop' } }), 1);
  assert.equal(infoRequestWeight(null), 20);
  assert.equal(infoItemsWeight('userFills', new Array(45)), 0);
  assert.equal(exchangeActionWeight(null), 1);
});
