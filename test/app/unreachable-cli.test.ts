// A venue that does not answer must never look like success: every command that needs it exits non-zero with
// "cannot reach <url>: …" (before, the venue layer's unref'd retry timers let Node exit 0 mid-await, so
// `hip3 flatten` against a dead URL said nothing and returned 0 — which the runbook reads as "flat").
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { newAccount, runCli, tempDir } from './cli-helpers.ts';

/** A 127.0.0.1 port nobody listens on: bound, read, closed. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('commands against an unreachable venue', () => {
  let url: string;
  const account = newAccount();
  before(async () => {
    url = `http://127.0.0.1:${await deadPort()}`;
  });

  it('hip3 markets exits 1 with "cannot reach <url>"', async () => {
    const r = await runCli(['markets', '--url', url]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`cannot reach ${url}: ECONNREFUSED`));
  });

  it('hip3 flatten and hip3 cancel-all exit 1 (never 0: 0 means flat)', async () => {
    for (const cmd of ['flatten', 'cancel-all']) {
      const r = await runCli([cmd, '--url', url, '--master', account.master], { env: { HIP3_AGENT_KEY: account.agentKey } });
      assert.equal(r.code, 1, `${cmd}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, new RegExp(`hip3 ${cmd}: cannot reach ${url}`));
    }
  });

  it('hip3 run exits 1 after printing its configuration', async (t) => {
    const dir = tempDir(t);
    const cfg = join(dir, 'c.toml');
    writeFileSync(cfg, `mode = "observe"\n[network]\ntarget = "${url}"\n[logging]\nfile = "${join(dir, 'log')}"\n[journal]\npath = "${join(dir, 'j.sqlite')}"\n`);
    const r = await runCli(['run', '--config', cfg]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /effective configuration/);
    assert.match(r.stderr, new RegExp(`hip3 run: cannot reach ${url}: ECONNREFUSED`));
  });
});
