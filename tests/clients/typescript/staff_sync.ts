// Staff order sync (README, "An integration ... keeps in sync with the orders"): walk the
// changes oldest first with the X-Next-Cursor keyset cursor, keep the last cursor for the next
// run, and move orders along their statuses, with and without If-Match.
import type { paths } from "./generated/api";
import { type Api, ApiError, type OrderStatus, STATUS_LABELS, bakeryClient } from "./common";

type OrderList = paths["/api/v1/orders"]["get"];
type Order = OrderList["responses"][200]["content"]["application/json"][number];
type ListHeaders = OrderList["responses"][200]["headers"];
// X-Pagination is a JSON header: its type is the one the document gives it.
type Pagination = NonNullable<ListHeaders["X-Pagination"]>["application/json"];

const PAGE_SIZE = 100;

// One row of the till's (or the accounting's) copy of an order.
export interface SyncedOrder {
  id: number;
  number: string;
  status: OrderStatus;
  label: string;
  totalCents: number;
  currency: string;
  pickupAt: Date | null;
  customer: string;
  changedAt: Date;
}

function toRow(order: Order): SyncedOrder {
  return {
    id: order.id,
    number: order.number,
    status: order.status,
    label: STATUS_LABELS[order.status],
    totalCents: order.total_cents,
    currency: order.currency,
    pickupAt: order.pickup_at === null ? null : new Date(order.pickup_at),
    customer: order.customer.name ?? order.customer.email ?? `customer ${order.customer.id}`,
    changedAt: new Date(order.updated_at),
  };
}

/** Every order changed since `since` (first run) or after `cursor` (the cursor kept from the
 * last run), handed to `keep` oldest change first. Returns the cursor to keep for next time. */
export async function syncOrders(
  api: Api,
  start: { since: string } | { cursor: string },
  keep: (row: SyncedOrder) => void,
): Promise<string | undefined> {
  let cursor: string | undefined = "cursor" in start ? start.cursor : undefined;
  for (;;) {
    const query: OrderList["parameters"]["query"] =
      cursor === undefined && "since" in start
        ? { sort: "updated_at", updated_since: start.since, page_size: PAGE_SIZE }
        : { sort: "updated_at", cursor, page_size: PAGE_SIZE };
    const { data, error, response } = await api.GET("/api/v1/orders", { params: { query } });
    if (error) throw new ApiError("list order changes", response, error);
    data.forEach((order) => keep(toRow(order)));

    const header = response.headers.get("X-Pagination");
    if (header !== null) {
      const pagination: Pagination = JSON.parse(header);
      console.log(`${data.length} changes, ${pagination.total} in all`);
    }
    const next: ListHeaders["X-Next-Cursor"] = response.headers.get("X-Next-Cursor") ?? undefined;
    // An empty answer gives the same cursor back: caught up until the next run.
    if (data.length === 0 || next === undefined) return next ?? cursor;
    cursor = next;
  }
}

const NEXT_STATUS: Partial<Record<OrderStatus, OrderStatus>> = {
  pending: "confirmed",
  confirmed: "baking",
  baking: "ready",
  ready: "completed",
};

/** Move an order one step along; unconditionally (the last word wins). */
export async function advance(api: Api, order: SyncedOrder): Promise<SyncedOrder | null> {
  const status = NEXT_STATUS[order.status];
  if (status === undefined) return null;
  const { data, error, response } = await api.PATCH("/api/v1/orders/{order_id}", {
    params: { path: { order_id: order.id } },
    body: { status },
  });
  if (error) throw new ApiError(`order ${order.number} to ${status}`, response, error);
  return toRow(data);
}

/** Cancel an order only if nobody changed it since it was read (If-Match with its ETag):
 * false when it changed meanwhile (412), and nothing was done. */
export async function cancelIfUnchanged(api: Api, orderId: number): Promise<boolean> {
  const { data: order, error, response } = await api.GET("/api/v1/orders/{order_id}", {
    params: { path: { order_id: orderId } },
  });
  if (error) throw new ApiError(`read order ${orderId}`, response, error);
  if (order.status !== "pending" && order.status !== "confirmed") return false;
  const etag = response.headers.get("ETag");
  if (etag === null) throw new Error("an order answer carries an ETag");
  const cancelled = await api.PATCH("/api/v1/orders/{order_id}", {
    params: { path: { order_id: orderId }, header: { "If-Match": etag } },
    body: { status: "cancelled" },
  });
  if (cancelled.response.status === 412) return false;
  if (cancelled.error) {
    throw new ApiError(`cancel order ${order.number}`, cancelled.response, cancelled.error);
  }
  return cancelled.data.status === "cancelled";
}

export async function staffSync(baseUrl: string, staffToken: string, lastCursor?: string) {
  const api = bakeryClient(baseUrl, staffToken);
  const rows: SyncedOrder[] = [];
  const start =
    lastCursor === undefined ? { since: "2026-12-01T00:00:00+01:00" } : { cursor: lastCursor };
  const cursor = await syncOrders(api, start, (row) => rows.push(row));
  for (const row of rows) {
    if (row.status === "pending") await advance(api, row);
  }
  const stale = rows.find((row) => row.status === "confirmed");
  if (stale !== undefined) await cancelIfUnchanged(api, stale.id);
  return { rows, cursor };
}
