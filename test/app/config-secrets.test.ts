import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { AGENT_KEY_ENV, createRedactor, loadAgentKey, REDACTED, SecretError } from '../../src/app/config/secrets.ts';

const freshKey = () => Buffer.from(secp256k1.utils.randomSecretKey()).toString('hex');

describe('loadAgentKey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hip3-secrets-'));
  const file = join(dir, 'agent.key');
  it('takes HIP3_AGENT_KEY first, normalised to 0x + lowercase', () => {
    const key = freshKey();
    const got = loadAgentKey({ env: { [AGENT_KEY_ENV]: key.toUpperCase() }, keyFile: file });
    assert.deepEqual(got, { privateKey: `0x${key}`, source: 'env' });
  });
  it('reads a 0600 key file', () => {
    const key = freshKey();
    writeFileSync(file, `0x${key}\n`);
    chmodSync(file, 0o600);
    assert.deepEqual(loadAgentKey({ env: {}, keyFile: file }), { privateKey: `0x${key}`, source: 'file' });
  });
  it('refuses a key file readable by group or others, without printing the key', () => {
    const key = freshKey();
    writeFileSync(file, key);
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      chmodSync(file, mode);
      assert.throws(
        () => loadAgentKey({ env: {}, keyFile: file }),
        (err: unknown) => err instanceof SecretError && /chmod 600/.test(err.message) && !err.message.includes(key),
      );
    }
  });
  it('refuses malformed keys and a missing file; none given means observe-only', () => {
    assert.throws(() => loadAgentKey({ env: { [AGENT_KEY_ENV]: 'abc' } }), SecretError);
    assert.throws(() => loadAgentKey({ env: { [AGENT_KEY_ENV]: '0'.repeat(64) } }), /zero key/);
    assert.throws(() => loadAgentKey({ env: {}, keyFile: join(dir, 'missing') }), /ENOENT/);
    assert.equal(loadAgentKey({ env: {} }), undefined);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('createRedactor', () => {
  it('removes a secret in any case, with or without 0x, from text and nested values', () => {
    const key = freshKey();
    const r = createRedactor([`0x${key}`]);
    assert.equal(r.text(`boom ${key.toUpperCase()} and 0x${key}`), `boom ${REDACTED} and ${REDACTED}`);
    const v = r.value({ a: [`k=${key}`], [key]: 1, n: 5 });
    assert.deepEqual(v, { a: [`k=${REDACTED}`], [REDACTED]: 1, n: 5 });
    assert.equal(r.text('nothing here'), 'nothing here');
  });
  it('can learn secrets later (a generated dashboard token)', () => {
    const r = createRedactor();
    r.add('tok-1234567890');
    assert.equal(r.text('url?token=tok-1234567890'), `url?token=${REDACTED}`);
  });
});
