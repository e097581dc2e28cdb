import { matchRoutes, type RouteObject } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

/** The app's routes as a build with (or without) Clerk's publishable key has them. */
async function routesBuilt(publishableKey: string): Promise<RouteObject[]> {
  vi.stubEnv("VITE_CLERK_PUBLISHABLE_KEY", publishableKey);
  vi.resetModules();
  return (await import("./routes")).routes;
}

const underClerk = (routes: RouteObject[], path: string) =>
  matchRoutes(routes, path)?.some((match) => match.route.id === "clerk") ?? false;

async function pageAt(routes: RouteObject[], path: string) {
  const match = matchRoutes(routes, path)?.at(-1);
  const lazy = match?.route.lazy;
  if (typeof lazy !== "function") throw new Error(`no lazy page at ${path}`);
  return (await lazy()).Component;
}

const signInPaths = ["/sign-in", "/cart", "/checkout", "/orders", "/orders/12"];
const publicPaths = ["/", "/products", "/products/country-sourdough", "/nowhere"];

describe("the sign-in the build has", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("with Clerk's key: Clerk on the sign-in page and the pages that need a fresh token, nowhere else", async () => {
    const routes = await routesBuilt("pk_test_Y2xlcmsuYmFrZXJ5LmV4YW1wbGUk");
    for (const path of signInPaths) expect(underClerk(routes, path), path).toBe(true);
    for (const path of publicPaths) expect(underClerk(routes, path), path).toBe(false);
    expect(await pageAt(routes, "/sign-in")).toBe((await import("../features/account/clerk/ClerkSignInPage")).default);
  });

  it("without it: the development sign-in, and no Clerk anywhere", async () => {
    const routes = await routesBuilt("");
    for (const path of [...signInPaths, ...publicPaths]) expect(underClerk(routes, path), path).toBe(false);
    expect(await pageAt(routes, "/sign-in")).toBe((await import("../features/account/SignInPage")).default);
  });
});
