// The live dashboard: startDashboard(options) serves the page and the WebSocket; the app implements
// DashboardSource and pushes events.
export * from './server.ts';
export type * from './types.ts';
