/** The shop's profile and its pickup calendar. */
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import type { PickupDay, Shop } from "../../api/types";
import type { Middleware } from "openapi-fetch";

const anonymous: Middleware = {
  onRequest({ request }) {
    request.headers.delete("Authorization");
    return request;
  },
};

export function useShop() {
  return useQuery({
    queryKey: ["shop"],
    queryFn: async ({ signal }): Promise<Shop> => unwrap(await api.GET("/api/v1/shop", { signal })),
    staleTime: 5 * 60_000,
  });
}

/** Pickup days; `forCart` sends the token so the server considers the caller's cart. */
export function usePickupSlots(options: { days: number; forCart: boolean; enabled?: boolean }) {
  return useQuery({
    queryKey: ["pickup-slots", options.days, options.forCart],
    queryFn: async ({ signal }): Promise<PickupDay[]> =>
      unwrap(
        await api.GET("/api/v1/pickup-slots", {
          params: { query: { days: options.days } },
          signal,
          // Without the cart, no token: the slots for "no products" (the home page).
          middleware: options.forCart ? undefined : [anonymous],
        }),
      ),
    enabled: options.enabled ?? true,
    staleTime: options.forCart ? 0 : 60_000,
  });
}
