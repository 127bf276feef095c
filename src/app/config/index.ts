// Configuration of the hip3 app: schema, loading, secrets, and the mapping onto the core's configuration.
export * from './load.ts';
export * from './schema.ts';
export * from './secrets.ts';
export * from './core.ts';
export * from './describe.ts';
export * from './markets.ts';
