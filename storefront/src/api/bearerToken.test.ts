import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useSession } from "../stores/session";
import { fakeJwt } from "../test/tokens";
import { bearerToken, renewTokensWith } from "./bearerToken";
import { api } from "./client";

const kept = { token: "kept-token", expiresAt: "2999-01-01T00:00:00.000Z", email: "ada@example.com", name: null };
const fresh = fakeJwt({ sub: "user_1", exp: 1_900_000_000 });

describe("the API's bearer token", () => {
  let stopRenewing: (() => void) | undefined;
  beforeEach(() => useSession.setState({ session: kept, expired: false }));
  afterEach(() => {
    stopRenewing?.();
    stopRenewing = undefined;
  });

  it("is the kept token while no provider renews it (the development sign-in, pages without Clerk)", async () => {
    expect(await bearerToken()).toBe("kept-token");
  });

  it("is none once the kept token has expired, and the session is marked expired", async () => {
    useSession.setState({ session: { ...kept, expiresAt: "2000-01-01T00:00:00.000Z" } });
    expect(await bearerToken()).toBeNull();
    expect(useSession.getState()).toMatchObject({ session: null, expired: true });
  });

  it("comes fresh from the provider while it is loaded, and is kept with its expiry", async () => {
    stopRenewing = renewTokensWith(async () => fresh);
    expect(await bearerToken()).toBe(fresh);
    expect(useSession.getState().session).toEqual({ ...kept, token: fresh, expiresAt: "2030-03-17T17:46:40.000Z" });

    stopRenewing();
    expect(await bearerToken()).toBe(fresh);
  });

  it("is none when the provider's session has ended: the app's sign-in expires too", async () => {
    stopRenewing = renewTokensWith(async () => null);
    expect(await bearerToken()).toBeNull();
    expect(useSession.getState()).toMatchObject({ session: null, expired: true });
  });

  it("falls back to the kept token when the provider cannot be asked", async () => {
    stopRenewing = renewTokensWith(async () => {
      throw new Error("offline");
    });
    expect(await bearerToken()).toBe("kept-token");
  });

  it("is not asked for while signed out", async () => {
    useSession.setState({ session: null });
    const renewer = vi.fn(async () => fresh);
    stopRenewing = renewTokensWith(renewer);
    expect(await bearerToken()).toBeNull();
    expect(renewer).not.toHaveBeenCalled();
  });

  describe("in the API client", () => {
    const sent = vi.fn((request: Request) => request.headers.get("Authorization"));
    beforeEach(() => {
      sent.mockClear();
      vi.stubGlobal(
        "fetch",
        vi.fn(async (request: Request) => {
          sent(request);
          return Response.json({ items: [] });
        }),
      );
    });
    afterEach(() => vi.unstubAllGlobals());

    it("goes with each request", async () => {
      stopRenewing = renewTokensWith(async () => fresh);
      await api.GET("/api/v1/cart");
      expect(sent).toHaveReturnedWith(`Bearer ${fresh}`);
    });

    it("leaves alone a request that brings its own", async () => {
      await api.GET("/api/v1/cart", { headers: { Authorization: "Bearer brought" } });
      expect(sent).toHaveReturnedWith("Bearer brought");
    });
  });
});
