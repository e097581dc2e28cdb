import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import { StrictMode } from "react";
import { createMemoryRouter, RouterProvider, type InitialEntry } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createQueryClient } from "../../../app/queryClient";
import { useGuestCart } from "../../../stores/cart";
import { useSession } from "../../../stores/session";
import { clerk } from "../../../test/clerkMock";
import { fakeJwt } from "../../../test/tokens";
import ClerkSignInPage from "./ClerkSignInPage";

vi.mock("@clerk/clerk-react", async () => (await import("../../../test/clerkMock")).clerkReactMock);

const clerkToken = fakeJwt({ sub: "user_2abc", exp: 1_900_000_000 });
const accountCart = { items: [], item_count: 2, subtotal_cents: 900, total_cents: 900, currency: "EUR", unavailable: [] };

function renderSignIn(entry: InitialEntry) {
  const router = createMemoryRouter(
    [
      { path: "/sign-in", Component: ClerkSignInPage },
      { path: "/checkout", Component: () => <p>Checkout page</p> },
      { path: "/products", Component: () => <p>Products page</p> },
    ],
    { initialEntries: [entry] },
  );
  // Strict Mode runs effects twice, as `npm run dev` does: the merge and the sign-out still run once.
  render(
    <StrictMode>
      <QueryClientProvider client={createQueryClient()}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </StrictMode>,
  );
  return router;
}

describe("the Clerk sign-in page", () => {
  const requests: { path: string; authorization: string | null }[] = [];
  beforeEach(() => {
    Object.assign(clerk, { status: "ready", isSignedIn: false, user: null });
    clerk.getToken.mockReset().mockResolvedValue(clerkToken);
    clerk.signOut.mockReset().mockResolvedValue(undefined);
    useSession.setState({ session: null, expired: false });
    useGuestCart.setState({ lines: [{ productId: 7, name: "Country Sourdough", slug: "country-sourdough", quantity: 2 }] });
    requests.length = 0;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (request: Request) => {
        requests.push({ path: new URL(request.url).pathname, authorization: request.headers.get("Authorization") });
        return Response.json(accountCart);
      }),
    );
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.unstubAllEnvs();
  });

  it("shows Clerk's sign-in, coming back to this page afterwards, and says when the sign-in expired", async () => {
    renderSignIn("/sign-in?expired=1&next=%2Fcheckout");
    expect(await screen.findByText("Clerk's sign-in form, then back to /sign-in?expired=1&next=%2Fcheckout")).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Your sign-in has expired");
    expect(screen.getByRole("heading", { level: 1, name: "Sign in" })).toBeInTheDocument();
  });

  it("signed in to Clerk: merges the guest cart with Clerk's token, signs the app in, goes on", async () => {
    Object.assign(clerk, { isSignedIn: true, user: { primaryEmailAddress: { emailAddress: "ada@example.com" }, fullName: "Ada Lovelace" } });
    const router = renderSignIn("/sign-in?expired=1&next=%2Fcheckout");

    expect(await screen.findByText("Checkout page")).toBeInTheDocument();
    expect(requests).toEqual([{ path: "/api/v1/cart/merge", authorization: `Bearer ${clerkToken}` }]);
    expect(useSession.getState().session).toEqual({
      token: clerkToken,
      expiresAt: "2030-03-17T17:46:40.000Z",
      email: "ada@example.com",
      name: "Ada Lovelace",
    });
    expect(useGuestCart.getState().lines).toEqual([]);
    expect(router.state.historyAction).toBe("REPLACE");
    expect(clerk.getToken).toHaveBeenCalledTimes(1);
    expect(clerk.getToken).toHaveBeenCalledWith({ template: undefined });
  });

  it("takes the token from the JWT template VITE_CLERK_TOKEN_TEMPLATE names", async () => {
    vi.stubEnv("VITE_CLERK_TOKEN_TEMPLATE", "bakery");
    Object.assign(clerk, { isSignedIn: true, user: { primaryEmailAddress: null, fullName: null } });
    renderSignIn("/sign-in?next=%2Fcheckout");

    expect(await screen.findByText("Checkout page")).toBeInTheDocument();
    expect(clerk.getToken).toHaveBeenCalledWith({ template: "bakery" });
  });

  it("shows why, and stays signed out, when the API refuses Clerk's token", async () => {
    Object.assign(clerk, { isSignedIn: true, user: { primaryEmailAddress: null, fullName: null } });
    vi.stubGlobal("fetch", async () => Response.json({ code: 401, status: "Unauthorized", message: "Token not trusted" }, { status: 401 }));
    renderSignIn("/sign-in?next=%2Fcheckout");

    expect(await screen.findByRole("alert")).toHaveTextContent("Token not trusted");
    expect(useSession.getState().session).toBeNull();
    expect(useGuestCart.getState().lines).toHaveLength(1);
  });

  it("says so when Clerk cannot be loaded", async () => {
    clerk.status = "error";
    renderSignIn("/sign-in?next=%2Fcheckout");
    expect(await screen.findByRole("alert")).toHaveTextContent("The sign-in service cannot be reached");
    expect(screen.queryByText(/Clerk's sign-in form/)).not.toBeInTheDocument();
  });

  it("asked to sign out: forgets the account, signs out of Clerk, goes back", async () => {
    useSession.setState({ session: { token: clerkToken, expiresAt: null, email: null, name: null } });
    Object.assign(clerk, { isSignedIn: true, user: { primaryEmailAddress: null, fullName: null } });
    renderSignIn({ pathname: "/sign-in", search: "?next=%2Fproducts", state: { signOut: true } });

    expect(await screen.findByText("Products page")).toBeInTheDocument();
    expect(useSession.getState().session).toBeNull();
    expect(clerk.signOut).toHaveBeenCalledTimes(1);
    // Not signed in again on the way out.
    await waitFor(() => expect(clerk.getToken).not.toHaveBeenCalled());
  });
});
