// `--help` on every command: no commander-generated defaults that repeat or contradict the description
// ("(default: every dex) (default: [])", "--fund … (default: {})").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from './cli-helpers.ts';

describe('--help', () => {
  it('every command has help, with at most one default per option and no [] / {} defaults', async () => {
    for (const cmd of ['demo', 'run', 'markets', 'report', 'cancel-all', 'flatten', 'sim']) {
      const r = await runCli([cmd, '--help']);
      assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`Usage: hip3 ${cmd}`));
      assert.doesNotMatch(r.stdout, /\(default: (\[\]|\{\})\)/, `${cmd} --help:\n${r.stdout}`);
      // Options are separated by a line starting with two spaces and a dash.
      for (const option of r.stdout.split(/\n(?= {2}-)/)) assert.ok((option.match(/\(default:/g) ?? []).length <= 1, `${cmd}: ${option}`);
    }
  });
});
