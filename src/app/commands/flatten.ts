// `hip3 flatten`: the runbook's second step — close every position of the master account with reduce-only
// IOC orders, widening the price allowance on each retry. Exit 0 when flat, 1 otherwise, 2 on bad input.
import type { Command } from 'commander';
import type { TargetOptions } from '../modes/runbook.ts';
import { runbookOptions } from './cancel-all.ts';

interface FlattenCliOptions extends TargetOptions {
  slippageBps: number;
  attempts: number;
}

const num = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} expects a number in [${min}, ${max}], got '${v}'`);
  return n;
};

export function registerFlattenCommand(program: Command): void {
  runbookOptions(program.command('flatten').description('close every position of the master account with reduce-only IOC orders (emergency runbook)'))
    .option('--slippage-bps <bps>', 'first attempt\'s price allowance through the touch (+ the same again per retry)', num('--slippage-bps', 1, 1000), 50)
    .option('--attempts <n>', 'attempts before giving up', num('--attempts', 1, 20), 5)
    .action(async (o: FlattenCliOptions) => {
      const { resolveTarget, loadCredentials, flattenAll } = await import('../modes/runbook.ts');
      const { ConfigError } = await import('../config/load.ts');
      let code = 0;
      try {
        const t = resolveTarget(o);
        const creds = loadCredentials(t.cfg, o.master);
        process.stdout.write(`flatten on ${t.label} (${t.isMainnet ? 'mainnet' : 'testnet'} signatures) for ${creds.master}, dexes ${t.dexes.length === 0 ? 'all' : t.dexes.map((d) => d || '""').join(', ')}\n`);
        const r = await flattenAll(t, creds, { slippageBps: o.slippageBps, stepBps: o.slippageBps, maxAttempts: o.attempts }, (s) => process.stdout.write(`${s}\n`));
        if (r.initial.length === 0) process.stdout.write('no open positions: already flat\n');
        else if (r.remaining.length === 0) process.stdout.write(`flat: ${r.initial.length} position(s) closed in ${r.attempts} attempt(s)\n`);
        else process.stdout.write(`NOT FLAT after ${r.attempts} attempt(s): ${r.remaining.map((p) => `${p.coin} ${p.szi}`).join(', ')}\n`);
        if (r.errors.length > 0) process.stdout.write(`errors:\n  ${r.errors.join('\n  ')}\n`);
        code = r.remaining.length === 0 ? 0 : 1;
      } catch (err) {
        process.stderr.write(`hip3 flatten: ${err instanceof Error ? err.message : String(err)}\n`);
        code = err instanceof ConfigError ? 2 : 1;
      }
      process.stdout.write('', () => process.exit(code));
    });
}
