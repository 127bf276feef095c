// hlsim driven only through its wire protocol (signed actions over HTTP and WS posts, subscriptions):
// fills at the right prices, the venue's validation strings, signature and nonce rules, agents, agreement of
// orderUpdates / userFills / clearinghouseState after random order flow, and the exchange-facing faults.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { cancelAction, orderAction, orderWire, scheduleCancelAction, updateLeverageAction } from '../../src/protocol/actions.ts';
import { formatPrice, formatSize } from '../../src/protocol/format.ts';
import { type SimHandle, startSim } from '../../src/sim/index.ts';
import { assetIdOf, type ExchangeBody, type Frame, HttpClient, Signer, WsClient } from './client.ts';
import { scaledInt, startSimWithClients } from './helpers.ts';
import { documented, invented, observed } from './strings.ts';

interface MarketInfo {
  coin: string;
  asset: number;
  szDecimals: number;
  oraclePx: number;
}

async function marketInfo(http: HttpClient, coin: string): Promise<MarketInfo> {
  const colon = coin.indexOf(':');
  const dex = colon < 0 ? '' : coin.slice(0, colon);
  const [meta, ctxs] = await http.infoOk<[{ universe: { name: string; szDecimals: number }[] }, { oraclePx: string }[]]>({
    type: 'metaAndAssetCtxs',
    dex,
  });
  const i = meta.universe.findIndex((u) => u.name === coin);
  assert.ok(i >= 0, `${coin} in meta`);
  return { coin, asset: await assetIdOf(http, coin), szDecimals: meta.universe[i].szDecimals, oraclePx: Number(ctxs[i].oraclePx) };
}

type Tif = 'Gtc' | 'Ioc' | 'Alo';
interface OrderSpec {
  isBuy: boolean;
  px: string;
  sz: string;
  tif: Tif;
  reduceOnly?: boolean;
  cloid?: string;
}

function orderBody(signer: Signer, m: MarketInfo, orders: OrderSpec[], opts: { nonce?: number; vaultAddress?: string } = {}): ExchangeBody {
  const action = orderAction(orders.map((o) => orderWire({ asset: m.asset, isBuy: o.isBuy, px: o.px, sz: o.sz, reduceOnly: o.reduceOnly ?? false, tif: o.tif, cloid: o.cloid })));
  return signer.sign(action, opts);
}

type ExchangeReply = { status: 'ok'; response: { type: string; data?: { statuses: unknown[] } } } | { status: 'err'; response: string };

async function postAction(ws: WsClient, body: ExchangeBody): Promise<ExchangeReply> {
  const r = await ws.post('action', body);
  assert.equal(r.type, 'action', `action response, got ${JSON.stringify(r)}`);
  return r.payload as ExchangeReply;
}

function statuses(reply: ExchangeReply): unknown[] {
  assert.equal(reply.status, 'ok', JSON.stringify(reply));
  return (reply as { response: { data: { statuses: unknown[] } } }).response.data.statuses;
}

/** Price `bps` away from `px`, on the venue grid, rounded away from the touch for passive quotes. */
function px(m: MarketInfo, bps: number, round: 'down' | 'up' | 'nearest' = 'nearest'): string {
  return formatPrice(m.oraclePx * (1 + bps / 10_000), m.szDecimals, 'perp', round);
}

/** A size worth about `usd` at the oracle. */
function sz(m: MarketInfo, usd: number): string {
  return formatSize(usd / m.oraclePx, m.szDecimals);
}

const COIN = 'xyz:XYZ100';

describe('hlsim over the wire: trading', () => {
  let sim: SimHandle;
  let http: HttpClient;
  let m: MarketInfo;
  const maker = new Signer();
  const taker = new Signer();
  const poor = new Signer();
  const user = new Signer();
  const clients: WsClient[] = [];
  const connect = async () => {
    const c = await WsClient.connect(sim.wsUrl);
    clients.push(c);
    return c;
  };

  before(async () => {
    sim = await startSim({
      dynamics: false,
      adminPort: null,
      fund: { [maker.address]: 10_000_000, [taker.address]: 1_000_000, [poor.address]: 20, [user.address]: 100_000 },
      limits: { restWeightPerMinute: Number.POSITIVE_INFINITY },
    });
    http = new HttpClient(sim.httpUrl);
    m = await marketInfo(http, COIN);
  });
  after(async () => {
    for (const c of clients) await c.close();
    await sim.stop();
  });

  test('IOC fills against maker quotes at the makers\' prices, level by level; every channel reports it', async () => {
    const mk = await connect();
    const tk = await connect();
    await tk.subscribe({ type: 'bbo', coin: COIN });
    await tk.subscribe({ type: 'trades', coin: COIN });
    await tk.subscribe({ type: 'orderUpdates', user: taker.address });
    const snapshot = tk.waitFor((f) => f.channel === 'userFills', 3000, 0);
    await tk.subscribe({ type: 'userFills', user: taker.address });
    assert.deepEqual((await snapshot).data, { user: taker.address, isSnapshot: true, fills: [] });

    const a1 = px(m, 10, 'up');
    const a2 = px(m, 20, 'up');
    const size = sz(m, 1000);
    const rest = statuses(await postAction(mk, orderBody(maker, m, [
      { isBuy: false, px: a1, sz: size, tif: 'Gtc' },
      { isBuy: false, px: a2, sz: size, tif: 'Gtc' },
    ])));
    assert.ok(rest.every((s) => typeof s === 'object' && s !== null && 'resting' in s), JSON.stringify(rest));
    await tk.waitFor((f) => f.channel === 'bbo' && (f.data as { bbo: [unknown, { px: string } | null] }).bbo[1]?.px !== undefined && Number((f.data as { bbo: [unknown, { px: string }] }).bbo[1].px) === Number(a1), 3000, 0);

    const takeSz = formatSize(Number(size) * 1.5, m.szDecimals);
    const fillsFrame = tk.waitFor((f) => f.channel === 'userFills' && !(f.data as { isSnapshot?: boolean }).isSnapshot);
    const [status] = statuses(await postAction(tk, orderBody(taker, m, [{ isBuy: true, px: a2, sz: takeSz, tif: 'Ioc' }]))) as {
      filled?: { totalSz: string; avgPx: string; oid: number };
    }[];
    assert.ok(status.filled, JSON.stringify(status));
    assert.equal(status.filled.totalSz, takeSz);
    const second = Number(takeSz) - Number(size);
    const expectedAvg = (Number(a1) * Number(size) + Number(a2) * second) / Number(takeSz);
    assert.ok(Math.abs(Number(status.filled.avgPx) - expectedAvg) <= expectedAvg * 1e-6, `avgPx ${status.filled.avgPx} vs ${expectedAvg}`);

    const fills = ((await fillsFrame).data as { fills: { px: string; sz: string; side: string; crossed: boolean; oid: number }[] }).fills;
    await tk.waitFor((f) => f.channel === 'userFills' && (f.data as { fills: unknown[] }).fills.length > 0 && tk.on('userFills').flatMap((x) => (x.data as { fills: unknown[] }).fills).length >= 2, 3000, 0);
    const allFills = tk.on('userFills').flatMap((x) => (x.data as { fills: { px: string; sz: string; side: string; crossed: boolean; oid: number }[] }).fills);
    assert.ok(fills.length >= 1);
    // Wire numbers compare by value: the venue writes integral prices as '110427.0'.
    assert.deepEqual(allFills.map((f) => [Number(f.px), Number(f.sz), f.side, f.crossed, f.oid]), [
      [Number(a1), Number(size), 'B', true, status.filled.oid],
      [Number(a2), Number(formatSize(second, m.szDecimals)), 'B', true, status.filled.oid],
    ]);
    const trades = await tk.waitFor((f) => f.channel === 'trades', 3000, 0);
    assert.ok(Array.isArray(trades.data));
    const tradePxs = tk.on('trades').flatMap((f) => (f.data as { px: string }[]).map((t) => Number(t.px)));
    assert.deepEqual(tradePxs, [Number(a1), Number(a2)]);
    const updates = await tk.waitFor((f) => f.channel === 'orderUpdates' && (f.data as { status: string }[]).some((u) => u.status === 'filled'), 3000, 0);
    assert.ok(Array.isArray(updates.data), 'orderUpdates data is an array');
    // The book moved: the best ask is now the rest of the second level.
    const book = await http.infoOk<{ levels: [{ px: string; sz: string }[], { px: string; sz: string }[]] }>({ type: 'l2Book', coin: COIN });
    assert.equal(Number(book.levels[1][0].px), Number(a2));
  });

  // Each string is asserted with its kind (docs/hlsim.md "Strings: source"): documented/observed are the
  // venue's own words; invented ones are hlsim's where the venue's answer is unknown.
  test('each validation error arrives with its exact string (venue-documented, venue-observed or hlsim-invented, as labelled)', async () => {
    const c = await connect();
    const a = m.asset;
    // A resting book: best bid 30 bps under, best ask 30 bps over the oracle.
    const bid = px(m, -30, 'down');
    const ask = px(m, 30, 'up');
    statuses(await postAction(c, orderBody(maker, m, [
      { isBuy: true, px: bid, sz: sz(m, 500), tif: 'Gtc' },
      { isBuy: false, px: ask, sz: sz(m, 500), tif: 'Gtc' },
    ])));
    const one = async (signer: Signer, o: OrderSpec) => (statuses(await postAction(c, orderBody(signer, m, [o])))[0] as { error?: string }).error;

    // Tick: one more significant figure than allowed.
    const offTick = `${formatPrice(m.oraclePx, m.szDecimals, 'perp', 'down')}${formatPrice(m.oraclePx, m.szDecimals, 'perp', 'down').includes('.') ? '' : '.'}01`;
    documented(await one(taker, { isBuy: true, px: offTick, sz: sz(m, 100), tif: 'Gtc' }), `Price must be divisible by tick size. asset=${a}`, 'tick');
    // Minimum notional.
    const tiny = formatSize(10 ** -m.szDecimals, m.szDecimals);
    assert.ok(Number(tiny) * m.oraclePx < 10, 'one lot is under $10 for this market');
    documented(await one(taker, { isBuy: true, px: bid, sz: tiny, tif: 'Gtc' }), `Order must have minimum value of $10. asset=${a}`, 'minNotional');
    // Reduce-only with no position.
    documented(await one(poor, { isBuy: true, px: bid, sz: sz(m, 15), tif: 'Gtc', reduceOnly: true }), `Reduce only order would increase position. asset=${a}`, 'reduceOnly');
    // ALO that would cross: the error quotes the touch as the venue's book shows it.
    const book = await http.infoOk<{ levels: [{ px: string }[], { px: string }[]] }>({ type: 'l2Book', coin: COIN });
    const [bestBid, bestAsk] = [book.levels[0][0].px, book.levels[1][0].px];
    documented(await one(taker, { isBuy: true, px: formatPrice(bestAsk, m.szDecimals, 'perp', 'nearest'), sz: sz(m, 100), tif: 'Alo' }), `Post only order would have immediately matched, bbo was ${bestBid}@${bestAsk}. asset=${a}`, 'badAloPx');
    // IOC with nothing to match.
    documented(await one(taker, { isBuy: true, px: px(m, -100, 'down'), sz: sz(m, 100), tif: 'Ioc' }), `Order could not immediately match against any resting orders. asset=${a}`, 'iocCancel');
    // Insufficient margin: $20 of collateral for a $10,000 order.
    documented(await one(poor, { isBuy: true, px: bid, sz: sz(m, 10_000), tif: 'Gtc' }), `Insufficient margin to place order. asset=${a}`, 'margin');
    // Lot size: one decimal more than szDecimals.
    const offLot = (Number(sz(m, 100)) + 10 ** -(m.szDecimals + 1)).toFixed(m.szDecimals + 1);
    observed(await one(taker, { isBuy: true, px: bid, sz: offLot, tif: 'Gtc' }), 'Order has invalid size.', 'invalidSize');
    // Zero size (the protocol builders refuse it, so the action is written by hand).
    const zero = { type: 'order', orders: [{ a, b: true, p: bid, s: '0', r: false, t: { limit: { tif: 'Gtc' } } }], grouping: 'na' };
    observed((statuses(await postAction(c, taker.sign(zero)))[0] as { error?: string }).error, 'Order has zero size.', 'zeroSize');
    // Unknown asset: the whole string, suffix included — hlsim's own wording (the venue's is undocumented).
    const unknown = (statuses(await postAction(c, taker.sign(orderAction([orderWire({ asset: 199_999, isBuy: true, px: bid, sz: sz(m, 100), reduceOnly: false, tif: 'Gtc' })]))))[0] as { error?: string }).error;
    invented(unknown, 'Unknown asset. asset=199999', 'unknownAsset');
  });

  test('a bad signature and a reused nonce are rejected; a body of the wrong shape is HTTP 422', async () => {
    const body = orderBody(taker, m, [{ isBuy: true, px: px(m, -50, 'down'), sz: sz(m, 100), tif: 'Gtc' }]);
    // Tampering with the signed action changes the recovered signer: an account that does not exist.
    const tampered = structuredClone(body) as ExchangeBody & { action: { orders: { s: string }[] } };
    tampered.action.orders[0].s = formatSize(Number(tampered.action.orders[0].s) * 2, m.szDecimals);
    const bad = await http.exchange(tampered);
    assert.equal(bad.status, 200);
    const badJson = bad.json as { status: string; response: string };
    assert.equal(badJson.status, 'err');
    const recovered = /^L1 error: User or API Wallet (0x[0-9a-f]{40}) does not exist\.$/.exec(badJson.response)?.[1];
    documented(badJson.response, `L1 error: User or API Wallet ${recovered} does not exist.`, 'signerMissing');
    assert.notEqual(recovered, taker.address);

    const first = await http.exchange(body);
    assert.equal((first.json as { status: string }).status, 'ok');
    const again = await http.exchange(body);
    assert.equal((again.json as { status: string }).status, 'err');
    documented((again.json as { response: string }).response, `Invalid nonce: duplicate nonce ${body.nonce}`, 'nonceDuplicate');

    const shape = await http.exchange({ action: 'nope' });
    assert.equal(shape.status, 422);
    observed(shape.text, 'Failed to deserialize the JSON body into the target type', 'deserialize');
    // Over WS the same failure is a post error mirroring the HTTP status.
    const c = await connect();
    const r = await c.post('action', { action: 'nope' });
    assert.equal(r.type, 'error');
    // §4.2: the payload mirrors the HTTP status; this exact rendering is hlsim's.
    invented(r.payload, '422 Unprocessable Entity: Failed to deserialize the JSON body into the target type');
  });

  test('an agent approved with a real approveAgent signed by the user trades for the user', async () => {
    const agent = new Signer();
    const order = () => orderBody(agent, m, [{ isBuy: true, px: px(m, -60, 'down'), sz: sz(m, 200), tif: 'Gtc', cloid: `0x${'ab'.repeat(16)}` }]);
    const before = await http.exchange(order());
    assert.equal((before.json as { status: string }).status, 'err');
    documented((before.json as { response: string }).response, `L1 error: User or API Wallet ${agent.address} does not exist.`, 'signerMissing');

    const approve = await http.exchange(user.approveAgent(agent.address, 'bot'));
    assert.deepEqual(approve.json, { status: 'ok', response: { type: 'default' } });

    const placed = await http.exchange(order());
    const st = (placed.json as ExchangeReply & { status: 'ok' }).response.data!.statuses[0] as { resting?: { oid: number; cloid?: string } };
    assert.ok(st.resting, JSON.stringify(placed.json));
    // The order belongs to the user: query with the user's address, never the agent's (§5.1).
    const open = await http.infoOk<{ oid: number; coin: string }[]>({ type: 'openOrders', user: user.address, dex: 'xyz' });
    assert.deepEqual(open.map((o) => o.oid), [st.resting.oid]);
    const agentOpen = await http.infoOk<unknown[]>({ type: 'openOrders', user: agent.address, dex: 'xyz' });
    assert.deepEqual(agentOpen, []);
  });
});

// ------------------------------------------------------------------ isolated margin

/** Decimal string → integer micro-units (exact; the venue's USDC amounts have ≤ 6 decimals). */
const micro = (s: string): bigint => scaledInt(s, 6);

interface ChState {
  marginSummary: { accountValue: string; totalNtlPos: string; totalRawUsd: string; totalMarginUsed: string };
  crossMarginSummary: { accountValue: string; totalNtlPos: string; totalRawUsd: string; totalMarginUsed: string };
  withdrawable: string;
  assetPositions: { type: string; position: { coin: string; szi: string; leverage: { type: string; value: number; rawUsd?: string }; positionValue: string; marginUsed: string } }[];
}

describe('hlsim over the wire: isolated margin', () => {
  test('an isolated-only market: clearinghouseState shows {type:"isolated", value, rawUsd}; notional/leverage is reserved from the cross balance at entry and released on close; cross is refused', async (t) => {
    const maker = new Signer();
    const trader = new Signer();
    const deposit = 100_000;
    const { sim, ws: [c] } = await startSimWithClients(t, { dynamics: false, adminPort: null, fund: { [maker.address]: 10_000_000, [trader.address]: deposit } });
    const http = new HttpClient(sim.httpUrl);
    const coin = 'xyz:HOOD';
    const meta = await http.infoOk<{ universe: { name: string; marginMode?: string; maxLeverage: number }[] }>({ type: 'meta', dex: 'xyz' });
    const entry = meta.universe.find((u) => u.name === coin);
    assert.equal(entry?.marginMode, 'strictIsolated', 'the market is isolated-only in meta');
    const m = await marketInfo(http, coin);
    const state = () => http.infoOk<ChState>({ type: 'clearinghouseState', user: trader.address, dex: 'xyz' });
    await c.subscribe({ type: 'userFills', user: trader.address });
    const fills: { px: string; sz: string; fee: string; side: string }[] = [];
    const trade = async (isBuy: boolean, size: string) => {
      const limit = isBuy ? px(m, 20, 'up') : px(m, -20, 'down');
      const mark = c.frames.length;
      const [st] = statuses(await postAction(c, orderBody(trader, m, [{ isBuy, px: limit, sz: size, tif: 'Ioc' }])));
      assert.ok((st as { filled?: unknown }).filled, JSON.stringify(st));
      await c.ping();
      for (const f of c.frames.slice(mark)) if (f.channel === 'userFills') fills.push(...(f.data as { fills: typeof fills }).fills);
    };
    statuses(await postAction(c, orderBody(maker, m, [
      { isBuy: false, px: px(m, 10, 'up'), sz: sz(m, 50_000), tif: 'Gtc' },
      { isBuy: true, px: px(m, -10, 'down'), sz: sz(m, 50_000), tif: 'Gtc' },
    ])));

    // Cross is refused on an isolated-only market; isolated is accepted.
    const refused = await postAction(c, trader.sign(updateLeverageAction(m.asset, true, 5)));
    assert.equal(refused.status, 'err');
    observed(refused.response, 'Cross margin is not allowed for this asset.', 'crossNotAllowed');
    assert.deepEqual(await postAction(c, trader.sign(updateLeverageAction(m.asset, false, 5))), { status: 'ok', response: { type: 'default' } });

    // Open: 5× isolated.
    const size = sz(m, 2_000);
    await trade(true, size);
    assert.equal(fills.length, 1);
    const ntl = micro(fills[0].px) * micro(fills[0].sz) / 1_000_000n;
    const fee = micro(fills[0].fee);
    const margin = (ntl + 4n) / 5n; // notional / 5, rounded up to the micro-USDC
    const open = await state();
    assert.equal(open.assetPositions.length, 1);
    const pos = open.assetPositions[0].position;
    assert.equal(pos.coin, coin);
    assert.equal(pos.szi, size);
    assert.deepEqual(pos.leverage, { type: 'isolated', value: 5, rawUsd: pos.leverage.rawUsd });
    assert.equal(micro(pos.leverage.rawUsd ?? ''), margin - ntl - fee, 'rawUsd = margin − entry notional − fee');
    // marginUsed is the position's own equity: rawUsd + szi × mark = rawUsd + position value (a long).
    assert.ok(Math.abs(Number(pos.marginUsed) - (Number(pos.leverage.rawUsd) + Number(pos.positionValue))) <= 2e-6, JSON.stringify(pos));
    assert.equal(micro(open.crossMarginSummary.totalRawUsd), BigInt(deposit) * 1_000_000n - margin, 'the margin left the cross balance');
    assert.equal(Number(open.crossMarginSummary.totalNtlPos), 0);
    assert.equal(Number(open.crossMarginSummary.totalMarginUsed), 0);
    assert.equal(micro(open.withdrawable), BigInt(deposit) * 1_000_000n - margin);
    assert.equal(micro(open.marginSummary.totalRawUsd), BigInt(deposit) * 1_000_000n - ntl - fee, 'all cash: cross + isolated');
    assert.equal(open.marginSummary.totalMarginUsed, pos.marginUsed);
    assert.equal(open.marginSummary.totalNtlPos, pos.positionValue);

    // Still refused with the position open (the isolated-only rule answers first).
    observed((await postAction(c, trader.sign(updateLeverageAction(m.asset, true, 5)))).response, 'Cross margin is not allowed for this asset.', 'crossNotAllowed');

    // Close: everything comes back to the cross balance.
    await trade(false, size);
    const closed = await state();
    assert.deepEqual(closed.assetPositions, []);
    let cash = BigInt(deposit) * 1_000_000n;
    for (const f of fills) cash += (f.side === 'B' ? -1n : 1n) * (micro(f.px) * micro(f.sz) / 1_000_000n) - micro(f.fee);
    assert.equal(micro(closed.crossMarginSummary.totalRawUsd), cash, 'released on close: cross = deposit + Σ fill flows − fees');
    assert.equal(micro(closed.marginSummary.totalRawUsd), cash);
    assert.equal(sim.exchange.totalCash() + sim.exchange.feesCollected(), sim.exchange.totalDeposits(), 'cash conserved');
  });

  test('a cross market switched to isolated with updateLeverage isCross=false; switching back with an open position is refused', async (t) => {
    const maker = new Signer();
    const trader = new Signer();
    const { sim, ws: [c] } = await startSimWithClients(t, { dynamics: false, adminPort: null, fund: { [maker.address]: 10_000_000, [trader.address]: 100_000 } });
    const http = new HttpClient(sim.httpUrl);
    const m = await marketInfo(http, COIN);
    statuses(await postAction(c, orderBody(maker, m, [{ isBuy: false, px: px(m, 10, 'up'), sz: sz(m, 50_000), tif: 'Gtc' }])));
    const state = () => http.infoOk<ChState>({ type: 'clearinghouseState', user: trader.address, dex: 'xyz' });
    assert.deepEqual(await postAction(c, trader.sign(updateLeverageAction(m.asset, false, 10))), { status: 'ok', response: { type: 'default' } });
    statuses(await postAction(c, orderBody(trader, m, [{ isBuy: true, px: px(m, 20, 'up'), sz: sz(m, 1_000), tif: 'Ioc' }])));
    const open = await state();
    assert.equal(open.assetPositions[0].position.leverage.type, 'isolated');
    assert.equal(open.assetPositions[0].position.leverage.value, 10);
    const switched = await postAction(c, trader.sign(updateLeverageAction(m.asset, true, 10)));
    assert.equal(switched.status, 'err');
    observed(switched.response, 'Cannot switch leverage type with open position.', 'switchLeverageType');
    // Same mode, higher leverage: accepted (the open position keeps its margin).
    assert.deepEqual(await postAction(c, trader.sign(updateLeverageAction(m.asset, false, 20))), { status: 'ok', response: { type: 'default' } });
    const after = await state();
    assert.deepEqual(after.assetPositions[0].position.leverage, { ...open.assetPositions[0].position.leverage, value: 20 });
  });
});

// ------------------------------------------------------------------ random order flow, over the wire

interface Fill {
  coin: string;
  px: string;
  sz: string;
  side: 'B' | 'A';
  oid: number;
  tid: number;
  fee: string;
  closedPnl: string;
}

describe('hlsim over the wire: orderUpdates, userFills and clearinghouseState agree after random order flow', () => {
  test('position = sum of fills, streamed fills = info fills, filled orders = fills, cash conserved — all read over the wire, cross and isolated markets', async () => {
    const COINS = [COIN, 'xyz:HOOD']; // cross, isolated-only
    const DEPOSIT = 200_000;
    let totalFills = 0;
    let isolatedFills = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            who: fc.integer({ min: 0, max: 2 }),
            market: fc.integer({ min: 0, max: COINS.length - 1 }),
            isBuy: fc.boolean(),
            bps: fc.integer({ min: -40, max: 40 }),
            usd: fc.integer({ min: 15, max: 400 }),
            tif: fc.constantFrom<Tif>('Gtc', 'Ioc', 'Alo'),
          }),
          { minLength: 10, maxLength: 40 },
        ),
        async (flow) => {
          runs++;
          const traders = [new Signer(), new Signer(), new Signer()];
          const fund = Object.fromEntries(traders.map((t) => [t.address, DEPOSIT]));
          const sim = await startSim({ dynamics: false, adminPort: null, fund, limits: { restWeightPerMinute: Number.POSITIVE_INFINITY } });
          const clients: WsClient[] = [];
          try {
            const http = new HttpClient(sim.httpUrl);
            const markets = await Promise.all(COINS.map((coin) => marketInfo(http, coin)));
            for (const t of traders) {
              const c = await WsClient.connect(sim.wsUrl);
              clients.push(c);
              await c.subscribe({ type: 'orderUpdates', user: t.address });
              await c.subscribe({ type: 'userFills', user: t.address });
            }
            for (const step of flow) {
              const t = traders[step.who];
              const m = markets[step.market];
              const reply = await postAction(clients[step.who], orderBody(t, m, [
                { isBuy: step.isBuy, px: px(m, step.bps, step.isBuy ? 'down' : 'up'), sz: sz(m, step.usd), tif: step.tif },
              ]));
              assert.equal(reply.status, 'ok');
            }
            // A ping round trip per connection: every frame published before it has arrived.
            for (const c of clients) await c.ping();
            let cashAll = 0n;
            let feesAll = 0n;
            for (let i = 0; i < traders.length; i++) {
              const t = traders[i];
              const c = clients[i];
              const streamed = c.on('userFills').filter((f) => !(f.data as { isSnapshot?: boolean }).isSnapshot).flatMap((f) => (f.data as { fills: Fill[] }).fills);
              const infoFills = await http.infoOk<Fill[]>({ type: 'userFills', user: t.address });
              assert.deepEqual(new Set(streamed.map((f) => f.tid)), new Set(infoFills.map((f) => f.tid)), 'streamed fills = info fills');
              totalFills += streamed.length;
              isolatedFills += streamed.filter((f) => f.coin === 'xyz:HOOD').length;
              const ch = await http.infoOk<ChState>({ type: 'clearinghouseState', user: t.address, dex: 'xyz' });
              // Position = Σ signed fill sizes, exactly, per market; isolated-only markets are isolated.
              let cash = BigInt(DEPOSIT) * 1_000_000n;
              let isolatedRaw = 0n;
              for (const m of markets) {
                const mine = streamed.filter((f) => f.coin === m.coin);
                const signed = mine.reduce((sum, f) => sum + (f.side === 'B' ? 1n : -1n) * scaledInt(f.sz, m.szDecimals), 0n);
                const pos = ch.assetPositions.find((p) => p.position.coin === m.coin)?.position;
                assert.equal(pos === undefined ? 0n : scaledInt(pos.szi, m.szDecimals), signed, `${m.coin}: position ${pos?.szi} = Σ fills`);
                if (pos !== undefined && m.coin === 'xyz:HOOD') assert.equal(pos.leverage.type, 'isolated');
                if (pos?.leverage.rawUsd !== undefined) isolatedRaw += micro(pos.leverage.rawUsd);
                for (const f of mine) {
                  const ntl = (scaledInt(f.px, 6 - m.szDecimals) * scaledInt(f.sz, m.szDecimals)) as bigint;
                  cash += (f.side === 'B' ? -ntl : ntl) - micro(f.fee);
                  feesAll += micro(f.fee);
                }
              }
              // The account's cash = deposit + Σ its fills' cash flows − fees; cross + isolated = all.
              assert.equal(micro(ch.marginSummary.totalRawUsd), cash, `cash of trader ${i}`);
              assert.equal(micro(ch.crossMarginSummary.totalRawUsd) + isolatedRaw, cash, `cross + isolated cash of trader ${i}`);
              cashAll += cash;
              // Every order that orderUpdates reports filled has fills summing to its original size.
              const updates = c.on('orderUpdates').flatMap((f) => f.data as { order: { oid: number; origSz: string }; status: string }[]);
              for (const u of updates.filter((x) => x.status === 'filled')) {
                const filled = streamed.filter((f) => f.oid === u.order.oid).reduce((sum, f) => sum + Number(f.sz), 0);
                assert.ok(Math.abs(filled - Number(u.order.origSz)) < 1e-9, `oid ${u.order.oid}: fills ${filled} = origSz ${u.order.origSz}`);
              }
              // Open orders per info = orders whose last update is 'open'.
              const last = new Map<number, string>();
              for (const u of updates) last.set(u.order.oid, u.status);
              const openByUpdates = [...last].filter(([, st]) => st === 'open').map(([oid]) => oid).sort();
              const open = await http.infoOk<{ oid: number }[]>({ type: 'openOrders', user: t.address, dex: 'xyz' });
              assert.deepEqual(open.map((o) => o.oid).sort(), openByUpdates, 'openOrders = orders left open by orderUpdates');
            }
            // Cash conserved, from what the wire says: Σ accounts' cash + Σ fees charged = Σ deposits.
            assert.equal(cashAll + feesAll, BigInt(traders.length * DEPOSIT) * 1_000_000n, 'cash conserved over the wire');
            assert.equal(sim.exchange.totalCash() + sim.exchange.feesCollected(), sim.exchange.totalDeposits(), 'and in the exchange');
          } finally {
            for (const c of clients) await c.close();
            await sim.stop();
          }
        },
      ),
      { numRuns: 8, seed: 20261121 },
    );
    // The flow must actually trade, on both kinds of market, for the property to mean anything.
    assert.ok(totalFills >= 3 * runs, `random flow produced ${totalFills} fills over ${runs} runs`);
    assert.ok(isolatedFills >= 10, `isolated-only market fills: ${isolatedFills}`);
  });
});

// ------------------------------------------------------------------ faults that need the exchange

describe('hlsim faults observable by a client', () => {
  let sim: SimHandle;
  let http: HttpClient;
  let m: MarketInfo;
  let other: MarketInfo;
  const maker = new Signer();
  const trader = new Signer();
  const clients: WsClient[] = [];
  before(async () => {
    sim = await startSim({ dynamics: false, adminPort: null, fund: { [maker.address]: 10_000_000, [trader.address]: 1_000_000 }, limits: { restWeightPerMinute: Number.POSITIVE_INFINITY } });
    http = new HttpClient(sim.httpUrl);
    m = await marketInfo(http, COIN);
    other = await marketInfo(http, 'BTC');
  });
  after(async () => {
    for (const c of clients) await c.close();
    await sim.stop();
  });
  const connect = async () => {
    const c = await WsClient.connect(sim.wsUrl);
    clients.push(c);
    return c;
  };

  test('silenceChannel stops one channel of one market while the socket and everything else flow', async () => {
    const c = await connect();
    await c.subscribe({ type: 'bbo', coin: COIN });
    await c.subscribe({ type: 'bbo', coin: 'BTC' });
    sim.faults.silenceChannel({ channel: 'bbo', coin: COIN });
    const mark = c.frames.length;
    statuses(await postAction(c, orderBody(maker, m, [{ isBuy: true, px: px(m, -200, 'down'), sz: sz(m, 100), tif: 'Gtc' }])));
    statuses(await postAction(c, orderBody(maker, other, [{ isBuy: true, px: px(other, -200, 'down'), sz: sz(other, 100), tif: 'Gtc' }])));
    await c.waitFor((f) => f.channel === 'bbo' && (f.data as { coin: string }).coin === 'BTC', 3000, mark);
    await c.ping();
    assert.equal(c.frames.slice(mark).filter((f) => f.channel === 'bbo' && (f.data as { coin: string }).coin === COIN).length, 0);
    sim.faults.unsilenceChannel({ channel: 'bbo', coin: COIN });
    statuses(await postAction(c, orderBody(maker, m, [{ isBuy: true, px: px(m, -150, 'down'), sz: sz(m, 100), tif: 'Gtc' }])));
    await c.waitFor((f) => f.channel === 'bbo' && (f.data as { coin: string }).coin === COIN, 3000, mark);
  });

  test('dropPostResponses: the action is executed, the answer never comes; orderStatus finds the order', async () => {
    const c = await connect();
    await c.subscribe({ type: 'orderUpdates', user: trader.address });
    sim.faults.dropPostResponses(1);
    const cloid = `0x${'cd'.repeat(16)}`;
    await assert.rejects(c.post('action', orderBody(trader, m, [{ isBuy: true, px: px(m, -300, 'down'), sz: sz(m, 100), tif: 'Gtc', cloid }]), 400), /no matching frame/);
    const st = await http.infoOk<{ status: string; order?: { status: string } }>({ type: 'orderStatus', user: trader.address, oid: cloid });
    assert.equal(st.status, 'order');
    assert.equal(st.order?.status, 'open');
    await c.waitFor((f) => f.channel === 'orderUpdates', 3000, 0);
    // Over HTTP the connection is reset.
    sim.faults.dropPostResponses(1);
    await assert.rejects(http.exchange(orderBody(trader, m, [{ isBuy: true, px: px(m, -310, 'down'), sz: sz(m, 100), tif: 'Gtc' }])));
  });

  test('delayPostResponses delays the answer, not the execution; rejectNextActions answers the given error', async () => {
    const c = await connect();
    await c.subscribe({ type: 'orderUpdates', user: trader.address });
    sim.faults.delayPostResponses(300);
    const mark = c.frames.length;
    const reply = c.post('action', orderBody(trader, m, [{ isBuy: true, px: px(m, -320, 'down'), sz: sz(m, 100), tif: 'Gtc' }]));
    // The order update (execution) arrives before the delayed post response.
    await c.waitFor((f) => f.channel === 'orderUpdates', 3000, mark);
    assert.equal(c.frames.slice(mark).filter((f) => f.channel === 'post').length, 0);
    assert.equal((await reply).type, 'action');
    sim.faults.delayPostResponses(0);

    const openBefore = await http.infoOk<unknown[]>({ type: 'openOrders', user: trader.address, dex: 'xyz' });
    sim.faults.rejectNextActions(1, 'Simulated rejection');
    const rejected = await postAction(c, orderBody(trader, m, [{ isBuy: true, px: px(m, -330, 'down'), sz: sz(m, 100), tif: 'Gtc' }]));
    assert.deepEqual(rejected, { status: 'err', response: 'Simulated rejection' });
    assert.equal((await http.infoOk<unknown[]>({ type: 'openOrders', user: trader.address, dex: 'xyz' })).length, openBefore.length);
    // The next one goes through again.
    statuses(await postAction(c, cancelBody(trader, m, (openBefore as { oid: number }[])[0].oid)));
  });

  test('restart keeps the exchange state: open orders survive and a new connection sees them', async () => {
    const before = await http.infoOk<{ oid: number }[]>({ type: 'openOrders', user: trader.address, dex: 'xyz' });
    const c = await connect();
    await sim.restart();
    await c.closedWithin();
    const after = await http.infoOk<{ oid: number }[]>({ type: 'openOrders', user: trader.address, dex: 'xyz' });
    assert.deepEqual(after, before);
    const d = await connect();
    const ack = await d.subscribe({ type: 'userFills', user: trader.address });
    assert.equal(ack.channel, 'subscriptionResponse');
  });
});

function cancelBody(signer: Signer, m: MarketInfo, oid: number): ExchangeBody {
  return signer.sign(cancelAction([{ a: m.asset, o: oid }]));
}

// ------------------------------------------------------------------ determinism and the oracle fault

describe('hlsim market dynamics over the wire', () => {
  /** Distinct consecutive oracle prices of `coin` seen over the wire while the sim runs `seconds` of virtual time. */
  async function oracleSeries(seed: number, coin: string, seconds: number, during?: (sim: SimHandle, second: number) => void): Promise<{ series: string[]; bySecond: string[][] }> {
    const { VirtualScheduler } = await import('../../src/sim/index.ts');
    const scheduler = new VirtualScheduler(1_800_000_000_000);
    const sim = await startSim({ dynamics: true, seed, scenario: 'jumpy', scheduler, adminPort: null });
    const c = await WsClient.connect(sim.wsUrl);
    try {
      await c.subscribe({ type: 'activeAssetCtx', coin });
      const oracleOf = (f: Frame) => (f.data as { ctx: { oraclePx: string } }).ctx.oraclePx;
      const isCtx = (f: Frame) => f.channel === 'activeAssetCtx';
      const bySecond: string[][] = [];
      for (let s = 0; s < seconds; s++) {
        during?.(sim, s);
        const mark = c.frames.length;
        scheduler.advance(1000);
        await c.ping(); // every frame published during the advance has arrived
        bySecond.push(c.frames.slice(mark).filter(isCtx).map(oracleOf));
      }
      const series: string[] = [];
      for (const px of bySecond.flat()) if (series[series.length - 1] !== px) series.push(px);
      return { series, bySecond };
    } finally {
      await c.close();
      await sim.stop();
    }
  }

  test('the same seed gives the same oracle path over the wire; another seed another', async () => {
    const a = await oracleSeries(42, COIN, 30);
    const b = await oracleSeries(42, COIN, 30);
    const other = await oracleSeries(43, COIN, 30);
    assert.ok(a.series.length >= 5, `oracle published ~every 3 s: ${a.series.length} distinct values`);
    assert.deepEqual(a.series, b.series);
    assert.notDeepEqual(a.series, other.series);
  });

  test('stopOracle: the oracle stops moving for that market; resumeOracle starts it again', async () => {
    const { bySecond } = await oracleSeries(7, COIN, 36, (sim, s) => {
      if (s === 12) sim.faults.stopOracle(COIN);
      if (s === 24) sim.faults.resumeOracle(COIN);
    });
    const distinct = (xs: string[][]) => new Set(xs.flat()).size;
    const lastBefore = bySecond.slice(0, 12).flat().at(-1);
    assert.ok(distinct(bySecond.slice(0, 12)) >= 2, 'the oracle moves before the fault');
    const stopped = bySecond.slice(13, 24).flat();
    assert.ok(stopped.every((px) => px === lastBefore), `no new oracle price while stopped: ${[...new Set(stopped)].join(',')}`);
    assert.ok(bySecond.slice(25).flat().some((px) => px !== lastBefore), 'the oracle moves again after resume');
  });
});

describe('hlsim stale mark over the wire (§5.3)', () => {
  test('stopOracle: 10 s after the last deployer update the mark falls back to the local mark (median of bid, ask, last trade), announced by activeAssetCtx', async (t) => {
    const { VirtualScheduler } = await import('../../src/sim/index.ts');
    const coin = 'xyz:TSLA'; // a spread of many ticks, so mid, bid and ask are distinct marks
    const scheduler = new VirtualScheduler(Date.now()); // near the wall clock: the trader's nonces are Date.now()
    const trader = new Signer();
    const { sim, ws: [c] } = await startSimWithClients(t, { dynamics: true, seed: 11, scenario: 'calm', scheduler, adminPort: null, fund: { [trader.address]: 100_000 } });
    const http = new HttpClient(sim.httpUrl);
    const m = await marketInfo(http, coin);
    await c.subscribe({ type: 'activeAssetCtx', coin });
    await c.subscribe({ type: 'bbo', coin });
    await c.subscribe({ type: 'trades', coin });
    const step = async (ms: number) => {
      scheduler.advance(ms);
      await c.ping(); // every frame published during the advance has arrived
    };
    for (let i = 0; i < 10; i++) await step(1000);
    const ctxOf = (f: Frame) => (f.data as { ctx: { oraclePx: string; markPx: string } }).ctx;

    sim.faults.stopOracle(coin);
    const stoppedAt = c.frames.length;
    const lastUpdate = (sim.dynamics?.oracleHistory(coin).at(-1)?.time ?? Number.NaN);
    const before = ctxOf(c.frames.slice(0, stoppedAt).filter((f) => f.channel === 'activeAssetCtx').at(-1) as Frame);
    // A trade at the ask: the last trade becomes the ask, so the local mark is the ask, not the mid.
    const bbo = ((c.frames.filter((f) => f.channel === 'bbo').at(-1) as Frame).data as { bbo: [{ px: string } | null, { px: string } | null] }).bbo;
    assert.ok(bbo[0] && bbo[1], 'two-sided book');
    statuses(await postAction(c, orderBody(trader, m, [{ isBuy: true, px: bbo[1].px, sz: formatSize(20 / Number(bbo[1].px), m.szDecimals), tif: 'Ioc' }])));

    // Step 250 ms at a time and note when the first post-stop activeAssetCtx arrives.
    let firstAt = Number.NaN;
    while (scheduler.now() < lastUpdate + 14_000) {
      await step(250);
      if (Number.isNaN(firstAt) && c.frames.slice(stoppedAt).some((f) => f.channel === 'activeAssetCtx')) firstAt = scheduler.now();
    }
    assert.ok(!Number.isNaN(firstAt), 'activeAssetCtx announced the fallback');
    assert.ok(firstAt >= lastUpdate + 10_000, `not before 10 s without an update (${firstAt - lastUpdate} ms)`);
    assert.ok(firstAt <= lastUpdate + 10_000 + 250 + 100, `soon after 10 s (${firstAt - lastUpdate} ms)`);

    // Every post-stop ctx: the oracle is unchanged and the mark is the local mark of the book the client saw
    // (frames of one connection arrive in the order the venue state changed).
    const seen = new Set(c.frames.slice(stoppedAt));
    const ctxs: { oraclePx: string; markPx: string; local: number; ask: number | null }[] = [];
    let bid: number | null = null;
    let ask: number | null = null;
    let last = Number.NaN;
    for (const f of c.frames) {
      if (f.channel === 'trades') last = Number((f.data as { px: string }[]).at(-1)?.px);
      else if (f.channel === 'bbo') {
        const [b, a] = (f.data as { bbo: [{ px: string } | null, { px: string } | null] }).bbo;
        bid = b ? Number(b.px) : null;
        ask = a ? Number(a.px) : null;
      } else if (f.channel === 'activeAssetCtx' && seen.has(f)) {
        assert.ok(bid !== null && ask !== null && !Number.isNaN(last), 'a two-sided book and a last trade');
        const xs = [bid, ask, last].sort((x, y) => x - y);
        ctxs.push({ ...ctxOf(f), local: xs[1], ask });
      }
    }
    assert.ok(ctxs.length >= 1);
    for (const x of ctxs) {
      assert.equal(x.oraclePx, before.oraclePx, 'the oracle stays where the deployer left it');
      assert.equal(Number(x.markPx), x.local, `mark ${x.markPx} = median(bid, ask, last trade) ${x.local}`);
    }
    assert.notEqual(Number(ctxs[0].markPx), Number(before.markPx), 'the fallback changed the mark');
    assert.equal(Number(ctxs[0].markPx), ctxs[0].ask, 'after a trade at the ask, the local mark is the ask');

    // The deployer's next update takes over again.
    sim.faults.resumeOracle(coin);
    const resumed = c.frames.length;
    for (let i = 0; i < 4; i++) await step(1000);
    assert.ok(c.frames.slice(resumed).some((f) => f.channel === 'activeAssetCtx' && ctxOf(f).oraclePx !== before.oraclePx), 'the oracle moves again after resume');
  });
});

// ------------------------------------------------------------------ more channels and time-driven duties

describe('hlsim channels: user events, aggregated books, one serialisation per event; scheduleCancel', () => {
  test('userEvents arrive on channel `user`; nSigFigs books are aggregated; each event is serialised once for all subscribers', async (t) => {
    const maker = new Signer();
    const taker = new Signer();
    const { sim, ws: [a, b] } = await startSimWithClients(t, { dynamics: false, adminPort: null, fund: { [maker.address]: 10_000_000, [taker.address]: 1_000_000 } }, 2);
    const http = new HttpClient(sim.httpUrl);
    const m = await marketInfo(http, COIN);
    // Both clients hold the same market-data subscriptions and nothing else: every event published is
    // serialised once and written twice.
    for (const c of [a, b]) {
      await c.subscribe({ type: 'bbo', coin: COIN });
      await c.subscribe({ type: 'trades', coin: COIN });
    }
    const before = sim.stats();
    const marks = [a.texts.length, b.texts.length];
    const asks = [px(m, 10, 'up'), px(m, 12, 'up'), px(m, 14, 'up')];
    statuses(await postAction(b, orderBody(maker, m, asks.map((p) => ({ isBuy: false, px: p, sz: sz(m, 300), tif: 'Gtc' as const })))));
    await a.ping();
    await b.ping();
    const mid = sim.stats();
    const events = mid.eventsPublished - before.eventsPublished;
    assert.ok(events >= 1);
    assert.equal(mid.framesPublished - before.framesPublished, 2 * events);
    // (The subscription snapshots before the mark were made per subscriber, at different times.)
    const marketData = (c: WsClient, from: number) => c.texts.slice(from).filter((x) => x.startsWith('{"channel":"bbo"') || x.startsWith('{"channel":"trades"'));
    assert.ok(marketData(a, marks[0]).length >= 1);
    assert.deepEqual(marketData(a, marks[0]), marketData(b, marks[1]), 'byte-identical frames to both clients');

    await a.subscribe({ type: 'userEvents', user: taker.address });
    await a.subscribe({ type: 'l2Book', coin: COIN, nSigFigs: 2 });
    statuses(await postAction(b, orderBody(taker, m, [{ isBuy: true, px: asks[0], sz: sz(m, 100), tif: 'Ioc' }])));
    const userFrame = await a.waitFor((f) => f.channel === 'user', 3000, 0);
    const fills = (userFrame.data as { fills: { px: string; side: string }[] }).fills;
    assert.equal(fills.length, 1);
    assert.equal(Number(fills[0].px), Number(asks[0]));
    // Two significant figures put all three asks in one level.
    const agg = await a.waitFor((f) => f.channel === 'l2Book' && (f.data as { levels: unknown[][] }).levels[1].length > 0, 3000, 0);
    const aggAsks = (agg.data as { levels: [unknown[], { px: string; n: number }[]] }).levels[1];
    const full = await http.infoOk<{ levels: [unknown[], { px: string }[]] }>({ type: 'l2Book', coin: COIN });
    assert.equal(full.levels[1].length, 3);
    assert.equal(aggAsks.length, 1, JSON.stringify(aggAsks));
    assert.equal(aggAsks[0].n, 3);
    assert.ok(Number(aggAsks[0].px) >= Number(asks[2]), 'asks aggregate upwards');
  });

  test('scheduleCancel fires on the venue clock: the resting orders are cancelled with status scheduledCancel', async (t) => {
    const { VirtualScheduler } = await import('../../src/sim/index.ts');
    const scheduler = new VirtualScheduler(Date.now());
    const trader = new Signer();
    const { sim, ws: [c] } = await startSimWithClients(t, { dynamics: false, adminPort: null, scheduler, scheduleCancelMinVolumeUsd: 0, fund: { [trader.address]: 1_000_000 } });
    const http = new HttpClient(sim.httpUrl);
    const m = await marketInfo(http, COIN);
    await c.subscribe({ type: 'orderUpdates', user: trader.address });
    const [st] = statuses(await postAction(c, orderBody(trader, m, [{ isBuy: true, px: px(m, -100, 'down'), sz: sz(m, 100), tif: 'Gtc' }]))) as { resting: { oid: number } }[];
    const armed = await postAction(c, trader.sign(scheduleCancelAction(scheduler.now() + 6000)));
    assert.deepEqual(armed, { status: 'ok', response: { type: 'default' } });
    scheduler.advance(5000);
    await c.ping();
    assert.equal((await http.infoOk<unknown[]>({ type: 'openOrders', user: trader.address, dex: 'xyz' })).length, 1, 'not yet due');
    scheduler.advance(2000);
    const cancelled = await c.waitFor((f) => f.channel === 'orderUpdates' && (f.data as { status: string }[]).some((u) => u.status === 'scheduledCancel'), 3000, 0);
    assert.equal((cancelled.data as { order: { oid: number } }[])[0].order.oid, st.resting.oid);
    assert.deepEqual(await http.infoOk<unknown[]>({ type: 'openOrders', user: trader.address, dex: 'xyz' }), []);
  });
});

// ------------------------------------------------------------------ userFills snapshot with history

/** The §4.4 fill fields every fill carries (optional ones — builderFee, feeTrialEscrow, cloid, liquidation — aside). */
const FILL_FIELDS: Record<string, (v: unknown) => boolean> = {
  coin: (v) => typeof v === 'string',
  px: (v) => typeof v === 'string' && Number(v) > 0,
  sz: (v) => typeof v === 'string' && Number(v) > 0,
  side: (v) => v === 'B' || v === 'A',
  time: (v) => Number.isInteger(v),
  startPosition: (v) => typeof v === 'string' && Number.isFinite(Number(v)),
  dir: (v) => typeof v === 'string' && /^(Open|Close) (Long|Short)$|^(Long > Short|Short > Long)$/.test(v),
  closedPnl: (v) => typeof v === 'string' && Number.isFinite(Number(v)),
  hash: (v) => typeof v === 'string' && /^0x[0-9a-f]{64}$/.test(v),
  oid: (v) => Number.isInteger(v),
  crossed: (v) => typeof v === 'boolean',
  fee: (v) => typeof v === 'string' && Number.isFinite(Number(v)),
  tid: (v) => Number.isInteger(v),
  feeToken: (v) => v === 'USDC',
  twapId: (v) => v === null,
};

describe('hlsim over the wire: userFills snapshot with history', () => {
  test('a new subscriber first gets isSnapshot:true with the fills so far (every §4.4 field), then streamed fills without it', async (t) => {
    const maker = new Signer();
    const taker = new Signer();
    const { sim, ws: clients } = await startSimWithClients(t, { dynamics: false, adminPort: null, fund: { [maker.address]: 10_000_000, [taker.address]: 1_000_000 } });
    const trading = clients[0];
    const http = new HttpClient(sim.httpUrl);
    const m = await marketInfo(http, COIN);
    const asks = [px(m, 10, 'up'), px(m, 20, 'up'), px(m, 30, 'up')];
    statuses(await postAction(trading, orderBody(maker, m, asks.map((p) => ({ isBuy: false, px: p, sz: sz(m, 500), tif: 'Gtc' as const })))));
    const cloid = `0x${'5e'.repeat(16)}`;
    // Buy through two levels (two fills, one with a cloid), then sell part back into the maker's bid: a close.
    statuses(await postAction(trading, orderBody(taker, m, [{ isBuy: true, px: asks[1], sz: formatSize(Number(sz(m, 500)) * 1.5, m.szDecimals), tif: 'Ioc', cloid }])));
    statuses(await postAction(trading, orderBody(maker, m, [{ isBuy: true, px: px(m, -10, 'down'), sz: sz(m, 500), tif: 'Gtc' }])));
    statuses(await postAction(trading, orderBody(taker, m, [{ isBuy: false, px: px(m, -10, 'down'), sz: sz(m, 200), tif: 'Ioc' }])));
    const history = await http.infoOk<{ tid: number }[]>({ type: 'userFills', user: taker.address });
    assert.equal(history.length, 3);

    const c = await WsClient.connect(sim.wsUrl);
    clients.push(c);
    await c.subscribe({ type: 'userFills', user: taker.address });
    const first = await c.waitFor((f) => f.channel === 'userFills', 3000, 0);
    const snap = first.data as { user: string; isSnapshot?: boolean; fills: Record<string, unknown>[] };
    assert.equal(snap.isSnapshot, true);
    assert.equal(snap.user, taker.address);
    assert.deepEqual(snap.fills.map((f) => f.tid).sort(), history.map((f) => f.tid).sort(), 'the snapshot holds the fills so far');
    for (const fill of snap.fills) {
      for (const [field, ok] of Object.entries(FILL_FIELDS)) assert.ok(field in fill && ok(fill[field]), `fill field ${field}: ${JSON.stringify(fill[field])}`);
      assert.equal(fill.coin, COIN);
      assert.equal(fill.crossed, true, 'the taker crossed every time');
    }
    assert.deepEqual(snap.fills.filter((f) => f.cloid !== undefined).map((f) => f.cloid), [cloid, cloid], 'both fills of the cloid order carry it');
    assert.deepEqual(new Set(snap.fills.map((f) => f.dir)), new Set(['Open Long', 'Close Long']));

    // Later fills stream, without isSnapshot: true.
    const streamed = c.waitFor((f) => f.channel === 'userFills' && f !== first);
    statuses(await postAction(trading, orderBody(taker, m, [{ isBuy: false, px: px(m, -10, 'down'), sz: sz(m, 100), tif: 'Ioc' }])));
    const next = (await streamed).data as { user: string; isSnapshot?: boolean; fills: { tid: number }[] };
    assert.notEqual(next.isSnapshot, true);
    assert.equal(next.user, taker.address);
    assert.equal(next.fills.length, 1);
    assert.ok(!history.some((h) => h.tid === next.fills[0].tid), 'a new fill, not one of the snapshot');
    await c.ping();
    assert.equal(c.on('userFills').filter((f) => (f.data as { isSnapshot?: boolean }).isSnapshot === true).length, 1, 'exactly one snapshot');
  });
});
