import { act, render, screen } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { bearerToken } from "../../../api/bearerToken";
import { useSession } from "../../../stores/session";
import { clerk } from "../../../test/clerkMock";
import { fakeJwt } from "../../../test/tokens";
import ClerkLayout from "./ClerkLayout";

vi.mock("@clerk/clerk-react", async () => (await import("../../../test/clerkMock")).clerkReactMock);

const fresh = fakeJwt({ sub: "user_2abc", exp: 1_900_000_000 });

function renderLayout() {
  const router = createMemoryRouter(
    [{ Component: ClerkLayout, children: [{ path: "/cart", Component: () => <p>Cart page</p> }] }],
    { initialEntries: ["/cart"] },
  );
  const view = render(<RouterProvider router={router} />);
  return { router, view };
}

describe("Clerk's routes", () => {
  beforeEach(() => {
    Object.assign(clerk, { status: "ready", isSignedIn: true });
    clerk.getToken.mockReset().mockResolvedValue(fresh);
    useSession.setState({ session: { token: "kept", expiresAt: null, email: null, name: null }, expired: false });
  });
  it("give every API request a fresh token from Clerk while they are on screen", async () => {
    const { view } = renderLayout();
    expect(await screen.findByText("Cart page")).toBeInTheDocument();
    expect(await bearerToken()).toBe(fresh);

    view.unmount();
    clerk.getToken.mockClear();
    expect(await bearerToken()).toBe(fresh);
    expect(clerk.getToken).not.toHaveBeenCalled();
  });

  it("keep the kept token until Clerk has loaded", async () => {
    clerk.status = "loading";
    renderLayout();
    expect(await screen.findByText("Cart page")).toBeInTheDocument();
    expect(await bearerToken()).toBe("kept");
    expect(clerk.getToken).not.toHaveBeenCalled();
  });

  it("let Clerk navigate in the app, replacing the entry", async () => {
    const { router } = renderLayout();
    await screen.findByText("Cart page");
    const { routerPush } = clerk.providerProps as { routerPush: (to: string) => Promise<void> };
    await act(() => routerPush("/cart?again=1"));
    expect(router.state.location.search).toBe("?again=1");
    expect(router.state.historyAction).toBe("REPLACE");
  });
});
