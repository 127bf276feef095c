// One running bot with everything around it: market discovery, log file, metrics server, journal, raw feed
// recorder, dashboard, the terminal status line, and the graceful stop. `hip3 run` and `hip3 demo` both
// start a session; they differ only in where the configuration, the key and the venue come from.
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, recorderEnabled } from '../config/load.ts';
import { marketSelection } from '../config/markets.ts';
import type { AppConfig } from '../config/schema.ts';
import { createRedactor, type Redactor } from '../config/secrets.ts';
import { httpInfoTransport, InfoClient } from '../../venue/info.ts';
import { MarketRegistry, type MarketSpec as VenueMarketSpec, RegistryError } from '../../venue/registry.ts';
import { Journal } from '../../store/journal.ts';
import { FeedRecorder } from '../../store/recorder.ts';
import { createFileLogger, type FileLogger, formatStatusLine } from '../../telemetry/log.ts';
import { Metrics, type MetricsServer, startMetricsServer } from '../../telemetry/metrics.ts';
import type { DashboardHandle } from '../../telemetry/dashboard/server.ts';
import { Bot, type NetworkTarget, type ShutdownResult, type StartupReconcileReport } from '../trader/bot.ts';
import type { RunSummary } from '../trader/activity.ts';

/**
 * The markets a configuration selects at a venue: every exact name in markets.include must resolve (a startup
 * error naming it otherwise, incident #14), patterns add what matches, markets.exclude removes. Asset ids
 * come from perpDexs + meta(dex) (incident #16), never guessed.
 */
export async function discoverMarkets(cfg: AppConfig, httpUrl: string): Promise<VenueMarketSpec[]> {
  const info = new InfoClient({ http: httpInfoTransport({ httpUrl, timeoutMs: 10_000 }), maxRetries: 2 });
  const sel = marketSelection(cfg);
  const registry = new MarketRegistry(info, { dexes: sel.dexes, markets: sel.markets, marketPatterns: sel.marketPatterns, refreshMs: 0 });
  let specs: VenueMarketSpec[];
  try {
    specs = await registry.discover();
  } catch (err) {
    if (err instanceof RegistryError) throw new ConfigError(err.unresolved.length > 0 ? 'markets.include' : 'markets.dexes', err.message);
    throw err;
  }
  // An override for a market that is not traded would be parsed and then ignored: refuse it, naming it.
  const known = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(cfg.markets.overrides))
    if (!known.has(name))
      throw new ConfigError(`markets.overrides."${name}"`, `no such market among those selected by markets.dexes/include (${specs.length} resolved, e.g. ${specs.slice(0, 3).map((s) => s.name).join(', ')})`);
  const out = specs.filter((s) => !sel.isExcluded(s.name)).sort((a, b) => a.assetId - b.assetId);
  if (out.length === 0) throw new ConfigError('markets.exclude', 'excludes every market: nothing left to watch');
  return out;
}

export function formatMarketTable(specs: readonly VenueMarketSpec[]): string {
  const rows = [['market', 'asset id', 'szDecimals', 'pxDecimals', 'maxLeverage', 'margin', 'status']];
  for (const s of specs) {
    rows.push([
      s.name,
      String(s.assetId),
      String(s.szDecimals),
      String(s.pxDecimals),
      String(s.maxLeverage),
      s.onlyIsolated ? `isolated${s.marginMode ? ` (${s.marginMode})` : ''}` : 'cross',
      s.isDelisted ? 'delisted' : s.growthMode ? 'growth mode' : 'listed',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export interface SessionOptions {
  cfg: AppConfig;
  network: NetworkTarget;
  agentKey?: string;
  /** Extra secrets to keep out of every sink (e.g. the demo's master key). */
  secrets?: string[];
  /** Where to print (stdout). */
  out: NodeJS.WriteStream;
  /** Markets already resolved (else discovered here). */
  markets?: VenueMarketSpec[];
  runId?: string;
}

export interface Session {
  bot: Bot;
  markets: VenueMarketSpec[];
  journalPath: string | null;
  recorderDir: string | null;
  logFile: string;
  metricsUrl: string | null;
  dashboardUrl: string | null;
  redactor: Redactor;
  logger: Logger;
  /** Resolves once trading is ready (trade mode) or market data flows (observe mode). */
  ready: Promise<void>;
  startupReconcile: Promise<StartupReconcileReport>;
  /** Graceful stop: shutdown sequence (trade), close everything. Idempotent. */
  stop(reason: string): Promise<{ summary: RunSummary; shutdown: ShutdownResult }>;
}

/** A one-line status on the terminal: rewritten in place on a TTY, a line every few seconds otherwise. */
function startStatusLine(bot: Bot, out: NodeJS.WriteStream, intervalMs: number): () => void {
  if (intervalMs <= 0) return () => {};
  const tty = out.isTTY === true;
  const every = tty ? intervalMs : Math.max(intervalMs, 3000);
  let lastLen = 0;
  const t = setInterval(() => {
    let line = formatStatusLine(bot.statusSnapshot());
    if (tty) {
      const cols = out.columns ?? 200;
      // Narrow terminal: drop the PnL breakdown first, so the hard-stop state at the end stays visible.
      if (line.length > cols - 1) line = line.replace(/ \(real [^)]*\)/, '');
      if (line.length > cols - 1) {
        const cut = line.lastIndexOf(' | ');
        line = `${line.slice(cut + 3)} | ${line.slice(0, cut)}`;
        line = `${line.slice(0, cols - 2)}…`;
      }
      out.write(`\r${line}${' '.repeat(Math.max(0, lastLen - line.length))}`);
      lastLen = line.length;
    } else {
      out.write(`${line}\n`);
    }
  }, every);
  t.unref();
  return () => {
    clearInterval(t);
    if (tty && lastLen > 0) out.write('\n');
  };
}

export async function startSession(o: SessionOptions): Promise<Session> {
  const { cfg, network } = o;
  const mode = cfg.mode;
  // The configured dashboard token is a secret too: no log line, journal row or payload may carry it.
  const redactor = createRedactor([...(o.agentKey ? [o.agentKey] : []), ...(o.secrets ?? []), ...(cfg.dashboard.token ? [cfg.dashboard.token] : [])]);
  const runId = o.runId ?? `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${process.pid}`;

  const markets = o.markets ?? (await discoverMarkets(cfg, network.httpUrl));
  const logFile = resolve(cfg.logging.file);
  const fileLog: FileLogger = createFileLogger({ file: logFile, level: cfg.logging.level, redact: redactor.text });
  const logger = fileLog.logger;
  const metrics = new Metrics({ redact: redactor.text });
  let metricsServer: MetricsServer | null = null;
  let journal: Journal | null = null;
  let recorder: FeedRecorder | null = null;
  let dashboard: DashboardHandle | null = null;
  let bot: Bot | null = null;
  const cleanup = async () => {
    await dashboard?.close().catch(() => {});
    await metricsServer?.close().catch(() => {});
    await fileLog.close();
  };
  try {
    if (cfg.metrics.enabled) metricsServer = await startMetricsServer(metrics, cfg.metrics.port);
    const journalPath = cfg.journal.enabled ? resolve(cfg.journal.path) : null;
    if (journalPath !== null) {
      journal = new Journal({
        path: journalPath,
        flushIntervalMs: cfg.journal.flush_interval_ms,
        flushBatchSize: cfg.journal.flush_batch_size,
        redact: redactor.text,
        onError: (err) => logger.error({ err: err.message }, 'journal flush failed (batch kept, retried)'),
      });
    }
    const recorderDir = recorderEnabled(cfg) ? resolve(cfg.recorder.dir) : null;
    if (recorderDir !== null) {
      recorder = new FeedRecorder({
        dir: recorderDir,
        flushIntervalMs: cfg.recorder.flush_interval_ms,
        onError: (err) => logger.error({ err: err.message }, 'feed recorder write failed'),
      });
    }
    const dataDir = dirname(journalPath ?? resolve(cfg.logging.file));
    bot = new Bot({
      cfg,
      mode,
      network,
      markets,
      masterAddress: cfg.account.master_address || undefined,
      agentKey: o.agentKey,
      nonceDir: o.agentKey ? dataDir : undefined,
      journal,
      recorder,
      metrics,
      logger,
      runId,
    });
    if (cfg.dashboard.enabled) {
      try {
        const { startDashboard } = await import('../../telemetry/dashboard/server.ts');
        dashboard = await startDashboard({
          source: bot.dashboardSource(),
          port: cfg.dashboard.port,
          token: cfg.dashboard.token,
          pushIntervalMs: cfg.dashboard.push_interval_ms,
          maxClients: cfg.dashboard.max_clients,
          redact: redactor.text,
          onError: (err) => logger.warn({ err: err.message }, 'dashboard error'),
        });
        const d = dashboard;
        bot.attachDashboard((e) => d.push(e));
      } catch (err) {
        logger.error({ err: String(err) }, 'dashboard not started');
        o.out.write(`warning: dashboard not started: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
    // Trade mode: refuse to start (before READY) when the master is unfunded or the agent cannot act for it.
    const checked = await bot.preflight();
    if (checked !== null) logger.info(checked, 'trade account checked');
    bot.start();
    const started = bot;
    const ready: Promise<void> =
      mode === 'trade'
        ? started.venue.readiness.waitFor((s) => s.tradingReady).then(() => {})
        : started.venue.readiness.waitFor((s) => s.readyMarkets > 0).then(() => {});
    let stopStatus: () => void = () => {};
    // The status line starts once the startup lines are printed (by the caller): after readiness or 2 s.
    const statusTimer = setTimeout(() => {
      stopStatus = startStatusLine(started, o.out, cfg.logging.status_interval_ms);
    }, 1500);
    statusTimer.unref();
    let stopping: Promise<{ summary: RunSummary; shutdown: ShutdownResult }> | null = null;
    const stop = (reason: string) => {
      stopping ??= (async () => {
        clearTimeout(statusTimer);
        stopStatus();
        logger.info({ reason }, 'stopping');
        const shutdown = await started.shutdown({
          cancel: cfg.shutdown.cancel_on_exit,
          flatten: cfg.shutdown.flatten_on_exit,
          timeoutMs: cfg.shutdown.timeout_ms,
        });
        logger.info(shutdown, 'shutdown sequence done');
        const summary = started.summary();
        logger.info({ summary }, 'run summary');
        await started.close();
        await cleanup();
        return { summary, shutdown };
      })();
      return stopping;
    };
    return {
      bot: started,
      markets,
      journalPath,
      recorderDir,
      logFile,
      metricsUrl: metricsServer?.url ?? null,
      dashboardUrl: dashboard?.url ?? null,
      redactor,
      logger,
      ready,
      startupReconcile: started.startupReconcile,
      stop,
    };
  } catch (err) {
    await bot?.close().catch(() => {});
    journal?.close();
    await recorder?.close();
    await cleanup();
    throw err;
  }
}
