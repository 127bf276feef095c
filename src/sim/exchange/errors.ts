// The exchange's error strings, in one place so tests and the other hlsim parts can match them exactly.
// Each one is labelled with where it comes from (ERROR_SOURCES below; the table "Strings: source" in
// docs/hlsim.md gives the evidence):
//   venue-documented — in hyperliquid-protocol.md (§3, §4): the venue's docs or SDK sources.
//   venue-observed   — not in the protocol doc, but quoted verbatim from live venue answers in client code,
//                      logs and tests (e.g. the " asset=<id>" suffix of per-order errors: hummingbot #8284
//                      "…bbo was 0.56057@0.56086. asset=31", nomeida/hyperliquid #99 "Insufficient margin to
//                      place order. asset=15"). Strings the venue may word differently than hlsim guesses are
//                      NOT in this group.
//   hlsim-invented   — hlsim's own wording where no venue source was found. A client must not match on
//                      these expecting the venue to say the same.

/** Where a string comes from. */
export type StringSource = 'venue-documented' | 'venue-observed' | 'hlsim-invented';

export const err = {
  // per-order errors (inside a status "ok" response)
  /** venue-documented (§3 Tick); the " asset=N" suffix venue-observed. */
  tick: (asset: number) => `Price must be divisible by tick size. asset=${asset}`,
  /** venue-documented (§3 MinTradeNtl); suffix venue-observed. */
  minNotional: (asset: number) => `Order must have minimum value of $10. asset=${asset}`,
  /** venue-documented (§3 PerpMargin); suffix venue-observed. */
  margin: (asset: number) => `Insufficient margin to place order. asset=${asset}`,
  /** venue-documented (§3 ReduceOnly); suffix venue-observed. */
  reduceOnly: (asset: number) => `Reduce only order would increase position. asset=${asset}`,
  /**
   * venue-documented (§3 BadAloPx, "bbo was {bbo}"); the "bid@ask" rendering and suffix venue-observed.
   * "None" for an empty side is hlsim's guess.
   */
  badAloPx: (bid: string, ask: string, asset: number) =>
    `Post only order would have immediately matched, bbo was ${bid}@${ask}. asset=${asset}`,
  /** venue-documented (§3 IocCancel); suffix venue-observed. */
  iocCancel: (asset: number) => `Order could not immediately match against any resting orders. asset=${asset}`,
  /** venue-observed (no asset suffix seen). */
  invalidSize: () => 'Order has invalid size.',
  /** venue-observed (the TS SDK's tests against the venue: "Order 0: Order has zero size."). */
  zeroSize: () => 'Order has zero size.',
  /** venue-observed. */
  priceBand: () => 'Order price cannot be more than 80% away from the reference price',
  /** hlsim-invented: the venue's answer for an asset id it does not list is not documented. */
  unknownAsset: (asset: number) => `Unknown asset. asset=${asset}`,
  /** hlsim-invented: a cloid must be unique among the user's open orders. */
  duplicateCloid: (asset: number) => `Duplicate cloid. asset=${asset}`,
  /** hlsim-invented: trigger (TP/SL) orders and non-"na" groupings are not simulated. */
  unsupportedOrder: (asset: number) => `Order type not supported by hlsim. asset=${asset}`,
  /** venue-observed (per-cancel status). */
  cancelMissing: (asset: number) => `Order was never placed, already canceled, or filled. asset=${asset}`,
  // top-level (status "err")
  /** venue-documented (§3). */
  signerMissing: (address: string) => `L1 error: User or API Wallet ${address} does not exist.`,
  /** venue-documented (§3). */
  mustDeposit: (address: string) => `Must deposit before performing actions. User: ${address}`,
  /** venue-documented (§3). */
  nonceDuplicate: (nonce: number) => `Invalid nonce: duplicate nonce ${nonce}`,
  /** venue-observed. */
  nonceTooLow: (nonce: number, bound: number) => `Invalid nonce: nonce too low ${nonce} < ${bound}`,
  /** venue-observed. */
  nonceTooHigh: (nonce: number, bound: number) => `Invalid nonce: nonce too high ${nonce} > ${bound}`,
  /** venue-observed. */
  expired: () => 'Action already expired',
  /** venue-observed. */
  nonceMismatch: () => 'Nonce mismatch.',
  /** venue-observed. */
  wrongChain: () => 'Mainnet and testnet require different signature.',
  /** venue-observed per the original hlsim author's client catalogue; not re-verified. */
  vaultNotRegistered: (vault: string) => `Vault not registered: ${vault}`,
  /** venue-observed. */
  overWeight: () => 'Signed action over weight limit of 200.',
  /** venue-observed ("Required: $1000000. Traded: $45.63."). */
  scheduleCancelVolume: (required: number, traded: number) =>
    `Cannot set scheduled cancel time until enough volume traded. Required: $${required}. Traded: $${Number(traded.toFixed(2))}.`,
  /** hlsim-invented (the 5 s rule is documented, its error string is not). */
  scheduleCancelTooEarly: () => 'Scheduled cancel time must be at least 5 seconds in the future.',
  /** hlsim-invented (a non-integer leverage is a 422 on the venue; an out-of-range one is not documented). */
  invalidLeverage: () => 'Invalid leverage value.',
  /** venue-observed: updateLeverage isCross=true on an isolated-only market. */
  crossNotAllowed: () => 'Cross margin is not allowed for this asset.',
  /** venue-observed: updateLeverage changing cross ↔ isolated with a position open. */
  switchLeverageType: () => 'Cannot switch leverage type with open position.',
  /** venue-observed. */
  isolatedLeverageDecrease: () =>
    'Isolated position does not have sufficient margin available to decrease leverage. To decrease leverage, add margin to the position.',
  /** venue-observed. */
  crossLeverageDecrease: () =>
    'Cross position does not have sufficient margin available to decrease leverage. To decrease leverage, deposit more collateral.',
  /** hlsim-invented: an agent name over 16 characters. */
  agentName: () => 'Agent name must be at most 16 characters.',
  /** venue-observed: a body that is not a well-formed request is answered HTTP 422 with this plain text. */
  deserialize: () => 'Failed to deserialize the JSON body into the target type',
} as const;

export type ErrorKey = keyof typeof err;

/** Where each string of `err` comes from (kept equal to the comments above and to docs/hlsim.md by a test). */
export const ERROR_SOURCES: Record<ErrorKey, StringSource> = {
  tick: 'venue-documented',
  minNotional: 'venue-documented',
  margin: 'venue-documented',
  reduceOnly: 'venue-documented',
  badAloPx: 'venue-documented',
  iocCancel: 'venue-documented',
  invalidSize: 'venue-observed',
  zeroSize: 'venue-observed',
  priceBand: 'venue-observed',
  unknownAsset: 'hlsim-invented',
  duplicateCloid: 'hlsim-invented',
  unsupportedOrder: 'hlsim-invented',
  cancelMissing: 'venue-observed',
  signerMissing: 'venue-documented',
  mustDeposit: 'venue-documented',
  nonceDuplicate: 'venue-documented',
  nonceTooLow: 'venue-observed',
  nonceTooHigh: 'venue-observed',
  expired: 'venue-observed',
  nonceMismatch: 'venue-observed',
  wrongChain: 'venue-observed',
  vaultNotRegistered: 'venue-observed',
  overWeight: 'venue-observed',
  scheduleCancelVolume: 'venue-observed',
  scheduleCancelTooEarly: 'hlsim-invented',
  invalidLeverage: 'hlsim-invented',
  crossNotAllowed: 'venue-observed',
  switchLeverageType: 'venue-observed',
  isolatedLeverageDecrease: 'venue-observed',
  crossLeverageDecrease: 'venue-observed',
  agentName: 'hlsim-invented',
  deserialize: 'venue-observed',
};
