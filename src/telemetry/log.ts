// Logs: pino JSON lines to a file, with secrets removed twice — known secret-bearing keys are censored by
// pino's redact paths, and every finished line goes through the app's text redactor (so a key that slipped
// into an error message is still never written). Plus two helpers: a transition logger that writes one line
// per state change instead of one per event (incident #4: ~250k WARN lines per 5 min from gate blocks), and
// the one-line terminal status.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Keys whose values are censored wherever they appear (one or two levels deep). */
export const REDACT_KEYS = ['privateKey', 'private_key', 'agentKey', 'agent_key', 'secret', 'token', 'password'];

export interface LogOptions {
  /** File to append JSON lines to; parent directories are created. */
  file: string;
  level?: LogLevel;
  /** Text redactor applied to every line (removes registered secrets). */
  redact?: (s: string) => string;
  /** Synchronous writes (tests); the default is asynchronous, buffered. */
  sync?: boolean;
}

export interface FileLogger {
  logger: Logger;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}

export function createFileLogger(options: LogOptions): FileLogger {
  mkdirSync(dirname(options.file), { recursive: true });
  const dest = pino.destination({ dest: options.file, sync: options.sync ?? false, append: true, mkdir: true });
  const redactText = options.redact;
  const paths = REDACT_KEYS.flatMap((k) => [k, `*.${k}`]);
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths, censor: '[REDACTED]' },
      hooks: redactText ? { streamWrite: (s: string) => redactText(s) } : {},
    },
    dest,
  );
  let closed = false;
  return {
    logger,
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        closed = true;
        logger.flush();
        dest.once('close', () => resolve());
        dest.end();
      }),
  };
}

/**
 * Logs a state per key only when it changes: `update('xyz:GOLD/spreadShock', 'blocked', …)` a thousand times
 * writes one line; the change back to 'pass' writes the second (with how long the previous state lasted).
 */
export function createTransitionLogger(logger: Logger, now: () => number = Date.now) {
  const last = new Map<string, { state: string; since: number }>();
  return {
    update(key: string, state: string, level: LogLevel = 'warn', fields: Record<string, unknown> = {}): boolean {
      const prev = last.get(key);
      if (prev?.state === state) return false;
      const t = now();
      last.set(key, { state, since: t });
      logger[level]({ key, state, previous: prev?.state ?? null, previousForMs: prev ? t - prev.since : null, ...fields }, `${key}: ${prev?.state ?? '∅'} → ${state}`);
      return true;
    },
    state(key: string): string | undefined {
      return last.get(key)?.state;
    },
  };
}

export interface StatusSnapshot {
  nowMs: number;
  marketsReady: number;
  marketsTotal: number;
  tradingReady: boolean;
  mode: 'observe' | 'trade';
  signals: number;
  entries: number;
  ordersSent: number;
  openOrders: number;
  positions: { market: string; side: 'long' | 'short'; notionalUsd: number }[];
  realisedPnlUsd: number;
  unrealisedPnlUsd: number;
  hardStop: { latched: boolean; reason?: string };
}

const money = (x: number) => `${x < 0 ? '-' : x > 0 ? '+' : ''}$${Math.abs(x).toFixed(2)}`;

/** The one-line terminal status. */
export function formatStatusLine(s: StatusSnapshot): string {
  const time = new Date(s.nowMs).toISOString().slice(11, 19);
  // Observe mode trades nothing: orders, positions and PnL would only be zeros that look like results.
  if (s.mode === 'observe') return `${time} markets ${s.marketsReady}/${s.marketsTotal} ready, observe | signals ${s.signals}`;
  // A latched hard stop overrides the venue's readiness: nothing will be entered until an operator clears it.
  const trading = s.hardStop.latched ? 'STOPPED' : s.tradingReady ? 'READY' : 'not ready';
  const ready = `markets ${s.marketsReady}/${s.marketsTotal} ready, trading ${trading}`;
  const pos =
    s.positions.length === 0
      ? 'flat'
      : s.positions
          .slice(0, 3)
          .map((p) => `${p.market} ${p.side} $${Math.abs(p.notionalUsd).toFixed(0)}`)
          .join(', ') + (s.positions.length > 3 ? ` +${s.positions.length - 3}` : '');
  const pnl = `PnL ${money(s.realisedPnlUsd + s.unrealisedPnlUsd)} (real ${money(s.realisedPnlUsd)}, unreal ${money(s.unrealisedPnlUsd)})`;
  const hard = s.hardStop.latched ? `HARD STOP: ${s.hardStop.reason ?? 'latched'}` : 'hard stop off';
  return `${time} ${ready} | signals ${s.signals} (${s.entries} entered) | orders ${s.ordersSent} (${s.openOrders} open) | ${pos} | ${pnl} | ${hard}`;
}
