// Storage: the SQLite journal, the raw feed recorder, follow-up scheduling and the report.
export * from './follow-ups.ts';
export * from './journal.ts';
export * from './recorder.ts';
export * from './report.ts';
export type * from './types.ts';
