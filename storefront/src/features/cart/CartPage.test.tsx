import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createQueryClient } from "../../app/queryClient";
import { useGuestCart } from "../../stores/cart";
import CartPage from "./CartPage";

const quoteFor = (body: { items: { product_id: number; quantity: number }[] }) => {
  const known = body.items.filter((i) => i.product_id === 7);
  return {
    items: known.map((i) => ({
      id: null,
      product: { id: 7, slug: "country-sourdough", name: "Country Sourdough", price_cents: 450, images: [], is_active: true },
      quantity: i.quantity,
      unit_price_cents: 450,
      line_total_cents: 450 * i.quantity,
    })),
    item_count: known.reduce((n, i) => n + i.quantity, 0),
    subtotal_cents: known.reduce((n, i) => n + 450 * i.quantity, 0),
    total_cents: known.reduce((n, i) => n + 450 * i.quantity, 0),
    currency: "EUR",
    unavailable: body.items.filter((i) => i.product_id !== 7).map((i) => i.product_id),
  };
};

describe("guest cart page", () => {
  beforeEach(() => {
    useGuestCart.setState({
      lines: [
        { productId: 7, name: "Country Sourdough", slug: "country-sourdough", quantity: 2 },
        { productId: 8, name: "Old Rye", slug: "old-rye", quantity: 1 },
      ],
    });
    vi.stubGlobal(
      "fetch",
      vi.fn(async (request: Request) => {
        expect(new URL(request.url).pathname).toBe("/api/v1/cart/quote");
        return Response.json(quoteFor(await request.json()));
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it("prices lines by the server, flags a gone product, changes and removes lines", async () => {
    const user = userEvent.setup();
    const router = createMemoryRouter([{ path: "/cart", Component: CartPage }], { initialEntries: ["/cart"] });
    render(
      <QueryClientProvider client={createQueryClient()}>
        <RouterProvider router={router} />
      </QueryClientProvider>,
    );
    const quantity = await screen.findByRole("spinbutton", { name: "Quantity of Country Sourdough" });
    expect(quantity).toHaveValue(2);
    expect(await screen.findByText(/No longer available/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Checkout" })).toHaveAttribute("aria-disabled", "true");

    await user.click(screen.getByRole("button", { name: "Remove Old Rye" }));
    expect(useGuestCart.getState().lines.map((l) => l.productId)).toEqual([7]);
    expect(screen.getByRole("link", { name: "Checkout" })).not.toHaveAttribute("aria-disabled");

    await user.clear(quantity);
    await user.type(quantity, "3");
    await waitFor(() => expect(useGuestCart.getState().lines[0]?.quantity).toBe(3));
    expect(await screen.findByText(/3 items/)).toBeInTheDocument();
  });
});
