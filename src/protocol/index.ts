// hip3/protocol: Hyperliquid wire formats, number formatting, asset ids, action builders, parsers and
// signing. No I/O.
export * from './actions.ts';
export * from './assets.ts';
export * from './errors.ts';
export * from './format.ts';
export * from './keys.ts';
export * from './limits.ts';
export * from './nonce.ts';
export * from './parse.ts';
export * from './signing.ts';
export * from './user-signed.ts';
export * from './wire.ts';
