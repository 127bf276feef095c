// `hip3 cancel-all`: the runbook's first step — cancel every open order of the master account (agent key from
// HIP3_AGENT_KEY or account.agent_key_file). Exit 0 when nothing is left open, 1 otherwise, 2 on bad input.
import { type Command, Option } from 'commander';
import type { TargetOptions } from '../modes/runbook.ts';

export function runbookOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'configuration with network, account.master_address, account.agent_key_file, markets.dexes')
    .option('--profile <name>', 'configuration profile (mainnet, testnet, sim)')
    .option('--network <name>', 'mainnet or testnet (overrides the configuration)')
    .option('--url <url>', 'a venue URL such as hlsim\'s (overrides the configuration)')
    .option('--master <address>', 'master account address (overrides account.master_address)')
    .addOption(
      new Option('--signing-chain <chain>', 'chain the L1 actions are signed for (default: network.signing_chain; "auto" = testnet only for the testnet, mainnet for mainnet and URLs such as hlsim)').choices(['mainnet', 'testnet']),
    )
    // No commander default for repeatable options: it would print "(default: [])" after our own wording.
    .option('--dex <name>', 'dex to act on ("" = the main dex); repeatable (default: every dex)', (v: string, prev: string[] = []) => [...prev, v]);
}

export function registerCancelAllCommand(program: Command): void {
  runbookOptions(program.command('cancel-all').description('cancel every open order of the master account (emergency runbook)')).action(
    async (o: TargetOptions) => {
      const { resolveTarget, loadCredentials, cancelAll } = await import('../modes/runbook.ts');
      const { ConfigError } = await import('../config/load.ts');
      let code = 0;
      try {
        const t = resolveTarget(o);
        const creds = loadCredentials(t.cfg, o.master);
        process.stdout.write(`cancel-all on ${t.label} (${t.isMainnet ? 'mainnet' : 'testnet'} signatures) for ${creds.master}, dexes ${t.dexes.length === 0 ? 'all' : t.dexes.map((d) => d || '""').join(', ')}\n`);
        const r = await cancelAll(t, creds, (s) => process.stdout.write(`${s}\n`));
        process.stdout.write(`cancelled ${r.cancelled} of ${r.found} open order(s)${r.errors.length > 0 ? `; errors:\n  ${r.errors.join('\n  ')}` : ''}\n`);
        code = r.cancelled === r.found && r.errors.length === 0 ? 0 : 1;
      } catch (err) {
        process.stderr.write(`hip3 cancel-all: ${err instanceof Error ? err.message : String(err)}\n`);
        code = err instanceof ConfigError ? 2 : 1;
      }
      process.stdout.write('', () => process.exit(code));
    },
  );
}
