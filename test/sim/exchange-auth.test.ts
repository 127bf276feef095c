// SimExchange identity and signing: every action's signer is recovered (L1 phantom agent / user-signed
// EIP-712), agents approved with a real approveAgent, nonce rules, expiresAfter, network source letter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cancelAction, cancelByCloidAction, noopAction, orderAction, orderWire, scheduleCancelAction, updateLeverageAction } from '../../src/protocol/actions.ts';
import { generatePrivateKey, privateKeyToAddress, signL1Action } from '../../src/protocol/signing.ts';
import { approveAgentAction, signUserSignedAction } from '../../src/protocol/user-signed.ts';
import { SimExchange } from '../../src/sim/exchange/exchange.ts';
import type { SimEvent } from '../../src/sim/exchange/types.ts';

const T0 = 1_750_000_000_000;

function setup(opts: { isMainnet?: boolean; scheduleCancelMinVolumeUsd?: number } = {}) {
  const clock = { t: T0 };
  const ex = new SimExchange({
    markets: [
      { name: 'ETH', dex: '', szDecimals: 4, maxLeverage: 25, initialPx: 2000 },
      { name: 'xyz:XYZ100', dex: 'xyz', szDecimals: 4, maxLeverage: 20, initialPx: 25000 },
    ],
    dexes: ['', 'xyz'],
    isMainnet: opts.isMainnet,
    now: () => clock.t,
    scheduleCancelMinVolumeUsd: opts.scheduleCancelMinVolumeUsd,
  });
  const events: SimEvent[] = [];
  ex.onEvent((e) => events.push(e));
  const user = newKey();
  ex.fund(user.address, 100_000);
  return { ex, clock, events, user };
}

function newKey() {
  const pk = generatePrivateKey();
  return { pk, address: privateKeyToAddress(pk) };
}

let lastNonce = T0;
function post(ex: SimExchange, pk: string, action: object, o: { nonce?: number; isMainnet?: boolean; expiresAfter?: number; vaultAddress?: string } = {}) {
  const nonce = o.nonce ?? ++lastNonce;
  const signature = signL1Action({
    privateKey: pk,
    action,
    nonce,
    isMainnet: o.isMainnet ?? true,
    expiresAfter: o.expiresAfter,
    vaultAddress: o.vaultAddress,
  });
  const body: Record<string, unknown> = { action, nonce, signature };
  if (o.expiresAfter !== undefined) body.expiresAfter = o.expiresAfter;
  if (o.vaultAddress !== undefined) body.vaultAddress = o.vaultAddress;
  return ex.handleExchange(JSON.parse(JSON.stringify(body)));
}

function approve(ex: SimExchange, userPk: string, agentAddress: string, agentName?: string, chain: 'Mainnet' | 'Testnet' = 'Mainnet') {
  const nonce = ++lastNonce;
  const action = approveAgentAction({ hyperliquidChain: chain, signatureChainId: '0x66eee', agentAddress, agentName, nonce });
  const signature = signUserSignedAction({ privateKey: userPk, action: { ...action } });
  return ex.handleExchange(JSON.parse(JSON.stringify({ action, nonce, signature })));
}

const buy = (px: string, sz: string, tif: 'Gtc' | 'Ioc' | 'Alo' = 'Gtc', cloid?: string) =>
  orderAction([orderWire({ asset: 0, isBuy: true, px, sz, reduceOnly: false, tif, cloid })]);

describe('signed actions', () => {
  it('the account itself can place, query and cancel; response envelopes are the venue’s', () => {
    const { ex, user } = setup();
    const r = post(ex, user.pk, buy('1990', '0.1'));
    assert.deepEqual(r, { httpStatus: 200, body: { status: 'ok', response: { type: 'order', data: { statuses: [{ resting: { oid: 1 } }] } } } });
    const oo = ex.handleInfo({ type: 'openOrders', user: user.address }).body as { oid: number; limitPx: string }[];
    assert.deepEqual(
      oo.map((o) => [o.oid, o.limitPx]),
      [[1, '1990.0']],
    );
    const c = post(ex, user.pk, cancelAction([{ a: 0, o: 1 }, { a: 0, o: 99 }]));
    assert.deepEqual(c.body, {
      status: 'ok',
      response: { type: 'cancel', data: { statuses: ['success', { error: 'Order was never placed, already canceled, or filled. asset=0' }] } },
    });
    assert.deepEqual(post(ex, user.pk, noopAction()).body, { status: 'ok', response: { type: 'default' } });
    assert.deepEqual(post(ex, user.pk, updateLeverageAction(0, true, 10)).body, { status: 'ok', response: { type: 'default' } });
    assert.deepEqual(post(ex, user.pk, updateLeverageAction(0, true, 26)).body, { status: 'err', response: 'Invalid leverage value.' });
  });

  it('unknown asset id: per-order error ([invented] string); more than 200 cancels: the whole action is refused ([observed])', () => {
    const { ex, user } = setup();
    const r = post(ex, user.pk, orderAction([orderWire({ asset: 7, isBuy: true, px: '1990', sz: '0.1', reduceOnly: false, tif: 'Gtc' })]));
    assert.deepEqual((r.body as { response: { data: { statuses: unknown[] } } }).response.data.statuses, [{ error: 'Unknown asset. asset=7' }]);
    const many = Array.from({ length: 201 }, (_, i) => ({ a: 0, o: i + 1 }));
    assert.deepEqual(post(ex, user.pk, cancelAction(many)).body, { status: 'err', response: 'Signed action over weight limit of 200.' });
    const hip3 = post(ex, user.pk, orderAction([orderWire({ asset: 110000, isBuy: true, px: '24000', sz: '0.01', reduceOnly: false, tif: 'Gtc' })]));
    assert.deepEqual((hip3.body as { response: { data: { statuses: unknown[] } } }).response.data.statuses, [{ resting: { oid: 1 } }]);
  });

  it('cancelByCloid', () => {
    const { ex, user } = setup();
    const cloid = `0x${'2a'.repeat(16)}`;
    const r = post(ex, user.pk, buy('1990', '0.1', 'Gtc', cloid));
    assert.deepEqual((r.body as { response: { data: { statuses: unknown[] } } }).response.data.statuses, [{ resting: { oid: 1, cloid } }]);
    const st = ex.handleInfo({ type: 'orderStatus', user: user.address, oid: cloid }).body as { status: string; order: { status: string } };
    assert.deepEqual([st.status, st.order.status], ['order', 'open']);
    const c = post(ex, user.pk, cancelByCloidAction([{ asset: 0, cloid }]));
    assert.deepEqual((c.body as { response: { data: { statuses: unknown[] } } }).response.data.statuses, ['success']);
    const again = post(ex, user.pk, cancelByCloidAction([{ asset: 0, cloid }]));
    assert.deepEqual((again.body as { response: { data: { statuses: unknown[] } } }).response.data.statuses, [
      { error: 'Order was never placed, already canceled, or filled. asset=0' },
    ]);
    assert.deepEqual(ex.handleInfo({ type: 'orderStatus', user: user.address, oid: 12345 }).body, { status: 'unknownOid' });
  });

  it('a bad signature or an unknown key: "User or API Wallet … does not exist."', () => {
    const { ex, user } = setup();
    const stranger = newKey();
    assert.deepEqual(post(ex, stranger.pk, buy('1990', '0.1')).body, {
      status: 'err',
      response: `L1 error: User or API Wallet ${stranger.address} does not exist.`,
    });
    // tampered after signing → a different recovered address
    const nonce = ++lastNonce;
    const action = buy('1990', '0.1');
    const signature = signL1Action({ privateKey: user.pk, action, nonce, isMainnet: true });
    const tampered = JSON.parse(JSON.stringify({ action, nonce, signature }));
    tampered.action.orders[0].s = '0.2';
    const r = ex.handleExchange(tampered).body as { status: string; response: string };
    assert.equal(r.status, 'err');
    assert.match(r.response, /^L1 error: User or API Wallet 0x[0-9a-f]{40} does not exist\.$/);
    assert.ok(!r.response.includes(user.address));
    // testnet signature on a mainnet venue: another source letter, another address
    const t = post(ex, user.pk, buy('1990', '0.1'), { isMainnet: false }).body as { response: string };
    assert.match(t.response, /does not exist\.$/);
    assert.ok(!t.response.includes(user.address));
    // a decimal with a trailing zero hashes differently on the venue (it re-serialises canonically)
    const nz = post(ex, user.pk, { type: 'order', orders: [{ a: 0, b: true, p: '1990', s: '0.10', r: false, t: { limit: { tif: 'Gtc' } } }], grouping: 'na' });
    assert.match((nz.body as { response: string }).response, /does not exist\.$/);
    // keys in another order than the venue's struct order: the venue hashes its own order → another address
    const swapped = post(ex, user.pk, { type: 'order', grouping: 'na', orders: [{ b: true, a: 0, p: '1990', s: '0.1', r: false, t: { limit: { tif: 'Gtc' } } }] });
    assert.match((swapped.body as { response: string }).response, /does not exist\.$/);
    // an explicit null cloid is dropped by the venue's deserialiser, so a client that hashed nil mismatches
    const nullC = post(ex, user.pk, { type: 'order', orders: [{ a: 0, b: true, p: '1990', s: '0.1', r: false, t: { limit: { tif: 'Gtc' } }, c: null }], grouping: 'na' });
    assert.match((nullC.body as { response: string }).response, /does not exist\.$/);
    // an upper-case cloid is lowercased before hashing
    const upper = post(ex, user.pk, orderAction([orderWire({ asset: 0, isBuy: true, px: '1990', sz: '0.1', reduceOnly: false, tif: 'Gtc' })]));
    assert.equal((upper.body as { status: string }).status, 'ok');
    const upperC = post(ex, user.pk, { type: 'order', orders: [{ a: 0, b: true, p: '1990', s: '0.1', r: false, t: { limit: { tif: 'Gtc' } }, c: `0x${'AB'.repeat(16)}` }], grouping: 'na' });
    assert.match((upperC.body as { response: string }).response, /does not exist\.$/);
    // malformed body → HTTP 422
    assert.equal(ex.handleExchange({ action: { type: 'order' }, nonce: 1 }).httpStatus, 422);
  });

  it('a known account that never deposited: "Must deposit before performing actions."', () => {
    const { ex } = setup();
    const k = newKey();
    ex.internalPlaceOrders(k.address, [{ coin: 'ETH', isBuy: true, px: '1990', sz: '0.1', tif: 'Gtc' }]); // the venue now knows it
    assert.deepEqual(post(ex, k.pk, noopAction()).body, { status: 'err', response: `Must deposit before performing actions. User: ${k.address}` });
  });

  it('a testnet venue accepts testnet signatures', () => {
    const { ex, user } = setup({ isMainnet: false });
    assert.equal((post(ex, user.pk, noopAction(), { isMainnet: false }).body as { status: string }).status, 'ok');
  });

  it('nonces: duplicate, below the 20 highest, outside ±1 day', () => {
    const { ex, user, clock } = setup();
    const n = clock.t;
    assert.equal((post(ex, user.pk, noopAction(), { nonce: n }).body as { status: string }).status, 'ok');
    assert.deepEqual(post(ex, user.pk, noopAction(), { nonce: n }).body, { status: 'err', response: `Invalid nonce: duplicate nonce ${n}` });
    for (let i = 1; i <= 20; i++) post(ex, user.pk, noopAction(), { nonce: n + i * 10 });
    // the set now holds n+10 … n+200; n+5 is below its smallest
    assert.deepEqual(post(ex, user.pk, noopAction(), { nonce: n + 5 }).body, { status: 'err', response: `Invalid nonce: nonce too low ${n + 5} < ${n + 10}` });
    // out-of-order but above the smallest is fine
    assert.equal((post(ex, user.pk, noopAction(), { nonce: n + 15 }).body as { status: string }).status, 'ok');
    const day = 86_400_000;
    assert.deepEqual(post(ex, user.pk, noopAction(), { nonce: n + day + 1 }).body, {
      status: 'err',
      response: `Invalid nonce: nonce too high ${n + day + 1} > ${n + day}`,
    });
    const fresh = newKey();
    ex.fund(fresh.address, 100);
    assert.deepEqual(post(ex, fresh.pk, noopAction(), { nonce: n - day - 5 }).body, {
      status: 'err',
      response: `Invalid nonce: nonce too low ${n - day - 5} < ${n - day}`,
    });
  });

  it('expiresAfter in the past is rejected; in the future it is accepted', () => {
    const { ex, user, clock } = setup();
    assert.deepEqual(post(ex, user.pk, noopAction(), { expiresAfter: clock.t - 1 }).body, { status: 'err', response: 'Action already expired' });
    assert.equal((post(ex, user.pk, noopAction(), { expiresAfter: clock.t + 1000 }).body as { status: string }).status, 'ok');
  });

  it('vaultAddress for an unknown vault is refused', () => {
    const { ex, user } = setup();
    const vault = '0x1111111111111111111111111111111111111111';
    assert.deepEqual(post(ex, user.pk, noopAction(), { vaultAddress: vault }).body, { status: 'err', response: `Vault not registered: ${vault}` });
  });
});

describe('agents (approveAgent)', () => {
  it('an approved agent trades for its user; queries by the agent are empty', () => {
    const { ex, user, events } = setup();
    const agent = newKey();
    assert.deepEqual(post(ex, agent.pk, noopAction()).body, { status: 'err', response: `L1 error: User or API Wallet ${agent.address} does not exist.` });
    assert.deepEqual(approve(ex, user.pk, agent.address).body, { status: 'ok', response: { type: 'default' } });
    const r = post(ex, agent.pk, buy('1990', '0.1'));
    assert.deepEqual((r.body as { response: { data: { statuses: unknown[] } } }).response.data.statuses, [{ resting: { oid: 1 } }]);
    assert.equal((ex.handleInfo({ type: 'openOrders', user: user.address }).body as unknown[]).length, 1);
    assert.equal((ex.handleInfo({ type: 'openOrders', user: agent.address }).body as unknown[]).length, 0);
    const ch = ex.handleInfo({ type: 'clearinghouseState', user: agent.address }).body as { marginSummary: { accountValue: string } };
    assert.equal(ch.marginSummary.accountValue, '0.0');
    // events are addressed to the user, not the agent
    assert.ok(events.some((e) => e.kind === 'orderUpdates' && e.user === user.address));
    assert.ok(!events.some((e) => e.kind === 'orderUpdates' && e.user === agent.address));
  });

  it('a new unnamed agent replaces the previous one; named agents add; valid_until expires', () => {
    const { ex, user, clock } = setup();
    const a1 = newKey();
    const a2 = newKey();
    const named = newKey();
    const timed = newKey();
    approve(ex, user.pk, a1.address);
    approve(ex, user.pk, a2.address);
    approve(ex, user.pk, named.address, 'bot1');
    approve(ex, user.pk, timed.address, `bot2 valid_until ${clock.t + 60_000}`);
    assert.match((post(ex, a1.pk, noopAction()).body as { response: string }).response, /does not exist\.$/);
    for (const k of [a2, named, timed]) assert.equal((post(ex, k.pk, noopAction()).body as { status: string }).status, 'ok');
    clock.t += 60_001;
    assert.match((post(ex, timed.pk, noopAction()).body as { response: string }).response, /does not exist\.$/);
  });

  it('approveAgent: unfunded signer, wrong chain, nonce mismatch', () => {
    const { ex, user } = setup();
    const poor = newKey();
    assert.deepEqual(approve(ex, poor.pk, newKey().address).body, { status: 'err', response: `Must deposit before performing actions. User: ${poor.address}` });
    assert.deepEqual(approve(ex, user.pk, newKey().address, undefined, 'Testnet').body, {
      status: 'err',
      response: 'Mainnet and testnet require different signature.',
    });
    const nonce = ++lastNonce;
    const action = approveAgentAction({ hyperliquidChain: 'Mainnet', signatureChainId: '0x66eee', agentAddress: newKey().address, nonce });
    const signature = signUserSignedAction({ privateKey: user.pk, action: { ...action } });
    assert.deepEqual(ex.handleExchange({ action, nonce: nonce + 1, signature }).body, { status: 'err', response: 'Nonce mismatch.' });
  });
});

describe('scheduleCancel (dead-man switch)', () => {
  it('needs $1M traded volume on the venue (measured string)', () => {
    const { ex, user, clock } = setup();
    assert.deepEqual(post(ex, user.pk, scheduleCancelAction(clock.t + 10_000)).body, {
      status: 'err',
      response: 'Cannot set scheduled cancel time until enough volume traded. Required: $1000000. Traded: $0.',
    });
  });

  it('at least 5 s ahead; fires when the clock passes it; can be cleared', () => {
    const { ex, user, clock, events } = setup({ scheduleCancelMinVolumeUsd: 0 });
    post(ex, user.pk, buy('1990', '0.1'));
    assert.deepEqual(post(ex, user.pk, scheduleCancelAction(clock.t + 4999)).body, {
      status: 'err',
      response: 'Scheduled cancel time must be at least 5 seconds in the future.',
    });
    assert.deepEqual(post(ex, user.pk, scheduleCancelAction(clock.t + 10_000)).body, { status: 'ok', response: { type: 'default' } });
    clock.t += 9_999;
    ex.tick();
    assert.equal((ex.handleInfo({ type: 'openOrders', user: user.address }).body as unknown[]).length, 1);
    clock.t += 1;
    ex.tick();
    assert.equal((ex.handleInfo({ type: 'openOrders', user: user.address }).body as unknown[]).length, 0);
    const last = events.flatMap((e) => (e.kind === 'orderUpdates' ? e.data : [])).at(-1);
    assert.equal(last?.status, 'scheduledCancel');
    // arm and clear: nothing fires
    post(ex, user.pk, buy('1990', '0.1'));
    post(ex, user.pk, scheduleCancelAction(clock.t + 10_000));
    post(ex, user.pk, scheduleCancelAction());
    clock.t += 20_000;
    ex.tick();
    assert.equal((ex.handleInfo({ type: 'openOrders', user: user.address }).body as unknown[]).length, 1);
  });
});
