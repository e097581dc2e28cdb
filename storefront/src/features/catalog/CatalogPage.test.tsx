import { QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen, waitFor } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createQueryClient } from "../../app/queryClient";
import CatalogPage from "./CatalogPage";

function renderCatalog(url: string) {
  const router = createMemoryRouter([{ path: "/products", Component: CatalogPage }], { initialEntries: [url] });
  render(
    <QueryClientProvider client={createQueryClient()}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return router;
}

describe("catalog allergen filters", () => {
  beforeEach(() => {
    vi.stubGlobal("fetch", vi.fn(async () => Response.json([])));
  });
  afterEach(() => vi.unstubAllGlobals());

  it("shows a box's new state at once, before the URL has caught up, then keeps it", async () => {
    const router = renderCatalog("/products?exclude_allergen=milk");
    const milk = await screen.findByRole("checkbox", { name: "milk" });
    const nuts = screen.getByRole("checkbox", { name: "nuts" });
    expect(milk).toBeChecked();

    // Plain clicks, outside act() as in a browser: what the shopper sees before React Router's
    // update (a transition) lands.
    vi.stubGlobal("IS_REACT_ACT_ENVIRONMENT", false);
    nuts.click();
    expect(nuts).toBeChecked();
    milk.click();
    expect(milk).not.toBeChecked();

    await waitFor(() => expect(router.state.location.search).toBe("?exclude_allergen=nuts"));
    expect(nuts).toBeChecked();
    expect(milk).not.toBeChecked();
  });

  it("follows the URL when it changes otherwise (back and forward)", async () => {
    const router = renderCatalog("/products");
    const gluten = await screen.findByRole("checkbox", { name: "gluten" });
    await act(() => gluten.click());
    await waitFor(() => expect(router.state.location.search).toBe("?exclude_allergen=gluten"));

    await act(() => router.navigate(-1));
    expect(gluten).not.toBeChecked();
  });
});
