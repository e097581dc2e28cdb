import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createQueryClient } from "../../app/queryClient";
import { useSession } from "../../stores/session";
import { serverCartKey } from "../cart/useCart";
import { isSignOutRequest, useSignOut } from "./signOut";

function SignOutButton() {
  const signOut = useSignOut();
  return (
    <button type="button" onClick={signOut}>
      Sign out
    </button>
  );
}

function renderAt(url: string) {
  const queryClient = createQueryClient();
  queryClient.setQueryData(serverCartKey, { item_count: 2 });
  const router = createMemoryRouter(
    [
      { path: "/products/:slug", Component: SignOutButton },
      { path: "/sign-in", Component: () => <p>Sign-in page</p> },
    ],
    { initialEntries: ["/products", url] },
  );
  render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { router, queryClient };
}

describe("Sign out", () => {
  beforeEach(() => {
    useSession.setState({ session: { token: "t", expiresAt: null, email: "ada@example.com", name: null }, expired: false });
  });
  afterEach(() => vi.unstubAllEnvs());

  it("without Clerk forgets the account where the shopper is", async () => {
    const { router, queryClient } = renderAt("/products/rye?x=1");
    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));

    expect(useSession.getState().session).toBeNull();
    expect(queryClient.getQueryData(serverCartKey)).toBeUndefined();
    expect(router.state.location.pathname).toBe("/products/rye");
  });

  it("with Clerk goes through the sign-in page, which ends Clerk's session, and back here", async () => {
    vi.stubEnv("VITE_CLERK_PUBLISHABLE_KEY", "pk_test_Y2xlcmsuYmFrZXJ5LmV4YW1wbGUk");
    const { router } = renderAt("/products/rye?x=1");
    await userEvent.click(await screen.findByRole("button", { name: "Sign out" }));

    expect(await screen.findByText("Sign-in page")).toBeInTheDocument();
    // Still signed in: the sign-in page signs out of Clerk and the app together.
    expect(useSession.getState().session).not.toBeNull();
    const { location, historyAction } = router.state;
    expect(location.pathname + location.search).toBe(`/sign-in?next=${encodeURIComponent("/products/rye?x=1")}`);
    expect(isSignOutRequest(location.state)).toBe(true);
    // The page signed out on is replaced: Back goes where the shopper was before it.
    expect(historyAction).toBe("REPLACE");
  });

  it("is asked for only by the app's own navigation state, never by a URL", () => {
    expect(isSignOutRequest({ signOut: true })).toBe(true);
    expect(isSignOutRequest(null)).toBe(false);
    expect(isSignOutRequest({ signOut: "true" })).toBe(false);
  });
});
