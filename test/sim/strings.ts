// Assertions on hlsim's answer strings that say where the expected string comes from (docs/hlsim.md
// "Strings: source"): venue-documented, venue-observed or hlsim-invented. With a key, the kind named by the
// test must also be the kind the code gives that string, so a test can never present an hlsim-invented
// string as the venue's.
import assert from 'node:assert/strict';
import { ERROR_SOURCES, type ErrorKey, type StringSource } from '../../src/sim/exchange/errors.ts';
import { LIMIT_ERROR_SOURCES, type LimitErrorKey } from '../../src/sim/server/limits.ts';

export type StringKey = ErrorKey | `limit.${LimitErrorKey}`;

export function sourceOf(key: StringKey): StringSource {
  return key.startsWith('limit.') ? LIMIT_ERROR_SOURCES[key.slice(6) as LimitErrorKey] : ERROR_SOURCES[key as ErrorKey];
}

/** `actual` is exactly `expected`, a string of the given kind (checked against the code's label when keyed). */
export function assertString(actual: unknown, expected: string, source: StringSource, key?: StringKey): void {
  if (key !== undefined) assert.equal(sourceOf(key), source, `the test calls ${key} ${source}, the code labels it ${sourceOf(key)}`);
  assert.equal(actual, expected, `${source} string${key === undefined ? '' : ` (${key})`}`);
}

export const documented = (actual: unknown, expected: string, key?: StringKey) => assertString(actual, expected, 'venue-documented', key);
export const observed = (actual: unknown, expected: string, key?: StringKey) => assertString(actual, expected, 'venue-observed', key);
export const invented = (actual: unknown, expected: string, key?: StringKey) => assertString(actual, expected, 'hlsim-invented', key);
