import { describe, expect, it } from "vitest";
import { guestCartView } from "./useCart";

describe("guest cart view", () => {
  it("prices lines from the quote and flags a product that went away", () => {
    const lines = [
      { productId: 7, name: "Country Sourdough", slug: "country-sourdough", quantity: 2 },
      { productId: 8, name: "Old Rye", slug: "old-rye", quantity: 1 },
    ];
    const view = guestCartView(lines, {
      items: [
        {
          id: 0,
          product: { id: 7, slug: "country-sourdough", name: "Country Sourdough", price_cents: 450, images: [], is_active: true },
          quantity: 2,
          unit_price_cents: 450,
          line_total_cents: 900,
        },
      ],
      item_count: 2,
      subtotal_cents: 900,
      total_cents: 900,
      currency: "EUR",
      unavailable: [8],
    });
    expect(view.lines.map((l) => [l.name, l.gone, l.lineTotalCents])).toEqual([
      ["Country Sourdough", false, 900],
      ["Old Rye", true, null],
    ]);
    expect(view.itemCount).toBe(3);
    expect(view.totalCents).toBe(900);
  });
});
