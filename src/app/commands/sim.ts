// `hip3 sim`: runs hlsim on 127.0.0.1, prints its URLs, stops cleanly on SIGINT/SIGTERM.
import type { Command } from 'commander';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Parses one `--fund ADDRESS=USDC` value into the accumulated map. */
export function parseFund(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const eq = value.indexOf('=');
  const address = eq < 0 ? '' : value.slice(0, eq).trim();
  const usdc = eq < 0 ? Number.NaN : Number(value.slice(eq + 1).trim());
  if (!ADDRESS.test(address) || !Number.isFinite(usdc) || usdc <= 0) {
    throw new Error(`--fund expects ADDRESS=USDC with a 0x address and a positive amount, got '${value}'`);
  }
  return { ...previous, [address.toLowerCase()]: (previous[address.toLowerCase()] ?? 0) + usdc };
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port '${value}'`);
  return n;
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`invalid seed '${value}'`);
  return n;
}

interface SimCliOptions {
  port: number;
  adminPort: number;
  seed: number;
  scenario: string;
  fund?: Record<string, number>;
  testnet?: boolean;
  dynamics: boolean;
  json?: boolean;
  stopOnStdinEnd?: boolean;
}

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('run hlsim, a local exchange speaking Hyperliquid\'s protocol, on 127.0.0.1')
    .option('--port <port>', 'HTTP/WS port (0 = any free port)', parsePort, 0)
    .option('--admin-port <port>', 'admin endpoint port for fault injection (0 = any free port)', parsePort, 0)
    .option('--seed <n>', 'seed of the market dynamics (same seed, same market path)', parseSeed, 1)
    .option('--scenario <name>', 'market scenario: calm, jumpy, structural-basis, thin', 'calm')
    .option('--fund <address=usdc>', 'fund an account at start (repeatable; default: none)', (v: string, prev?: Record<string, number>) => parseFund(v, prev))
    .option('--testnet', 'verify signatures with the testnet source letter (default: mainnet)')
    .option('--no-dynamics', 'no oracle, market makers or takers (an empty, static exchange)')
    .option('--json', 'print the URLs as one JSON line {"wsUrl","httpUrl","adminUrl"} (for a parent process)')
    .option('--stop-on-stdin-end', 'stop when standard input closes (a parent process holding the pipe has gone)')
    .action(async (o: SimCliOptions) => {
      const { startSim } = await import('../../sim/index.ts');
      const sim = await startSim({
        port: o.port,
        adminPort: o.adminPort,
        seed: o.seed,
        scenario: o.scenario,
        fund: o.fund ?? {},
        isMainnet: !o.testnet,
        dynamics: o.dynamics,
      });
      const lines = [
        `hlsim listening (seed ${o.seed}, scenario ${o.scenario}, ${o.testnet ? 'testnet' : 'mainnet'} signatures)`,
        `  WS     ${sim.wsUrl}`,
        `  HTTP   ${sim.httpUrl}  (POST /info, POST /exchange)`,
        `  admin  ${sim.adminUrl}  (GET /admin/stats, POST /admin/<fault>; see docs/hlsim.md)`,
        `  markets ${sim.exchange.coins().length}; funded ${Object.keys(o.fund ?? {}).length} account(s). Ctrl+C stops.`,
      ];
      // Handlers first, then the URLs: whoever reads them may signal at once.
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          process.stdout.write(`\n${signal}: stopping hlsim\n`);
          sim.stop().then(resolve, (e: unknown) => {
            process.stderr.write(`hlsim stop failed: ${String(e)}\n`);
            process.exitCode = 1;
            resolve();
          });
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
        if (o.stopOnStdinEnd) {
          // The parent's end of the pipe closes when it exits in any way (a crash or SIGKILL too).
          process.stdin.on('end', () => stop('stdin closed')).on('error', () => stop('stdin closed'));
          process.stdin.resume();
        }
        if (o.json) process.stdout.write(`${JSON.stringify({ wsUrl: sim.wsUrl, httpUrl: sim.httpUrl, adminUrl: sim.adminUrl })}\n`);
        else process.stdout.write(`${lines.join('\n')}\n`);
      });
      if (o.stopOnStdinEnd) process.stdin.destroy(); // the last handle: the process ends
    });
}
