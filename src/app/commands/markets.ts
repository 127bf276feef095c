// `hip3 markets [--network mainnet|testnet | --url URL] [--dex NAME]…`: the venue's dexes and markets with
// their specs (asset id, szDecimals, price decimals, leverage, margin mode), straight from perpDexs + meta.
import type { Command } from 'commander';

interface MarketsCliOptions {
  config?: string;
  network?: string;
  url?: string;
  dex?: string[];
  json?: boolean;
}

export function registerMarketsCommand(program: Command): void {
  program
    .command('markets')
    .description('list the venue\'s dexes and markets with their specs (asset ids from perpDexs + meta)')
    .option('--network <name>', 'mainnet or testnet (default: the configuration\'s, else testnet)')
    .option('--url <url>', 'any venue speaking the protocol, e.g. hlsim\'s http://127.0.0.1:PORT')
    .option('--config <file>', 'take the network from this configuration')
    .option('--dex <name>', 'only this dex ("" = the main dex); repeatable (default: every dex)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--json', 'print JSON instead of tables')
    .action(async (o: MarketsCliOptions) => {
      const { resolveTarget, listMarkets } = await import('../modes/runbook.ts');
      const { formatMarketTable } = await import('../modes/session.ts');
      const { ConfigError } = await import('../config/load.ts');
      let code = 0;
      try {
        const t = resolveTarget({ config: o.config, network: o.network, url: o.url });
        const dexes = await listMarkets(t.httpUrl, o.dex);
        if (o.json) process.stdout.write(`${JSON.stringify(dexes, null, 2)}\n`);
        else {
          process.stdout.write(`${t.label}: ${dexes.length} dex(es)\n`);
          for (const d of dexes) {
            process.stdout.write(`\ndex ${d.dex === '' ? '"" (main)' : d.dex} (perpDexs index ${d.index}): ${d.markets.length} market(s)\n`);
            if (d.markets.length > 0) process.stdout.write(`${formatMarketTable(d.markets).replace(/^/gm, '  ')}\n`);
          }
        }
      } catch (err) {
        process.stderr.write(`hip3 markets: ${err instanceof Error ? err.message : String(err)}\n`);
        code = err instanceof ConfigError ? 2 : 1;
      }
      process.stdout.write('', () => process.exit(code));
    });
}
