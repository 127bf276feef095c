// The venue's error strings, in one place so tests and the other hlsim parts can match them exactly.
//
// Sources (per-order strings end with " asset=<id>" on the real venue, which the docs omit; recorded in many
// client logs, e.g. hummingbot #8284 "…bbo was 0.56057@0.56086. asset=31", nomeida/hyperliquid #99
// "Insufficient margin to place order. asset=15", a testnet probe report (tickwright) for reduce-only,
// cancel and min-notional behaviour):
//   tick, min notional, margin, reduce-only, ALO cross, IOC no match, cancel of an unknown order: measured.
//   "Order has invalid size." / "Order has zero size.": measured in client logs (no asset suffix seen).
//   Nonce strings ("Invalid nonce: duplicate nonce N", "… nonce too low N < M", "… nonce too high N > M"),
//   "Action already expired", "Nonce mismatch.", "Mainnet and testnet require different signature.",
//   "Vault not registered: 0x…", the scheduleCancel volume gate, "Signed action over weight limit of 200.":
//   recorded venue strings in client error catalogues.
//   Chosen by hlsim (no source found; documented here): unknown asset, duplicate cloid, scheduleCancel too
//   early, invalid leverage, unsupported order kinds, malformed body.

export const err = {
  tick: (asset: number) => `Price must be divisible by tick size. asset=${asset}`,
  minNotional: (asset: number) => `Order must have minimum value of $10. asset=${asset}`,
  margin: (asset: number) => `Insufficient margin to place order. asset=${asset}`,
  reduceOnly: (asset: number) => `Reduce only order would increase position. asset=${asset}`,
  /** bid/ask are the venue price strings of the touch (or "None" when a side is empty — hlsim's choice). */
  badAloPx: (bid: string, ask: string, asset: number) =>
    `Post only order would have immediately matched, bbo was ${bid}@${ask}. asset=${asset}`,
  iocCancel: (asset: number) => `Order could not immediately match against any resting orders. asset=${asset}`,
  invalidSize: () => 'Order has invalid size.',
  zeroSize: () => 'Order has zero size.',
  priceBand: () => 'Order price cannot be more than 80% away from the reference price',
  /** hlsim's choice. */
  unknownAsset: (asset: number) => `Unknown asset. asset=${asset}`,
  /** hlsim's choice: a cloid must be unique among the user's open orders. */
  duplicateCloid: (asset: number) => `Duplicate cloid. asset=${asset}`,
  /** hlsim's choice: trigger (TP/SL) orders and non-"na" groupings are not simulated. */
  unsupportedOrder: (asset: number) => `Order type not supported by hlsim. asset=${asset}`,
  cancelMissing: (asset: number) => `Order was never placed, already canceled, or filled. asset=${asset}`,
  // top-level (status "err")
  signerMissing: (address: string) => `L1 error: User or API Wallet ${address} does not exist.`,
  mustDeposit: (address: string) => `Must deposit before performing actions. User: ${address}`,
  nonceDuplicate: (nonce: number) => `Invalid nonce: duplicate nonce ${nonce}`,
  nonceTooLow: (nonce: number, bound: number) => `Invalid nonce: nonce too low ${nonce} < ${bound}`,
  nonceTooHigh: (nonce: number, bound: number) => `Invalid nonce: nonce too high ${nonce} > ${bound}`,
  expired: () => 'Action already expired',
  nonceMismatch: () => 'Nonce mismatch.',
  wrongChain: () => 'Mainnet and testnet require different signature.',
  vaultNotRegistered: (vault: string) => `Vault not registered: ${vault}`,
  overWeight: () => 'Signed action over weight limit of 200.',
  scheduleCancelVolume: (required: number, traded: number) =>
    `Cannot set scheduled cancel time until enough volume traded. Required: $${required}. Traded: $${Number(traded.toFixed(2))}.`,
  /** hlsim's choice. */
  scheduleCancelTooEarly: () => 'Scheduled cancel time must be at least 5 seconds in the future.',
  /** hlsim's choice. */
  invalidLeverage: () => 'Invalid leverage value.',
  crossNotAllowed: () => 'Cross margin is not allowed for this asset.',
  switchLeverageType: () => 'Cannot switch leverage type with open position.',
  isolatedLeverageDecrease: () =>
    'Isolated position does not have sufficient margin available to decrease leverage. To decrease leverage, add margin to the position.',
  crossLeverageDecrease: () =>
    'Cross position does not have sufficient margin available to decrease leverage. To decrease leverage, deposit more collateral.',
  /** hlsim's choice for an agent name over 16 characters. */
  agentName: () => 'Agent name must be at most 16 characters.',
  /** Body that is not a well-formed request: the venue answers HTTP 422 with this plain text. */
  deserialize: () => 'Failed to deserialize the JSON body into the target type',
} as const;
