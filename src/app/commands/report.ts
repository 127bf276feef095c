// `hip3 report --journal FILE [--out DIR] [--config FILE] [--profile NAME]`: the evaluation of a journal —
// statistics after 10/50/100 round trips per market and overall, the Go/No-Go verdict against the [report]
// thresholds of the configuration, and an HTML page with the charts. Exit 0 when the report was produced
// (whatever the verdict), 2 on a configuration error, 1 when the journal cannot be read.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { AppConfig } from '../config/schema.ts';

export interface ReportCommandOptions {
  journal: string;
  out?: string;
  config?: string;
  profile?: string;
}

export interface ReportCommandResult {
  text: string;
  htmlPath: string;
  status: 'go' | 'no-go' | 'insufficient-data';
}

/** The [report] section in the report module's terms. */
export function reportThresholdsOf(cfg: AppConfig) {
  const r = cfg.report;
  return {
    minRoundTrips: r.min_round_trips,
    minWinRate: r.min_win_rate,
    minRealisedEdgeBps: r.min_realised_edge_bps,
    minEdgeCapture: r.min_edge_capture,
    maxMeanSlippageBps: r.max_mean_slippage_bps,
    minNetPnlUsd: r.min_net_pnl_usd,
  };
}

/** Runs the report; throws ConfigError (exit 2) or JournalError (exit 1). */
export async function runReport(options: ReportCommandOptions): Promise<ReportCommandResult> {
  const { loadConfig, defaultConfig, resolveConfigPath } = await import('../config/load.ts');
  const { openDatabase, readRoundTrips, readRuns } = await import('../../store/journal.ts');
  const { buildReport, formatReportText, renderReportHtml } = await import('../../store/report.ts');
  const configPath = resolveConfigPath(options.config);
  const cfg = configPath ? loadConfig(configPath, { profile: options.profile }) : defaultConfig();
  const db = openDatabase(resolve(options.journal), { readOnly: true });
  let report: ReturnType<typeof buildReport>;
  try {
    report = buildReport(readRoundTrips(db), reportThresholdsOf(cfg), readRuns(db));
  } finally {
    db.close();
  }
  const outDir = resolve(options.out ?? dirname(resolve(options.journal)));
  mkdirSync(outDir, { recursive: true });
  const htmlPath = join(outDir, 'report.html');
  writeFileSync(htmlPath, renderReportHtml(report));
  return { text: formatReportText(report), htmlPath, status: report.overall.verdict.status };
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('evaluate a journal: stats after 10/50/100 round trips, Go/No-Go verdict, HTML charts')
    .requiredOption('--journal <file>', 'journal database written by `hip3 run` or `hip3 demo`')
    .option('--out <dir>', 'where to write report.html (default: the journal’s directory)')
    .option('--config <file>', 'configuration with the [report] thresholds (default: HIP3_CONFIG, else built-in defaults)')
    .option('--profile <name>', 'configuration profile (mainnet, testnet, sim)')
    .action(async (opts: ReportCommandOptions) => {
      const { ConfigError } = await import('../config/load.ts');
      try {
        const result = await runReport(opts);
        process.stdout.write(`${result.text}\nchart: ${result.htmlPath}\n`);
      } catch (err) {
        process.stderr.write(`hip3 report: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = err instanceof ConfigError ? 2 : 1;
      }
    });
}
