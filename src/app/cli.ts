// The `hip3` command line. Each subcommand lives in src/app/commands/<name>.ts and registers itself here;
// commands load their heavy modules lazily so `hip3 --help` stays instant.
import { Command } from 'commander';
import { registerCancelAllCommand } from './commands/cancel-all.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerFlattenCommand } from './commands/flatten.ts';
import { registerMarketsCommand } from './commands/markets.ts';
import { registerReportCommand } from './commands/report.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerSimCommand } from './commands/sim.ts';

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('hip3')
    .description('Oracle-dislocation taker for Hyperliquid HIP-3 perps, and hlsim, a local Hyperliquid exchange')
    .showHelpAfterError();
  registerSimCommand(program);
  registerReportCommand(program);
  registerDemoCommand(program);
  registerRunCommand(program);
  registerMarketsCommand(program);
  registerCancelAllCommand(program);
  registerFlattenCommand(program);
  await program.parseAsync(argv);
}
