/** The shopper's orders. */
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import type { Order, OrderStatus } from "../../api/types";

export const OPEN_STATUSES: readonly OrderStatus[] = ["pending", "confirmed", "baking", "ready"];

export const STATUS_LABELS: Record<OrderStatus, string> = {
  pending: "Received",
  confirmed: "Confirmed",
  baking: "In the oven",
  ready: "Ready for pickup",
  completed: "Collected",
  cancelled: "Cancelled",
};

export function useOrders(page: number) {
  return useQuery({
    queryKey: ["orders", "list", page],
    queryFn: async ({ signal }): Promise<Order[]> =>
      unwrap(await api.GET("/api/v1/orders", { params: { query: { page, page_size: 20 } }, signal })),
  });
}

export function useOrder(id: string) {
  return useQuery({
    queryKey: ["orders", id],
    queryFn: async ({ signal }): Promise<Order> =>
      unwrap(await api.GET("/api/v1/orders/{order_id}", { params: { path: { order_id: Number(id) } }, signal })),
    enabled: /^\d+$/.test(id),
    // While the bakery works on it, the status follows along.
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      return status && OPEN_STATUSES.includes(status) ? 15_000 : false;
    },
    refetchIntervalInBackground: false,
  });
}
