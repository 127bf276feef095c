// WS subscription requests: validation, the venue's normalised echo, and the routing key the publisher uses.
// Pure functions: no sockets here.

/** Channels hlsim serves. `userEvents` subscriptions are delivered on channel 'user' (as on the venue). */
export type SubscriptionType = 'bbo' | 'l2Book' | 'trades' | 'activeAssetCtx' | 'orderUpdates' | 'userFills' | 'userEvents';

export interface NormalisedSubscription {
  type: SubscriptionType;
  /** Market name for market-data channels ('BTC', 'xyz:XYZ100'). */
  coin?: string;
  /** Lowercase 0x address for user channels. */
  user?: string;
  /** The object echoed in `subscriptionResponse` (keys in the venue's order, defaults filled in). */
  echo: Record<string, unknown>;
  /** Identity of the subscription on one connection: same key = "Already subscribed". */
  key: string;
  /** Routing key of the event stream it receives, e.g. 'bbo|BTC', 'orderUpdates|0xabc…'. */
  route: string;
  /** Aggregation for l2Book (null = full precision). */
  nSigFigs: number | null;
  mantissa: number | null;
}

export type ParsedSubscription = { ok: true; sub: NormalisedSubscription } | { ok: false };

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

const MARKET_TYPES = new Set<string>(['bbo', 'l2Book', 'trades', 'activeAssetCtx']);
const USER_TYPES = new Set<string>(['orderUpdates', 'userFills', 'userEvents']);

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The WS channel name that carries a subscription type's data. */
export function channelOf(type: SubscriptionType): string {
  return type === 'userEvents' ? 'user' : type;
}

function routeKey(channel: string, target: string): string {
  return `${channel}|${target}`;
}

/**
 * Validates a `subscription` object and returns its normalised form, or `{ok:false}` for what the venue
 * answers with `Invalid subscription …`. Unknown coins are accepted (acknowledged, never any data).
 */
export function parseSubscription(raw: unknown): ParsedSubscription {
  if (!isRecord(raw) || typeof raw.type !== 'string') return { ok: false };
  const type = raw.type;
  if (MARKET_TYPES.has(type)) {
    if (typeof raw.coin !== 'string' || raw.coin.length === 0) return { ok: false };
    const coin = raw.coin;
    if (type === 'l2Book') {
      const nSigFigs = raw.nSigFigs ?? null;
      const mantissa = raw.mantissa ?? null;
      if (nSigFigs !== null && !(Number.isInteger(nSigFigs) && (nSigFigs as number) >= 2 && (nSigFigs as number) <= 5)) {
        return { ok: false };
      }
      if (mantissa !== null && !((mantissa === 2 || mantissa === 5) && nSigFigs === 5)) return { ok: false };
      const echo: Record<string, unknown> = { type, coin, nSigFigs, mantissa };
      const n = nSigFigs as number | null;
      const m = mantissa as number | null;
      return {
        ok: true,
        sub: { type, coin, echo, key: `l2Book|${coin}|${n}|${m}`, route: routeKey('l2Book', coin), nSigFigs: n, mantissa: m },
      };
    }
    const t = type as SubscriptionType;
    return { ok: true, sub: { type: t, coin, echo: { type, coin }, key: `${type}|${coin}`, route: routeKey(type, coin), nSigFigs: null, mantissa: null } };
  }
  if (USER_TYPES.has(type)) {
    if (typeof raw.user !== 'string' || !ADDRESS.test(raw.user)) return { ok: false };
    const user = raw.user.toLowerCase();
    const t = type as SubscriptionType;
    const echo: Record<string, unknown> = { type, user };
    let key = `${type}|${user}`;
    if (type === 'userFills' && raw.aggregateByTime !== undefined) {
      if (typeof raw.aggregateByTime !== 'boolean') return { ok: false };
      echo.aggregateByTime = raw.aggregateByTime;
      key += `|${raw.aggregateByTime}`;
    }
    return { ok: true, sub: { type: t, user, echo, key, route: routeKey(channelOf(t), user), nSigFigs: null, mantissa: null } };
  }
  return { ok: false };
}
