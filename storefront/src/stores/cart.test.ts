import { beforeEach, describe, expect, it } from "vitest";
import { cartPayload, clampQuantity, unitCount, useGuestCart } from "./cart";

const bread = { id: 7, name: "Country Sourdough", slug: "country-sourdough" };
const bun = { id: 9, name: "Cinnamon Bun", slug: "cinnamon-bun" };

describe("guest cart store", () => {
  beforeEach(() => {
    useGuestCart.setState({ lines: [] });
    localStorage.clear();
  });

  it("adds a product and adds to the same line again", () => {
    useGuestCart.getState().add(bread, 2);
    useGuestCart.getState().add(bun);
    useGuestCart.getState().add(bread, 3);
    const { lines } = useGuestCart.getState();
    expect(lines).toEqual([
      { productId: 7, name: "Country Sourdough", slug: "country-sourdough", quantity: 5 },
      { productId: 9, name: "Cinnamon Bun", slug: "cinnamon-bun", quantity: 1 },
    ]);
    expect(unitCount(lines)).toBe(6);
  });

  it("caps a line at 99 and never goes below 1", () => {
    useGuestCart.getState().add(bread, 98);
    useGuestCart.getState().add(bread, 5);
    expect(useGuestCart.getState().lines[0]?.quantity).toBe(99);
    useGuestCart.getState().setQuantity(7, 0);
    expect(useGuestCart.getState().lines[0]?.quantity).toBe(1);
    expect(clampQuantity(2.7)).toBe(2);
    expect(clampQuantity(Number.NaN)).toBe(1);
  });

  it("changes a quantity and removes a line", () => {
    useGuestCart.getState().add(bread);
    useGuestCart.getState().add(bun);
    useGuestCart.getState().setQuantity(9, 4);
    expect(useGuestCart.getState().lines.find((l) => l.productId === 9)?.quantity).toBe(4);
    useGuestCart.getState().remove(7);
    expect(useGuestCart.getState().lines.map((l) => l.productId)).toEqual([9]);
    useGuestCart.getState().clear();
    expect(useGuestCart.getState().lines).toEqual([]);
  });

  it("persists to localStorage and comes back after a reload", async () => {
    useGuestCart.getState().add(bread, 2);
    const stored = JSON.parse(localStorage.getItem("bakery.cart") ?? "null");
    expect(stored.state.lines).toEqual([{ productId: 7, name: "Country Sourdough", slug: "country-sourdough", quantity: 2 }]);

    useGuestCart.setState({ lines: [] }); // what a fresh page starts with...
    localStorage.setItem("bakery.cart", JSON.stringify(stored));
    await useGuestCart.persist.rehydrate(); // ...until it reads the browser's copy
    expect(useGuestCart.getState().lines[0]?.quantity).toBe(2);
  });

  it("builds the quote and merge payload in the API's shape", () => {
    useGuestCart.getState().add(bread, 2);
    useGuestCart.getState().add(bun, 1);
    expect(cartPayload(useGuestCart.getState().lines)).toEqual({
      items: [
        { product_id: 7, quantity: 2 },
        { product_id: 9, quantity: 1 },
      ],
    });
  });
});
