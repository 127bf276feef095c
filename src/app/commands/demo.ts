// `hip3 demo` (what `npm start` runs): hlsim + the bot trading against it + the dashboard. See modes/demo.ts.
import type { Command } from 'commander';
import type { DemoOptions } from '../modes/demo.ts';

function positiveInt(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} expects an integer ≥ ${min}, got '${value}'`);
    return n;
  };
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('hlsim plus the bot trading against it with throwaway keys, and the dashboard (what `npm start` runs)')
    .option('--scenario <name>', 'hlsim market scenario: calm, jumpy, structural-basis, thin', 'jumpy')
    .option('--seed <n>', 'hlsim seed (same seed, same market path)', positiveInt('--seed', 0), 1)
    .option('--duration <seconds>', 'stop by itself after this many seconds (0 = until Ctrl+C)', positiveInt('--duration', 0), 0)
    .option('--data-dir <dir>', 'where the journal and the log go (default ./data/demo-<timestamp>)')
    .option('--dashboard-port <port>', 'dashboard port on 127.0.0.1 (0 = any free port)', positiveInt('--dashboard-port', 0), 0)
    .option('--no-dashboard', 'do not start the dashboard')
    .option('--fund <usdc>', 'USDC deposited for the throwaway master account in hlsim', positiveInt('--fund', 100), 10_000)
    .action(async (o: DemoOptions) => {
      const { runDemo } = await import('../modes/demo.ts');
      const { ConfigError } = await import('../config/load.ts');
      let code: number;
      try {
        code = await runDemo(o);
      } catch (err) {
        process.stderr.write(`hip3 demo: ${err instanceof Error ? err.message : String(err)}\n`);
        code = err instanceof ConfigError ? 2 : 1;
      }
      process.stdout.write('', () => process.exit(code));
    });
}
