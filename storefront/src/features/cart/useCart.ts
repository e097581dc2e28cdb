/**
 * One cart for the pages, whoever is shopping: a guest's lines live in localStorage and are
 * priced by POST /cart/quote; a signed-in shopper's cart lives on the server (GET /cart).
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import type { Cart, CartQuote, Image } from "../../api/types";
import { cartPayload, unitCount, useGuestCart } from "../../stores/cart";
import { useSignedIn } from "../../stores/session";

export const serverCartKey = ["cart", "server"] as const;

export type CartViewLine = {
  productId: number;
  /** The server line's id; null for a guest line. */
  lineId: number | null;
  name: string;
  slug: string;
  quantity: number;
  unitPriceCents: number | null;
  lineTotalCents: number | null;
  image: Image | undefined;
  /** The product is no longer for sale (or unknown): checkout would refuse it. */
  gone: boolean;
};

export type CartView = {
  lines: CartViewLine[];
  itemCount: number;
  subtotalCents: number;
  totalCents: number;
  currency: string | null;
};

export function serverCartView(cart: Cart): CartView {
  return {
    lines: cart.items.map((item) => ({
      productId: item.product.id,
      lineId: item.id,
      name: item.product.name,
      slug: item.product.slug,
      quantity: item.quantity,
      unitPriceCents: item.unit_price_cents,
      lineTotalCents: item.line_total_cents,
      image: item.product.images[0],
      gone: !item.product.is_active,
    })),
    itemCount: cart.item_count,
    subtotalCents: cart.subtotal_cents,
    totalCents: cart.total_cents,
    currency: cart.currency,
  };
}

export function guestCartView(lines: ReturnType<typeof useGuestCart.getState>["lines"], quote: CartQuote | undefined): CartView {
  const priced = new Map(quote?.items.map((item) => [item.product.id, item]) ?? []);
  const unavailable = new Set(quote?.unavailable ?? []);
  return {
    lines: lines.map((line) => {
      const item = priced.get(line.productId);
      return {
        productId: line.productId,
        lineId: null,
        name: item?.product.name ?? line.name,
        slug: item?.product.slug ?? line.slug,
        quantity: line.quantity,
        unitPriceCents: item?.unit_price_cents ?? null,
        lineTotalCents: item ? item.unit_price_cents * line.quantity : null,
        image: item?.product.images[0],
        gone: unavailable.has(line.productId) || (item ? !item.product.is_active : false),
      };
    }),
    itemCount: unitCount(lines),
    subtotalCents: quote?.subtotal_cents ?? 0,
    totalCents: quote?.total_cents ?? 0,
    currency: quote?.currency ?? null,
  };
}

export function useServerCart(enabled: boolean) {
  return useQuery({
    queryKey: serverCartKey,
    queryFn: async ({ signal }): Promise<Cart> => unwrap(await api.GET("/api/v1/cart", { signal })),
    enabled,
  });
}

function useGuestQuote(enabled: boolean) {
  const lines = useGuestCart((s) => s.lines);
  const payload = cartPayload(lines);
  return useQuery({
    queryKey: ["cart", "quote", payload],
    queryFn: async ({ signal }): Promise<CartQuote> =>
      unwrap(await api.POST("/api/v1/cart/quote", { body: payload, signal })),
    enabled: enabled && lines.length > 0,
    placeholderData: keepPreviousData,
  });
}

/** The cart as the pages show it, and how to change it. */
export function useCart() {
  const signedIn = useSignedIn();
  const guestLines = useGuestCart((s) => s.lines);
  const guest = useGuestCart();
  const server = useServerCart(signedIn);
  const quote = useGuestQuote(!signedIn);
  const queryClient = useQueryClient();

  const setServerCart = (cart: Cart) => queryClient.setQueryData(serverCartKey, cart);

  const add = useMutation({
    mutationFn: async ({ product, quantity }: { product: { id: number; name: string; slug: string }; quantity: number }) => {
      if (!signedIn) {
        guest.add(product, quantity);
        return;
      }
      setServerCart(unwrap(await api.POST("/api/v1/cart/items", { body: { product_id: product.id, quantity } })));
    },
  });

  const update = useMutation({
    mutationFn: async ({ line, quantity }: { line: CartViewLine; quantity: number }) => {
      if (!signedIn || line.lineId === null) {
        guest.setQuantity(line.productId, quantity);
        return;
      }
      setServerCart(
        unwrap(await api.PATCH("/api/v1/cart/items/{item_id}", { params: { path: { item_id: line.lineId } }, body: { quantity } })),
      );
    },
  });

  const remove = useMutation({
    mutationFn: async (line: CartViewLine) => {
      if (!signedIn || line.lineId === null) {
        guest.remove(line.productId);
        return;
      }
      setServerCart(unwrap(await api.DELETE("/api/v1/cart/items/{item_id}", { params: { path: { item_id: line.lineId } } })));
    },
  });

  const source = signedIn ? server : quote;
  const view: CartView | undefined = signedIn
    ? server.data && serverCartView(server.data)
    : guestCartView(guestLines, quote.data);

  return {
    signedIn,
    view,
    isLoading: signedIn ? server.isPending : guestLines.length > 0 && quote.isPending,
    isPricing: !signedIn && quote.isFetching,
    error: source.error,
    refetch: () => void source.refetch(),
    add,
    update,
    remove,
  };
}

/** Units in the cart, for the header's "Cart, N items". */
export function useCartCount(): number {
  const signedIn = useSignedIn();
  const guestCount = useGuestCart((s) => unitCount(s.lines));
  const server = useServerCart(signedIn);
  return signedIn ? (server.data?.item_count ?? 0) : guestCount;
}
