// Typed errors of the protocol layer. Every error carries a stable machine-readable `code` so callers can
// branch on it without matching message text.

/** Base class of every error thrown by src/protocol. */
export class ProtocolError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

export type FormatErrorCode =
  | 'invalid_number' // NaN, ±Infinity, or a string that is not a plain decimal
  | 'not_positive' // zero or negative where only positive values make sense (prices, sizes)
  | 'rounds_to_zero' // the requested rounding leaves nothing (e.g. a size below one lot)
  | 'not_representable' // float_to_wire / float_to_int semantics: the value needs more precision than allowed
  | 'bad_decimals'; // szDecimals is not a small non-negative integer

/** A number could not be turned into a wire string without changing the order (never silently altered). */
export class FormatError extends ProtocolError {
  override readonly code: FormatErrorCode;
  constructor(code: FormatErrorCode, message: string) {
    super(code, message);
    this.name = 'FormatError';
    this.code = code;
  }
}

export type ActionErrorCode =
  | 'bad_asset'
  | 'bad_price'
  | 'bad_size'
  | 'bad_cloid'
  | 'bad_address'
  | 'bad_leverage'
  | 'bad_time'
  | 'bad_oid'
  | 'bad_fee'
  | 'bad_order_type';

/** An action builder was given input that would produce an action the venue rejects or hashes differently. */
export class ActionError extends ProtocolError {
  override readonly code: ActionErrorCode;
  constructor(code: ActionErrorCode, message: string) {
    super(code, message);
    this.name = 'ActionError';
    this.code = code;
  }
}

export type AssetErrorCode =
  | 'unknown_asset' // no market with that name or id
  | 'ambiguous_asset' // a bare name that exists on several dexes, or a duplicated name/id
  | 'bad_asset_id' // out of range arguments to perpAssetId
  | 'bad_meta'; // a meta/perpDexs payload that does not have the documented shape

/** Asset identity problems: fail closed (no entry) rather than guess a market. */
export class AssetError extends ProtocolError {
  override readonly code: AssetErrorCode;
  constructor(code: AssetErrorCode, message: string) {
    super(code, message);
    this.name = 'AssetError';
    this.code = code;
  }
}

export type WireParseErrorCode =
  | 'not_json' // the text is not JSON (and not the known greeting)
  | 'bad_shape' // JSON, but a required field is missing or has the wrong type
  | 'wrong_channel' // a channel-specific parser was handed another channel
  | 'bad_number'; // a decimal string field that does not parse to a finite number

/**
 * A frame or response that does not have the documented shape. Parsers RETURN this (they never throw);
 * it extends Error only so a caller may choose to throw it.
 */
export class WireParseError extends ProtocolError {
  override readonly code: WireParseErrorCode;
  /** Where in the payload the problem was found, e.g. "data.bbo[0].px". */
  readonly path: string;
  constructor(code: WireParseErrorCode, path: string, message: string) {
    super(code, message);
    this.name = 'WireParseError';
    this.code = code;
    this.path = path;
  }
}
