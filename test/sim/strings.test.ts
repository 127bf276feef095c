// docs/hlsim.md "Strings: source" and the code's labels (ERROR_SOURCES, LIMIT_ERROR_SOURCES) agree: every
// string the code labels is in the table with the same kind, and the table names no string the code lacks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_SOURCES, err } from '../../src/sim/exchange/errors.ts';
import { LIMIT_ERROR_SOURCES, LIMIT_ERRORS } from '../../src/sim/server/limits.ts';

const KINDS = new Set(['venue-documented', 'venue-observed', 'hlsim-invented']);

function table(): Map<string, string> {
  const doc = readFileSync(new URL('../../docs/hlsim.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Strings: source'));
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const m = /^\| `([a-zA-Z.0-9]+)`[^|]*\|.*\| (venue-documented|venue-observed|hlsim-invented) \|[^|]*\|$/.exec(line);
    if (m) rows.set(m[1], m[2]);
  }
  return rows;
}

test('every labelled string is in the docs table with the same source, and every keyed row exists in the code', () => {
  const rows = table();
  assert.ok(rows.size >= 40, `the table parsed (${rows.size} rows)`);
  for (const [key, source] of Object.entries(ERROR_SOURCES)) assert.equal(rows.get(`err.${key}`), source, `err.${key}`);
  for (const [key, source] of Object.entries(LIMIT_ERROR_SOURCES)) assert.equal(rows.get(`limit.${key}`), source, `limit.${key}`);
  for (const [key, source] of rows) {
    assert.ok(KINDS.has(source));
    if (key.startsWith('err.')) assert.ok(key.slice(4) in err, `${key} is in the docs table but not in errors.ts`);
    if (key.startsWith('limit.')) assert.ok(key.slice(6) in LIMIT_ERRORS, `${key} is in the docs table but not in limits.ts`);
  }
  // Every err / LIMIT_ERRORS entry is labelled (the Record types enforce it at compile time; this at run time).
  assert.deepEqual(Object.keys(ERROR_SOURCES).sort(), Object.keys(err).sort());
  assert.deepEqual(Object.keys(LIMIT_ERROR_SOURCES).sort(), Object.keys(LIMIT_ERRORS).sort());
});
