// User-signed actions (protocol doc §1.5): EIP-712 over domain HyperliquidSignTransaction / 1 /
// chainId = parseInt(action.signatureChainId, 16) / 0x0, primary type `HyperliquidTransaction:<Name>`, with only
// the listed fields signed, in the listed order (the order is part of the type hash). The posted action also
// carries `type` and `signatureChainId`, which are not signed as fields.
//
// approveAgent and agentName: like the Python SDK, an agent without a name is signed with agentName "" and the
// posted action has no agentName key. Digest and recovery treat a missing (or null) agentName as "", so
// recoverUserSignedSigner works on the posted action as the venue receives it.
import { domainSeparator, type Eip712Field, eip712Digest, hashStruct, ZERO_ADDRESS } from './eip712.ts';
import { ProtocolError } from './errors.ts';
import { type PrivateKeyInput, publicKeyToAddress } from './keys.ts';
import { activeSignerBackend } from './signer/registry.ts';
import { l1ActionHash, parseRsvSignature, type RsvSignature, type RsvSignatureInput, signDigest, signL1Action } from './signing.ts';

export type HyperliquidChain = 'Mainnet' | 'Testnet';

export class UserSignedActionError extends ProtocolError {
  constructor(message: string) {
    super('bad_user_signed_action', message);
    this.name = 'UserSignedActionError';
  }
}

export interface UserSignedType {
  primaryType: string;
  fields: readonly Eip712Field[];
}

const chain: Eip712Field = { name: 'hyperliquidChain', type: 'string' };
const str = (name: string): Eip712Field => ({ name, type: 'string' });
const addr = (name: string): Eip712Field => ({ name, type: 'address' });
const u64 = (name: string): Eip712Field => ({ name, type: 'uint64' });
const bool = (name: string): Eip712Field => ({ name, type: 'bool' });
const tx = (name: string, fields: Eip712Field[]): UserSignedType => ({
  primaryType: `HyperliquidTransaction:${name}`,
  fields: [chain, ...fields],
});

/** Typed-data definitions by the posted action's `type` (field lists as in the SDKs). */
export const USER_SIGNED_TYPES: Readonly<Record<string, UserSignedType>> = {
  usdSend: tx('UsdSend', [str('destination'), str('amount'), u64('time')]),
  withdraw3: tx('Withdraw', [str('destination'), str('amount'), u64('time')]),
  spotSend: tx('SpotSend', [str('destination'), str('token'), str('amount'), u64('time')]),
  usdClassTransfer: tx('UsdClassTransfer', [str('amount'), bool('toPerp'), u64('nonce')]),
  sendAsset: tx('SendAsset', [
    str('destination'),
    str('sourceDex'),
    str('destinationDex'),
    str('token'),
    str('amount'),
    str('fromSubAccount'),
    u64('nonce'),
  ]),
  approveAgent: tx('ApproveAgent', [addr('agentAddress'), str('agentName'), u64('nonce')]),
  approveBuilderFee: tx('ApproveBuilderFee', [str('maxFeeRate'), addr('builder'), u64('nonce')]),
  tokenDelegate: tx('TokenDelegate', [addr('validator'), u64('wei'), bool('isUndelegate'), u64('nonce')]),
  userDexAbstraction: tx('UserDexAbstraction', [addr('user'), bool('enabled'), u64('nonce')]),
  userSetAbstraction: tx('UserSetAbstraction', [addr('user'), str('abstraction'), u64('nonce')]),
};

/** A posted user-signed action: `type`, `signatureChainId`, `hyperliquidChain` and the type's fields. */
export interface UserSignedAction {
  type: string;
  signatureChainId: string;
  hyperliquidChain: string;
  [field: string]: unknown;
}

/** A built action, or a posted one as parsed from JSON (validated when hashed). */
export type UserSignedActionInput = UserSignedAction | Readonly<Record<string, unknown>>;

export interface UserSignedDigestArgs {
  action: UserSignedActionInput;
  /** `HyperliquidTransaction:<Name>`; inferred from action.type when absent. */
  primaryType?: string;
  /** The signed fields in order; looked up from primaryType (or action.type) when absent. */
  types?: readonly Eip712Field[];
}

export interface SignUserSignedActionArgs extends UserSignedDigestArgs {
  privateKey: PrivateKeyInput;
}

export interface RecoverUserSignedSignerArgs extends UserSignedDigestArgs {
  signature: RsvSignatureInput;
}

const byPrimaryType = new Map(Object.values(USER_SIGNED_TYPES).map((t) => [t.primaryType, t] as const));

/** The typed-data definition for an action: explicit fields, else by primary type, else by action.type. */
export function resolveUserSignedType(args: UserSignedDigestArgs): UserSignedType {
  if (args.types !== undefined) {
    if (args.primaryType === undefined) throw new UserSignedActionError('types given without primaryType');
    return { primaryType: args.primaryType, fields: args.types };
  }
  if (args.primaryType !== undefined) {
    const known = byPrimaryType.get(args.primaryType);
    if (known === undefined) throw new UserSignedActionError(`unknown primary type ${args.primaryType}`);
    return known;
  }
  const type = (args.action as Readonly<Record<string, unknown>> | undefined)?.type;
  const known = typeof type === 'string' && Object.hasOwn(USER_SIGNED_TYPES, type) ? USER_SIGNED_TYPES[type] : undefined;
  if (known === undefined) throw new UserSignedActionError(`not a known user-signed action type: ${String(type)}`);
  return known;
}

/** parseInt(signatureChainId, 16) for a 0x-hex chain id; throws if malformed. */
export function signatureChainIdToNumber(signatureChainId: unknown): number {
  if (typeof signatureChainId !== 'string' || !/^0x[0-9a-fA-F]{1,13}$/.test(signatureChainId)) {
    throw new UserSignedActionError(`signatureChainId must be a 0x hex chain id, got ${String(signatureChainId)}`);
  }
  return Number.parseInt(signatureChainId, 16);
}

/** The 32-byte EIP-712 digest a user-signed action's signature signs. */
export function userSignedActionDigest(args: UserSignedDigestArgs): Uint8Array {
  const { primaryType, fields } = resolveUserSignedType(args);
  let message = args.action as Readonly<Record<string, unknown>>;
  if (message.type === 'approveAgent' && (message.agentName === undefined || message.agentName === null)) {
    message = { ...message, agentName: '' };
  }
  const domain = domainSeparator({
    name: 'HyperliquidSignTransaction',
    version: '1',
    chainId: signatureChainIdToNumber(message.signatureChainId),
    verifyingContract: ZERO_ADDRESS,
  });
  return eip712Digest(domain, hashStruct(primaryType, fields, message));
}

export function signUserSignedAction(args: SignUserSignedActionArgs): RsvSignature {
  return signDigest(userSignedActionDigest(args), args.privateKey);
}

/** The lowercase address that signed a posted user-signed action (primary type inferred from action.type). */
export function recoverUserSignedSigner(args: RecoverUserSignedSignerArgs): string {
  const { r, s, recovery } = parseRsvSignature(args.signature);
  const digest = userSignedActionDigest(args);
  return publicKeyToAddress(activeSignerBackend().recover(digest, r, s, recovery));
}

/** The request nonce a user-signed action must be posted with: its `nonce` or `time` field. */
export function userSignedActionNonce(action: UserSignedActionInput): number {
  const fields = action as Readonly<Record<string, unknown>>;
  const n = fields.nonce ?? fields.time;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new UserSignedActionError('user-signed action has no integer nonce/time field');
  }
  return n;
}

// ---- builders (keys: type, signatureChainId, hyperliquidChain, then the signed fields) ----
// Their result types are type aliases (not interfaces) so that they are assignable to UserSignedAction.

export interface UserSignedCommon {
  hyperliquidChain: HyperliquidChain;
  /** Chain id the wallet signs on, e.g. '0x66eee' (what the Python SDK always uses) or '0xa4b1'. */
  signatureChainId: string;
}

function checkCommon(c: UserSignedCommon): void {
  if (c.hyperliquidChain !== 'Mainnet' && c.hyperliquidChain !== 'Testnet') {
    throw new UserSignedActionError(`hyperliquidChain must be 'Mainnet' or 'Testnet', got ${String(c.hyperliquidChain)}`);
  }
  signatureChainIdToNumber(c.signatureChainId);
}

function lowerAddress(name: string, a: unknown): string {
  if (typeof a !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(a)) {
    throw new UserSignedActionError(`${name} must be 0x + 40 hex digits, got ${String(a)}`);
  }
  return a.toLowerCase();
}

function checkAmount(name: string, amount: unknown): string {
  if (typeof amount !== 'string' || !/^\d+(\.\d+)?$/.test(amount)) {
    throw new UserSignedActionError(`${name} must be a decimal string, got ${String(amount)}`);
  }
  return amount;
}

function checkTime(name: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) {
    throw new UserSignedActionError(`${name} must be a positive integer (ms), got ${String(n)}`);
  }
  return n;
}

export type ApproveAgentAction = {
  type: 'approveAgent';
  signatureChainId: string;
  hyperliquidChain: HyperliquidChain;
  agentAddress: string;
  agentName?: string;
  nonce: number;
};

const AGENT_NAME = /^[\s\S]{1,16}?( valid_until \d+)?$/;

/**
 * approveAgent: authorises `agentAddress` (an API wallet) to sign L1 actions for the signer's account.
 * Without agentName the key is absent from the action (signed as ""); approving a new unnamed agent
 * deregisters the previous unnamed one. Names are 1–16 characters, optionally followed by ` valid_until <ms>`.
 */
export function approveAgentAction(a: UserSignedCommon & { agentAddress: string; agentName?: string; nonce: number }): ApproveAgentAction {
  checkCommon(a);
  const signatureChainId = a.signatureChainId;
  const hyperliquidChain = a.hyperliquidChain;
  const agentAddress = lowerAddress('agentAddress', a.agentAddress);
  const nonce = checkTime('nonce', a.nonce);
  if (a.agentName === undefined) return { type: 'approveAgent', signatureChainId, hyperliquidChain, agentAddress, nonce };
  if (typeof a.agentName !== 'string' || (a.agentName !== '' && !AGENT_NAME.test(a.agentName))) {
    throw new UserSignedActionError('agentName must be at most 16 characters (optionally + " valid_until <ms>")');
  }
  return { type: 'approveAgent', signatureChainId, hyperliquidChain, agentAddress, agentName: a.agentName, nonce };
}

export type UsdSendAction = {
  type: 'usdSend';
  signatureChainId: string;
  hyperliquidChain: HyperliquidChain;
  destination: string;
  amount: string;
  time: number;
};

/** usdSend: transfer USDC (perp balance) to another address. `time` is also the request nonce. */
export function usdSendAction(a: UserSignedCommon & { destination: string; amount: string; time: number }): UsdSendAction {
  checkCommon(a);
  return {
    type: 'usdSend',
    signatureChainId: a.signatureChainId,
    hyperliquidChain: a.hyperliquidChain,
    destination: lowerAddress('destination', a.destination),
    amount: checkAmount('amount', a.amount),
    time: checkTime('time', a.time),
  };
}

export type Withdraw3Action = {
  type: 'withdraw3';
  signatureChainId: string;
  hyperliquidChain: HyperliquidChain;
  destination: string;
  amount: string;
  time: number;
};

/** withdraw3: withdraw USDC to Arbitrum. `time` is also the request nonce. */
export function withdraw3Action(a: UserSignedCommon & { destination: string; amount: string; time: number }): Withdraw3Action {
  checkCommon(a);
  return {
    type: 'withdraw3',
    signatureChainId: a.signatureChainId,
    hyperliquidChain: a.hyperliquidChain,
    destination: lowerAddress('destination', a.destination),
    amount: checkAmount('amount', a.amount),
    time: checkTime('time', a.time),
  };
}

export type SpotSendAction = {
  type: 'spotSend';
  signatureChainId: string;
  hyperliquidChain: HyperliquidChain;
  destination: string;
  token: string;
  amount: string;
  time: number;
};

/** spotSend: transfer a spot token (`token` as 'NAME:0x<tokenId>'). `time` is also the request nonce. */
export function spotSendAction(
  a: UserSignedCommon & { destination: string; token: string; amount: string; time: number },
): SpotSendAction {
  checkCommon(a);
  if (typeof a.token !== 'string' || a.token === '') throw new UserSignedActionError('token must be a non-empty string');
  return {
    type: 'spotSend',
    signatureChainId: a.signatureChainId,
    hyperliquidChain: a.hyperliquidChain,
    destination: lowerAddress('destination', a.destination),
    token: a.token,
    amount: checkAmount('amount', a.amount),
    time: checkTime('time', a.time),
  };
}

export type UsdClassTransferAction = {
  type: 'usdClassTransfer';
  signatureChainId: string;
  hyperliquidChain: HyperliquidChain;
  amount: string;
  toPerp: boolean;
  nonce: number;
};

/**
 * usdClassTransfer: move USDC between spot and perp. For a sub-account, pass `subAccount`: the venue expects
 * ` subaccount:<addr>` appended to amount (and no vaultAddress in the request).
 */
export function usdClassTransferAction(
  a: UserSignedCommon & { amount: string; toPerp: boolean; nonce: number; subAccount?: string },
): UsdClassTransferAction {
  checkCommon(a);
  if (typeof a.toPerp !== 'boolean') throw new UserSignedActionError('toPerp must be a boolean');
  const amount = checkAmount('amount', a.amount);
  return {
    type: 'usdClassTransfer',
    signatureChainId: a.signatureChainId,
    hyperliquidChain: a.hyperliquidChain,
    amount: a.subAccount === undefined ? amount : `${amount} subaccount:${lowerAddress('subAccount', a.subAccount)}`,
    toPerp: a.toPerp,
    nonce: checkTime('nonce', a.nonce),
  };
}

export type SendAssetAction = {
  type: 'sendAsset';
  signatureChainId: string;
  hyperliquidChain: HyperliquidChain;
  destination: string;
  sourceDex: string;
  destinationDex: string;
  token: string;
  amount: string;
  fromSubAccount: string;
  nonce: number;
};

/**
 * sendAsset: move a token between dexes/accounts. Dex '' is the main perp dex and 'spot' is spot;
 * fromSubAccount '' means the signer's own account.
 */
export function sendAssetAction(
  a: UserSignedCommon & {
    destination: string;
    sourceDex: string;
    destinationDex: string;
    token: string;
    amount: string;
    fromSubAccount?: string;
    nonce: number;
  },
): SendAssetAction {
  checkCommon(a);
  for (const k of ['sourceDex', 'destinationDex', 'token'] as const) {
    if (typeof a[k] !== 'string') throw new UserSignedActionError(`${k} must be a string`);
  }
  return {
    type: 'sendAsset',
    signatureChainId: a.signatureChainId,
    hyperliquidChain: a.hyperliquidChain,
    destination: lowerAddress('destination', a.destination),
    sourceDex: a.sourceDex,
    destinationDex: a.destinationDex,
    token: a.token,
    amount: checkAmount('amount', a.amount),
    fromSubAccount:
      a.fromSubAccount === undefined || a.fromSubAccount === '' ? '' : lowerAddress('fromSubAccount', a.fromSubAccount),
    nonce: checkTime('nonce', a.nonce),
  };
}

export type ApproveBuilderFeeAction = {
  type: 'approveBuilderFee';
  signatureChainId: string;
  hyperliquidChain: HyperliquidChain;
  maxFeeRate: string;
  builder: string;
  nonce: number;
};

/** approveBuilderFee: allow `builder` to charge up to maxFeeRate (a percentage string such as '0.001%'). */
export function approveBuilderFeeAction(
  a: UserSignedCommon & { maxFeeRate: string; builder: string; nonce: number },
): ApproveBuilderFeeAction {
  checkCommon(a);
  if (typeof a.maxFeeRate !== 'string' || !/^\d+(\.\d+)?%$/.test(a.maxFeeRate)) {
    throw new UserSignedActionError(`maxFeeRate must be a percentage string such as '0.001%', got ${String(a.maxFeeRate)}`);
  }
  return {
    type: 'approveBuilderFee',
    signatureChainId: a.signatureChainId,
    hyperliquidChain: a.hyperliquidChain,
    maxFeeRate: a.maxFeeRate,
    builder: lowerAddress('builder', a.builder),
    nonce: checkTime('nonce', a.nonce),
  };
}

// ---- multi-sig (not used by the bot; implemented because it is small and the vectors exist) ----
// The envelope {type:'multiSig', signatureChainId, signatures, payload:{multiSigUser, outerSigner, action}} is
// signed by the outer signer as HyperliquidTransaction:SendMultiSig over the L1 action hash of the envelope
// without its `type` key. Each inner signer signs the payload action: an L1 action as the L1 signature of
// [multiSigUser, outerSigner, action] (lowercased addresses); a user-signed action with payloadMultiSigUser
// and outerSigner inserted after hyperliquidChain in its typed data. Inner r/s go on the wire without leading
// zeros (trimSignature), as the TS SDK sends them.

const SEND_MULTI_SIG: UserSignedType = {
  primaryType: 'HyperliquidTransaction:SendMultiSig',
  fields: [chain, { name: 'multiSigActionHash', type: 'bytes32' }, u64('nonce')],
};

export interface MultiSigEnvelopeArgs {
  /** The posted envelope, keys in order (type, signatureChainId, signatures, payload). */
  action: Readonly<Record<string, unknown>>;
  nonce: number;
  isMainnet: boolean;
  vaultAddress?: string | null;
  expiresAfter?: number | null;
}

function withoutType(action: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(action)) if (key !== 'type') rest[key] = action[key];
  return rest;
}

/** The digest the outer signer of a multi-sig envelope signs. */
export function multiSigEnvelopeDigest(args: MultiSigEnvelopeArgs): Uint8Array {
  const hash = l1ActionHash({ ...args, action: withoutType(args.action) });
  const message = {
    type: 'multiSig',
    signatureChainId: args.action.signatureChainId,
    hyperliquidChain: args.isMainnet ? 'Mainnet' : 'Testnet',
    multiSigActionHash: hash,
    nonce: args.nonce,
  };
  return userSignedActionDigest({ action: message, primaryType: SEND_MULTI_SIG.primaryType, types: SEND_MULTI_SIG.fields });
}

/** The outer signature of a multi-sig envelope (the request's `signature`). */
export function signMultiSigAction(args: MultiSigEnvelopeArgs & { privateKey: PrivateKeyInput }): RsvSignature {
  return signDigest(multiSigEnvelopeDigest(args), args.privateKey);
}

/** The outer signer of a posted multi-sig envelope. */
export function recoverMultiSigOuterSigner(args: MultiSigEnvelopeArgs & { signature: RsvSignatureInput }): string {
  const { r, s, recovery } = parseRsvSignature(args.signature);
  return publicKeyToAddress(activeSignerBackend().recover(multiSigEnvelopeDigest(args), r, s, recovery));
}

/** r and s without leading zeros, as inner multi-sig signatures are sent. */
export function trimSignature(sig: RsvSignature): RsvSignature {
  const trim = (h: string) => `0x${h.slice(2).replace(/^0+(?=.)/, '')}`;
  return { r: trim(sig.r), s: trim(sig.s), v: sig.v };
}

export interface MultiSigParties {
  multiSigUser: string;
  outerSigner: string;
}

/** An inner signer's (trimmed) signature of an L1 action inside a multi-sig envelope. */
export function signMultiSigInnerL1Action(
  args: MultiSigParties & { privateKey: PrivateKeyInput; action: unknown; nonce: number; isMainnet: boolean; vaultAddress?: string | null; expiresAfter?: number | null },
): RsvSignature {
  const wrapped = [args.multiSigUser.toLowerCase(), args.outerSigner.toLowerCase(), args.action];
  return trimSignature(signL1Action({ ...args, action: wrapped }));
}

/** An inner signer's (trimmed) signature of a user-signed action inside a multi-sig envelope. */
export function signMultiSigInnerUserSignedAction(args: MultiSigParties & SignUserSignedActionArgs): RsvSignature {
  const { primaryType, fields } = resolveUserSignedType(args);
  const types: Eip712Field[] = [fields[0], addr('payloadMultiSigUser'), addr('outerSigner'), ...fields.slice(1)];
  const action = { ...args.action, payloadMultiSigUser: args.multiSigUser, outerSigner: args.outerSigner };
  return trimSignature(signDigest(userSignedActionDigest({ action, primaryType, types }), args.privateKey));
}
