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
  /** A run id, 'latest' or 'all'; default: every run of the same kind (hlsim or a live network) as the latest. */
  run?: string;
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
  const { readRoundTrips, readRuns, readSignalObservations } = await import('../../store/journal.ts');
  const { buildReport, computeSignalStats, formatReportText, renderReportHtml, rowsOfRuns, selectRuns } = await import('../../store/report.ts');
  const configPath = resolveConfigPath(options.config);
  const cfg = configPath ? loadConfig(configPath, { profile: options.profile }) : defaultConfig();
  const report = await withJournal(options.journal, (db) => {
    const allRuns = readRuns(db);
    const runs = selectRuns(allRuns, options.run);
    const all = readRoundTrips(db);
    // A journal without run rows (written before runs were recorded) is reported whole.
    const roundTrips = allRuns.length === 0 ? all : rowsOfRuns(all, runs, ':');
    const report = buildReport(roundTrips, reportThresholdsOf(cfg), runs);
    // No round trips (observe mode): the signals and their follow-ups are the evaluation.
    if (roundTrips.length === 0) {
      const obs = readSignalObservations(db);
      report.signals = computeSignalStats(allRuns.length === 0 ? obs : rowsOfRuns(obs, runs, '-'));
    }
    return report;
  });
  const outDir = resolve(options.out ?? dirname(resolve(options.journal)));
  mkdirSync(outDir, { recursive: true });
  const htmlPath = join(outDir, 'report.html');
  writeFileSync(htmlPath, renderReportHtml(report));
  return { text: formatReportText(report), htmlPath, status: report.overall.verdict.status };
}

/**
 * Opens the journal for reading and closes it cleanly. Read-write on purpose: a read-only connection to a WAL
 * database leaves -wal and -shm files behind; the last connection to close read-write removes them.
 */
async function withJournal<T>(path: string, fn: (db: import('node:sqlite').DatabaseSync) => T): Promise<T> {
  const { openDatabase } = await import('../../store/journal.ts');
  const db = openDatabase(resolve(path), { mustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** `--list-runs`: the runs a journal records, with their round trips and signals. */
export async function listRuns(journal: string): Promise<string> {
  const { readRoundTrips, readRuns, readSignalIds } = await import('../../store/journal.ts');
  const { formatRunList } = await import('../../store/report.ts');
  return withJournal(journal, (db) => {
    const runs = readRuns(db);
    const rts = readRoundTrips(db).map((r) => r.id);
    const sigs = readSignalIds(db);
    return formatRunList(runs, (id) => ({ roundTrips: rts.filter((x) => x.startsWith(`${id}:`)).length, signals: sigs.filter((x) => x.startsWith(`${id}-`)).length }));
  });
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('evaluate a journal: stats after 10/50/100 round trips, Go/No-Go verdict, HTML charts')
    .requiredOption('--journal <file>', 'journal database written by `hip3 run` or `hip3 demo`')
    .option('--out <dir>', 'where to write report.html (default: the journal’s directory)')
    .option('--config <file>', 'configuration with the [report] thresholds (default: HIP3_CONFIG, else built-in defaults)')
    .option('--profile <name>', 'configuration profile (mainnet, testnet, sim)')
    .option('--run <id>', 'a run id, "latest" or "all" (default: every run of the same kind — hlsim or the live network — as the latest; simulated and live runs are never mixed)')
    .option('--list-runs', 'list the runs the journal records and exit')
    .action(async (opts: ReportCommandOptions & { listRuns?: boolean }) => {
      const { ConfigError } = await import('../config/load.ts');
      try {
        if (opts.listRuns) {
          process.stdout.write(`${await listRuns(opts.journal)}\n`);
          return;
        }
        const result = await runReport(opts);
        process.stdout.write(`${result.text}\nchart: ${result.htmlPath}\n`);
      } catch (err) {
        process.stderr.write(`hip3 report: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = err instanceof ConfigError ? 2 : 1;
      }
    });
}
