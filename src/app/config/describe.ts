// The effective configuration as printed at startup: every key, TOML-like, with the dashboard token masked
// (the config never holds a key: those are refused at load time).
import type { AppConfig } from './schema.ts';

export function describeConfig(cfg: AppConfig): string {
  const lines: string[] = [];
  // Defence in depth: the loader refuses key-like values, but a configuration built in code is printed too.
  const scalar = (x: unknown) => JSON.stringify(x)?.replace(/[0-9a-fA-F]{64,}/g, '<redacted>');
  const walk = (table: Record<string, unknown>, prefix: string) => {
    const subs: [string, Record<string, unknown>][] = [];
    for (const [key, value] of Object.entries(table)) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) subs.push([key, value as Record<string, unknown>]);
      else lines.push(`${key} = ${prefix === 'dashboard.' && key === 'token' && value !== '' ? '"<set>"' : scalar(value)}`);
    }
    for (const [key, sub] of subs) {
      const name = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
      lines.push('', `[${prefix}${name}]`);
      walk(sub, `${prefix}${name}.`);
    }
  };
  walk(cfg as unknown as Record<string, unknown>, '');
  return lines.join('\n');
}

/**
 * The configuration as recorded with a run (journal `runs.config_json`): the dashboard token masked and any
 * key-like hex run removed — the journal is copied and shared far more than the config file.
 */
export function configForRecord(cfg: AppConfig): string {
  const masked = { ...cfg, dashboard: { ...cfg.dashboard, token: cfg.dashboard.token === '' ? '' : '<set>' } };
  return JSON.stringify(masked).replace(/[0-9a-fA-F]{64,}/g, '<redacted>');
}
