import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/errors";
import { createQueryClient } from "../../app/queryClient";
import { useGuestCart } from "../../stores/cart";
import { useSession } from "../../stores/session";
import { serverCartKey } from "../cart/useCart";
import { completeSignIn } from "./completeSignIn";

const session = { token: "new-token", expiresAt: "2999-01-01T00:00:00.000Z", email: "ada@example.com", name: "Ada" };
const accountCart = { items: [], item_count: 3, subtotal_cents: 1350, total_cents: 1350, currency: "EUR" };

type Seen = { method: string; path: string; authorization: string | null; body: unknown };

function serve(status: number, body: unknown) {
  const seen: Seen[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const text = await request.text();
      seen.push({
        method: request.method,
        path: new URL(request.url).pathname,
        authorization: request.headers.get("Authorization"),
        body: text ? JSON.parse(text) : undefined,
      });
      return Response.json(body, { status });
    }),
  );
  return seen;
}

describe("completing a sign-in", () => {
  beforeEach(() => {
    useSession.setState({ session: null, expired: false });
    useGuestCart.setState({ lines: [{ productId: 7, name: "Country Sourdough", slug: "country-sourdough", quantity: 3 }] });
  });
  afterEach(() => vi.unstubAllGlobals());

  it("merges the guest cart with the new token, then signs in and shows the account's cart", async () => {
    const seen = serve(200, { ...accountCart, unavailable: [] });
    const queryClient = createQueryClient();

    await completeSignIn(session, queryClient);

    expect(seen).toEqual([
      {
        method: "POST",
        path: "/api/v1/cart/merge",
        authorization: "Bearer new-token",
        body: { items: [{ product_id: 7, quantity: 3 }] },
      },
    ]);
    expect(useSession.getState().session).toEqual(session);
    expect(useGuestCart.getState().lines).toEqual([]);
    expect(queryClient.getQueryData(serverCartKey)).toMatchObject({ item_count: 3 });
  });

  it("with no guest lines reads the account's cart with the new token", async () => {
    useGuestCart.setState({ lines: [] });
    const seen = serve(200, accountCart);
    const queryClient = createQueryClient();

    await completeSignIn(session, queryClient);

    expect(seen.map(({ method, path, authorization }) => ({ method, path, authorization }))).toEqual([
      { method: "GET", path: "/api/v1/cart", authorization: "Bearer new-token" },
    ]);
    expect(queryClient.getQueryData(serverCartKey)).toEqual(accountCart);
  });

  it("leaves the shopper signed out, guest cart kept, when the API refuses the token", async () => {
    serve(401, { code: 401, status: "Unauthorized", message: "The token is not trusted." });

    await expect(completeSignIn(session, createQueryClient())).rejects.toThrow(ApiError);

    expect(useSession.getState()).toMatchObject({ session: null, expired: false });
    expect(useGuestCart.getState().lines).toHaveLength(1);
  });
});
