/**
 * The routes that sign in, or act for a signed-in shopper and so need a fresh token. Built with
 * VITE_CLERK_PUBLISHABLE_KEY they sit under Clerk's provider, which loads with the first of them;
 * built without it the condition is a constant and the bundler leaves Clerk out of the build. The
 * home, catalog and product pages are not here: they never load Clerk.
 */
import type { RouteObject } from "react-router";
import { lazyPage } from "./lazyPage";

const signedInPages: RouteObject[] = [
  { path: "cart", ...lazyPage(() => import("../features/cart/CartPage")) },
  { path: "checkout", ...lazyPage(() => import("../features/checkout/CheckoutPage")) },
  { path: "orders", ...lazyPage(() => import("../features/orders/OrdersPage")) },
  { path: "orders/:id", ...lazyPage(() => import("../features/orders/OrderPage")) },
];

export const signInRoutes: RouteObject[] = import.meta.env.VITE_CLERK_PUBLISHABLE_KEY
  ? [
      {
        id: "clerk",
        ...lazyPage(() => import("../features/account/clerk/ClerkLayout")),
        children: [{ path: "sign-in", ...lazyPage(() => import("../features/account/clerk/ClerkSignInPage")) }, ...signedInPages],
      },
    ]
  : [{ path: "sign-in", ...lazyPage(() => import("../features/account/SignInPage")) }, ...signedInPages];
