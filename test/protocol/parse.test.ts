import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { WireParseError } from '../../src/protocol/errors.ts';
import {
  type ActiveAssetCtxFrame,
  type BboFrame,
  classifyOrderStatus,
  decimalAt,
  isKnownOrderStatus,
  newActiveAssetCtxFrame,
  newBboFrame,
  PARSE_BAD_SHAPE,
  PARSE_NOT_JSON,
  PARSE_OK,
  PARSE_WRONG_CHANNEL,
  parseActiveAssetCtxInto,
  parseActiveAssetCtxIntoViaJson,
  parseAllMidsResponse,
  parseBboInto,
  parseBboIntoViaJson,
  parseClearinghouseState,
  parseDecimal,
  parseExchangeResponse,
  parseFrontendOpenOrders,
  parseL2BookResponse,
  parseOpenOrders,
  parseOrderStatusResponse,
  parseOrderUpdates,
  partitionFills,
  partitionOrderUpdates,
  parsePostResponse,
  parseUserEvent,
  parseUserFills,
  parseUserRateLimit,
  parseWsMessage,
  scanActiveAssetCtxInto,
  scanBboInto,
  sniffChannel,
  type WsParseResult,
} from '../../src/protocol/parse.ts';
import type { KnownOrderStatus, PerpAssetCtx, WsAllDexsAssetCtxs, WsMessage } from '../../src/protocol/wire.ts';

const dir = new URL('../fixtures/hyperliquid/', import.meta.url);
const readText = (p: string) => readFileSync(new URL(p, dir), 'utf8');

function message(r: WsParseResult): WsMessage {
  if (r.kind !== 'message') assert.fail(`expected a message, got ${r.kind}${r.kind === 'error' ? `: ${r.error.path} ${r.error.message}` : ''}`);
  return r.message;
}
function ok<T>(r: T | WireParseError): T {
  if (r instanceof WireParseError) assert.fail(`unexpected parse error at ${r.path}: ${r.message}`);
  return r;
}

// ───────────── realistic frames ─────────────

const bboFrame = (coin: string, bid: [string, string, number] | null, ask: [string, string, number] | null, time = 1761786491067) =>
  JSON.stringify({
    channel: 'bbo',
    data: { coin, time, bbo: [bid && { px: bid[0], sz: bid[1], n: bid[2] }, ask && { px: ask[0], sz: ask[1], n: ask[2] }] },
  });

const allDexs = JSON.parse(readText('nautilus_trader/ws_all_dexs_asset_ctxs.json')) as { data: WsAllDexsAssetCtxs };
const realCtxs: { coin: string; ctx: PerpAssetCtx }[] = allDexs.data.ctxs.flatMap(([dex, ctxs]) =>
  ctxs.map((ctx, i) => ({ coin: dex === '' ? `COIN${i}` : `${dex}:COIN${i}`, ctx })),
);
const ctxFrame = (coin: string, ctx: PerpAssetCtx) => JSON.stringify({ channel: 'activeAssetCtx', data: { coin, ctx } });

const hftLines = gunzipSync(readFileSync(new URL('hftbacktest/btcusd_20250126.gz', dir)))
  .toString('utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => l.slice(l.indexOf(' ') + 1));

const clearinghouseState = {
  marginSummary: { accountValue: '1043.25', totalNtlPos: '2500.1', totalRawUsd: '-1456.85', totalMarginUsed: '250.01' },
  crossMarginSummary: { accountValue: '1043.25', totalNtlPos: '0.0', totalRawUsd: '1043.25', totalMarginUsed: '0.0' },
  crossMaintenanceMarginUsed: '0.0',
  withdrawable: '793.24',
  assetPositions: [
    {
      type: 'oneWay',
      position: {
        coin: 'xyz:XYZ100',
        szi: '-0.1',
        leverage: { type: 'isolated', value: 10, rawUsd: '2750.12' },
        entryPx: '25001.0',
        positionValue: '2500.1',
        unrealizedPnl: '0.0',
        returnOnEquity: '0.0',
        liquidationPx: '27300.5',
        marginUsed: '250.01',
        maxLeverage: 20,
        cumFunding: { allTime: '0.1', sinceOpen: '0.0', sinceChange: '0.0' },
      },
    },
    {
      type: 'oneWay',
      position: {
        coin: 'BTC',
        szi: '0.001',
        leverage: { type: 'cross', value: 5 },
        entryPx: '100000.0',
        positionValue: '100.0',
        unrealizedPnl: '-1.5',
        returnOnEquity: '-0.075',
        liquidationPx: null,
        marginUsed: '20.0',
        maxLeverage: 40,
        cumFunding: { allTime: '0.0', sinceOpen: '0.0', sinceChange: '0.0' },
      },
    },
  ],
  time: 1761786491067,
};

const openOrder = { coin: 'xyz:XYZ100', side: 'B', limitPx: '25000.0', sz: '0.1', oid: 55030848197, timestamp: 1761786491000, origSz: '0.2', cloid: '0xa1b30000000000000000000000000029' };
const frontendOrder = {
  ...openOrder,
  triggerCondition: 'N/A',
  isTrigger: false,
  triggerPx: '0.0',
  children: [],
  isPositionTpsl: false,
  reduceOnly: false,
  orderType: 'Limit',
  tif: 'Alo',
};
const fill = (JSON.parse(readText('nautilus_trader/ws_user_fill_liquidation.json')) as { data: { fills: object[] } }).data.fills[0] as Record<string, unknown>;

const orderResponse = {
  status: 'ok',
  response: {
    type: 'order',
    data: {
      statuses: [
        { resting: { oid: 77738308 } },
        { resting: { oid: 77738309, cloid: '0xa1b30000000000000000000000000029' } },
        { filled: { totalSz: '0.02', avgPx: '1891.4', oid: 77747314 } },
        { error: 'Order could not immediately match against any resting orders. asset=110000' },
        'waitingForFill',
        'waitingForTrigger',
      ],
    },
  },
};

// Every kind of frame, for the fixture tests and as seeds of the mutation property.
const sampleFrames: string[] = [
  bboFrame('xyz:XYZ100', ['25012.0', '0.512', 3], ['25013.5', '1.2', 1]),
  bboFrame('xyz:XYZ100', null, ['25013.5', '1.2', 1]),
  ctxFrame('xyz:XYZ100', (realCtxs.find((c) => c.coin.startsWith('xyz:')) as { ctx: PerpAssetCtx }).ctx),
  ctxFrame('flx:COIN0', (realCtxs.find((c) => c.ctx.midPx === null) as { ctx: PerpAssetCtx }).ctx),
  readText('nautilus_trader/ws_allmids.json'),
  readText('nautilus_trader/ws_user_fill_liquidation.json'),
  JSON.stringify({ channel: 'l2Book', data: JSON.parse(readText('nautilus_trader/ws_book_data.json')) }),
  hftLines[0] as string,
  hftLines.find((l) => l.includes('"trades"')) as string,
  JSON.stringify({ channel: 'orderUpdates', data: [{ order: openOrder, status: 'open', statusTimestamp: 1761786491001 }] }),
  JSON.stringify({ channel: 'userFills', data: { user: `0x${'ab'.repeat(20)}`, isSnapshot: true, fills: [fill] } }),
  JSON.stringify({ channel: 'post', data: { id: 7, response: { type: 'action', payload: orderResponse } } }),
  JSON.stringify({ channel: 'post', data: { id: 8, response: { type: 'info', payload: { type: 'clearinghouseState', data: clearinghouseState } } } }),
  JSON.stringify({ channel: 'subscriptionResponse', data: { method: 'subscribe', subscription: { type: 'l2Book', coin: 'BTC', nSigFigs: null, mantissa: null } } }),
  '{"channel":"pong"}',
  '{"channel":"error","data":"Already subscribed: {\\"type\\":\\"bbo\\",\\"coin\\":\\"BTC\\"}"}',
];

// ───────────── tests ─────────────

describe('parseWsMessage on real frames', () => {
  test('greeting, not JSON, no channel, unknown channel', () => {
    assert.equal(parseWsMessage('Websocket connection established.').kind, 'greeting');
    const nj = parseWsMessage('Websocket connection establ');
    assert.ok(nj.kind === 'error' && nj.error.code === 'not_json');
    const nc = parseWsMessage('{"data":1}');
    assert.ok(nc.kind === 'error' && nc.error.code === 'bad_shape');
    assert.ok(parseWsMessage('[]').kind === 'error');
    assert.ok(parseWsMessage('null').kind === 'error');
    const u = parseWsMessage('{"channel":"webData2","data":{"x":1}}');
    assert.ok(u.kind === 'unknown' && u.channel === 'webData2');
    assert.ok(parseWsMessage(42 as unknown as string).kind === 'error');
  });

  test('allMids, user fill with liquidation, l2Book (nautilus fixtures)', () => {
    const mids = message(parseWsMessage(readText('nautilus_trader/ws_allmids.json')));
    assert.ok(mids.channel === 'allMids');
    assert.equal(mids.data.mids.BTC, '80868.5');
    const user = message(parseWsMessage(readText('nautilus_trader/ws_user_fill_liquidation.json')));
    assert.ok(user.channel === 'user' && 'fills' in user.data);
    const f = user.data.fills[0];
    assert.equal(f?.liquidation?.method, 'market');
    assert.equal(f?.tid, 745210434703679);
    assert.equal(f?.crossed, false);
    const book = message(parseWsMessage(sampleFrames[6] as string));
    assert.ok(book.channel === 'l2Book');
    assert.equal(book.data.levels[0][0]?.px, '98450.50');
    assert.equal(book.data.levels[1].length, 5);
  });

  test('the hftbacktest mainnet capture: every line is a valid l2Book or trades frame', () => {
    assert.equal(hftLines.length, 55);
    const counts: Record<string, number> = {};
    for (const line of hftLines) {
      const m = message(parseWsMessage(line));
      counts[m.channel] = (counts[m.channel] ?? 0) + 1;
      if (m.channel === 'trades') for (const t of m.data) assert.ok(t.side === 'A' || t.side === 'B');
    }
    assert.deepEqual(counts, { l2Book: 46, trades: 9 });
  });

  test('the real allDexsAssetCtxs frame (9 dexes, nulls included)', () => {
    const m = message(parseWsMessage(readText('nautilus_trader/ws_all_dexs_asset_ctxs.json')));
    assert.ok(m.channel === 'allDexsAssetCtxs');
    assert.equal(m.data.ctxs.length, 9);
  });

  test('info l2Book reply (levels without n) and null for an unknown market', () => {
    const book = ok(parseL2BookResponse(JSON.parse(readText('nautilus_trader/http_l2_book_btc.json'))));
    assert.equal(book?.levels[0][0]?.px, '110427.0');
    assert.equal(parseL2BookResponse(null), null);
    assert.ok(parseL2BookResponse({ coin: 'BTC', time: 1, levels: [[]] }) instanceof WireParseError);
  });

  test('every sample frame parses; channel sniffing', () => {
    for (const f of sampleFrames) {
      const m = message(parseWsMessage(f));
      // Sniffing only reads the compact layout the venue sends; a pretty-printed file is not sniffable.
      assert.equal(sniffChannel(f), f.startsWith('{"channel":"') ? m.channel : undefined);
    }
    assert.equal(sniffChannel('{ "channel":"bbo"}'), undefined);
  });

  test('user-channel frames: orderUpdates array, userFills snapshot, user events', () => {
    const ou = message(parseWsMessage(sampleFrames[9] as string));
    assert.ok(ou.channel === 'orderUpdates' && Array.isArray(ou.data) && ou.data[0]?.status === 'open');
    const uf = message(parseWsMessage(sampleFrames[10] as string));
    assert.ok(uf.channel === 'userFills' && uf.data.isSnapshot === true && uf.data.fills.length === 1);
    const stream = JSON.stringify({ channel: 'userFills', data: { user: '0x1', fills: [fill] } });
    assert.ok(message(parseWsMessage(stream)).channel === 'userFills');
    for (const ev of [
      { funding: { time: 1, coin: 'xyz:XYZ100', usdc: '-0.01', szi: '0.1', fundingRate: '0.0000125', nSamples: null } },
      { liquidation: { lid: 1, liquidator: '0x1', liquidated_user: '0x2', liquidated_ntl_pos: '100.0', liquidated_account_value: '5.0' } },
      { nonUserCancel: [{ coin: 'xyz:XYZ100', oid: 5 }] },
      { twapHistory: [] },
      { twapSliceFills: [] },
    ]) {
      assert.equal(message(parseWsMessage(JSON.stringify({ channel: 'user', data: ev }))).channel, 'user');
      ok(parseUserEvent(ev));
    }
    assert.ok(parseUserEvent({ somethingElse: 1 }) instanceof WireParseError);
    const ch = JSON.stringify({ channel: 'clearinghouseState', data: { dex: 'xyz', user: '0x1', clearinghouseState } });
    assert.equal(message(parseWsMessage(ch)).channel, 'clearinghouseState');
    const oo = JSON.stringify({ channel: 'openOrders', data: { dex: 'xyz', user: '0x1', orders: [frontendOrder] } });
    assert.equal(message(parseWsMessage(oo)).channel, 'openOrders');
  });

  test('orderUpdates: an empty array is valid; one bad element rejects the frame but the rest can be salvaged', () => {
    const empty = message(parseWsMessage('{"channel":"orderUpdates","data":[]}'));
    assert.ok(empty.channel === 'orderUpdates' && empty.data.length === 0);
    const good = { order: openOrder, status: 'filled', statusTimestamp: 2 };
    const bad = { order: { ...openOrder, oid: 'x' }, status: 'canceled', statusTimestamp: 3 };
    const r = parseWsMessage(JSON.stringify({ channel: 'orderUpdates', data: [good, bad, good] }));
    assert.ok(r.kind === 'error' && r.channel === 'orderUpdates' && r.error.path === 'data[1].order.oid');
    const { valid, invalid } = partitionOrderUpdates(r.data);
    assert.equal(valid.length, 2);
    assert.equal(invalid.length, 1);
    assert.equal(invalid[0]?.path, 'orderUpdates[1].order.oid');
    assert.equal(partitionOrderUpdates({}).invalid.length, 1);
    const fills = partitionFills([fill, { ...fill, px: 1 }, fill]);
    assert.equal(fills.valid.length, 2);
    assert.equal(fills.invalid[0]?.path, 'fills[1].px');
    // Not JSON: nothing to salvage.
    const nj = parseWsMessage('{"channel":"orderUpdates","data":[');
    assert.ok(nj.kind === 'error' && nj.channel === undefined);
  });

  test('subscription acks, pong, error channel', () => {
    const ack = message(parseWsMessage(sampleFrames[13] as string));
    assert.ok(ack.channel === 'subscriptionResponse' && ack.data.method === 'subscribe');
    assert.equal(message(parseWsMessage('{"channel":"pong"}')).channel, 'pong');
    const err = message(parseWsMessage(sampleFrames[15] as string));
    assert.ok(err.channel === 'error' && err.data.startsWith('Already subscribed'));
    assert.ok(parseWsMessage('{"channel":"error","data":{}}').kind === 'error');
    assert.ok(parseWsMessage('{"channel":"subscriptionResponse","data":{"method":"sub","subscription":{"type":"bbo"}}}').kind === 'error');
  });

  test('shape errors name the path and never yield a half-checked object', () => {
    const bad = parseWsMessage(bboFrame('BTC', ['1.0', 'x', 1], null));
    assert.ok(bad.kind === 'error' && bad.error.path === 'data.bbo[0].sz', bad.kind === 'error' ? bad.error.path : '');
    const badFill = parseWsMessage(JSON.stringify({ channel: 'userFills', data: { user: '0x1', fills: [{ ...fill, tid: '1' }] } }));
    assert.ok(badFill.kind === 'error' && badFill.error.path === 'data.fills[0].tid');
    const badUpdate = parseWsMessage(JSON.stringify({ channel: 'orderUpdates', data: { order: openOrder } }));
    assert.ok(badUpdate.kind === 'error' && badUpdate.error.path === 'data');
  });
});

describe('post, exchange and info responses', () => {
  test('action: status ok carrying per-order errors, waiting statuses', () => {
    const r = ok(parseExchangeResponse(orderResponse));
    assert.ok(r.status === 'ok' && r.response.type === 'order');
    const st = r.response.data.statuses;
    assert.equal(st.length, 6);
    assert.ok(typeof st[3] === 'object' && 'error' in st[3]);
    const post = message(parseWsMessage(sampleFrames[11] as string));
    assert.ok(post.channel === 'post' && post.data.id === 7 && post.data.response.type === 'action');
  });

  test('cancel statuses, default, top-level err', () => {
    ok(parseExchangeResponse({ status: 'ok', response: { type: 'cancel', data: { statuses: ['success', { error: 'Order was never placed, already canceled, or filled. asset=110000' }] } } }));
    ok(parseExchangeResponse({ status: 'ok', response: { type: 'default' } }));
    const err = ok(parseExchangeResponse({ status: 'err', response: 'L1 error: User or API Wallet 0x0123 does not exist.' }));
    assert.ok(err.status === 'err' && err.response.startsWith('L1 error'));
  });

  test('malformed exchange responses are typed errors', () => {
    for (const bad of [
      null,
      'x',
      {},
      { status: 'ok' },
      { status: 'err', response: {} },
      { status: 'ok', response: { type: 'order', data: { statuses: [{ resting: {} }] } } },
      { status: 'ok', response: { type: 'order', data: { statuses: ['success'] } } },
      { status: 'ok', response: { type: 'order', data: { statuses: [{ filled: { totalSz: 1, avgPx: '1', oid: 1 } }] } } },
      { status: 'ok', response: { type: 'cancel', data: { statuses: ['waitingForFill'] } } },
      { status: 'ok', response: { type: 'twapOrder', data: {} } },
    ]) {
      assert.ok(parseExchangeResponse(bad) instanceof WireParseError, JSON.stringify(bad));
    }
  });

  test('post envelopes: info, action, error string', () => {
    const info = ok(parsePostResponse({ type: 'info', payload: { type: 'clearinghouseState', data: clearinghouseState } }));
    assert.ok(info.type === 'info');
    ok(parseClearinghouseState(info.payload.data));
    const e = ok(parsePostResponse({ type: 'error', payload: '429 Too Many Requests' }));
    assert.ok(e.type === 'error' && e.payload === '429 Too Many Requests');
    assert.ok(parsePostResponse({ type: 'error', payload: {} }) instanceof WireParseError);
    assert.ok(parsePostResponse({ type: 'info', payload: { type: 'meta' } }) instanceof WireParseError);
    assert.ok(parsePostResponse({ type: 'other', payload: 1 }) instanceof WireParseError);
    assert.ok(parsePostResponse({ type: 'action', payload: { status: 'maybe' } }) instanceof WireParseError);
    const wsErr = message(parseWsMessage(JSON.stringify({ channel: 'post', data: { id: 9, response: { type: 'error', payload: 'timeout' } } })));
    assert.ok(wsErr.channel === 'post' && wsErr.data.response.type === 'error');
  });

  test('info: clearinghouseState, openOrders, frontendOpenOrders, orderStatus, userFills, userRateLimit, allMids', () => {
    const ch = ok(parseClearinghouseState(clearinghouseState));
    assert.equal(ch.assetPositions[0]?.position.leverage.type, 'isolated');
    assert.ok(parseClearinghouseState({ ...clearinghouseState, withdrawable: 5 }) instanceof WireParseError);
    const badLev = structuredClone(clearinghouseState);
    (badLev.assetPositions[0] as { position: { leverage: object } }).position.leverage = { type: 'isolated', value: 10 };
    assert.ok(parseClearinghouseState(badLev) instanceof WireParseError);
    assert.equal(ok(parseOpenOrders([openOrder, { ...openOrder, cloid: undefined, reduceOnly: true }])).length, 2);
    assert.ok(parseOpenOrders([{ ...openOrder, side: 'S' }]) instanceof WireParseError);
    assert.ok(parseOpenOrders({}) instanceof WireParseError);
    const fo = ok(parseFrontendOpenOrders([{ ...frontendOrder, children: [{ ...frontendOrder, tif: null, cloid: null }] }]));
    assert.equal(fo[0]?.children.length, 1);
    assert.ok(parseFrontendOpenOrders([openOrder]) instanceof WireParseError);
    const os = ok(parseOrderStatusResponse({ status: 'order', order: { order: frontendOrder, status: 'filled', statusTimestamp: 5 } }));
    assert.ok(os.status === 'order' && os.order.status === 'filled');
    assert.equal(ok(parseOrderStatusResponse({ status: 'unknownOid' })).status, 'unknownOid');
    assert.ok(parseOrderStatusResponse({ status: 'order' }) instanceof WireParseError);
    assert.equal(ok(parseUserFills([fill, fill])).length, 2);
    assert.ok(parseUserFills([{ ...fill, crossed: 'yes' }]) instanceof WireParseError);
    ok(parseUserRateLimit({ cumVlm: '2854574.593578', nRequestsUsed: 2890, nRequestsCap: 2864574, nRequestsSurplus: 0 }));
    assert.equal(ok(parseAllMidsResponse({ BTC: '80868.5' })).BTC, '80868.5');
    assert.ok(parseAllMidsResponse({ BTC: 1 }) instanceof WireParseError);
    assert.equal(ok(parseOrderUpdates([{ order: openOrder, status: 'someNewStatus', statusTimestamp: 1 }]))[0]?.status, 'someNewStatus');
  });

  test('order statuses: every documented value is known and classified; unknown values are kept', () => {
    const all: KnownOrderStatus[] = [
      'open', 'filled', 'canceled', 'triggered', 'rejected', 'marginCanceled', 'vaultWithdrawalCanceled',
      'openInterestCapCanceled', 'selfTradeCanceled', 'reduceOnlyCanceled', 'siblingFilledCanceled', 'delistedCanceled',
      'liquidatedCanceled', 'outcomeSettledCanceled', 'scheduledCancel', 'internalCancel', 'tickRejected',
      'minTradeNtlRejected', 'perpMarginRejected', 'reduceOnlyRejected', 'badAloPxRejected', 'iocCancelRejected',
      'badTriggerPxRejected', 'marketOrderNoLiquidityRejected', 'positionIncreaseAtOpenInterestCapRejected',
      'positionFlipAtOpenInterestCapRejected', 'tooAggressiveAtOpenInterestCapRejected', 'openInterestIncreaseRejected',
      'insufficientSpotBalanceRejected', 'oracleRejected', 'perpMaxPositionRejected', 'tooManyOpenOrdersRejected',
    ];
    for (const s of all) {
      assert.ok(isKnownOrderStatus(s), s);
      assert.notEqual(classifyOrderStatus(s), 'unknown', s);
    }
    assert.equal(classifyOrderStatus('open'), 'open');
    assert.equal(classifyOrderStatus('triggered'), 'triggered');
    assert.equal(classifyOrderStatus('filled'), 'filled');
    assert.equal(classifyOrderStatus('scheduledCancel'), 'canceled');
    assert.equal(classifyOrderStatus('siblingFilledCanceled'), 'canceled');
    assert.equal(classifyOrderStatus('iocCancelRejected'), 'rejected');
    assert.equal(classifyOrderStatus('futureThingRejected'), 'rejected');
    assert.equal(classifyOrderStatus('somethingNew'), 'unknown');
    assert.equal(isKnownOrderStatus('somethingNew'), false);
  });
});

describe('hot path: bbo', () => {
  const frames = [
    bboFrame('xyz:XYZ100', ['25012.0', '0.512', 3], ['25013.5', '1.2', 1]),
    bboFrame('xyz:XYZ100', null, ['25013.5', '1.2', 1]),
    bboFrame('xyz:XYZ100', ['25012.0', '0.512', 3], null),
    bboFrame('BTC', null, null),
    bboFrame('km:US500', ['6801.25', '12.034', 17], ['6801.5', '0.001', 1]),
    bboFrame('flx:TINY', ['0.000123', '123456789.12', 1], ['0.000124', '5', 2]),
  ];

  function expected(text: string) {
    const m = message(parseWsMessage(text));
    assert.ok(m.channel === 'bbo');
    return m.data;
  }

  function check(out: BboFrame, text: string) {
    const d = expected(text);
    const [b, a] = d.bbo;
    assert.equal(out.coin, d.coin);
    assert.equal(out.time, d.time);
    assert.equal(out.hasBid, b !== null);
    assert.equal(out.hasAsk, a !== null);
    assert.equal(out.bidPx, b ? Number(b.px) : Number.NaN);
    assert.equal(out.bidSz, b ? Number(b.sz) : Number.NaN);
    assert.equal(out.bidN, b ? b.n : 0);
    assert.equal(out.bidPxRaw, b ? b.px : '');
    assert.equal(out.askPx, a ? Number(a.px) : Number.NaN);
    assert.equal(out.askSz, a ? Number(a.sz) : Number.NaN);
    assert.equal(out.askN, a ? a.n : 0);
    assert.equal(out.askSzRaw, a ? a.sz : '');
  }

  test('the scanner accepts the venue layout and agrees with the JSON path', () => {
    const out = newBboFrame();
    for (const f of frames) {
      assert.ok(scanBboInto(f, out), f);
      check(out, f);
      const viaJson = newBboFrame();
      assert.equal(parseBboIntoViaJson(f, viaJson), PARSE_OK);
      assert.deepEqual(viaJson, out);
      assert.equal(parseBboInto(f, out), PARSE_OK);
      check(out, f);
    }
  });

  test('other layouts fall back to JSON.parse and give the same answer', () => {
    const base = JSON.parse(frames[0] as string);
    const variants = [
      JSON.stringify(base, null, 2),
      JSON.stringify({ data: base.data, channel: 'bbo' }),
      JSON.stringify({ channel: 'bbo', data: { bbo: base.data.bbo, time: base.data.time, coin: base.data.coin } }),
      JSON.stringify({ channel: 'bbo', data: { ...base.data, extra: 1 } }),
      (frames[0] as string).replace('xyz:XYZ100', 'xyz:XYZ\\u0031\\u0030\\u0030'),
    ];
    for (const v of variants) {
      const out = newBboFrame();
      assert.equal(scanBboInto(v, out), false, v);
      assert.equal(parseBboInto(v, out), PARSE_OK, v);
      check(out, v);
      assert.equal(out.coin, 'xyz:XYZ100');
    }
  });

  test('errors: wrong channel, not JSON, bad shape, and `out` is left unchanged', () => {
    const out = newBboFrame();
    assert.equal(parseBboInto(frames[0] as string, out), PARSE_OK);
    const before = { ...out };
    assert.equal(parseBboInto(sampleFrames[2] as string, out), PARSE_WRONG_CHANNEL);
    assert.equal(parseBboInto('Websocket connection established.', out), PARSE_NOT_JSON);
    assert.equal(parseBboInto((frames[0] as string).slice(0, -1), out), PARSE_NOT_JSON);
    // A raw control character inside a string is not JSON: the scanner must not accept it either.
    assert.equal(parseBboInto((frames[0] as string).replace('xyz:XYZ100', 'xyz:XY\nZ'), out), PARSE_NOT_JSON);
    for (const bad of [
      bboFrame('BTC', ['1.0', '-', 1], null),
      bboFrame('BTC', ['1.0', '1', 1.5], null),
      bboFrame('BTC', ['1e3', '1', 1], null),
      bboFrame('BTC', ['', '1', 1], null),
      (frames[0] as string).replace('"n":1', '"n":"1"'),
      '{"channel":"bbo","data":{"coin":"BTC","time":1,"bbo":[null]}}',
      '{"channel":"bbo","data":{"coin":"BTC","bbo":[null,null]}}',
      '{"channel":"bbo"}',
      '[]',
    ]) {
      assert.equal(parseBboInto(bad, out), PARSE_BAD_SHAPE, bad);
      // the whole-frame parser agrees it is not a valid bbo frame
      assert.notEqual(parseWsMessage(bad).kind, 'message');
    }
    assert.deepEqual(out, before);
  });

  test('the coin string is reused when unchanged (no allocation per frame)', () => {
    const out = newBboFrame();
    parseBboInto(frames[0] as string, out);
    const coin = out.coin;
    parseBboInto(frames[1] as string, out);
    assert.equal(out.coin, coin);
    assert.equal(out.hasBid, false);
    assert.ok(Number.isNaN(out.bidPx));
  });
});

describe('hot path: activeAssetCtx', () => {
  function check(out: ActiveAssetCtxFrame, coin: string, c: PerpAssetCtx) {
    const n = (s: string | null) => (s === null ? Number.NaN : Number(s));
    assert.equal(out.coin, coin);
    assert.equal(out.funding, n(c.funding));
    assert.equal(out.openInterest, n(c.openInterest));
    assert.equal(out.prevDayPx, n(c.prevDayPx));
    assert.equal(out.dayNtlVlm, n(c.dayNtlVlm));
    assert.equal(out.premium, n(c.premium));
    assert.equal(out.oraclePx, n(c.oraclePx));
    assert.equal(out.markPx, n(c.markPx));
    assert.equal(out.midPx, n(c.midPx));
    assert.equal(out.impactBidPx, c.impactPxs ? Number(c.impactPxs[0]) : Number.NaN);
    assert.equal(out.impactAskPx, c.impactPxs ? Number(c.impactPxs[1]) : Number.NaN);
    assert.equal(out.dayBaseVlm, n(c.dayBaseVlm));
    assert.equal(out.oraclePxRaw, c.oraclePx);
    assert.equal(out.markPxRaw, c.markPx);
    assert.equal(out.midPxRaw, c.midPx);
  }

  test(`every real context of the allDexsAssetCtxs capture (${realCtxs.length}), scanner and JSON path`, () => {
    assert.ok(realCtxs.length > 400);
    assert.ok(realCtxs.some((c) => c.ctx.premium === null && c.ctx.impactPxs === null && c.ctx.midPx === null));
    const out = newActiveAssetCtxFrame();
    const viaJson = newActiveAssetCtxFrame();
    for (const { coin, ctx } of realCtxs) {
      const f = ctxFrame(coin, ctx);
      assert.ok(scanActiveAssetCtxInto(f, out), f);
      check(out, coin, ctx);
      assert.equal(parseActiveAssetCtxIntoViaJson(f, viaJson), PARSE_OK);
      check(viaJson, coin, ctx);
      assert.equal(parseActiveAssetCtxInto(f, out), PARSE_OK);
      check(out, coin, ctx);
      const m = message(parseWsMessage(f));
      assert.equal(m.channel, 'activeAssetCtx');
    }
  });

  test('other layouts fall back; spot contexts are another channel; errors leave `out` unchanged', () => {
    const { coin, ctx } = realCtxs[0] as { coin: string; ctx: PerpAssetCtx };
    const out = newActiveAssetCtxFrame();
    const reordered = JSON.stringify({ channel: 'activeAssetCtx', data: { ctx: { ...ctx, oraclePx: ctx.oraclePx }, coin } });
    const spaced = JSON.stringify(JSON.parse(ctxFrame(coin, ctx)), null, 1);
    for (const v of [reordered, spaced]) {
      assert.equal(scanActiveAssetCtxInto(v, out), false);
      assert.equal(parseActiveAssetCtxInto(v, out), PARSE_OK);
      check(out, coin, ctx);
    }
    const before = { ...out };
    const spot = JSON.stringify({
      channel: 'activeSpotAssetCtx',
      data: { coin: '@107', ctx: { prevDayPx: '1', dayNtlVlm: '2', markPx: '3', midPx: null, circulatingSupply: '4', coin: '@107', totalSupply: '5', dayBaseVlm: '6' } },
    });
    assert.equal(parseActiveAssetCtxInto(spot, out), PARSE_WRONG_CHANNEL);
    assert.equal(message(parseWsMessage(spot)).channel, 'activeSpotAssetCtx');
    assert.equal(parseActiveAssetCtxInto('nope', out), PARSE_NOT_JSON);
    assert.equal(parseActiveAssetCtxInto(ctxFrame(`${coin}\u0001`, ctx).replace('\\u0001', '\u0001'), out), PARSE_NOT_JSON);
    for (const bad of [
      ctxFrame(coin, { ...ctx, oraclePx: 'x' }),
      ctxFrame(coin, { ...ctx, markPx: 5 as unknown as string }),
      ctxFrame(coin, { ...ctx, impactPxs: ['1'] as unknown as [string, string] }),
      JSON.stringify({ channel: 'activeAssetCtx', data: { coin, ctx: { ...ctx, premium: undefined } } }),
      JSON.stringify({ channel: 'activeAssetCtx', data: { ctx } }),
    ]) {
      assert.equal(parseActiveAssetCtxInto(bad, out), PARSE_BAD_SHAPE, bad);
      assert.notEqual(parseWsMessage(bad).kind, 'message');
    }
    assert.deepEqual(out, before);
  });
});

describe('decimals', () => {
  test('decimalAt equals Number() on venue decimals and rejects everything else', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.stringMatching(/^\d{1,22}$/), fc.option(fc.stringMatching(/^\d{1,22}$/)), (neg, i, f) => {
        const s = `${neg ? '-' : ''}${i}${f === null ? '' : `.${f}`}`;
        assert.equal(parseDecimal(s), Number(s), s);
      }),
      { numRuns: 3000 },
    );
    for (const bad of ['', '-', '.', '1.', '.5', '1e5', ' 1', '1 ', '+1', '0x10', '1..2', '--1', 'NaN', 'Infinity', '１']) {
      assert.ok(Number.isNaN(parseDecimal(bad)), bad);
    }
    assert.equal(decimalAt('xx12.5yy', 2, 6), 12.5);
    // Overflow to Infinity is not a number the bot can use: rejected by every parser alike.
    const huge = `1${'0'.repeat(400)}`;
    assert.ok(Number.isNaN(parseDecimal(huge)));
    const out = newBboFrame();
    const f = bboFrame('BTC', [huge, '1', 1], null);
    assert.equal(parseBboInto(f, out), PARSE_BAD_SHAPE);
    assert.equal(parseWsMessage(f).kind, 'error');
  });
});

describe('malformed input (fast-check)', () => {
  const mutate = fc.oneof(
    // truncation
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    // one character replaced, inserted or deleted
    fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), ch: fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '0', '9', '-', '.', 'e', 'n', ' ', '\\', 'x', '\n', '\u0001', 'é') }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), ch: fc.constantFrom('"', '{', '}', ',', '0', '.', '-', ' ', '\\', 'null', '\t', '\u001f', 'true') }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  );
  const apply = (s: string, ms: { kind: string; at: number; ch?: string }[]) => {
    let t = s;
    for (const m of ms) {
      const at = t.length === 0 ? 0 : m.at % t.length;
      if (m.kind === 'truncate') t = t.slice(0, at);
      else if (m.kind === 'replace') t = t.slice(0, at) + (m.ch as string) + t.slice(at + 1);
      else if (m.kind === 'insert') t = t.slice(0, at) + (m.ch as string) + t.slice(at);
      else t = t.slice(0, at) + t.slice(at + 1);
    }
    return t;
  };
  const mutated = fc.tuple(fc.constantFrom(...sampleFrames), fc.array(mutate, { minLength: 1, maxLength: 3 })).map(([s, ms]) => apply(s, ms));

  test('parseWsMessage never throws and returns either a fully valid message or an error', () => {
    fc.assert(
      fc.property(mutated, (text) => {
        const r = parseWsMessage(text);
        assert.ok(['message', 'error', 'unknown', 'greeting'].includes(r.kind));
        if (r.kind === 'message') {
          // A message is exactly the JSON of the frame, and it passes validation again.
          assert.deepEqual(r.message, JSON.parse(text));
          assert.equal(parseWsMessage(JSON.stringify(r.message)).kind, 'message');
        }
        if (r.kind === 'error') assert.ok(r.error instanceof WireParseError);
      }),
      { numRuns: 4000 },
    );
  });

  test('the hot-path parsers never throw, agree with the JSON path, and leave `out` unchanged on error', () => {
    fc.assert(
      fc.property(mutated, (text) => {
        const out = newBboFrame();
        out.coin = 'sentinel';
        const snapshot = { ...out };
        const code = parseBboInto(text, out);
        const ref = newBboFrame();
        ref.coin = 'sentinel';
        assert.equal(code, parseBboIntoViaJson(text, ref));
        const whole = parseWsMessage(text);
        if (code === PARSE_OK) {
          assert.deepEqual(out, ref);
          assert.ok(whole.kind === 'message' && whole.message.channel === 'bbo');
        } else {
          assert.deepEqual(out, snapshot);
          assert.ok(!(whole.kind === 'message' && whole.message.channel === 'bbo'));
        }
        const ctx = newActiveAssetCtxFrame();
        const ctxSnap = { ...ctx };
        const ctxCode = parseActiveAssetCtxInto(text, ctx);
        const ctxRef = newActiveAssetCtxFrame();
        assert.equal(ctxCode, parseActiveAssetCtxIntoViaJson(text, ctxRef));
        if (ctxCode === PARSE_OK) {
          assert.deepEqual(ctx, ctxRef);
          assert.ok(whole.kind === 'message' && whole.message.channel === 'activeAssetCtx');
        } else {
          assert.deepEqual(ctx, ctxSnap);
          assert.ok(!(whole.kind === 'message' && whole.message.channel === 'activeAssetCtx'));
        }
      }),
      { numRuns: 4000 },
    );
  });
});
