/**
 * The end of every sign-in, the development one or Clerk's: the guest cart is merged into the
 * account's cart (or, with no guest lines, the account's cart is read) with the new token before
 * the app counts as signed in. So the header's cart never races the merge, a failed merge keeps the
 * guest cart, and a token the API refuses leaves the shopper signed out with the reason on screen
 * (instead of going round between a page and the sign-in).
 */
import type { QueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import type { Cart } from "../../api/types";
import { cartPayload, useGuestCart } from "../../stores/cart";
import { useSession, type Session } from "../../stores/session";
import { serverCartKey } from "../cart/useCart";

export async function completeSignIn(session: Session, queryClient: QueryClient): Promise<void> {
  const headers = { Authorization: `Bearer ${session.token}` };
  const lines = useGuestCart.getState().lines;
  const cart: Cart =
    lines.length > 0
      ? unwrap(await api.POST("/api/v1/cart/merge", { body: cartPayload(lines), headers }))
      : unwrap(await api.GET("/api/v1/cart", { headers }));
  useSession.getState().signIn(session);
  useGuestCart.getState().clear();
  queryClient.setQueryData(serverCartKey, cart);
}
