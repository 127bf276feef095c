// Helpers for the end-to-end CLI tests: run `node bin/hip3.js …` as a child process with the repo's node
// (process.execPath), collect its output, watch for lines, and set up an hlsim account with an approved agent.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { approveAgentAction, generatePrivateKey, privateKeyToAddress, signUserSignedAction } from '../../src/protocol/index.ts';

export const REPO = resolve(import.meta.dirname, '../..');
export const BIN = join(REPO, 'bin', 'hip3.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout matches (rejects if the process ends first or after timeoutMs). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  done: Promise<CliResult>;
}

/** Environment for children: no inherited HIP3_* variables (a developer's key must never leak into a test). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HIP3_') && !k.startsWith('NODE_TEST')) env[k] = v;
  return { ...env, ...extra };
}

export function startCli(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? REPO, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const watchers: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of [...watchers]) {
      const m = out.match(w.re);
      if (m) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const done = new Promise<CliResult>((resolveDone) => {
    child.on('close', (code, signal) => resolveDone({ code, signal, stdout: out, stderr: err }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    waitFor(re, timeoutMs = 30_000) {
      const m = out.match(re);
      if (m) return Promise.resolve(m);
      return new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`timed out waiting for ${re}; stdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
        watchers.push({
          re,
          resolve: (mm) => {
            clearTimeout(timer);
            res(mm);
          },
        });
        done.then((r) => {
          clearTimeout(timer);
          rej(new Error(`process ended (code ${r.code}) before ${re}; stdout:\n${out}\nstderr:\n${err}`));
        });
      });
    },
  };
}

export function runCli(args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const c = startCli(args, opts);
  const timer = setTimeout(() => c.child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  return c.done.finally(() => clearTimeout(timer));
}

export function tempDir(t: { after(fn: () => void): void }, prefix = 'hip3-app-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Account {
  masterKey: string;
  master: string;
  agentKey: string;
  agent: string;
}

export function newAccount(): Account {
  const masterKey = generatePrivateKey();
  const agentKey = generatePrivateKey();
  return { masterKey, master: privateKeyToAddress(masterKey).toLowerCase(), agentKey, agent: privateKeyToAddress(agentKey).toLowerCase() };
}

/** Approves the account's agent on hlsim with a real user-signed approveAgent posted to /exchange. */
export async function approveAgent(httpUrl: string, a: Account, isMainnet: boolean): Promise<void> {
  const action = approveAgentAction({ hyperliquidChain: isMainnet ? 'Mainnet' : 'Testnet', signatureChainId: '0x66eee', agentAddress: a.agent, agentName: 'test', nonce: Date.now() });
  const signature = signUserSignedAction({ action, privateKey: a.masterKey });
  const res = await fetch(`${httpUrl}/exchange`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action, nonce: action.nonce, signature }) });
  const body = (await res.json()) as { status: string };
  if (body.status !== 'ok') throw new Error(`approveAgent failed: ${JSON.stringify(body)}`);
}

/** Seconds-level sleep for polling loops in tests (no wall-clock assertion is ever made on it). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
