// The venue's per-IP REST weights (hyperliquid-protocol.md §6.1): 1200 per minute, shared by HTTP /info
// and /exchange. One table for both sides of the wire: the bot's limiter (venue) and hlsim's (sim).

export const VENUE_REST_WEIGHT_PER_MINUTE = 1200;

function requestType(body: unknown): unknown {
  return typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
}

/** Weight of an /info request body before item surcharges: 2 for the light requests, 60 for userRole, else 20. */
export function infoRequestWeight(body: unknown): number {
  switch (requestType(body)) {
    case 'l2Book':
    case 'allMids':
    case 'clearinghouseState':
    case 'orderStatus':
    case 'spotClearinghouseState':
    case 'exchangeStatus':
      return 2;
    case 'userRole':
      return 60;
    default:
      return 20;
  }
}

const PER_20_ITEMS: ReadonlySet<unknown> = new Set(['recentTrades', 'historicalOrders', 'userFills', 'userFillsByTime', 'fundingHistory', 'userFunding']);

/** Extra weight charged per 20 returned items for the history requests. */
export function infoItemsWeight(body: unknown, response: unknown): number {
  if (PER_20_ITEMS.has(requestType(body)) && Array.isArray(response)) return Math.floor(response.length / 20);
  return 0;
}

/** Exchange action weight: 1 + floor(batch length / 40). */
export function actionRequestWeight(batchLength: number): number {
  return 1 + Math.floor(batchLength / 40);
}

/** Weight of an /exchange request body: its batch is the action's orders, cancels or modifies (1 if none). */
export function exchangeActionWeight(request: unknown): number {
  const action = typeof request === 'object' && request !== null ? (request as { action?: unknown }).action : undefined;
  if (typeof action !== 'object' || action === null) return 1;
  const a = action as { orders?: unknown; cancels?: unknown; modifies?: unknown };
  const batch = Array.isArray(a.orders) ? a.orders : Array.isArray(a.cancels) ? a.cancels : Array.isArray(a.modifies) ? a.modifies : [];
  return actionRequestWeight(batch.length);
}
