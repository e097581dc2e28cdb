/**
 * The guest cart: product ids and quantities kept in localStorage across reloads; the server
 * prices it (POST /api/v1/cart/quote). Names and slugs are remembered only to show a line
 * whose product has gone.
 */
import { create } from "zustand";
import { createJSONStorage, persist } from "zustand/middleware";

export const MAX_QUANTITY = 99;
export const MAX_LINES = 100;

export type GuestLine = { productId: number; quantity: number; name: string; slug: string };

type CartState = {
  lines: GuestLine[];
  add: (product: { id: number; name: string; slug: string }, quantity?: number) => void;
  setQuantity: (productId: number, quantity: number) => void;
  remove: (productId: number) => void;
  clear: () => void;
};

export function clampQuantity(quantity: number): number {
  if (!Number.isFinite(quantity)) return 1;
  return Math.min(MAX_QUANTITY, Math.max(1, Math.trunc(quantity)));
}

export const useGuestCart = create<CartState>()(
  persist(
    (set) => ({
      lines: [],
      add: (product, quantity = 1) =>
        set(({ lines }) => {
          const existing = lines.find((line) => line.productId === product.id);
          if (existing) {
            return {
              lines: lines.map((line) =>
                line.productId === product.id
                  ? { ...line, name: product.name, slug: product.slug, quantity: clampQuantity(line.quantity + quantity) }
                  : line,
              ),
            };
          }
          if (lines.length >= MAX_LINES) return { lines };
          return {
            lines: [
              ...lines,
              { productId: product.id, name: product.name, slug: product.slug, quantity: clampQuantity(quantity) },
            ],
          };
        }),
      setQuantity: (productId, quantity) =>
        set(({ lines }) => ({
          lines: lines.map((line) => (line.productId === productId ? { ...line, quantity: clampQuantity(quantity) } : line)),
        })),
      remove: (productId) => set(({ lines }) => ({ lines: lines.filter((line) => line.productId !== productId) })),
      clear: () => set({ lines: [] }),
    }),
    { name: "bakery.cart", version: 1, storage: createJSONStorage(() => localStorage) },
  ),
);

/** The body of POST /cart/quote and POST /cart/merge. */
export function cartPayload(lines: readonly GuestLine[]): { items: { product_id: number; quantity: number }[] } {
  return { items: lines.map((line) => ({ product_id: line.productId, quantity: line.quantity })) };
}

export function unitCount(lines: readonly { quantity: number }[]): number {
  return lines.reduce((sum, line) => sum + line.quantity, 0);
}
