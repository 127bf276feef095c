// `hip3 run --config FILE`: observe or trade, on mainnet, testnet or any URL (hlsim). See modes/run.ts.
import type { Command } from 'commander';

interface RunCliOptions {
  config?: string;
  profile?: string;
  duration: number;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the bot: observe (no key, trades nothing) or trade, as the configuration says')
    .option('--config <file>', 'TOML configuration (default: HIP3_CONFIG); every key is documented in config/example.toml')
    .option('--profile <name>', 'configuration profile to merge (mainnet, testnet, sim)')
    .option('--duration <seconds>', 'stop by itself after this many seconds (0 = until SIGINT/SIGTERM)', (v: string) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--duration expects seconds ≥ 0, got '${v}'`);
      return n;
    }, 0)
    .action(async (o: RunCliOptions) => {
      const { runBot } = await import('../modes/run.ts');
      const { ConfigError } = await import('../config/load.ts');
      let code: number;
      try {
        code = await runBot(o);
      } catch (err) {
        process.stderr.write(`hip3 run: ${err instanceof Error ? err.message : String(err)}\n`);
        code = err instanceof ConfigError ? 2 : 1;
      }
      // The run is over (flat and flushed, or failed): a late signal while stdout drains must not kill the
      // process with 130 now that the shutdown handlers are gone.
      const ignore = () => {};
      process.on('SIGINT', ignore).on('SIGTERM', ignore);
      process.stdout.write('', () => process.exit(code));
    });
}
