// Secrets: the agent key comes only from the HIP3_AGENT_KEY environment variable or from a key file readable
// by its owner alone (mode 0600). The master address is public and lives in the configuration.
// Redaction: every sink that writes text (logs, journal, dashboard payloads, metrics labels) takes a
// `redact` function built here, so a key that slipped into an error message is still never written.
import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from './load.ts';

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

export const AGENT_KEY_ENV = 'HIP3_AGENT_KEY';
const KEY_HEX = /^(?:0x)?([0-9a-fA-F]{64})$/;

export interface AgentKey {
  /** 0x-prefixed lowercase 64-hex private key. Pass it to the signer; never log it. */
  privateKey: `0x${string}`;
  source: 'env' | 'file';
}

function normaliseKey(text: string, where: string): `0x${string}` {
  const m = KEY_HEX.exec(text.trim());
  if (!m) throw new SecretError(`${where} does not hold a 32-byte hex private key`);
  if (/^0+$/.test(m[1])) throw new SecretError(`${where} holds the zero key`);
  return `0x${m[1].toLowerCase()}`;
}

/**
 * Reads the agent key: the environment variable wins; otherwise the key file, refused unless its mode allows
 * access to the owner only (group/other bits must be 0). Returns undefined when neither is given (observe mode).
 */
export function loadAgentKey(options: { env?: NodeJS.ProcessEnv; keyFile?: string } = {}): AgentKey | undefined {
  const env = options.env ?? process.env;
  const fromEnv = env[AGENT_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { privateKey: normaliseKey(fromEnv, AGENT_KEY_ENV), source: 'env' };
  if (!options.keyFile) return undefined;
  let mode: number;
  try {
    mode = statSync(options.keyFile).mode;
  } catch (err) {
    throw new SecretError(`agent key file ${options.keyFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if ((mode & 0o077) !== 0) {
    throw new SecretError(
      `agent key file ${options.keyFile} has mode ${(mode & 0o777).toString(8).padStart(4, '0')}; refusing it (run: chmod 600 ${options.keyFile})`,
    );
  }
  return { privateKey: normaliseKey(readFileSync(options.keyFile, 'utf8'), `agent key file ${options.keyFile}`), source: 'file' };
}

/**
 * The agent key a command needs (loadAgentKey with the configured key file), as a ConfigError naming
 * account.agent_key_file when it is unreadable or, with `missing` as the message, absent.
 */
export function requireAgentKey(keyFile: string, missing: string): `0x${string}` {
  let key: AgentKey | undefined;
  try {
    key = loadAgentKey({ keyFile: keyFile || undefined });
  } catch (err) {
    if (err instanceof SecretError) throw new ConfigError('account.agent_key_file', err.message);
    throw err;
  }
  if (key === undefined) throw new ConfigError('account.agent_key_file', missing);
  return key.privateKey;
}

export const REDACTED = '[REDACTED]';

export interface Redactor {
  /** Replaces every occurrence of a registered secret (any case, with or without 0x) in a text. */
  text(s: string): string;
  /** Deep copy of a JSON-like value with secrets removed from every string (keys included). */
  value<T>(x: T): T;
  /** Registers another secret (e.g. a dashboard token generated later). */
  add(secret: string): void;
}

/** Builds a redactor for the given secrets. Matching is on the bare hex/lower-case form so "0xAB…" and "ab…" both go. */
export function createRedactor(secrets: Iterable<string> = []): Redactor {
  const needles: string[] = [];
  const add = (secret: string) => {
    const bare = secret.toLowerCase().replace(/^0x/, '');
    if (bare.length >= 8 && !needles.includes(bare)) needles.push(bare);
  };
  for (const s of secrets) add(s);
  const text = (s: string): string => {
    if (needles.length === 0) return s;
    const lower = s.toLowerCase();
    let hit = false;
    for (const n of needles) if (lower.includes(n)) hit = true;
    if (!hit) return s;
    let out = s;
    for (const n of needles) {
      // Case-insensitive replace of the hex, swallowing an optional 0x prefix.
      out = out.replace(new RegExp(`(?:0x)?${escapeRegExp(n)}`, 'gi'), REDACTED);
    }
    return out;
  };
  const value = <T>(x: T): T => redactValue(x, text) as T;
  return { text, value, add };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function redactValue(x: unknown, text: (s: string) => string): unknown {
  if (typeof x === 'string') return text(x);
  if (Array.isArray(x)) return x.map((e) => redactValue(e, text));
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(x)) out[text(k)] = redactValue(val, text);
    return out;
  }
  return x;
}
