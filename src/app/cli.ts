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
  keepAliveWhileActing(program);
  registerSimCommand(program);
  registerReportCommand(program);
  registerDemoCommand(program);
  registerRunCommand(program);
  registerMarketsCommand(program);
  registerCancelAllCommand(program);
  registerFlattenCommand(program);
  await program.parseAsync(argv);
}

/**
 * Every command's action keeps the process alive until it settles. The venue layer's timers are unref'd (they
 * must never hold a finished process open), so an action awaiting a retry on them would otherwise let Node exit
 * with code 0 mid-action — a silent "success" (a runbook `flatten` that exits 0 must mean flat). If the event
 * loop empties anyway while an action is pending, the exit code is 1, never 0.
 */
export function keepAliveWhileActing(program: Command): void {
  let timer: ReturnType<typeof setInterval> | null = null;
  const onBeforeExit = () => {
    if (timer === null) return;
    process.stderr.write('hip3: the command ended before finishing its work\n');
    process.exitCode = 1;
  };
  program.hook('preAction', () => {
    timer ??= setInterval(() => {}, 1 << 30);
    process.on('beforeExit', onBeforeExit);
  });
  program.hook('postAction', () => {
    if (timer !== null) clearInterval(timer);
    timer = null;
    process.off('beforeExit', onBeforeExit);
  });
}
