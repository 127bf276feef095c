// `hip3 sim` as a user runs it: a child process that prints its URLs, serves the protocol, answers the admin
// endpoint, funds `--fund` accounts, and exits cleanly on SIGINT and SIGTERM.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parseFund } from '../../src/app/commands/sim.ts';
import { HttpClient, Signer, WsClient } from './client.ts';

const BIN = fileURLToPath(new URL('../../bin/hip3.js', import.meta.url));

async function startCli(args: string[]): Promise<{ child: ChildProcess; urls: Record<string, string>; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'sim', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!/admin\s+http/.test(out)) {
    if (child.exitCode !== null) throw new Error(`hip3 sim exited early: ${out}`);
    if (Date.now() > deadline) throw new Error(`hip3 sim printed no URLs: ${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const urls: Record<string, string> = {};
  for (const [, name, url] of out.matchAll(/^\s+(WS|HTTP|admin)\s+(\S+)/gm)) urls[name] = url;
  return { child, urls, output: () => out };
}

test('hip3 sim prints its URLs, serves, and stops cleanly on SIGINT; --fund funds the account', async (t) => {
  const funded = new Signer();
  const { child, urls, output } = await startCli(['--port', '0', '--seed', '3', '--scenario', 'thin', '--fund', `${funded.address}=1234`]);
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  assert.match(urls.WS, /^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
  assert.match(urls.HTTP, /^http:\/\/127\.0\.0\.1:\d+$/);
  const ws = await WsClient.connect(urls.WS);
  await ws.ping();
  const http = new HttpClient(urls.HTTP);
  const state = await http.infoOk<{ marginSummary: { accountValue: string } }>({ type: 'clearinghouseState', user: funded.address });
  assert.equal(Number(state.marginSummary.accountValue), 1234);
  const stats = (await (await fetch(`${urls.admin}/stats`)).json()) as { connectionsOpen: number };
  assert.equal(stats.connectionsOpen, 1);
  child.kill('SIGINT');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, output());
  await ws.closedWithin();
  assert.match(output(), /SIGINT: stopping hlsim/);
});

test('hip3 sim stops on SIGTERM and rejects bad flags', async (t) => {
  const { child, urls } = await startCli(['--no-dynamics']);
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  // The command prints its URLs and only then installs its signal handlers (same tick, but a signal sent
  // the moment the text arrives can land in between and kill it with the default action). An answered
  // request proves the child is back in its event loop, handlers installed.
  assert.equal((await fetch(`${urls.HTTP}/`)).status, 200);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);

  const bad = spawn(process.execPath, [BIN, 'sim', '--scenario', 'nope'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  bad.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const [badCode] = await once(bad, 'exit');
  assert.notEqual(badCode, 0);
  assert.match(err, /unknown scenario 'nope'/);
});

test('--fund parsing', () => {
  const a = `0x${'ab'.repeat(20)}`;
  assert.deepEqual(parseFund(`${a}=100`), { [a]: 100 });
  assert.deepEqual(parseFund(`${a.toUpperCase().replace('0X', '0x')}=50`, { [a]: 100 }), { [a]: 150 });
  assert.throws(() => parseFund('0x12=5'), /ADDRESS=USDC/);
  assert.throws(() => parseFund(`${a}=-1`), /ADDRESS=USDC/);
  assert.throws(() => parseFund(`${a}`), /ADDRESS=USDC/);
});
